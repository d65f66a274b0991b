// Benchmarks of W5: batches of 8 futures created by a function that returns them, stored
// in a vector, awaited later. One iteration = one batch = 8 calls. escaping_futures drops a
// batch oldest first (vector::clear), escaping_futures_lifo newest first.
#include <benchmark/benchmark.h>

#include "harness/bench_support.hpp"
#include "harness/sync_wait.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/escaping_futures/escaping.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

template <frame_strategy S, release_order order>
void bm_escaping(benchmark::State& state) {
  auto table = make_lookup_table<S>(1024, nullptr);  // completes synchronously when awaited
  auto root = escaping_batches(*table, [&state] { return state.KeepRunning(); }, order);
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(sync_wait(std::move(root)));
  meter.stop(state, escaping_batch);
}

const bool registered = [] {
  for_each_type(all_strategies{}, []<class S>() {
    bench::register_strategy_cell<S>("escaping_futures", escaping_needs,
                                     bm_escaping<S, release_order::creation>)
        ->ArgName("batch")
        ->Arg(escaping_batch);
  });
  for_each_type(all_strategies{}, []<class S>() {
    bench::register_strategy_cell<S>("escaping_futures_lifo", escaping_lifo_needs,
                                     bm_escaping<S, release_order::newest_first>)
        ->ArgName("batch")
        ->Arg(escaping_batch);
  });
  return true;
}();

}  // namespace
