// What a metric is, declared once: its name (the benchmark counter and the results.json
// field), its unit, how many decimals a table shows, its column header, and the pass that
// measures it. Every benchmark binary writes this table into its JSON context
// (harness/row_manifest.hpp), and the scripts read it from there: no script keeps a list
// of metrics of its own.
#pragma once

#include <array>
#include <string_view>

namespace testbed {

// The passes of scripts/matrix (docs/methodology.md):
//  - timing: the timing build, several repetitions (times, and counters a cell computes);
//  - counting: the counting build, one repetition (allocations and frames);
//  - stack: the counting build on a painted stack;
//  - callgrind, massif: the timing build under valgrind (scripts/py/measure.py);
//  - derived: computed by the scripts from other metrics of the same run;
//  - latency: the timing build, one repetition with TESTBED_LATENCY=1 (calls timed one by
//    one, or in batches, with the cycle timer: harness/latency_probe.hpp).
enum class measurement_pass { timing, counting, stack, callgrind, massif, derived, latency };

inline constexpr std::string_view pass_name(measurement_pass p) {
  switch (p) {
    case measurement_pass::timing:
      return "timing";
    case measurement_pass::counting:
      return "counting";
    case measurement_pass::stack:
      return "stack";
    case measurement_pass::callgrind:
      return "callgrind";
    case measurement_pass::massif:
      return "massif";
    case measurement_pass::derived:
      return "derived";
    case measurement_pass::latency:
      return "latency";
  }
  return "unknown";
}

struct metric {
  std::string_view name;     // counter name and results.json field (snake_case)
  std::string_view unit;     // what one unit of it is
  int digits;                // decimals shown in tables
  std::string_view header;   // column header in the report's tables
  measurement_pass pass;     // the pass that measures it
  std::string_view meaning;  // one sentence, for docs/results-format.md and --help texts
};

namespace metrics {

using enum measurement_pass;

inline constexpr metric ns_per_call{
    "ns_per_call", "ns", 2, "ns/call", timing, "wall time of an iteration divided by its calls"};
inline constexpr metric ratio_to_sync{
    "ratio_to_sync_virtual",
    "x",
    2,
    "x sync",
    derived,
    "ns_per_call over the fastest synchronous row's of the same workload, args and compiler"};
inline constexpr metric calls_per_iter{
    "calls_per_iter",  "calls", 0,
    "calls/iteration", timing,  "interface calls one benchmark iteration makes"};
inline constexpr metric instructions_per_call{
    "instructions_per_call",
    "instructions",
    1,
    "instr/call",
    callgrind,
    "instructions executed per call (callgrind, between the meter's start and stop)"};
// The allocator's share of instructions_per_call (scripts/py/measure.py reads it from
// callgrind's call graph): the cost breakdown of scripts/py/testbed/breakdown.py.
inline constexpr metric allocator_instructions_per_call{
    "allocator_instructions_per_call",
    "instructions",
    1,
    "alloc instr/call",
    callgrind,
    "instructions per call inside the allocator: callgrind's inclusive cost of the calls into "
    "malloc/free, operator new/delete, std::pmr resources, mimalloc or Rust's global allocator"};
inline constexpr metric allocs_per_call{
    "allocs_per_call", "allocations", 3,
    "allocs/call",     counting,      "calls to the global allocator per call, on every thread"};
inline constexpr metric frees_per_call{
    "frees_per_call", "deallocations", 3,
    "frees/call",     counting,        "calls to the global deallocator per call, on every thread"};
inline constexpr metric bytes_per_call{
    "bytes_per_call", "bytes",  1,
    "bytes/call",     counting, "bytes requested from the global allocator per call"};
inline constexpr metric frames_per_call{
    "frames_per_call",
    "frames",
    3,
    "frames/call",
    counting,
    "frames the strategy placed per call (< 0.5: the compiler removed it)"};
inline constexpr metric frame_bytes{"frame_bytes", "bytes",  0,
                                    "frame bytes", counting, "mean size of a placed frame"};
inline constexpr metric frame_bytes_max{
    "frame_bytes_max", "bytes", 0, "largest frame B", counting, "largest frame placed in the cell"};
inline constexpr metric heap_fallbacks_per_call{
    "heap_fallbacks_per_call",
    "heap paths",
    3,
    "heap fallbacks/call",
    counting,
    "frames a non-boxing strategy sent to the heap, per call"};
inline constexpr metric peak_live_frame_bytes{
    "peak_live_frame_bytes",
    "bytes",
    0,
    "peak live frame B",
    counting,
    "the most frame memory alive at once on the benchmark's thread"};
inline constexpr metric stack_high_water_bytes{
    "stack_high_water_bytes", "bytes", 0,
    "stack high-water B",     stack,   "native stack used by the cell, above the probe's own use"};
inline constexpr metric peak_heap_bytes{
    "peak_heap_bytes", "bytes", 0,
    "peak heap B",     massif,  "peak heap of the cell above what it inherited (massif)"};
inline constexpr metric depth{"depth", "levels", 0,
                              "depth", timing,   "recursion depth or layers of the cell"};

// The latency pass (harness/bench_latency.hpp): percentiles of the per-call samples, in ns,
// the timer's own cost reported beside them (never subtracted), and how many calls one
// sample timed.
inline constexpr metric latency_p50_ns{
    "latency_p50_ns", "ns", 1, "p50 ns", latency, "median latency of a call (timed alone or in a batch)"};
inline constexpr metric latency_p90_ns{
    "latency_p90_ns", "ns", 1, "p90 ns", latency, "90th percentile of the latency of a call"};
inline constexpr metric latency_p99_ns{
    "latency_p99_ns", "ns", 1, "p99 ns", latency, "99th percentile of the latency of a call"};
inline constexpr metric latency_p999_ns{
    "latency_p999_ns", "ns", 1, "p99.9 ns", latency, "99.9th percentile of the latency of a call"};
inline constexpr metric latency_max_ns{
    "latency_max_ns", "ns", 1, "max ns", latency, "the slowest sample of the cell"};
inline constexpr metric latency_samples{
    "latency_samples", "samples", 0, "samples", latency, "timed regions recorded in the histogram"};
inline constexpr metric latency_timer_overhead_ns{
    "latency_timer_overhead_ns", "ns", 1, "timer ns", latency,
    "the timer's cost on an empty region, over latency_batch_calls: what it adds to each sample (not subtracted)"};
inline constexpr metric latency_batch_calls{
    "latency_batch_calls", "calls", 0, "calls/sample", latency,
    "interface calls one sample times (1: each call alone; N: a batch, recorded as its mean)"};

// The counting pass's split of the same samples (harness/latency_events.hpp): the counting
// build runs the latency workloads' loops with the probe too, the counters read around
// every sample, so that a sample is known to have taken a slow path (operator new called
// or a frame sent to the heap, on any thread) or not. Times here include the bookkeeping.
inline constexpr metric slow_path_share{
    "slow_path_share", "share", 3, "slow-path share", counting,
    "share of the latency samples (counting pass, the same loop timed) during which operator new was called or a frame went to the heap"};
inline constexpr metric slow_path_samples{
    "slow_path_samples", "samples", 0, "slow-path samples", counting,
    "how many latency samples of the counting pass took the slow path"};
inline constexpr metric slow_path_p50_ns{
    "slow_path_p50_ns", "ns", 1, "slow p50 ns", counting,
    "median of the slow-path samples (counting build: bookkeeping included)"};
inline constexpr metric fast_path_p50_ns{
    "fast_path_p50_ns", "ns", 1, "fast p50 ns", counting,
    "median of the other samples (counting build: bookkeeping included)"};
inline constexpr metric slow_path_above_p99{
    "slow_path_above_p99", "share", 3, "slow above p99", counting,
    "share of the counting pass's samples above its p99 that took the slow path"};
inline constexpr metric slow_path_in_slowest{
    "slow_path_in_slowest", "share", 3, "slow in slowest", counting,
    "share of the slowest slow_path_share of the samples that took the slow path (1: the slow path is exactly the slowest calls)"};

// The metrics every benchmark binary may write; workloads declare their own beside their
// benchmarks (harness/row_manifest.hpp, workload_metric).
inline constexpr std::array<const metric*, 30> common{&ns_per_call,
                                                      &ratio_to_sync,
                                                      &calls_per_iter,
                                                      &instructions_per_call,
                                                      &allocator_instructions_per_call,
                                                      &allocs_per_call,
                                                      &frees_per_call,
                                                      &bytes_per_call,
                                                      &frames_per_call,
                                                      &frame_bytes,
                                                      &frame_bytes_max,
                                                      &heap_fallbacks_per_call,
                                                      &peak_live_frame_bytes,
                                                      &stack_high_water_bytes,
                                                      &peak_heap_bytes,
                                                      &depth,
                                                      &latency_p50_ns,
                                                      &latency_p90_ns,
                                                      &latency_p99_ns,
                                                      &latency_p999_ns,
                                                      &latency_max_ns,
                                                      &latency_samples,
                                                      &latency_timer_overhead_ns,
                                                      &latency_batch_calls,
                                                      &slow_path_share,
                                                      &slow_path_samples,
                                                      &slow_path_p50_ns,
                                                      &fast_path_p50_ns,
                                                      &slow_path_above_p99,
                                                      &slow_path_in_slowest};

}  // namespace metrics
}  // namespace testbed
