// Benchmarks of W6: the AsyncIterator loop over implementations in a plugin loaded with
// dlopen; "state_bytes:0" is W1's counter compiled into the plugin, "state_bytes:2048"
// keeps 2 KiB across a suspension point. One iteration = 1000 items plus the last call.
#include <benchmark/benchmark.h>

#include "harness/bench_support.hpp"
#include "harness/sync_wait.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/plugin/plugin_api.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

constexpr int items_per_pass = 1000;

const plugin_library& plugin() {
  static const plugin_library loaded(default_plugin_path());  // loaded once, never unloaded
  return loaded;
}

plugin_kind kind_of(const benchmark::State& state) {
  return state.range(0) == 0 ? plugin_kind::small : plugin_kind::large;
}

workload_needs plugin_needs(const benchmark::State& state) {
  // What a caller could only learn by running the plugin: its frame size.
  return workload_needs{.largest_frame = plugin().frame_bytes(kind_of(state))};
}

template <frame_strategy S>
void bm_plugin(benchmark::State& state) {
  auto it = plugin().make<S>(kind_of(state), items_per_pass);
  auto root = sum_passes(*it, [&state] { return state.KeepRunning(); });
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(sync_wait(std::move(root)));
  meter.stop(state, items_per_pass + 1);
}

const bool registered = [] {
  for_each_type(all_strategies{}, []<class S>() {
    bench::register_strategy_cell<S>("plugin", plugin_needs, bm_plugin<S>)
        ->ArgName("state_bytes")
        ->Arg(0)
        ->Arg(2048);
  });
  return true;
}();

}  // namespace
