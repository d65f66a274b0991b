//! What every Rust cell of the testbed shares, the Rust counterpart of `harness/`:
//!
//! - [`alloc_counter`]: the counting `#[global_allocator]` (feature `counting`) and its
//!   per-thread and all-threads counts;
//! - [`frames`]: the per-call record of futures a strategy placed (counting build only);
//! - [`executor`]: a no-op waker, the `block_on` poll loop, a future that yields once;
//! - [`metrics`], [`design_post`], [`manifest`]: what a metric and a row are, declared once,
//!   and the row manifest written into every benchmark JSON (same format as the C++ one);
//! - [`capabilities`]: what a workload needs from a strategy, and the reason a row cannot
//!   serve it (harness/capabilities.hpp);
//! - [`runner`]: the benchmark runner, which accepts the Google Benchmark flags
//!   `scripts/matrix` passes and writes Google Benchmark's JSON shape;
//! - [`meter`]: what a cell measures around its loop (time, allocations, frames, the
//!   callgrind window);
//! - [`valgrind`], [`passes`]: the valgrind client requests and the measurement passes
//!   chosen through the environment (fixed iterations, painted stack, massif fork).
//!
//! This crate depends on nothing but std, and on no strategy or workload crate.

pub mod alloc_counter;
pub mod capabilities;
pub mod design_post;
pub mod executor;
pub mod filter;
pub mod frames;
pub mod json;
pub mod manifest;
pub mod meter;
pub mod metrics;
pub mod passes;
pub mod runner;
pub mod sys;
pub mod valgrind;

/// Whether this is the counting build (feature `counting`): allocations and frames are
/// counted. The timing build counts nothing and uses the System allocator directly.
pub const COUNTING: bool = cfg!(feature = "counting");

/// For tests that count allocations: panics, saying how to run them, in a build without
/// the counting allocator (where every count reads zero and the test would mean nothing);
/// then waits until libtest's main thread is idle (below).
pub fn require_counting_build() {
    assert!(
        COUNTING,
        "this test counts allocations: build with the `counting` feature (e.g. `cargo test --features counting`, \
         or from workloads/async_iterator/rust/bench: `cargo test --features counting -p <crate>`)"
    );
    // libtest runs a test on a thread of its own while its main thread waits for the
    // result, and that wait allocates once (the channel's waiter) when the main thread
    // gets there. The counting allocator counts every thread (a cell's calls may cross
    // threads), so on a loaded machine that allocation could land in a test's counted
    // window (seen: 5 allocations for 3 boxed calls). 20 ms is ample for the main thread
    // to reach its wait; nothing is counted before this returns.
    std::thread::sleep(std::time::Duration::from_millis(20));
}
