//! Benchmarks of W1 (AsyncIterator loop), Rust rows: every strategy of
//! `testbed_strategies::for_each_strategy!`, plus the synchronous call through `dyn` and
//! the poll-style interface; in the workload `async_iterator` (every call ready) and
//! `async_iterator_suspending` (the callee suspends once every 16th call). One iteration =
//! one pass over a counter of 1000 items plus the call that returns None: 1001 calls.
//! The cells are named as the C++ ones ("async_iterator/box/items:1000"), and the binary
//! answers the Google Benchmark flags scripts/matrix passes (testbed_harness::runner).

use async_iterator_rust_impl::{
    Counters, make_poll_counter, make_sync_counter, sum_passes, sum_passes_poll, sum_passes_sync,
};
use std::hint::black_box;
use testbed_harness::executor::{block_on, passes};
use testbed_harness::manifest::RowDescription;
use testbed_harness::meter::{Meter, Sample};
use testbed_harness::runner::Registry;
use testbed_strategies::describe;
use testbed_strategies::limits::{POLL_NEXT, SYNC_DYN};

const WORKLOAD: &str = "async_iterator";
const SUSPENDING_WORKLOAD: &str = "async_iterator_suspending";
/// 1000 items per pass, as the C++ W1: long enough that the per-pass overhead is small,
/// short enough that the runner can size runs finely.
const ITEMS: i32 = 1000;
/// Every 16th call suspends, as the C++ W1.
const SUSPEND_EVERY: i32 = 16;
/// The items, plus the call that returns None.
const CALLS_PER_PASS: u64 = ITEMS as u64 + 1;

const READY_ARGS: &[(&str, i64)] = &[("items", ITEMS as i64)];
const SUSPENDING_ARGS: &[(&str, i64)] = &[("items", ITEMS as i64), ("every", SUSPEND_EVERY as i64)];

/// W1 for strategy S: the iterator and the root future are made before the meter starts
/// (the root's state lives on this stack frame: nothing allocated); the task runs all
/// `iterations` passes.
fn bm_strategy<S: Counters>(iterations: u64) -> Sample {
    let mut it = S::make_counter(ITEMS);
    let root = sum_passes::<S>(&mut *it, passes(iterations));
    let meter = Meter::start();
    black_box(S::run_task(|| block_on(root)));
    meter.stop(iterations, CALLS_PER_PASS)
}

fn bm_strategy_suspending<S: Counters>(iterations: u64) -> Sample {
    let mut it = S::make_suspending_counter(ITEMS, SUSPEND_EVERY);
    let root = sum_passes::<S>(&mut *it, passes(iterations));
    let meter = Meter::start();
    black_box(S::run_task(|| block_on(root)));
    meter.stop(iterations, CALLS_PER_PASS)
}

fn bm_sync_dyn(iterations: u64) -> Sample {
    let mut it = make_sync_counter(ITEMS);
    let meter = Meter::start();
    black_box(sum_passes_sync(&mut *it, passes(iterations)));
    meter.stop(iterations, CALLS_PER_PASS)
}

/// The poll-style row: every = 0 for the ready workload, the suspending period otherwise.
fn bm_poll_next(iterations: u64, every: i32) -> Sample {
    let mut it = make_poll_counter(ITEMS, every);
    let root = sum_passes_poll(it.as_mut(), passes(iterations));
    let meter = Meter::start();
    black_box(block_on(root));
    meter.stop(iterations, CALLS_PER_PASS)
}

/// Every cell of this binary.
fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(
        WORKLOAD,
        RowDescription::plain(&SYNC_DYN),
        READY_ARGS,
        bm_sync_dyn,
    );
    registry.register(
        WORKLOAD,
        RowDescription::plain(&POLL_NEXT),
        READY_ARGS,
        |n| bm_poll_next(n, 0),
    );
    registry.register(
        SUSPENDING_WORKLOAD,
        RowDescription::plain(&POLL_NEXT),
        SUSPENDING_ARGS,
        |n| bm_poll_next(n, SUSPEND_EVERY),
    );
    macro_rules! register_both {
        ($s:ty) => {
            registry.register(WORKLOAD, describe::<$s>(), READY_ARGS, bm_strategy::<$s>);
            registry.register(
                SUSPENDING_WORKLOAD,
                describe::<$s>(),
                SUSPENDING_ARGS,
                bm_strategy_suspending::<$s>,
            );
        };
    }
    testbed_strategies::for_each_strategy!(register_both);
    registry
}

testbed_harness::bench_main!(registry());

#[cfg(test)]
mod tests {
    use super::*;
    use testbed_strategies::{Boxed, Strategy};

    /// Every row is registered on both workloads (sync_dyn on the ready one only), named
    /// as the C++ cells are. (Called by the only test of this binary: the meter counts
    /// every thread, so no other test may allocate while it runs.)
    fn cells_are_named_as_the_cpp_ones() {
        let names = registry().cell_names();
        assert!(names.contains(&"async_iterator/box/items:1000".to_string()));
        assert!(names.contains(&"async_iterator_suspending/box/items:1000/every:16".to_string()));
        assert!(names.contains(&"async_iterator/sync_dyn/items:1000".to_string()));
        assert!(
            names.contains(&"async_iterator_suspending/poll_next/items:1000/every:16".to_string())
        );
        assert!(names.contains(&"async_iterator/stack_future_or_box_2048/items:1000".to_string()));
        assert!(names.contains(&"async_iterator/callee_cache_sendable/items:1000".to_string()));
        assert_eq!(names.len(), 2 + 1 + 2 * 17);
        let manifest = registry().manifest();
        assert!(manifest.starts_with(
            "{\"rows\": [{\"name\": \"box\", \"kind\": \"strategy\", \"family\": \"box\""
        ));
    }

    /// The registry, then the counting meter over whole cells: box allocates exactly once
    /// per call, every other row only on its first call (the rows whose traits say so),
    /// never after. One test: the meter counts every thread of the process.
    #[test]
    fn registry_and_meter() {
        cells_are_named_as_the_cpp_ones();
        testbed_harness::require_counting_build();
        let sample = bm_strategy::<Boxed>(3);
        sample.assert_one_allocation_per_call();
        assert_eq!(sample.counter("frames_per_call"), 1.0);
        let sample = bm_strategy_suspending::<Boxed>(3);
        assert_eq!(sample.counter("allocs_per_call"), 1.0);
        macro_rules! check {
            ($s:ty) => {
                for sample in [bm_strategy::<$s>(3), bm_strategy_suspending::<$s>(3)] {
                    let calls = (3 * CALLS_PER_PASS) as f64;
                    let traits = <$s as Strategy>::TRAITS;
                    let expected = (traits.first_call_allocations as f64
                        + traits.steady_allocations as f64 * (calls - 1.0))
                        / calls;
                    assert_eq!(
                        sample.counter("allocs_per_call"),
                        expected,
                        "{}",
                        <$s as Strategy>::NAME
                    );
                    // A cached block is freed inside the loop or with the object, after it.
                    assert!(
                        sample.counter("frees_per_call") <= expected,
                        "{}",
                        <$s as Strategy>::NAME
                    );
                    assert_eq!(
                        sample.counter("frames_per_call"),
                        1.0,
                        "{}",
                        <$s as Strategy>::NAME
                    );
                    assert_eq!(
                        sample.counter("heap_fallbacks_per_call"),
                        0.0,
                        "{}",
                        <$s as Strategy>::NAME
                    );
                }
            };
        }
        testbed_strategies::for_each_strategy!(check);
        for sample in [
            bm_sync_dyn(3),
            bm_poll_next(3, 0),
            bm_poll_next(3, SUSPEND_EVERY),
        ] {
            assert_eq!(sample.counter("allocs_per_call"), 0.0);
        }
    }
}
