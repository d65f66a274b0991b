//! W2's Rust rows, checked exactly (counting build): the table of sizes each row serves is
//! exactly what its buffer and the futures' sizes allow; every served cell returns the
//! same results; box allocates exactly once per call, every other row only what its traits
//! say on the first call and nothing after, except stack_future_or_box_N's heap fallback,
//! once per call exactly when the future is larger than N. Counts are this thread's.

use mixed_frames_rust_impl::{FrameSource, FrameSources, LOCAL_SIZES, call_passes, future_layout, size_needs};
use std::pin::pin;
use testbed_harness::alloc_counter::{self, Counts};
use testbed_harness::executor::{block_on, passes};
use testbed_harness::frames;
use testbed_strategies::Strategy;
use testbed_strategies::cells::refusal;

const CALLS: u64 = 300;

/// `CALLS` calls, one `block_on` each, in one task: the results, the counts of the first
/// call and of all the others, and the heap fallbacks of the others.
fn calls<S: Strategy>(source: &dyn FrameSource<S>) -> (Vec<i32>, Counts, Counts, u64) {
    S::run_task(|| {
        let mut storage = pin!(S::CallerStorage::default());
        let mut seen = Vec::with_capacity(CALLS as usize);
        let before = alloc_counter::this_thread();
        seen.push(block_on(source.call(storage.as_mut())));
        let after_first = alloc_counter::this_thread();
        let fallbacks_before = frames::this_thread().heap_fallbacks;
        for _ in 1..CALLS {
            seen.push(block_on(source.call(storage.as_mut())));
        }
        let after = alloc_counter::this_thread();
        let fallbacks = frames::this_thread().heap_fallbacks - fallbacks_before;
        (seen, after_first - before, after - after_first, fallbacks)
    })
}

fn check_row<S: FrameSources>() {
    testbed_harness::require_counting_build();
    let traits = S::TRAITS;
    for (i, bytes) in LOCAL_SIZES.iter().enumerate() {
        let what = format!("{} local_bytes:{bytes}", S::NAME);
        let source = S::make_source(i);
        // The table: a source exactly where the strategy's traits serve the future's size.
        assert_eq!(
            source.is_some(),
            refusal::<S>(&size_needs(i)).is_none(),
            "{what}: the table of served sizes (future of {} bytes)",
            future_layout(i).0
        );
        let Some(source) = source else { continue };
        let (seen, first, steady, fallbacks) = calls::<S>(&*source);
        assert_eq!(seen, vec![1; CALLS as usize], "{what}: the results");
        let steady_calls = CALLS - 1;
        // Only stack_future_or_box_N falls back, on every call, exactly when the future
        // is larger than N (N = max of the plain stack_future row: RETURNED_BYTES - 16).
        let falls_back = S::FAMILY.starts_with("stack_future_or_box")
            && future_layout(i).0 > S::RETURNED_BYTES - 16;
        assert_eq!(fallbacks, if falls_back { steady_calls } else { 0 }, "{what}: heap fallbacks");
        let (first_expected, steady_expected) = if falls_back {
            (1, steady_calls)
        } else {
            (traits.first_call_allocations as u64, traits.steady_allocations as u64 * steady_calls)
        };
        assert_eq!(first.allocations, first_expected, "{what}: first call allocations");
        assert_eq!(steady.allocations, steady_expected, "{what}: allocations after the first call");
        let cached = first_expected + steady_expected
            - if falls_back { steady_calls + 1 } else { traits.steady_allocations as u64 * CALLS };
        assert_eq!(
            first.deallocations + steady.deallocations + cached,
            first.allocations + steady.allocations,
            "{what}: frees"
        );
    }
}

/// The benchmark's loop: box allocates and frees exactly once per call, and the sum is
/// one per call.
#[test]
fn loop_sums_and_box_allocates_once_per_call() {
    testbed_harness::require_counting_build();
    use testbed_strategies::Boxed;
    for i in 0..LOCAL_SIZES.len() {
        let source = Boxed::make_source(i).unwrap();
        let before = alloc_counter::this_thread();
        let sum = block_on(call_passes::<Boxed>(&*source, 1024, passes(3)));
        let used = alloc_counter::this_thread() - before;
        assert_eq!(sum, 3 * 1024);
        assert_eq!((used.allocations, used.deallocations), (3 * 1024, 3 * 1024));
    }
}

/// A future that does not fit a fixed buffer is refused when the program is compiled;
/// the cell says why in one sentence.
#[test]
fn refusals_name_the_sizes() {
    use testbed_strategies::StackFutureStrategy;
    let reason = refusal::<StackFutureStrategy<64>>(&size_needs(1)).unwrap();
    assert_eq!(
        reason,
        format!("its frames reach about {} bytes; this strategy serves up to 64", future_layout(1).0)
    );
    assert!(StackFutureStrategy::<64>::make_source(1).is_none());
}

testbed_strategies::row_tests!(check_row);
