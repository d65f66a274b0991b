//! W5 escaping futures, Rust side: a future created in one function, stored in a batch and
//! awaited after that function returned (the counterpart of workloads/escaping_futures/
//! escaping.hpp), over W3's lookup interface.
//!
//! In Rust the borrow checker decides part of this workload: a future placed in the
//! caller's storage (`in_place`, `reusable_box`) borrows that storage, so a function that
//! owns the storage cannot return the future at all. This does not compile:
//!
//! ```compile_fail,E0515
//! use std::pin::pin;
//! use concurrent_calls_rust_impl::Lookup;
//! use testbed_strategies::{InPlace, Strategy};
//! fn start_lookup<'t>(table: &'t dyn Lookup<InPlace<512>>, key: i32)
//!     -> <InPlace<512> as Strategy>::Handle<'t, i32> {
//!     let storage = pin!(<InPlace<512> as Strategy>::CallerStorage::default());
//!     table.get(storage, key) // returns a value referencing data owned by this function
//! }
//! ```
//!
//! The strategies whose caller storage is empty (`()`) can: [`start_lookup`] gives the call
//! a storage that lives forever (a leaked `Box` of a zero-sized value, which allocates
//! nothing).

use concurrent_calls_rust_impl::{Batch, Lookup, ReleaseOrder};
use std::pin::{Pin, pin};
use testbed_harness::capabilities::WorkloadNeeds;
use testbed_strategies::Strategy;

/// Starts a lookup and returns its future without awaiting it; the function that made the
/// call returns before the future is polled. Not inlined, as the C++ `start_lookup`.
///
/// Panics for a strategy with caller storage (its future would outlive the storage it
/// lives in; written with a local storage, the function does not compile, see the crate
/// comment).
#[inline(never)]
pub fn start_lookup<'t, S: Strategy>(table: &'t dyn Lookup<S>, key: i32) -> S::Handle<'t, i32> {
    assert!(
        size_of::<S::CallerStorage>() == 0,
        "{}: its futures live in the caller's storage, which dies when the function that made the call returns \
         (the borrow checker refuses to return such a future)",
        S::NAME
    );
    // A zero-sized storage: the Box allocates nothing, and leaking it leaks nothing.
    let storage: &'static mut S::CallerStorage = Box::leak(Box::new(S::CallerStorage::default()));
    // SAFETY: a 'static value that is never moved (nothing else refers to it).
    table.get(unsafe { Pin::new_unchecked(storage) }, key)
}

/// How many futures one batch stores before awaiting them (C++ `escaping_batch`).
pub const ESCAPING_BATCH: usize = 8;

/// Batches of futures: created by `start_lookup` into a batch, awaited newest first, then
/// dropped in `order` (oldest first: not LIFO; newest first: LIFO). Returns the sum.
pub async fn escaping_batches<S: Strategy>(
    table: &dyn Lookup<S>,
    mut more: impl FnMut() -> bool,
    order: ReleaseOrder,
) -> i64 {
    let mut sum = 0i64;
    let mut key = 0i32;
    while more() {
        let mut futures = pin!(Batch::<S::Handle<'_, i32>, ESCAPING_BATCH>::new());
        for _ in 0..ESCAPING_BATCH {
            futures.as_mut().push(start_lookup(table, key % 1024));
            key += 1;
        }
        for i in (0..ESCAPING_BATCH).rev() {
            sum += i64::from(futures.as_mut().get(i).await);
        }
        futures.as_mut().release(order);
    }
    sum
}

/// Futures outlive the function that created them; 8 are outstanding on one object; they
/// die in creation order (`escaping_futures`) or newest first (`escaping_futures_lifo`).
pub const fn escaping_needs(order: ReleaseOrder) -> WorkloadNeeds {
    WorkloadNeeds {
        calls_per_object: ESCAPING_BATCH as i32,
        frames_outlive_call_site: true,
        non_lifo_release: matches!(order, ReleaseOrder::Creation),
        ..WorkloadNeeds::NONE
    }
}
