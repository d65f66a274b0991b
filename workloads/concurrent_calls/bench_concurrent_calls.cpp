// Benchmarks of W3: rounds of `width` lookups outstanding together on one const object,
// each suspending once on the executor. One iteration = one round = `width` calls.
// concurrent_calls frees a round's frames oldest first (vector::clear), concurrent_calls_lifo
// newest first: the same calls, only the order in which their frames die differs.
#include <benchmark/benchmark.h>

#include <array>

#include "harness/bench_support.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/concurrent_calls/lookup.hpp"
#include "workloads/concurrent_calls/lookup_asio.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

constexpr std::string_view workload = "concurrent_calls";
constexpr std::string_view workload_lifo = "concurrent_calls_lifo";
// The concurrency sweep: 1 (no overlap) to 16 calls outstanding on one object.
constexpr std::array<int, 5> widths{1, 2, 4, 8, 16};

template <frame_strategy S, release_order order>
void bm_concurrent(benchmark::State& state) {
  single_thread_executor executor;
  auto table = make_lookup_table<S>(1024, &executor);
  const int width = static_cast<int>(state.range(0));
  auto root = concurrent_rounds(*table, width, [&state] { return state.KeepRunning(); }, order);
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(executor.run(std::move(root)));
  meter.stop(state, width);
}

// The Boost.Asio peer: rounds of `width` lookups in a ranged parallel group.
void bm_asio_concurrent(benchmark::State& state) {
  auto table = make_asio_lookup_table(1024);
  const int width = static_cast<int>(state.range(0));
  peers::asio_root<long> root(asio_concurrent_rounds(*table, width, [&state] { return state.KeepRunning(); }));
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(root.run());
  meter.stop(state, width);
}

const bool registered = [] {
  for_each_type(all_strategies{}, []<class S>() {
    for (int width : widths) {
      bench::register_strategy_cell<S>(workload, concurrent_needs(width),
                                       bm_concurrent<S, release_order::creation>)
          ->ArgName("outstanding")
          ->Arg(width);
    }
  });
  // The LIFO variant: strategy rows only (the Asio peer frees each frame when its
  // coroutine completes, whatever order the futures are dropped in).
  for_each_type(all_strategies{}, []<class S>() {
    for (int width : widths) {
      bench::register_strategy_cell<S>(workload_lifo, concurrent_needs(width, release_order::newest_first),
                                       bm_concurrent<S, release_order::newest_first>)
          ->ArgName("outstanding")
          ->Arg(width);
    }
  });
  for (int width : widths) {
    bench::register_cell(workload, peers::asio_awaitable_row, bm_asio_concurrent)
        ->ArgName("outstanding")
        ->Arg(width);
  }
  return true;
}();

}  // namespace
