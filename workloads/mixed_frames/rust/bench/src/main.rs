//! Benchmarks of W2's frame-size sweep, Rust rows: every strategy of
//! `testbed_strategies::for_each_strategy!` on `frame_size/<row>/local_bytes:<B>`, B = 0
//! to 3584 (the C++ cells' names and args): 1024 calls of the source keeping B bytes
//! across its suspension. One iteration = 1024 calls. A row whose fixed buffer cannot hold
//! the future is an unsupported cell (in Rust the refusal is a compile error, so the cell
//! is never built). The binary answers the Google Benchmark flags (testbed_harness::runner).

use mixed_frames_rust_impl::{FrameSources, LOCAL_SIZES, call_passes, size_needs};
use std::hint::black_box;
use testbed_harness::executor::{block_on, passes};
use testbed_harness::meter::{Meter, Sample};
use testbed_harness::runner::Registry;
use testbed_strategies::register_strategy_cell;

const WORKLOAD: &str = "frame_size";
/// Calls per iteration, as the C++ sweep's sequence (1024).
const CALLS_PER_ITER: u64 = 1024;

/// The sweep's cell for strategy S and LOCAL_SIZES[size_index]: the source and the root
/// future are made before the meter starts; the task runs all `iterations` passes.
fn bm_one_size<S: FrameSources>(size_index: usize, iterations: u64) -> Sample {
    let source = S::make_source(size_index)
        .expect("registered only for the sizes the strategy serves");
    let root = call_passes::<S>(&*source, CALLS_PER_ITER, passes(iterations));
    let meter = Meter::start();
    black_box(S::run_task(|| block_on(root)));
    meter.stop(iterations, CALLS_PER_ITER)
}

/// Every cell of this binary.
fn registry() -> Registry {
    let mut registry = Registry::new();
    macro_rules! register_sizes {
        ($s:ty) => {
            for (i, bytes) in LOCAL_SIZES.iter().enumerate() {
                register_strategy_cell::<$s>(
                    &mut registry,
                    WORKLOAD,
                    &size_needs(i),
                    &[("local_bytes", *bytes as i64)],
                    move |n| bm_one_size::<$s>(i, n),
                );
            }
        };
    }
    testbed_strategies::for_each_strategy!(register_sizes);
    registry
}

testbed_harness::bench_main!(registry());

#[cfg(test)]
mod tests {
    use super::*;
    use testbed_strategies::{Boxed, StackFutureStrategy, Strategy};

    /// The cells and their names; then the counting meter over whole cells: box allocates
    /// exactly once per call, stack_future_2048 never. One test: the meter counts every
    /// thread of the process.
    #[test]
    fn registry_and_meter() {
        let names = registry().cell_names();
        assert_eq!(names.len(), 17 * LOCAL_SIZES.len());
        assert!(names.contains(&"frame_size/box/local_bytes:3584".to_string()));
        assert!(names.contains(&"frame_size/stack_future_64/local_bytes:0".to_string()));
        testbed_harness::require_counting_build();
        for i in 0..LOCAL_SIZES.len() {
            let sample = bm_one_size::<Boxed>(i, 2);
            sample.assert_one_allocation_per_call();
        }
        let sample = bm_one_size::<StackFutureStrategy<2048>>(5, 2);
        assert_eq!(sample.counter("allocs_per_call"), 0.0);
        assert!(sample.counter("frame_bytes") > 1024.0);
        assert_eq!(<StackFutureStrategy<2048> as Strategy>::NAME, "stack_future_2048");
    }
}
