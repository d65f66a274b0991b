//! `box`: every call's future in a fresh heap allocation, returned as
//! `Pin<Box<dyn Future<Output = T> + 'a>>`, the shape async-trait generates (and the
//! design post's `Boxing` adapter). The reference row every strategy is compared with.

use crate::Strategy;
use std::future::Future;
use std::pin::Pin;
use testbed_harness::design_post;
use testbed_harness::manifest::{StrategyTraits, roles};

/// The box strategy (row `box`).
#[derive(Debug)]
pub enum Boxed {}

impl Strategy for Boxed {
    const NAME: &'static str = "box";
    const FAMILY: &'static str = "box";
    const ROLE: &'static str = roles::REFERENCE;
    const DESIGN: design_post::Entry = design_post::BOX_IT;
    const PLACEMENT: &'static str =
        "a fresh heap allocation per call (Box::pin, the System allocator)";
    // One allocation per call, first call or not.
    const TRAITS: StrategyTraits = StrategyTraits::allocating(1, 1);

    type ObjectState = ();
    type CallerStorage = ();
    type Handle<'a, T: 'a> = Pin<Box<dyn Future<Output = T> + 'a>>;

    #[inline(always)]
    fn place<'a, T: 'a, F>(_: Pin<&'a ()>, _: Pin<&'a mut ()>, future: F) -> Self::Handle<'a, T>
    where
        F: Future<Output = T> + Send + 'a,
    {
        testbed_harness::frames::record(size_of::<F>());
        Box::pin(future)
    }
}
