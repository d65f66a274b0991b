// The latency pass of a benchmark binary (TESTBED_LATENCY=1, on the timing build): a cell
// runs its loop with a latency_probe instead of no_probe and writes the percentiles of its
// samples as the latency metrics of harness/metrics.hpp. The choice is made once per cell,
// outside the loop: the timing pass runs the no_probe instance, whose loop has no probe.
// The counting pass (counting build, no stack probe) runs the same loop with the split
// probe: every sample also sorted by whether a slow-path event (an operator new, a heap
// fallback: latency_events.hpp) was counted during it, which says which path the slow
// samples took (the slow_path_* metrics).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>

#include "harness/bench_meter.hpp"
#include "harness/bench_passes.hpp"
#include "harness/build_mode.hpp"
#include "harness/cycle_timer.hpp"
#include "harness/latency_events.hpp"
#include "harness/latency_histogram.hpp"
#include "harness/latency_probe.hpp"
#include "harness/metrics.hpp"

namespace testbed::bench {

inline bool latency_pass() {
  const char* value = std::getenv("TESTBED_LATENCY");
  return value != nullptr && value[0] == '1';
}

// Writes the latency metrics of one cell from its histogram of ticks per call.
inline void write_latency(benchmark::State& state, const latency_histogram& h,
                          std::uint64_t calls_per_sample) {
  auto ns = [](latency_histogram::value ticks) {
    return cycle_timer::to_ns(static_cast<double>(ticks));
  };
  set_counter(state, metrics::latency_p50_ns, ns(h.percentile(50)));
  set_counter(state, metrics::latency_p90_ns, ns(h.percentile(90)));
  set_counter(state, metrics::latency_p99_ns, ns(h.percentile(99)));
  set_counter(state, metrics::latency_p999_ns, ns(h.percentile(99.9)));
  set_counter(state, metrics::latency_max_ns, ns(h.max()));
  set_counter(state, metrics::latency_samples, static_cast<double>(h.count()));
  // The timer's cost as it weighs in a sample: one start/stop pair per sample of
  // calls_per_sample calls, so the empty region's cost over calls_per_sample.
  set_counter(state, metrics::latency_timer_overhead_ns,
              ns(cycle_timer::overhead_ticks()) / static_cast<double>(calls_per_sample));
  set_counter(state, metrics::latency_batch_calls, static_cast<double>(calls_per_sample));
}

// Writes the slow_path_* metrics of one cell from its split histograms (ticks per call).
inline void write_split(benchmark::State& state, const latency_histogram& all,
                        const latency_histogram& slow, const latency_histogram& fast) {
  const latency_split s = split_of(all, slow, fast);
  auto ns = [](latency_histogram::value ticks) {
    return cycle_timer::to_ns(static_cast<double>(ticks));
  };
  set_counter(state, metrics::slow_path_share, s.slow_share);
  set_counter(state, metrics::slow_path_samples, static_cast<double>(s.slow));
  if (s.slow > 0) set_counter(state, metrics::slow_path_p50_ns, ns(s.slow_p50));
  if (s.slow < s.samples) set_counter(state, metrics::fast_path_p50_ns, ns(s.fast_p50));
  if (s.slow_above_p99 >= 0) set_counter(state, metrics::slow_path_above_p99, s.slow_above_p99);
  if (s.slow_in_slowest >= 0) set_counter(state, metrics::slow_path_in_slowest, s.slow_in_slowest);
}

// Runs body(probe) once: with no_probe{} in the timing and stack passes; in the latency
// pass with a latency_probe over a fresh histogram, then writes the cell's latency
// metrics; in the counting pass (a counting build) with the split probe, then writes the
// slow_path_* metrics.
// batch: consecutive calls one sample times (1: each call alone); calls_per_region: the
// interface calls one timed call makes (a recursion's top-level call: its depth).
template <class Body>
void with_probe(benchmark::State& state, Body&& body, std::uint64_t batch = 1,
                std::uint64_t calls_per_region = 1) {
  if (latency_pass()) {
    cycle_timer::ticks_per_ns();  // calibrated (20 ms) and overhead measured before the loop
    cycle_timer::overhead_ticks();
    latency_histogram h;
    body(latency_probe{h, batch, calls_per_region});
    write_latency(state, h, batch * calls_per_region);
    return;
  }
  if constexpr (!timing_build) {
    if (!stack_probe_pass()) {  // the stack pass measures the bare loop's stack
      cycle_timer::ticks_per_ns();
      latency_histogram all, slow, fast;  // allocated before the cell's meter starts
      body(split_latency_probe<slow_path_events>{all, slow, fast, slow_path_events{}, batch,
                                                 calls_per_region});
      write_split(state, all, slow, fast);
      return;
    }
  }
  body(no_probe{});
}

}  // namespace testbed::bench
