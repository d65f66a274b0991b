//! `reusable_box_local`, `reusable_box_sendable`: the caller keeps one heap block across
//! calls and every call's future is written into it (the design post's "cache on caller
//! side"; tokio's ReusableBoxFuture): the first call allocates, later calls reuse the
//! block when the future's layout is the same, and reallocate otherwise. The block lives
//! in the caller's storage; its word is a `Cell` (Local) or an atomic (Sendable).

use crate::Strategy;
use crate::erased::{BlockCache, BlockRelease, PlacedFuture, Reuse};
use crate::forms::Form;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use testbed_harness::design_post;
use testbed_harness::manifest::StrategyTraits;

/// The caller-cache strategy in form Fo.
#[derive(Debug)]
pub struct ReusableBox<Fo: Form>(PhantomData<Fo>);

/// What the caller keeps: one cached block.
pub type ReusableBlock<Fo> = BlockCache<<Fo as Form>::Word>;

impl<Fo: Form> Strategy for ReusableBox<Fo> {
    const NAME: &'static str = if Fo::IS_LOCAL {
        "reusable_box_local"
    } else {
        "reusable_box_sendable"
    };
    const FAMILY: &'static str = "reusable_box";
    const FORM: &'static str = Fo::NAME;
    const DESIGN: design_post::Entry = design_post::CALLER_CACHE;
    const PLACEMENT: &'static str =
        "a heap block the caller keeps across calls (reused when the layout matches)";
    const TRAITS: StrategyTraits = StrategyTraits {
        calls_per_storage: 1,
        frames_in_caller_storage: true,
        same_thread_release: Fo::IS_LOCAL,
        ..StrategyTraits::allocating(1, 0)
    };

    type ObjectState = ();
    type CallerStorage = ReusableBlock<Fo>;
    type Handle<'a, T: 'a> = PlacedFuture<'a, T, BlockRelease<'a, Fo::Word>>;

    #[inline(always)]
    fn place<'a, T: 'a, F>(
        _: Pin<&'a ()>,
        storage: Pin<&'a mut ReusableBlock<Fo>>,
        future: F,
    ) -> Self::Handle<'a, T>
    where
        F: Future<Output = T> + Send + 'a,
    {
        // The block never moves with the storage (it is on the heap): no pinning needed.
        Pin::into_inner(storage).place(
            future,
            Reuse::SameLayout,
            "reusable_box: the caller's block still holds a future (its handle was leaked); one outstanding call per cache",
        )
    }
}
