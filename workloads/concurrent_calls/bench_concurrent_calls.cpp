// Benchmarks of W3: rounds of `width` lookups outstanding together on one const object,
// each suspending once on the executor. One iteration = one round = `width` calls.
#include <benchmark/benchmark.h>

#include "harness/bench_support.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/concurrent_calls/lookup.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

constexpr std::string_view workload = "concurrent_calls";

template <frame_strategy S>
void bm_concurrent(benchmark::State& state) {
  single_thread_executor executor;
  auto table = make_lookup_table<S>(1024, &executor);
  const int width = static_cast<int>(state.range(0));
  auto root = concurrent_rounds(*table, width, [&state] { return state.KeepRunning(); });
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(executor.run(std::move(root)));
  meter.stop(state, width);
}

const bool registered = [] {
  for_each_type(all_strategies{}, []<class S>() {
    // The concurrency sweep: 1 (no overlap) to 16 calls outstanding on one object.
    for (int width : {1, 2, 4, 8, 16}) {
      bench::register_strategy_cell<S>(workload, concurrent_needs(width), bm_concurrent<S>)
          ->ArgName("outstanding")
          ->Arg(width);
    }
  });
  return true;
}();

}  // namespace
