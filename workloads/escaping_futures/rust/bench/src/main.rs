//! Benchmarks of W5, Rust rows: batches of 8 futures created by a function that returns
//! them (`start_lookup`), stored, awaited newest first after it returned, then dropped
//! oldest first (`escaping_futures`) or newest first (`escaping_futures_lifo`): the C++
//! workloads' names and args (`batch:8`). One iteration = one batch = 8 calls. The rows
//! that cannot serve it are unsupported cells with their reason.

use concurrent_calls_rust_impl::{Lookups, ReleaseOrder};
use escaping_futures_rust_impl::{ESCAPING_BATCH, escaping_batches, escaping_needs};
use std::hint::black_box;
use testbed_harness::executor::{block_on, passes};
use testbed_harness::meter::{Meter, Sample};
use testbed_harness::runner::Registry;
use testbed_strategies::register_strategy_cell;

const WORKLOAD: &str = "escaping_futures";
const WORKLOAD_LIFO: &str = "escaping_futures_lifo";
/// Entries of the table, as the C++ W5 (W3's table, completing at its first poll).
const TABLE_SIZE: i32 = 1024;

fn bm_escaping<S: Lookups>(order: ReleaseOrder, iterations: u64) -> Sample {
    let table = S::make_lookup_table(TABLE_SIZE, false);
    let root = escaping_batches::<S>(&*table, passes(iterations), order);
    let meter = Meter::start();
    black_box(S::run_task(|| block_on(root)));
    meter.stop(iterations, ESCAPING_BATCH as u64)
}

/// Every cell of this binary.
fn registry() -> Registry {
    let mut registry = Registry::new();
    macro_rules! register_both {
        ($s:ty) => {
            for (workload, order) in [
                (WORKLOAD, ReleaseOrder::Creation),
                (WORKLOAD_LIFO, ReleaseOrder::NewestFirst),
            ] {
                register_strategy_cell::<$s>(
                    &mut registry,
                    workload,
                    &escaping_needs(order),
                    &[("batch", ESCAPING_BATCH as i64)],
                    move |n| bm_escaping::<$s>(order, n),
                );
            }
        };
    }
    testbed_strategies::for_each_strategy!(register_both);
    registry
}

testbed_harness::bench_main!(registry());

#[cfg(test)]
mod tests {
    use super::*;
    use testbed_strategies::Boxed;

    /// The cells and their names, and the counting meter over whole cells: box allocates
    /// exactly once per call. One test: the meter counts every thread.
    #[test]
    fn registry_and_meter() {
        let names = registry().cell_names();
        assert_eq!(names.len(), 17 * 2);
        assert!(names.contains(&"escaping_futures/box/batch:8".to_string()));
        assert!(names.contains(&"escaping_futures_lifo/side_stack/batch:8".to_string()));
        testbed_harness::require_counting_build();
        for order in [ReleaseOrder::Creation, ReleaseOrder::NewestFirst] {
            let sample = bm_escaping::<Boxed>(order, 3);
            sample.assert_one_allocation_per_call();
        }
    }
}
