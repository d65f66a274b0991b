//! `inline_local`, `inline_sendable`: the future stored in the object itself, in an
//! N-byte slot the strategy adds to every object (the design post's
//! InlineAsyncIterator). One outstanding call per object: with `&mut self` methods the
//! compiler guarantees it; through a shared reference (two calls on one `&self`) the
//! second call is refused with a panic. A future larger than N is refused at compile
//! time. The slot's busy word is a `Cell` (Local, `!Send`) or an atomic (Sendable).

use crate::Strategy;
use crate::erased::{PlacedFuture, Slot, SlotRelease};
use crate::forms::Form;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use testbed_harness::design_post;
use testbed_harness::manifest::StrategyTraits;

/// The inline strategy: an N-byte slot in each object, in form Fo (rows `inline_local`,
/// `inline_sendable`, N = 256).
///
/// ```
/// use std::pin::Pin;
/// use testbed_strategies::{Inline, Local, Strategy};
/// let object = Box::pin(<Inline<64, Local> as Strategy>::ObjectState::default());
/// let mut unit = ();
/// let small = [7u8; 16];
/// let f = <Inline<64, Local>>::place(object.as_ref(), Pin::new(&mut unit), async move { small[0] });
/// assert_eq!(testbed_harness::executor::block_on(f), 7);
/// ```
///
/// A future larger than the slot is refused when the program is compiled:
///
/// ```compile_fail,E0080
/// use std::pin::Pin;
/// use testbed_strategies::{Inline, Local, Strategy};
/// let object = Box::pin(<Inline<64, Local> as Strategy>::ObjectState::default());
/// let mut unit = ();
/// let big = [7u8; 100];
/// let f = <Inline<64, Local>>::place(object.as_ref(), Pin::new(&mut unit), async move { big[0] });
/// ```
#[derive(Debug)]
pub struct Inline<const N: usize, Fo: Form>(PhantomData<Fo>);

/// What inline adds to each object.
pub type InlineSlot<const N: usize, Fo> = Slot<N, <Fo as Form>::Word>;

impl<const N: usize, Fo: Form> Strategy for Inline<N, Fo> {
    const NAME: &'static str = if Fo::IS_LOCAL {
        "inline_local"
    } else {
        "inline_sendable"
    };
    const FAMILY: &'static str = "inline";
    const FORM: &'static str = Fo::NAME;
    const DESIGN: design_post::Entry = design_post::INLINE_IT;
    const PLACEMENT: &'static str = "fixed storage inside the object";
    const TRAITS: StrategyTraits = StrategyTraits {
        max_frame_bytes: N,
        calls_per_object: 1,
        same_thread_release: Fo::IS_LOCAL,
        ..StrategyTraits::allocating(0, 0)
    };

    type ObjectState = InlineSlot<N, Fo>;
    type CallerStorage = ();
    type Handle<'a, T: 'a> = PlacedFuture<'a, T, SlotRelease<'a, Fo::Word>>;

    #[inline(always)]
    fn place<'a, T: 'a, F>(
        object: Pin<&'a InlineSlot<N, Fo>>,
        _: Pin<&'a mut ()>,
        future: F,
    ) -> Self::Handle<'a, T>
    where
        F: Future<Output = T> + Send + 'a,
    {
        object.place(
            future,
            "inline: a second outstanding call on one object (its slot holds the first call's future); \
             this strategy serves one call per object",
        )
    }
}
