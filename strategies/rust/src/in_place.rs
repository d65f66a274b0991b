//! `in_place`: the caller provides pinned storage (an N-byte slot) with every call, and
//! the callee writes its future into it: the future is polled where it was written and
//! never moves, not on return and not on `.await` (the handle the call returns is a
//! pointer to the slot). Max-space without the by-value move: the caller must still know
//! the largest future any callee returns (a larger one is refused at compile time).

use crate::Strategy;
use crate::erased::{PlacedFuture, Slot, SlotRelease};
use crate::forms::LocalWord;
use std::future::Future;
use std::pin::Pin;
use testbed_harness::design_post;
use testbed_harness::manifest::StrategyTraits;

/// The in_place strategy with an N-byte slot (row `in_place`, N = 512).
#[derive(Debug)]
pub enum InPlace<const N: usize> {}

/// The caller's slot: N bytes the callee's future is written into. `!Unpin`: the caller
/// pins it (`std::pin::pin!`) and passes it to every call; `!Send`, like the handle.
pub type InPlaceSlot<const N: usize> = Slot<N, LocalWord>;

impl<const N: usize> Strategy for InPlace<N> {
    const NAME: &'static str = "in_place";
    const FAMILY: &'static str = "in_place";
    const DESIGN: design_post::Entry = design_post::MAX_SPACE;
    const PLACEMENT: &'static str =
        "a pinned slot in the caller's storage, written in place by the callee (never moved)";
    const TRAITS: StrategyTraits = StrategyTraits {
        max_frame_bytes: N,
        calls_per_storage: 1,
        frames_in_caller_storage: true,
        ..StrategyTraits::allocating(0, 0)
    };

    type ObjectState = ();
    type CallerStorage = InPlaceSlot<N>;
    type Handle<'a, T: 'a> = PlacedFuture<'a, T, SlotRelease<'a, LocalWord>>;

    #[inline(always)]
    fn place<'a, T: 'a, F>(
        _: Pin<&'a ()>,
        storage: Pin<&'a mut InPlaceSlot<N>>,
        future: F,
    ) -> Self::Handle<'a, T>
    where
        F: Future<Output = T> + Send + 'a,
    {
        // The handle borrows the slot for 'a, so a second call on the same slot is a
        // compile error while it lives; the check inside catches a leaked handle.
        storage.into_ref().place(
            future,
            "in_place: the caller's slot still holds a future (its handle was leaked); one outstanding call per slot",
        )
    }
}
