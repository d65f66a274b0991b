// The latency pass of a benchmark binary (TESTBED_LATENCY=1, on the timing build): a cell
// runs its loop with a latency_probe instead of no_probe and writes the percentiles of its
// samples as the latency metrics of harness/metrics.hpp. The choice is made once per cell,
// outside the loop: the timing pass runs the no_probe instance, whose loop has no probe.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>

#include "harness/bench_meter.hpp"
#include "harness/cycle_timer.hpp"
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

// Runs body(probe) once: with no_probe{} in every pass but the latency pass, there with a
// latency_probe over a fresh histogram, then writes the cell's latency metrics.
// batch: consecutive calls one sample times (1: each call alone); calls_per_region: the
// interface calls one timed call makes (a recursion's top-level call: its depth).
template <class Body>
void with_probe(benchmark::State& state, Body&& body, std::uint64_t batch = 1,
                std::uint64_t calls_per_region = 1) {
  if (!latency_pass()) {
    body(no_probe{});
    return;
  }
  cycle_timer::ticks_per_ns();  // calibrated (20 ms) and overhead measured before the loop
  cycle_timer::overhead_ticks();
  latency_histogram h;
  body(latency_probe{h, batch, calls_per_region});
  write_latency(state, h, batch * calls_per_region);
}

}  // namespace testbed::bench
