//! What a workload needs from a strategy, and whether a strategy's declared traits serve
//! it: the Rust counterpart of harness/capabilities.hpp, with the same fields and the same
//! one-sentence reasons, so a Rust cell a row cannot serve reads "unsupported: <reason>"
//! exactly as the C++ cell does.

use crate::manifest::{StrategyTraits, UNLIMITED_CALLS};

/// What a workload does with futures (C++ `workload_needs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkloadNeeds {
    /// Outstanding calls the workload keeps at once on one object / on one caller storage.
    pub calls_per_object: i32,
    pub calls_per_storage: i32,
    /// The largest future it places (bytes, `size_of` of the callee's future: exact in
    /// Rust); 0 when no future is large.
    pub largest_frame: usize,
    /// Each call's future holds the storage for the next level's call (recursion through
    /// the interface): a strategy whose caller storage is as big as its largest future can
    /// never fit such a future.
    pub frame_holds_caller_storage: bool,
    /// Futures are awaited after the function that created them returned.
    pub frames_outlive_call_site: bool,
    /// Futures are dropped in an order other than the reverse of their creation.
    pub non_lifo_release: bool,
    /// Futures are created on one thread and dropped on another.
    pub crosses_threads: bool,
}

impl WorkloadNeeds {
    /// The defaults of C++ `workload_needs`: one call per object and per storage, nothing
    /// else.
    pub const NONE: WorkloadNeeds = WorkloadNeeds {
        calls_per_object: 1,
        calls_per_storage: 1,
        largest_frame: 0,
        frame_holds_caller_storage: false,
        frames_outlive_call_site: false,
        non_lifo_release: false,
        crosses_threads: false,
    };
}

/// Why a strategy with `traits` (and `caller_storage_bytes` of caller storage per call)
/// cannot serve `needs`, or None when it can. The checks and sentences of
/// `unsupported_reason` in harness/capabilities.hpp, in the same order.
pub fn unsupported_reason(
    traits: &StrategyTraits,
    caller_storage_bytes: usize,
    needs: &WorkloadNeeds,
) -> Option<String> {
    let t = traits;
    if t.calls_per_object != UNLIMITED_CALLS && needs.calls_per_object > t.calls_per_object {
        return Some(format!(
            "the workload keeps {} calls outstanding on one object; this strategy serves {} per object",
            needs.calls_per_object, t.calls_per_object
        ));
    }
    if t.calls_per_storage != UNLIMITED_CALLS && needs.calls_per_storage > t.calls_per_storage {
        return Some(format!(
            "the workload keeps {} calls outstanding on one caller storage; this strategy serves {} per storage",
            needs.calls_per_storage, t.calls_per_storage
        ));
    }
    if t.max_frame_bytes != 0
        && needs.frame_holds_caller_storage
        && caller_storage_bytes != 0
        && caller_storage_bytes >= t.max_frame_bytes
    {
        return Some(format!(
            "each frame holds the next level's {caller_storage_bytes}-byte caller buffer (recursion through the \
             interface), so no frame fits this strategy's {}-byte buffer",
            t.max_frame_bytes
        ));
    }
    if t.max_frame_bytes != 0 && needs.largest_frame > t.max_frame_bytes {
        return Some(format!(
            "its frames reach about {} bytes; this strategy serves up to {}",
            needs.largest_frame, t.max_frame_bytes
        ));
    }
    if needs.frames_outlive_call_site && t.frames_in_caller_storage {
        return Some(
            "its futures outlive the call site; this strategy places frames in the caller's storage, \
             which dies first"
                .to_string(),
        );
    }
    if needs.non_lifo_release && t.lifo_only {
        return Some(
            "its frames are released out of creation order; this strategy releases frames in LIFO order only"
                .to_string(),
        );
    }
    if needs.crosses_threads && t.same_thread_release {
        return Some(
            "its frames are freed on another thread; this Local form frees a frame only on the thread \
             that allocated it"
                .to_string(),
        );
    }
    if needs.crosses_threads && t.needs_task_runtime {
        return Some(
            "its frames are freed on another thread; this strategy's frames belong to the running \
             task's side stack, on one thread"
                .to_string(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_follow_the_cpp_checks() {
        let one_per_object = StrategyTraits {
            calls_per_object: 1,
            ..StrategyTraits::allocating(1, 0)
        };
        let two = WorkloadNeeds {
            calls_per_object: 2,
            ..WorkloadNeeds::NONE
        };
        assert_eq!(
            unsupported_reason(&one_per_object, 0, &two).as_deref(),
            Some("the workload keeps 2 calls outstanding on one object; this strategy serves 1 per object")
        );
        assert_eq!(unsupported_reason(&StrategyTraits::allocating(1, 1), 0, &two), None);
        let fixed = StrategyTraits {
            max_frame_bytes: 512,
            ..StrategyTraits::allocating(0, 0)
        };
        let large = WorkloadNeeds {
            largest_frame: 600,
            ..WorkloadNeeds::NONE
        };
        assert!(unsupported_reason(&fixed, 0, &large).unwrap().contains("about 600 bytes"));
        let lifo = StrategyTraits {
            lifo_only: true,
            ..StrategyTraits::allocating(1, 0)
        };
        let out_of_order = WorkloadNeeds {
            non_lifo_release: true,
            ..WorkloadNeeds::NONE
        };
        assert!(unsupported_reason(&lifo, 0, &out_of_order).unwrap().contains("LIFO"));
    }
}
