// The slow-path events a latency sample is sorted by in the counting pass: a call to the
// global operator new (a box frame, a cache miss, a side-stack segment grown, a caller
// cache's first call) or a frame a strategy with storage of its own sent to the heap, on
// any thread of the process (a loopback request's server thread too). Counting builds
// only: the counters are the counting operator new's (alloc_counter.hpp) and frame_stats'
// (a timing build counts nothing, and does not link alloc::all_threads()).
#pragma once

#include <cstdint>

#include "harness/alloc_counter.hpp"
#include "harness/frame_stats.hpp"
#include "harness/latency_histogram.hpp"

namespace testbed {

struct slow_path_events {
  static constexpr bool counted = true;
  // Two relaxed loads: called before a sample's clock starts and after it stops.
  std::uint64_t read() const noexcept {
    return alloc::all_threads().allocations + frames_all_threads().heap_fallbacks;
  }
};

// What the split histograms of one cell say: how many samples took the slow path, their
// median against the others', and whether the slowest samples are the slow-path ones.
struct latency_split {
  std::uint64_t samples = 0;
  std::uint64_t slow = 0;            // samples during which an event was counted
  double slow_share = 0;             // slow / samples
  latency_histogram::value slow_p50 = 0, fast_p50 = 0;  // ticks per call
  // Share of the samples above the p99 of all that were slow; -1 when none is above it
  // (the slowest 1% share the p99's bucket).
  double slow_above_p99 = -1;
  // Share of the slowest slow_share of all samples that were slow (1: the slow path is
  // exactly the slowest calls); -1 when undefined (no slow sample, or every sample slow).
  double slow_in_slowest = -1;
};

// Samples of `all` above v, counted per histogram: above v means in a bucket whose lowest
// value exceeds v (v is a percentile, the highest value of its bucket, so no bucket straddles it).
inline latency_split split_of(const latency_histogram& all, const latency_histogram& slow,
                              const latency_histogram& fast) {
  latency_split s;
  s.samples = all.count();
  s.slow = slow.count();
  if (s.samples == 0) return s;
  s.slow_share = static_cast<double>(s.slow) / static_cast<double>(s.samples);
  s.slow_p50 = slow.percentile(50);
  s.fast_p50 = fast.percentile(50);
  auto share_slow_above = [&](latency_histogram::value v) {
    const auto a = slow.count_above(v), b = fast.count_above(v);
    return a + b ? static_cast<double>(a) / static_cast<double>(a + b) : -1.0;
  };
  s.slow_above_p99 = share_slow_above(all.percentile(99));
  if (s.slow > 0 && s.slow < s.samples)
    s.slow_in_slowest = share_slow_above(all.percentile(100.0 * (1.0 - s.slow_share)));
  return s;
}

}  // namespace testbed
