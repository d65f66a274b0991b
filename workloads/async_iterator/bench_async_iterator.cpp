// Benchmarks of W1 (AsyncIterator loop): every strategy in the list, plus the synchronous
// virtual call and the statically dispatched coroutine; and the variant in which every
// k-th call really suspends. One iteration = one pass of `items` next() calls plus the
// end-of-sequence call. In the latency pass (TESTBED_LATENCY=1) next() calls are timed in
// batches (ready) or alone (suspending): harness/bench_latency.hpp, ready_batch below.
#include <benchmark/benchmark.h>

#include "harness/bench_latency.hpp"
#include "harness/bench_support.hpp"
#include "harness/executor.hpp"
#include "harness/sync_wait.hpp"
#include "harness/task.hpp"
#include "strategies/eager/eager.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/async_iterator/async_iterator.hpp"
#include "workloads/async_iterator/async_iterator_asio.hpp"
#include "workloads/async_iterator/ideal_placement.hpp"
#include "workloads/async_iterator/static_counter.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

constexpr std::string_view workload = "async_iterator";
constexpr std::string_view suspending_workload = "async_iterator_suspending";
// 1000 items per pass: long enough that per-pass overhead (the KeepRunning check) is
// under 0.1% of a pass, short enough that Google Benchmark can size runs finely.
constexpr int items_per_pass = 1000;
// Every 16th call suspends: enough real suspensions (about 63 per pass) to weigh in the
// mean, few enough that the synchronous fast path still dominates, as in a buffered reader.
constexpr int suspend_every = 16;
// The latency pass times ready calls in batches of 64: one next() takes 1.5 to 15 ns, below
// the time-stamp counter's resolution (a virtual machine's counter advances in steps of
// about 10 ns and a timed region costs about 30 ns); 64 calls are many steps long, the timer
// adds a sixty-fourth of its cost to each, and the fences' stall of the pipeline (which the
// empty region does not show) weighs little: with 16, sync_virtual's p50 less the timer's
// share was 2.0x its mean under clang (3.45 against 1.69 ns), with 64 0.8 to 0.9x (same
// machine, another moment). The suspending workload
// times every call alone: the suspending calls (the tail) are well above the resolution,
// and a batch would hold one of them in every sample.
constexpr std::uint64_t ready_batch = 64;
constexpr std::uint64_t suspending_batch = 1;

std::int64_t calls_per_pass(const benchmark::State& state) {
  return state.range(0) + 1;  // the items, plus the call that returns nullopt
}

// Runs a coroutine root (already created, so its frame is not counted) to completion.
template <class Root>
void measure_root(benchmark::State& state, Root&& root) {
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(sync_wait(std::move(root)));
  meter.stop(state, calls_per_pass(state));
}

template <frame_strategy S>
void bm_strategy(benchmark::State& state) {
  auto it = make_counter<S>(static_cast<int>(state.range(0)));
  bench::with_probe(state, [&](auto probe) {
    measure_root(state, sum_passes(*it, [&state] { return state.KeepRunning(); }, probe));
  }, ready_batch);
}

template <frame_strategy S>
void bm_strategy_suspending(benchmark::State& state) {
  single_thread_executor executor;
  auto it = make_suspending_counter<S>(static_cast<int>(state.range(0)),
                                       static_cast<int>(state.range(1)), executor);
  bench::with_probe(state, [&](auto probe) {
    auto root = sum_passes(*it, [&state] { return state.KeepRunning(); }, probe);
    bench::call_meter meter;
    meter.start();
    benchmark::DoNotOptimize(executor.run(std::move(root)));
    meter.stop(state, calls_per_pass(state));
  }, suspending_batch);
}

void bm_static_coroutine(benchmark::State& state) {
  static_counter it(static_cast<int>(state.range(0)));
  bench::with_probe(state, [&](auto probe) {
    measure_root(state, sum_passes(it, [&state] { return state.KeepRunning(); }, probe));
  }, ready_batch);
}

void bm_devirtualized_final(benchmark::State& state) {
  final_counter it(static_cast<int>(state.range(0)));
  bench::with_probe(state, [&](auto probe) {
    measure_root(state, sum_passes(it, [&state] { return state.KeepRunning(); }, probe));
  }, ready_batch);
}

// The poll-style row: every_k = 0 for the synchronous workload, the suspending period
// for the suspending one.
void bm_poll_next(benchmark::State& state, int every) {
  single_thread_executor executor;
  auto it = make_poll_counter(static_cast<int>(state.range(0)), every);
  bench::with_probe(state, [&](auto probe) {
    auto root = sum_passes(*it, executor, [&state] { return state.KeepRunning(); }, probe);
    bench::call_meter meter;
    meter.start();
    benchmark::DoNotOptimize(executor.run(std::move(root)));
    meter.stop(state, calls_per_pass(state));
  }, every ? suspending_batch : ready_batch);
}

// The Boost.Asio peer: the root is spawned (and its frames allocated) before the meter starts.
void bm_asio_awaitable(benchmark::State& state) {
  auto it = make_asio_counter(static_cast<int>(state.range(0)));
  bench::with_probe(state, [&](auto probe) {
    peers::asio_root<long> root(
        asio_sum_passes(*it, [&state] { return state.KeepRunning(); }, probe));
    bench::call_meter meter;
    meter.start();
    benchmark::DoNotOptimize(root.run());
    meter.stop(state, calls_per_pass(state));
  }, ready_batch);
}

// The synchronous rows: the packed 8-byte result (the limit) and std::optional<int>.
template <auto make>
void bm_sync_virtual(benchmark::State& state) {
  auto it = make(static_cast<int>(state.range(0)));
  bench::with_probe(state, [&](auto probe) {
    bench::call_meter meter;
    meter.start();
    benchmark::DoNotOptimize(sum_passes(*it, [&state] { return state.KeepRunning(); }, probe));
    meter.stop(state, calls_per_pass(state));
  }, ready_batch);
}

// The arguments of each workload's cells, given once.
benchmark::internal::Benchmark* ready(benchmark::internal::Benchmark* b) {
  return b->ArgName("items")->Arg(items_per_pass);
}
benchmark::internal::Benchmark* suspending(benchmark::internal::Benchmark* b) {
  return b->ArgNames({"items", "every"})->Args({items_per_pass, suspend_every});
}
void bm_poll_next_ready(benchmark::State& state) { bm_poll_next(state, 0); }
void bm_poll_next_suspending(benchmark::State& state) {
  bm_poll_next(state, static_cast<int>(state.range(1)));
}

const bool registered = [] {
  ready(bench::register_cell(workload, bench::sync_virtual_row, bm_sync_virtual<make_sync_counter>));
  ready(bench::register_cell(workload, bench::sync_virtual_optional_row,
                             bm_sync_virtual<make_sync_optional_counter>));
  ready(bench::register_cell(workload, bench::static_coroutine_row, bm_static_coroutine));
  ready(bench::register_cell(workload, bench::devirtualized_final_row, bm_devirtualized_final));
  ready(bench::register_cell(workload, bench::poll_next_row, bm_poll_next_ready));
  suspending(bench::register_cell(suspending_workload, bench::poll_next_row, bm_poll_next_suspending));
  ready(bench::register_cell(workload, peers::asio_awaitable_row, bm_asio_awaitable));
  auto register_both = []<class S>() {
    ready(bench::register_strategy_cell<S>(workload, async_iterator_needs, bm_strategy<S>));
    suspending(bench::register_strategy_cell<S>(suspending_workload, async_iterator_needs,
                                                bm_strategy_suspending<S>));
  };
  for_each_type(all_strategies{}, register_both);
  for_each_type(eager_strategies{}, register_both);  // the eager-start rows
  register_both.operator()<ideal_placement>();  // the cost breakdown's measuring device
  register_both.operator()<eager<ideal_placement>>();  // and its eager-start form
  return true;
}();

}  // namespace
