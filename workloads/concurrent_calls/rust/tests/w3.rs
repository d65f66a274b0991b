//! W3's Rust rows, checked exactly (counting build): every row that serves a cell returns
//! the same sum; box allocates exactly once per call, every other row only its first
//! calls' blocks (one per caller storage for the caller caches, one per object or task
//! otherwise) and nothing after; every cell a row cannot serve fails loudly (a panic
//! naming the refusal) when forced to run. Counts are this thread's.

use concurrent_calls_rust_impl::{Lookups, ReleaseOrder, concurrent_needs, concurrent_rounds, lookup_value};
use std::panic::{AssertUnwindSafe, catch_unwind};
use testbed_harness::alloc_counter;
use testbed_harness::executor::{block_on, passes};
use testbed_strategies::cells::refusal;
use testbed_strategies::{CalleeCache, InPlace, Inline, Local, Sendable, SideStack};

const ROUNDS: u64 = 40;
const WIDTHS: [i32; 5] = [1, 2, 4, 8, 16];

fn expected_sum(calls: i32) -> i64 {
    (0..calls).map(|k| i64::from(lookup_value(k % 1024))).sum()
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn check_row<S: Lookups>() {
    testbed_harness::require_counting_build();
    let traits = S::TRAITS;
    for order in [ReleaseOrder::Creation, ReleaseOrder::NewestFirst] {
        for width in WIDTHS {
            let what = format!("{} outstanding:{width} {order:?}", S::NAME);
            let table = S::make_lookup_table(1024, true);
            let run = || S::run_task(|| block_on(concurrent_rounds::<S>(&*table, width as usize, passes(ROUNDS), order)));
            if let Some(reason) = refusal::<S>(&concurrent_needs(width, order)) {
                // Forced to run, the cell fails loudly, in the strategy's words.
                let payload = catch_unwind(AssertUnwindSafe(run))
                    .expect_err(&format!("{what}: unsupported ({reason}) but it ran"));
                let text = panic_text(&*payload);
                assert!(
                    text.contains("second outstanding call") || text.contains("out of LIFO order"),
                    "{what}: the refusal says why: {text}"
                );
                continue;
            }
            let before = alloc_counter::this_thread();
            let sum = run();
            let used = alloc_counter::this_thread() - before;
            let calls = ROUNDS * width as u64;
            assert_eq!(sum, expected_sum(calls as i32), "{what}: the sum");
            let expected = if traits.steady_allocations == 1 {
                calls
            } else if traits.frames_in_caller_storage {
                // A block per caller storage (reusable_box), kept for the cell.
                traits.first_call_allocations as u64 * width as u64
            } else {
                traits.first_call_allocations as u64
            };
            assert_eq!(used.allocations, expected, "{what}: allocations");
        }
    }
}

testbed_strategies::row_tests!(check_row);

/// Which rows W3 refuses, and why (the C++ rows' reasons): one call per object for inline
/// and callee_cache beyond one outstanding call; LIFO only for the side stack when a round
/// is dropped oldest first; everything else serves every width.
#[test]
fn refusals() {
    let two = concurrent_needs(2, ReleaseOrder::Creation);
    assert_eq!(
        refusal::<Inline<256, Local>>(&two).as_deref(),
        Some("the workload keeps 2 calls outstanding on one object; this strategy serves 1 per object")
    );
    assert!(refusal::<CalleeCache<Sendable>>(&two).is_some());
    assert!(refusal::<SideStack>(&two).unwrap().contains("LIFO"));
    assert_eq!(refusal::<SideStack>(&concurrent_needs(16, ReleaseOrder::NewestFirst)), None);
    assert_eq!(refusal::<InPlace<512>>(&concurrent_needs(16, ReleaseOrder::Creation)), None);
    assert_eq!(refusal::<Inline<256, Local>>(&concurrent_needs(1, ReleaseOrder::Creation)), None);
}
