// Benchmarks of W2: a fixed sequence of 1024 calls over objects with frames from about
// 100 B to 4 KiB, in three mixes; and each frame size alone (the frame-size sweep).
#include <benchmark/benchmark.h>

#include <algorithm>

#include "harness/bench_latency.hpp"
#include "harness/bench_support.hpp"
#include "harness/sync_wait.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/mixed_frames/mixed_frames.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

// Long enough that every size of the skewed mix appears (its rarest is 1%).
constexpr std::size_t sequence_length = 1024;

template <frame_strategy S>
void run_sequence(benchmark::State& state, const std::vector<std::size_t>& sequence) {
  auto sources = make_all_sources<S>();
  bench::with_probe(state, [&](auto probe) {
    auto root = mixed_passes(sources, sequence, [&state] { return state.KeepRunning(); }, probe);
    bench::call_meter meter;
    meter.start();
    benchmark::DoNotOptimize(sync_wait(std::move(root)));
    meter.stop(state, static_cast<std::int64_t>(sequence.size()));
  });  // each call timed alone: which calls took a slow path is the distribution's point
}

template <frame_strategy S>
void bm_mix(benchmark::State& state) {
  run_sequence<S>(state, call_sequence(static_cast<int>(state.range(0)), sequence_length));
}

// The index in local_sizes of a cell's local_bytes argument.
std::size_t size_index(const benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  return static_cast<std::size_t>(std::find(local_sizes.begin(), local_sizes.end(), bytes) - local_sizes.begin());
}

template <frame_strategy S>
void bm_one_size(benchmark::State& state) {
  const std::vector<std::size_t> sequence(sequence_length, size_index(state));
  run_sequence<S>(state, sequence);
}

const bool registered = [] {
  for_each_type(all_strategies{}, []<class S>() {
    bench::register_strategy_cell<S>(
        "mixed_frames", [](benchmark::State& s) { return mixed_needs(static_cast<int>(s.range(0))); },
        bm_mix<S>)
        ->ArgName("mix")
        ->DenseRange(0, distribution_count - 1);
    for (std::size_t bytes : local_sizes) {
      bench::register_strategy_cell<S>(
          "frame_size",
          [](benchmark::State& s) {
            return workload_needs{.largest_frame = measured_frame_bytes(size_index(s))};
          },
          bm_one_size<S>)
          ->ArgName("local_bytes")
          ->Arg(static_cast<long>(bytes));
    }
  });
  return true;
}();

}  // namespace
