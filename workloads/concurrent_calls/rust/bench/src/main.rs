//! Benchmarks of W3, Rust rows: rounds of `width` lookups outstanding together on one
//! `&self` object, each suspending once, for every strategy of
//! `testbed_strategies::for_each_strategy!`. `concurrent_calls` drops a round's futures
//! oldest first, `concurrent_calls_lifo` newest first (the C++ workloads' names and args,
//! `outstanding:1` to `16`). One iteration = one round = `width` calls. A row that cannot
//! serve a cell (one call per object: inline, callee_cache; LIFO only: side_stack) is an
//! unsupported cell with its reason.

use concurrent_calls_rust_impl::{Lookups, ReleaseOrder, concurrent_needs, concurrent_rounds};
use std::hint::black_box;
use testbed_harness::executor::{block_on, passes};
use testbed_harness::meter::{Meter, Sample};
use testbed_harness::runner::Registry;
use testbed_strategies::register_strategy_cell;

const WORKLOAD: &str = "concurrent_calls";
const WORKLOAD_LIFO: &str = "concurrent_calls_lifo";
/// The concurrency sweep: 1 (no overlap) to 16 calls outstanding on one object.
const WIDTHS: [i32; 5] = [1, 2, 4, 8, 16];
/// Entries of the table, as the C++ W3.
const TABLE_SIZE: i32 = 1024;

fn bm_concurrent<S: Lookups>(width: i32, order: ReleaseOrder, iterations: u64) -> Sample {
    let table = S::make_lookup_table(TABLE_SIZE, true);
    let root = concurrent_rounds::<S>(&*table, width as usize, passes(iterations), order);
    let meter = Meter::start();
    black_box(S::run_task(|| block_on(root)));
    meter.stop(iterations, width as u64)
}

/// Every cell of this binary.
fn registry() -> Registry {
    let mut registry = Registry::new();
    macro_rules! register_widths {
        ($s:ty) => {
            for (workload, order) in [
                (WORKLOAD, ReleaseOrder::Creation),
                (WORKLOAD_LIFO, ReleaseOrder::NewestFirst),
            ] {
                for width in WIDTHS {
                    register_strategy_cell::<$s>(
                        &mut registry,
                        workload,
                        &concurrent_needs(width, order),
                        &[("outstanding", i64::from(width))],
                        move |n| bm_concurrent::<$s>(width, order, n),
                    );
                }
            }
        };
    }
    testbed_strategies::for_each_strategy!(register_widths);
    registry
}

testbed_harness::bench_main!(registry());

#[cfg(test)]
mod tests {
    use super::*;
    use testbed_strategies::Boxed;

    /// The cells and their names, the refusals, and the counting meter over whole cells:
    /// box allocates exactly once per call. One test: the meter counts every thread.
    #[test]
    fn registry_and_meter() {
        let names = registry().cell_names();
        assert_eq!(names.len(), 17 * 2 * WIDTHS.len());
        assert!(names.contains(&"concurrent_calls/box/outstanding:16".to_string()));
        assert!(names.contains(&"concurrent_calls_lifo/side_stack/outstanding:2".to_string()));
        testbed_harness::require_counting_build();
        for width in WIDTHS {
            for order in [ReleaseOrder::Creation, ReleaseOrder::NewestFirst] {
                let sample = bm_concurrent::<Boxed>(width, order, 3);
                sample.assert_one_allocation_per_call();
            }
        }
    }
}
