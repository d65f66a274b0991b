//! W1's Rust rows, checked exactly (counting build, enabled by the dev-dependency): every
//! row yields the same sequence as the synchronous counter, box allocates exactly once per
//! call, and every other row allocates only what its declared traits say on the first call
//! and nothing after. Counts are this thread's (tests run in parallel threads).

use async_iterator_rust_impl::{
    AsyncIterator, Counters, make_poll_counter, make_sync_counter, sum_passes, sum_passes_poll,
    sum_passes_sync,
};
use std::pin::pin;
use testbed_harness::alloc_counter::{self, Counts};
use testbed_harness::executor::{block_on, passes};
use testbed_harness::frames;
use testbed_strategies::{Boxed, Strategy};

const ITEMS: i32 = 1000;
const EVERY: i32 = 16;
const CALLS_PER_PASS: u64 = ITEMS as u64 + 1;

/// The sequence of two passes, from the synchronous counter.
fn expected() -> Vec<Option<i32>> {
    let mut it = make_sync_counter(ITEMS);
    (0..2 * CALLS_PER_PASS).map(|_| it.next()).collect()
}

/// Two passes of `it`, one `block_on` per call, with the counts of the first call and of
/// all the others.
fn two_passes<S: Strategy>(it: &mut dyn AsyncIterator<S>) -> (Vec<Option<i32>>, Counts, Counts) {
    S::run_task(|| {
        let mut storage = pin!(S::CallerStorage::default());
        let mut seen = Vec::with_capacity(2 * CALLS_PER_PASS as usize);
        let before = alloc_counter::this_thread();
        seen.push(block_on(it.next(storage.as_mut())));
        let after_first = alloc_counter::this_thread();
        for _ in 1..2 * CALLS_PER_PASS {
            seen.push(block_on(it.next(storage.as_mut())));
        }
        let after = alloc_counter::this_thread();
        (seen, after_first - before, after - after_first)
    })
}

fn check_row<S: Counters>() {
    testbed_harness::require_counting_build();
    let traits = S::TRAITS;
    let steady_calls = 2 * CALLS_PER_PASS - 1;
    for suspending in [false, true] {
        let mut it = if suspending {
            S::make_suspending_counter(ITEMS, EVERY)
        } else {
            S::make_counter(ITEMS)
        };
        let (seen, first, steady) = two_passes::<S>(&mut *it);
        let what = format!("{} (suspending: {suspending})", S::NAME);
        assert_eq!(seen, expected(), "{what}: the sequence");
        assert_eq!(
            first.allocations, traits.first_call_allocations as u64,
            "{what}: first call allocations"
        );
        assert_eq!(
            steady.allocations,
            traits.steady_allocations as u64 * steady_calls,
            "{what}: allocations after the first call"
        );
        // Every allocation but the cached ones is freed by the call that made it.
        let cached = (traits.first_call_allocations - traits.steady_allocations) as u64;
        assert_eq!(
            first.deallocations + steady.deallocations + cached,
            first.allocations + steady.allocations,
            "{what}: frees"
        );
    }
}

testbed_strategies::row_tests!(check_row);

/// Box allocates exactly once per call over whole passes of the benchmark's loop, and
/// places exactly one future per call.
#[test]
fn box_allocates_once_per_call_in_the_loop() {
    testbed_harness::require_counting_build();
    for suspending in [false, true] {
        let mut it = if suspending {
            Boxed::make_suspending_counter(ITEMS, EVERY)
        } else {
            Boxed::make_counter(ITEMS)
        };
        let root = sum_passes::<Boxed>(&mut *it, passes(5));
        let before = alloc_counter::this_thread();
        let placed = frames::this_thread().frames;
        let sum = block_on(root);
        let counts = alloc_counter::this_thread() - before;
        assert_eq!(sum, 5 * 499_500);
        assert_eq!(counts.allocations, 5 * CALLS_PER_PASS);
        assert_eq!(counts.deallocations, 5 * CALLS_PER_PASS);
        assert_eq!(frames::this_thread().frames - placed, 5 * CALLS_PER_PASS);
    }
}

/// Every row gives the same sum through the benchmark's loop.
#[test]
fn every_loop_sums_the_same() {
    let expected = 3 * 499_500;
    let mut sync = make_sync_counter(ITEMS);
    assert_eq!(sum_passes_sync(&mut *sync, passes(3)), expected);
    for every in [0, EVERY] {
        let mut poll = make_poll_counter(ITEMS, every);
        assert_eq!(
            block_on(sum_passes_poll(poll.as_mut(), passes(3))),
            expected
        );
    }
    macro_rules! check {
        ($s:ty) => {
            let mut it = <$s as Counters>::make_counter(ITEMS);
            assert_eq!(
                <$s>::run_task(|| block_on(sum_passes::<$s>(&mut *it, passes(3)))),
                expected
            );
            let mut it = <$s as Counters>::make_suspending_counter(ITEMS, EVERY);
            assert_eq!(
                <$s>::run_task(|| block_on(sum_passes::<$s>(&mut *it, passes(3)))),
                expected
            );
        };
    }
    testbed_strategies::for_each_strategy!(check);
}

/// The limits allocate nothing per call.
#[test]
fn the_limits_allocate_nothing() {
    testbed_harness::require_counting_build();
    let mut sync = make_sync_counter(ITEMS);
    let before = alloc_counter::this_thread();
    std::hint::black_box(sum_passes_sync(&mut *sync, passes(2)));
    assert_eq!(alloc_counter::this_thread() - before, Counts::default());
    let mut poll = make_poll_counter(ITEMS, EVERY);
    let root = sum_passes_poll(poll.as_mut(), passes(2));
    let before = alloc_counter::this_thread();
    std::hint::black_box(block_on(root));
    assert_eq!(alloc_counter::this_thread() - before, Counts::default());
}

/// A suspending callee really suspends: the root returns Pending once every 16 calls.
#[test]
fn the_suspending_counter_suspends() {
    use std::future::Future;
    use std::task::Context;
    let mut it = Boxed::make_suspending_counter(ITEMS, EVERY);
    let mut root = pin!(sum_passes::<Boxed>(&mut *it, passes(1)));
    let mut cx = Context::from_waker(testbed_harness::executor::noop_waker());
    let mut pendings = 0;
    while root.as_mut().poll(&mut cx).is_pending() {
        pendings += 1;
    }
    assert_eq!(pendings, CALLS_PER_PASS / EVERY as u64);
}
