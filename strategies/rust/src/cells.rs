//! Registering a strategy's cell of a workload: the cell runs when the strategy's traits
//! serve the workload's needs, and is recorded "unsupported: <reason>" otherwise (the
//! Rust counterpart of `bench::register_strategy_cell` in harness/bench_registration.hpp).

use crate::{Strategy, describe};
use testbed_harness::capabilities::{WorkloadNeeds, unsupported_reason};
use testbed_harness::meter::Sample;
use testbed_harness::runner::Registry;

/// Bytes a caller keeps for one call of strategy S: its storage and the buffer of a
/// returned by-value future (what a recursion level's future holds for the next level).
pub const fn caller_bytes<S: Strategy>() -> usize {
    size_of::<S::CallerStorage>() + S::RETURNED_BYTES
}

/// Why S cannot serve `needs`, or None.
pub fn refusal<S: Strategy>(needs: &WorkloadNeeds) -> Option<String> {
    unsupported_reason(&S::TRAITS, caller_bytes::<S>(), needs)
}

/// Registers "<workload>/<S::NAME>/<args>": `body` when S serves `needs`, else an
/// unsupported cell with the reason.
pub fn register_strategy_cell<S: Strategy>(
    registry: &mut Registry,
    workload: &str,
    needs: &WorkloadNeeds,
    args: &[(&str, i64)],
    body: impl FnMut(u64) -> Sample + Send + 'static,
) {
    match refusal::<S>(needs) {
        Some(reason) => registry.register_unsupported(workload, describe::<S>(), args, &reason),
        None => registry.register(workload, describe::<S>(), args, body),
    }
}
