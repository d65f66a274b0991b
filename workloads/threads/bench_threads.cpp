// Benchmarks of W7: each call is made on the creator thread and finished (and its frame
// destroyed) on a pool of 1, 2 or 4 threads (the threads sweep); and the same with caller
// and callee on one thread. One iteration = one call, two thread hops.
#include <benchmark/benchmark.h>

#include "harness/bench_support.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/threads/threads.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

// The calls run on pool threads: the meter counts allocations and frames on every thread
// (summed when the cell ends). callgrind's collection state is per thread, so these cells
// have no instruction counts (scripts/py/measure.py says so).
template <frame_strategy S>
void run_hops(benchmark::State& state, thread_pool& creator, thread_pool& finisher) {
  auto it = make_hopping_counter<S>(1000, finisher);
  auto root = hop_passes(*it, creator, [&state] { return state.KeepRunning(); });
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(creator.run(std::move(root)));
  meter.stop(state, 1);
}

template <frame_strategy S>
void bm_crossing(benchmark::State& state) {
  thread_pool creator(1), finisher(static_cast<std::size_t>(state.range(0)));
  run_hops<S>(state, creator, finisher);
}

template <frame_strategy S>
void bm_same_thread(benchmark::State& state) {
  thread_pool only(1);
  run_hops<S>(state, only, only);
}

const bool registered = [] {
  for_each_type(all_strategies{}, []<class S>() {
    bench::register_strategy_cell<S>("threads", crossing_needs, bm_crossing<S>)
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->Arg(4);
    bench::register_strategy_cell<S>("threads_same_thread", same_thread_needs, bm_same_thread<S>)
        ->ArgName("threads")
        ->Arg(1);
  });
  return true;
}();

}  // namespace
