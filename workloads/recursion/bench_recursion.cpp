// Benchmarks of W4: the chain at depths 16 to 1,048,576 (the depth sweep), fib(20) on one
// object, and the depth at which the same recursion written synchronously overflows the
// default 8 MiB native stack. One iteration = one full recursion.
#include <benchmark/benchmark.h>

#include <array>

#include "harness/bench_support.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/recursion/recursion.hpp"
#include "workloads/recursion/recursion_asio.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

// The default main-thread stack on Linux (ulimit -s), the stack vuot's claim is about.
constexpr std::size_t default_stack_bytes = 8 * 1024 * 1024;
// fib(20): 21,891 calls, 20 deep on one object.
constexpr int fib_n = 20;
// The depth sweep: powers of 16 up to 2^20 = 1,048,576 levels.
constexpr std::array<long, 5> chain_depths{16, 256, 4096, 65536, 1048576};

template <frame_strategy S>
void bm_chain(benchmark::State& state) {
  const auto depth = state.range(0);
  auto c = make_chain<S>(static_cast<int>(depth));
  auto root = chain_passes(*c, [&state] { return state.KeepRunning(); });
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(sync_wait(std::move(root)));
  meter.stop(state, depth);
  state.counters["depth"] = static_cast<double>(depth);
}

template <frame_strategy S>
void bm_fib(benchmark::State& state) {
  auto f = make_fib_service<S>();
  auto root = fib_passes(*f, fib_n, [&state] { return state.KeepRunning(); });
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(sync_wait(std::move(root)));
  meter.stop(state, fib_calls(fib_n));
  state.counters["depth"] = fib_n;
}

// The Boost.Asio peer: the same chain and fib, roots spawned before the meter starts.
void bm_asio_chain(benchmark::State& state) {
  const auto depth = state.range(0);
  auto c = make_asio_chain(static_cast<int>(depth));
  peers::asio_root<long> root(asio_chain_passes(*c, [&state] { return state.KeepRunning(); }));
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(root.run());
  meter.stop(state, depth);
  state.counters["depth"] = static_cast<double>(depth);
}

void bm_asio_fib(benchmark::State& state) {
  auto f = make_asio_fib_service();
  peers::asio_root<long> root(asio_fib_passes(*f, fib_n, [&state] { return state.KeepRunning(); }));
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(root.run());
  meter.stop(state, fib_calls(fib_n));
  state.counters["depth"] = fib_n;
}

void bm_sync_overflow(benchmark::State& state) {
  overflow_search found{};
  for (auto _ : state) found = find_sync_overflow_depth(default_stack_bytes);
  state.counters["calls_per_iter"] = 1;
  state.counters["overflow_depth"] = static_cast<double>(found.overflow_depth);
  state.counters["deepest_survived"] = static_cast<double>(found.deepest_survived);
  state.counters["stack_bytes_per_level"] = found.stack_bytes_per_level;
}

const bool registered = [] {
  bench::register_cell("recursion_sync", bench::sync_virtual_row, bm_sync_overflow)
      ->ArgName("stack_mib")
      ->Arg(default_stack_bytes >> 20)
      ->Iterations(1);
  for_each_type(all_strategies{}, []<class S>() {
    for (long depth : chain_depths) {
      bench::register_strategy_cell<S>("recursion_chain", chain_needs, bm_chain<S>)
          ->ArgName("depth")
          ->Arg(depth);
    }
    bench::register_strategy_cell<S>("recursion_fib", fib_needs(fib_n), bm_fib<S>)
        ->ArgName("n")
        ->Arg(fib_n);
  });
  for (long depth : chain_depths) {
    bench::register_cell("recursion_chain", peers::asio_awaitable_row, bm_asio_chain)
        ->ArgName("depth")
        ->Arg(depth);
  }
  bench::register_cell("recursion_fib", peers::asio_awaitable_row, bm_asio_fib)->ArgName("n")->Arg(fib_n);
  return true;
}();

}  // namespace
