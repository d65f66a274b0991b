// The time-stamp counter as a timer for one call: read with fences so that the timed
// region is exactly the instructions between start() and stop(), converted to ns with a
// rate calibrated once per process against std::chrono::steady_clock, and its own cost
// (an empty timed region) measured so that every figure can be stated beside it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define TESTBED_HAVE_TSC 1
#else
#define TESTBED_HAVE_TSC 0
#endif

namespace testbed {

class cycle_timer {
 public:
  using ticks = std::uint64_t;

  // Why the fences (Intel's "How to Benchmark Code Execution Times", 2010):
  //  - start: rdtsc is not ordered with the instructions around it. The lfence before it
  //    waits for the earlier instructions to finish (so the caller's own work is not
  //    counted); the lfence after it keeps the timed instructions from starting before the
  //    counter is read.
  //  - stop: rdtscp waits for every earlier instruction to finish before it reads the
  //    counter (the timed work is all counted); the lfence after it keeps later
  //    instructions from starting before the read.
  // Both are [[gnu::always_inline]]: a call would add its own cost to every sample.
  [[gnu::always_inline]] static inline ticks start() noexcept {
#if TESTBED_HAVE_TSC
    _mm_lfence();
    const ticks t = __rdtsc();
    _mm_lfence();
    return t;
#else
    return steady_ns();
#endif
  }

  [[gnu::always_inline]] static inline ticks stop() noexcept {
#if TESTBED_HAVE_TSC
    unsigned aux;
    const ticks t = __rdtscp(&aux);
    _mm_lfence();
    return t;
#else
    return steady_ns();
#endif
  }

  // Counter ticks per ns, measured once per process (the first call costs the calibration
  // window). The counter must be invariant (constant_tsc, nonstop_tsc: every x86-64 CPU of
  // the last decade) for one rate to hold for the whole run.
  static double ticks_per_ns() {
    static const double rate = calibrate();
    return rate;
  }

  static double to_ns(double t) { return t / ticks_per_ns(); }

  // The cost of an empty timed region, start() then stop() with nothing between, in ticks:
  // the median of many (what a sample of a call costs beyond the call), measured once.
  static ticks overhead_ticks() {
    static const ticks overhead = measure_overhead();
    return overhead;
  }

 private:
  static ticks steady_ns() noexcept {
    return static_cast<ticks>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count());
  }

  static double calibrate() {
#if TESTBED_HAVE_TSC
    // 20 ms: the steady clock's reads (tens of ns each) then weigh under 1e-5 of the
    // window, and one calibration per process costs nothing next to a benchmark run.
    constexpr auto window = std::chrono::milliseconds(20);
    const auto c0 = std::chrono::steady_clock::now();
    const ticks t0 = start();
    auto c1 = c0;
    while ((c1 = std::chrono::steady_clock::now()) - c0 < window) {
    }
    const ticks t1 = stop();
    const double ns = static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(c1 - c0).count());
    return static_cast<double>(t1 - t0) / ns;
#else
    return 1.0;
#endif
  }

  static ticks measure_overhead() {
    // 10,000 empty regions: the median is steady to a tick, and it costs well under 1 ms.
    constexpr int samples = 10'000;
    std::vector<ticks> d(samples);
    for (auto& v : d) {
      const ticks a = start();
      const ticks b = stop();
      v = b - a;
    }
    std::nth_element(d.begin(), d.begin() + samples / 2, d.end());
    return d[samples / 2];
  }
};

}  // namespace testbed
