//! W5's Rust rows, checked exactly (counting build): which rows serve escaping futures
//! (box, stack_future*, and the side stack when they die newest first), with the same sum
//! and exact allocations (box once per call, the others nothing but the side stack's first
//! chunk); every other cell fails loudly when forced to run. Counts are this thread's.

use concurrent_calls_rust_impl::{Lookups, ReleaseOrder, lookup_value};
use escaping_futures_rust_impl::{ESCAPING_BATCH, escaping_batches, escaping_needs};
use std::panic::{AssertUnwindSafe, catch_unwind};
use testbed_harness::alloc_counter;
use testbed_harness::executor::{block_on, passes};
use testbed_strategies::cells::refusal;

const BATCHES: u64 = 50;

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Runs the row on both workloads; returns which it served.
fn check_row<S: Lookups>() -> [bool; 2] {
    testbed_harness::require_counting_build();
    let traits = S::TRAITS;
    let mut served = [false; 2];
    for (k, order) in [ReleaseOrder::Creation, ReleaseOrder::NewestFirst].into_iter().enumerate() {
        let what = format!("{} {order:?}", S::NAME);
        let table = S::make_lookup_table(1024, false);
        let run = || S::run_task(|| block_on(escaping_batches::<S>(&*table, passes(BATCHES), order)));
        if let Some(reason) = refusal::<S>(&escaping_needs(order)) {
            let payload = catch_unwind(AssertUnwindSafe(run))
                .expect_err(&format!("{what}: unsupported ({reason}) but it ran"));
            let text = panic_text(&*payload);
            assert!(
                text.contains("second outstanding call")
                    || text.contains("out of LIFO order")
                    || text.contains("the caller's storage"),
                "{what}: the refusal says why: {text}"
            );
            continue;
        }
        served[k] = true;
        let before = alloc_counter::this_thread();
        let sum = run();
        let used = alloc_counter::this_thread() - before;
        let calls = BATCHES * ESCAPING_BATCH as u64;
        let expected_sum: i64 = (0..calls as i32).map(|k| i64::from(lookup_value(k % 1024))).sum();
        assert_eq!(sum, expected_sum, "{what}: the sum");
        let expected = if traits.steady_allocations == 1 {
            calls
        } else {
            traits.first_call_allocations as u64
        };
        assert_eq!(used.allocations, expected, "{what}: allocations");
        assert_eq!(used.deallocations, expected, "{what}: frees");
    }
    served
}

use testbed_strategies::{
    Boxed, CalleeCache, InPlace, Inline, Local, ReusableBox, Sendable, SideStack, StackFutureOrBox,
    StackFutureStrategy,
};

/// Every row, and which of the two workloads it serves.
#[test]
fn rows() {
    let both = [true, true];
    let neither = [false, false];
    assert_eq!(check_row::<Boxed>(), both);
    assert_eq!(check_row::<StackFutureStrategy<64>>(), both);
    assert_eq!(check_row::<StackFutureStrategy<128>>(), both);
    assert_eq!(check_row::<StackFutureStrategy<512>>(), both);
    assert_eq!(check_row::<StackFutureStrategy<2048>>(), both);
    assert_eq!(check_row::<StackFutureOrBox<64>>(), both);
    assert_eq!(check_row::<StackFutureOrBox<128>>(), both);
    assert_eq!(check_row::<StackFutureOrBox<512>>(), both);
    assert_eq!(check_row::<StackFutureOrBox<2048>>(), both);
    // Their futures live in the caller's storage: refused (in Rust, by the borrow checker).
    assert_eq!(check_row::<InPlace<512>>(), neither);
    assert_eq!(check_row::<ReusableBox<Local>>(), neither);
    assert_eq!(check_row::<ReusableBox<Sendable>>(), neither);
    // One call per object: 8 outstanding are refused.
    assert_eq!(check_row::<CalleeCache<Local>>(), neither);
    assert_eq!(check_row::<CalleeCache<Sendable>>(), neither);
    assert_eq!(check_row::<Inline<256, Local>>(), neither);
    assert_eq!(check_row::<Inline<256, Sendable>>(), neither);
    // LIFO only: served when the batch dies newest first.
    assert_eq!(check_row::<SideStack>(), [false, true]);
}
