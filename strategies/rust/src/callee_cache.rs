//! `callee_cache_local`, `callee_cache_sendable`: the object keeps one heap block (one
//! word added to each object) and every call's future is written into it (the design
//! post's "cache on callee side", CachedAsyncIterator): the first call allocates, later
//! calls reuse the block whenever it is large enough, and the block lives until the
//! object dies. One outstanding call per object: a second call through a shared
//! reference is refused with a panic. The word is a `Cell` (Local) or an atomic
//! (Sendable).

use crate::Strategy;
use crate::erased::{BlockCache, BlockRelease, PlacedFuture, Reuse};
use crate::forms::Form;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use testbed_harness::design_post;
use testbed_harness::manifest::StrategyTraits;

/// The callee-cache strategy in form Fo.
#[derive(Debug)]
pub struct CalleeCache<Fo: Form>(PhantomData<Fo>);

/// What callee_cache adds to each object: one word, the cached block.
pub type CalleeBlock<Fo> = BlockCache<<Fo as Form>::Word>;

impl<Fo: Form> Strategy for CalleeCache<Fo> {
    const NAME: &'static str = if Fo::IS_LOCAL {
        "callee_cache_local"
    } else {
        "callee_cache_sendable"
    };
    const FAMILY: &'static str = "callee_cache";
    const FORM: &'static str = Fo::NAME;
    const DESIGN: design_post::Entry = design_post::CALLEE_CACHE;
    const PLACEMENT: &'static str = "a heap block cached in the object";
    const TRAITS: StrategyTraits = StrategyTraits {
        calls_per_object: 1,
        same_thread_release: Fo::IS_LOCAL,
        ..StrategyTraits::allocating(1, 0)
    };

    type ObjectState = CalleeBlock<Fo>;
    type CallerStorage = ();
    type Handle<'a, T: 'a> = PlacedFuture<'a, T, BlockRelease<'a, Fo::Word>>;

    #[inline(always)]
    fn place<'a, T: 'a, F>(
        object: Pin<&'a CalleeBlock<Fo>>,
        _: Pin<&'a mut ()>,
        future: F,
    ) -> Self::Handle<'a, T>
    where
        F: Future<Output = T> + Send + 'a,
    {
        object.get_ref().place(
            future,
            Reuse::LargeEnough,
            "callee_cache: a second outstanding call on one object (its cached block holds the first call's future); \
             this strategy serves one call per object",
        )
    }
}
