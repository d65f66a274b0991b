//! What a metric is, declared once (copied from `harness/metrics.hpp`, the same names,
//! units, digits, headers, passes and meanings): the Rust benchmark writes these
//! declarations into its JSON context, and the scripts read them from there.

/// The passes of scripts/matrix (docs/methodology.md), as `harness/metrics.hpp` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    Timing,
    Counting,
    Stack,
    Callgrind,
    Massif,
    Derived,
}

impl Pass {
    pub const fn name(self) -> &'static str {
        match self {
            Pass::Timing => "timing",
            Pass::Counting => "counting",
            Pass::Stack => "stack",
            Pass::Callgrind => "callgrind",
            Pass::Massif => "massif",
            Pass::Derived => "derived",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Metric {
    /// Counter name and results.json field.
    pub name: &'static str,
    pub unit: &'static str,
    /// Decimals shown in tables.
    pub digits: u32,
    /// Column header in the report's tables.
    pub header: &'static str,
    pub pass: Pass,
    pub meaning: &'static str,
}

pub const NS_PER_CALL: Metric = Metric {
    name: "ns_per_call",
    unit: "ns",
    digits: 2,
    header: "ns/call",
    pass: Pass::Timing,
    meaning: "wall time of an iteration divided by its calls",
};
pub const RATIO_TO_SYNC: Metric = Metric {
    name: "ratio_to_sync_virtual",
    unit: "x",
    digits: 2,
    header: "x sync",
    pass: Pass::Derived,
    meaning: "ns_per_call over the fastest synchronous row's of the same workload, args and compiler",
};
pub const CALLS_PER_ITER: Metric = Metric {
    name: "calls_per_iter",
    unit: "calls",
    digits: 0,
    header: "calls/iteration",
    pass: Pass::Timing,
    meaning: "interface calls one benchmark iteration makes",
};
pub const INSTRUCTIONS_PER_CALL: Metric = Metric {
    name: "instructions_per_call",
    unit: "instructions",
    digits: 1,
    header: "instr/call",
    pass: Pass::Callgrind,
    meaning: "instructions executed per call (callgrind, between the meter's start and stop)",
};
pub const ALLOCATOR_INSTRUCTIONS_PER_CALL: Metric = Metric {
    name: "allocator_instructions_per_call",
    unit: "instructions",
    digits: 1,
    header: "alloc instr/call",
    pass: Pass::Callgrind,
    meaning: "instructions per call inside the allocator: callgrind's inclusive cost of the calls into malloc/free, operator new/delete, std::pmr resources, mimalloc or Rust's global allocator",
};
pub const ALLOCS_PER_CALL: Metric = Metric {
    name: "allocs_per_call",
    unit: "allocations",
    digits: 3,
    header: "allocs/call",
    pass: Pass::Counting,
    meaning: "calls to the global allocator per call, on every thread",
};
pub const FREES_PER_CALL: Metric = Metric {
    name: "frees_per_call",
    unit: "deallocations",
    digits: 3,
    header: "frees/call",
    pass: Pass::Counting,
    meaning: "calls to the global deallocator per call, on every thread",
};
pub const BYTES_PER_CALL: Metric = Metric {
    name: "bytes_per_call",
    unit: "bytes",
    digits: 1,
    header: "bytes/call",
    pass: Pass::Counting,
    meaning: "bytes requested from the global allocator per call",
};
pub const FRAMES_PER_CALL: Metric = Metric {
    name: "frames_per_call",
    unit: "frames",
    digits: 3,
    header: "frames/call",
    pass: Pass::Counting,
    meaning: "frames the strategy placed per call (< 0.5: the compiler removed it)",
};
pub const FRAME_BYTES: Metric = Metric {
    name: "frame_bytes",
    unit: "bytes",
    digits: 0,
    header: "frame bytes",
    pass: Pass::Counting,
    meaning: "mean size of a placed frame",
};
pub const FRAME_BYTES_MAX: Metric = Metric {
    name: "frame_bytes_max",
    unit: "bytes",
    digits: 0,
    header: "largest frame B",
    pass: Pass::Counting,
    meaning: "largest frame placed in the cell",
};
pub const HEAP_FALLBACKS_PER_CALL: Metric = Metric {
    name: "heap_fallbacks_per_call",
    unit: "heap paths",
    digits: 3,
    header: "heap fallbacks/call",
    pass: Pass::Counting,
    meaning: "frames a non-boxing strategy sent to the heap, per call",
};
pub const STACK_HIGH_WATER_BYTES: Metric = Metric {
    name: "stack_high_water_bytes",
    unit: "bytes",
    digits: 0,
    header: "stack high-water B",
    pass: Pass::Stack,
    meaning: "native stack used by the cell, above the probe's own use",
};
pub const PEAK_HEAP_BYTES: Metric = Metric {
    name: "peak_heap_bytes",
    unit: "bytes",
    digits: 0,
    header: "peak heap B",
    pass: Pass::Massif,
    meaning: "peak heap of the cell above what it inherited (massif)",
};

/// Written by the recursion cells (harness/metrics.hpp `depth`); declared by them.
pub const DEPTH: Metric = Metric {
    name: "depth",
    unit: "levels",
    digits: 0,
    header: "depth",
    pass: Pass::Timing,
    meaning: "recursion depth or layers of the cell",
};

/// The metrics a Rust benchmark binary may write (a subset of the C++ `metrics::common`,
/// in its order): those the Rust meter and passes measure, and the derived ratio.
pub const COMMON: [&Metric; 14] = [
    &NS_PER_CALL,
    &RATIO_TO_SYNC,
    &CALLS_PER_ITER,
    &INSTRUCTIONS_PER_CALL,
    &ALLOCATOR_INSTRUCTIONS_PER_CALL,
    &ALLOCS_PER_CALL,
    &FREES_PER_CALL,
    &BYTES_PER_CALL,
    &FRAMES_PER_CALL,
    &FRAME_BYTES,
    &FRAME_BYTES_MAX,
    &HEAP_FALLBACKS_PER_CALL,
    &STACK_HIGH_WATER_BYTES,
    &PEAK_HEAP_BYTES,
];
