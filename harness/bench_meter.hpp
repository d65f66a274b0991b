// What a cell measures besides its time: the per-call counters of the calls between a
// meter's start() and stop() (allocations and frames, on every thread), written under the
// names harness/metrics.hpp declares; and the callgrind window around them.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include <valgrind/callgrind.h>

#include "harness/alloc_counter.hpp"
#include "harness/build_mode.hpp"
#include "harness/frame_stats.hpp"
#include "harness/metrics.hpp"

namespace testbed::bench {

// Sets a declared metric's counter (harness/metrics.hpp, or a workload_metric).
inline void set_counter(benchmark::State& state, const metric& m, benchmark::Counter value) {
  state.counters[std::string(m.name)] = value;
}

// Measures what the calls in a benchmark loop did to the global allocator and to frame
// requests, on every thread of the process (a cell whose calls finish on a thread pool or
// a server thread counts them too). start() right before the loop, stop() right after it.
// Under callgrind (run with --collect-atstart=no) instructions are collected only between
// the two. In a timing build (build_mode.hpp) nothing is counted: its cells report time,
// and scripts/matrix takes the counters from the counting pass of the counting build.
class call_meter {
 public:
  void start() noexcept {
    if constexpr (!timing_build) {
      allocs_ = alloc::all_threads();
      reset_largest_frame();
      frames_ = frames_all_threads();
      live_ = frames_this_thread();
    }
    CALLGRIND_TOGGLE_COLLECT;
  }

  // Sets the per-call counters; calls_per_iteration is how many interface calls one
  // benchmark iteration makes (the report divides the iteration time by it too).
  void stop(benchmark::State& state, std::int64_t calls_per_iteration) const {
    CALLGRIND_TOGGLE_COLLECT;
    set_counter(state, metrics::calls_per_iter, static_cast<double>(calls_per_iteration));
    if constexpr (!timing_build) {
      const auto allocs = alloc::all_threads() - allocs_;
      const auto frames = frames_all_threads();
      const auto here = frames_this_thread();
      const double calls =
          static_cast<double>(state.iterations()) * static_cast<double>(calls_per_iteration);
      const auto frame_count = frames.frames - frames_.frames;
      const auto frame_bytes = frames.bytes - frames_.bytes;
      auto per_call = [&](std::uint64_t v) { return calls > 0 ? static_cast<double>(v) / calls : 0.0; };
      set_counter(state, metrics::allocs_per_call, per_call(allocs.allocations));
      set_counter(state, metrics::frees_per_call, per_call(allocs.deallocations));
      set_counter(state, metrics::bytes_per_call, per_call(allocs.bytes));
      set_counter(state, metrics::frames_per_call, per_call(frame_count));
      set_counter(state, metrics::frame_bytes,
          frame_count ? static_cast<double>(frame_bytes) / static_cast<double>(frame_count) : 0.0);
      set_counter(state, metrics::frame_bytes_max, static_cast<double>(frames.largest));
      // The most frame memory alive at once during the loop (deep recursion: all levels),
      // on the benchmark's thread (live bytes are per thread).
      set_counter(state, metrics::peak_live_frame_bytes,
          static_cast<double>(here.peak_live_bytes - live_.live_bytes));
      set_counter(state, metrics::heap_fallbacks_per_call,
          per_call(frames.heap_fallbacks - frames_.heap_fallbacks));
    }
  }

 private:
  alloc::counts allocs_{};
  frame_record frames_{};
  frame_record live_{};
};

}  // namespace testbed::bench
