//! Benchmarks of W4 (recursion through `dyn`), Rust rows, named as the C++ cells:
//!
//! - `recursion_chain/<row>/depth:<16..1048576>`: the chain, one iteration = one recursion
//!   of `depth` calls; the depths whose nested polls would not fit the native stack the
//!   cell runs on are unsupported, with the measured stack per level in the reason (only
//!   the side stack's trampoline keeps the native stack flat);
//! - `recursion_fib/<row>/n:20`: fib on one object (21,891 calls, 20 deep);
//! - `recursion_sync/sync_dyn/stack_mib:8`: the depth at which the synchronous chain
//!   overflows an 8 MiB stack (bisection in forked children), as the C++ cell; and
//!   `recursion_sync/box/stack_mib:8`, the same search for box's async chain (its nested
//!   polls): how far a Rust recursion through `Pin<Box<dyn Future>>` reaches.

use recursion_rust_impl::{
    CHAIN_NEEDS, Recursions, chain_passes, chain_sum, fib_calls, fib_needs, fib_passes, fib_value,
    find_overflow_depth, poll_stack_per_level, run_sync_chain, sync_stack_per_level,
};
use testbed_harness::executor::{block_on, passes};
use testbed_harness::manifest::RowDescription;
use testbed_harness::metrics::{self, Metric, Pass};
use testbed_harness::meter::{Meter, Sample};
use testbed_harness::runner::{Registry, skip_cell};
use testbed_harness::valgrind;
use testbed_strategies::cells::refusal;
use testbed_strategies::limits::SYNC_DYN;
use testbed_strategies::{Boxed, describe};

/// The default main-thread stack on Linux (ulimit -s), which the cells run on (and the
/// stack pass's probe thread has).
const STACK_BYTES: usize = testbed_harness::passes::PROBE_STACK_BYTES;
/// The part of it a chain cell's nested polls may take: half, leaving room for the runner
/// and for a build whose poll frames are larger than the one that measured them.
const CHAIN_STACK_BUDGET: f64 = STACK_BYTES as f64 / 2.0;
/// The depth sweep: powers of 16 up to 2^20 = 1,048,576 levels (the C++ chain_depths).
const CHAIN_DEPTHS: [usize; 5] = [16, 256, 4096, 65536, 1_048_576];
/// fib(20): 21,891 calls, 20 deep on one object.
const FIB_N: i32 = 20;

const OVERFLOW_DEPTH: Metric = Metric {
    name: "overflow_depth",
    unit: "levels",
    digits: 0,
    header: "overflow depth",
    pass: Pass::Timing,
    meaning: "the smallest depth found to overflow the native stack",
};
const DEEPEST_SURVIVED: Metric = Metric {
    name: "deepest_survived",
    unit: "levels",
    digits: 0,
    header: "deepest survived",
    pass: Pass::Timing,
    meaning: "the largest depth found to survive on the native stack",
};
const STACK_BYTES_PER_LEVEL: Metric = Metric {
    name: "stack_bytes_per_level",
    unit: "bytes",
    digits: 0,
    header: "stack B/level",
    pass: Pass::Timing,
    meaning: "native stack one synchronous level takes (painted stack, small depth)",
};

fn bm_chain<S: Recursions>(depth: usize, iterations: u64) -> Sample {
    let chain = S::make_chain(depth).expect("registered only for the rows that serve the chain");
    let root = chain_passes::<S>(&chain, passes(iterations));
    let meter = Meter::start();
    let sum = S::run_task(|| block_on(root));
    let mut sample = meter.stop(iterations, depth as u64);
    assert_eq!(sum, chain_sum(depth as i64) * iterations as i64, "the chain's sum: not every level was reached");
    sample.set(&metrics::DEPTH, depth as f64);
    sample
}

fn bm_fib<S: Recursions>(iterations: u64) -> Sample {
    let service = S::make_fib_service().expect("registered only for the rows that serve fib");
    let root = fib_passes::<S>(&*service, FIB_N, passes(iterations));
    let meter = Meter::start();
    let sum = S::run_task(|| block_on(root));
    let mut sample = meter.stop(iterations, fib_calls(FIB_N) as u64);
    assert_eq!(sum, fib_value(FIB_N) * iterations as i64, "fib's sum");
    sample.set(&metrics::DEPTH, f64::from(FIB_N));
    sample
}

/// One iteration = one whole search (children forked); registered once (one iteration). Not under valgrind: the children's
/// deep recursions under instrumentation take minutes, for no per-call figure.
fn bm_overflow(per_level: fn() -> f64, run: fn(usize) -> bool, iterations: u64) -> Sample {
    if valgrind::running_on_valgrind() {
        skip_cell("the overflow search forks children that overflow their stack; not run under valgrind");
    }
    let per_level = per_level();
    let mut found = (0, 0);
    let meter = Meter::start();
    for _ in 0..iterations {
        found = find_overflow_depth(STACK_BYTES, per_level, run);
    }
    let mut sample = meter.stop(iterations, 1);
    sample.set(&OVERFLOW_DEPTH, found.0 as f64);
    sample.set(&DEEPEST_SURVIVED, found.1 as f64);
    sample.set(&STACK_BYTES_PER_LEVEL, per_level.round());
    sample
}

/// Box's async chain of `depth` levels, once; true if its sum is right.
fn run_box_chain(depth: usize) -> bool {
    let chain = Boxed::make_chain(depth).expect("box serves the chain");
    block_on(chain_passes::<Boxed>(&chain, passes(1))) == chain_sum(depth as i64)
}

/// Why the chain of `depth` levels with a row whose polls take `per_level` bytes of
/// native stack each cannot run, or None.
fn native_stack_refusal(depth: usize, per_level: f64) -> Option<String> {
    let needed = depth as f64 * per_level;
    (needed > CHAIN_STACK_BUDGET).then(|| {
        format!(
            "its {depth} nested polls need about {:.0} MiB of native stack ({per_level:.0} B per level, measured), \
             more than the {} MiB stack the cell runs on: a Rust future polls the future it awaits on the native stack",
            needed / (1024.0 * 1024.0),
            STACK_BYTES >> 20
        )
    })
}

/// Every cell of this binary.
fn registry() -> Registry {
    let mut registry = Registry::new();
    for metric in [&metrics::DEPTH, &OVERFLOW_DEPTH, &DEEPEST_SURVIVED, &STACK_BYTES_PER_LEVEL] {
        registry.declare_metric(metric);
    }
    let stack_args = [("stack_mib", (STACK_BYTES >> 20) as i64)];
    // Once, as the C++ cell (->Iterations(1)->Repetitions(1)): a search's one run is its
    // result (a depth), and each takes about 0.8 s of forked children.
    registry.register_once("recursion_sync", RowDescription::plain(&SYNC_DYN), &stack_args, |n| {
        bm_overflow(sync_stack_per_level, run_sync_chain, n)
    });
    registry.register_once("recursion_sync", describe::<Boxed>(), &stack_args, |n| {
        bm_overflow(poll_stack_per_level::<Boxed>, run_box_chain, n)
    });
    macro_rules! register_row {
        ($s:ty) => {
            let chain_refusal = refusal::<$s>(&CHAIN_NEEDS);
            // Measured once per row (1000 levels on a painted stack), for the rows that run.
            let per_level = if chain_refusal.is_none() { poll_stack_per_level::<$s>() } else { 0.0 };
            for depth in CHAIN_DEPTHS {
                let args = [("depth", depth as i64)];
                match chain_refusal.clone().or_else(|| native_stack_refusal(depth, per_level)) {
                    Some(reason) => registry.register_unsupported("recursion_chain", describe::<$s>(), &args, &reason),
                    None => registry.register("recursion_chain", describe::<$s>(), &args, move |n| {
                        bm_chain::<$s>(depth, n)
                    }),
                }
            }
            testbed_strategies::register_strategy_cell::<$s>(
                &mut registry,
                "recursion_fib",
                &fib_needs(FIB_N),
                &[("n", i64::from(FIB_N))],
                bm_fib::<$s>,
            );
        };
    }
    testbed_strategies::for_each_strategy!(register_row);
    registry
}

testbed_harness::bench_main!(registry());

#[cfg(test)]
mod tests {
    use super::*;
    use testbed_strategies::{SideStack, Strategy};

    /// The cells, the side stack at the deepest depth, box's refusal there, and the
    /// counting meter over whole cells: box allocates exactly once per level, the side
    /// stack only its chunks on the first pass. One test: the meter counts every thread.
    #[test]
    fn registry_and_meter() {
        let names = registry().cell_names();
        assert_eq!(names.len(), 2 + 17 * (CHAIN_DEPTHS.len() + 1));
        assert!(names.contains(&"recursion_chain/side_stack/depth:1048576".to_string()));
        assert!(names.contains(&"recursion_sync/sync_dyn/stack_mib:8".to_string()));
        assert!(native_stack_refusal(1_048_576, poll_stack_per_level::<Boxed>()).is_some());
        assert!(native_stack_refusal(1_048_576, poll_stack_per_level::<SideStack>()).is_none());
        testbed_harness::require_counting_build();
        let sample = bm_chain::<Boxed>(256, 3);
        sample.assert_one_allocation_per_call();
        let sample = bm_fib::<Boxed>(2);
        assert_eq!(sample.counter("allocs_per_call"), 1.0);
        let sample = bm_chain::<SideStack>(4096, 3);
        assert!(sample.counter("allocs_per_call") < 0.01);
        let _ = <SideStack as Strategy>::NAME;
    }
}
