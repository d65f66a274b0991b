// Benchmarks of W8: one request through 1, 4 or 16 middleware layers to the leaf. One
// iteration = one request = layers + 1 calls through the interface.
#include <benchmark/benchmark.h>

#include "harness/bench_support.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/middleware_chain/middleware.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

template <frame_strategy S>
void bm_chain(benchmark::State& state) {
  const int layers = static_cast<int>(state.range(0));
  auto stack = make_service_stack<S>(layers);
  auto root = serve_requests(*stack, [&state] { return state.KeepRunning(); });
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(sync_wait(std::move(root)));
  meter.stop(state, layers + 1);
}

const bool registered = [] {
  for_each_type(all_strategies{}, []<class S>() {
    bench::register_strategy_cell<S>("middleware_chain", chain_of_services_needs, bm_chain<S>)
        ->ArgName("layers")
        ->Arg(1)
        ->Arg(4)
        ->Arg(16);
  });
  return true;
}();

}  // namespace
