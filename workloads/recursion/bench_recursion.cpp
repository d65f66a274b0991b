// Benchmarks of W4: the chain at depths 16 to 1,048,576 (the depth sweep), fib(20) on one
// object, and the depth at which the same recursion written synchronously overflows the
// default 8 MiB native stack. One iteration = one full recursion. Also: how far box and the
// side stack really go (recursion_reach, 16,777,216 levels, 8,388,608 in quick mode, C9),
// and how deep one fixed caller buffer takes the chain before it must refuse
// (recursion_fixed_buffer, C11).
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <vector>

#include "harness/bench_latency.hpp"
#include "harness/bench_support.hpp"
#include "harness/build_mode.hpp"
#include "harness/sync_wait.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/recursion/box_fallback_sized.hpp"
#include "workloads/recursion/fixed_buffer.hpp"
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
// How far the heap really goes (C9): 2^24 = 16,777,216 levels, 16 times the sweep's deepest
// and about 32 times the synchronous chain's overflow depth on an 8 MiB stack. At about
// 100 to 130 bytes per frame (plus the 24-byte node and its heap block) that is 2 to 3 GB
// alive at the deepest point: far from the machine's 24 GiB, and 5 to 10 s per recursion
// (every level touches fresh memory). Quick mode goes half as deep, 2^23 = 8,388,608
// levels: still about 16 times the overflow depth (C9 calls 8 times "far deeper"), at half
// the cost (about 13 s of the quick matrix's measurement phase).
long reach_depth() { return bench::quick_mode() ? 8'388'608 : 16'777'216; }
// The fixed caller buffers of recursion_fixed_buffer (C11): a page, 64 KiB, 1 MiB.
constexpr std::array<long, 3> fixed_buffer_sizes{4096, 65536, 1048576};

// A sanitizer's allocator (redzones, quarantine) multiplies the reach cell's gigabytes and a
// Debug build makes it minutes long: the sanitizer builds only smoke-test the other cells.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool sanitizer_build = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool sanitizer_build = true;
#else
constexpr bool sanitizer_build = false;
#endif
#else
constexpr bool sanitizer_build = false;
#endif

// The metrics of W4's own cells (harness/metrics.hpp has the common ones).
using enum measurement_pass;
const workload_metric overflow_depth{{"overflow_depth", "levels", 0, "overflow depth", timing,
                                      "the smallest depth found to overflow the native stack"}};
const workload_metric deepest_survived{{"deepest_survived", "levels", 0, "deepest survived", timing,
                                        "the largest depth found to survive on the native stack"}};
const workload_metric stack_bytes_per_level{
    {"stack_bytes_per_level", "bytes", 0, "stack B/level", timing,
     "native stack one synchronous level takes (painted stack, small depth)"}};
const workload_metric depth_reached{{"depth_reached", "levels", 0, "depth reached", timing,
                                     "levels alive when the fixed buffer refused the next frame"}};
const workload_metric buffer_bytes_metric{{"buffer_bytes", "bytes", 0, "buffer B", timing,
                                           "size of the one fixed caller buffer"}};
const workload_metric frame_request_bytes{{"frame_request_bytes", "bytes", 0, "frame request B", timing,
                                           "frame size the compiler asked the fixed buffer for"}};

template <frame_strategy S>
void bm_chain(benchmark::State& state) {
  const auto depth = state.range(0);
  auto c = make_chain<S>(static_cast<int>(depth));
  // Latency pass: one sample per top-level call, a batch of `depth` calls (its mean).
  bench::with_probe(state, [&](auto probe) {
    auto root = chain_passes(*c, [&state] { return state.KeepRunning(); }, probe);
    bench::call_meter meter;
    meter.start();
    benchmark::DoNotOptimize(sync_wait(std::move(root)));
    meter.stop(state, depth);
  }, 1, static_cast<std::uint64_t>(depth));
  bench::set_counter(state, metrics::depth, static_cast<double>(depth));
}

// The depth cells (recursion_reach, recursion_sync) measure how deep a recursion goes, a
// count the timing build gives exactly as well. They skip the counting build (the
// matrix's counts and stack passes, the smoke tests of scripts/test): its frame
// bookkeeping makes the 16,777,216-level chain four times slower (8 s of box alone per
// compiler), the native stack of the chain is the sweep's (flat, as its 1,048,576-level
// cells show), and no per-call count of theirs is read. scripts/test smoke-runs them in
// the timing build.
bool depth_cell_skipped_outside_timing_build(benchmark::State& state) {
  if constexpr (timing_build) {
    return false;
  } else {
    bench::skip_cell(state, "skipped: a depth cell runs in the timing build only (the counting build's bookkeeping only slows it)");
    return true;
  }
}

// C9: the chain at reach_depth, once (->Iterations(1): the stack pass's fixed iteration
// count is overridden too). "depth" is the levels reached: the whole chain, checked by its
// sum. Not under valgrind (minutes of instrumented allocation; the per-call instructions
// are those of the shallower depths), in sanitizer builds nor in the counting build: the
// cell skips itself there.
template <frame_strategy S>
void bm_reach(benchmark::State& state) {
  const auto depth = state.range(0);
  if (RUNNING_ON_VALGRIND || sanitizer_build) {
    return bench::skip_cell(state, "skipped: millions of levels are not run under valgrind or a sanitizer");
  }
  if (depth_cell_skipped_outside_timing_build(state)) return;
  auto c = make_chain<S>(static_cast<int>(depth));
  auto root = chain_passes(*c, [&state] { return state.KeepRunning(); });
  bench::call_meter meter;
  meter.start();
  const long sum = sync_wait(std::move(root));
  meter.stop(state, depth);
  if (sum != chain_sum(depth) * static_cast<long>(state.iterations())) {
    state.SkipWithError("failed: the chain's sum is wrong: not every level was reached");
    return;
  }
  bench::set_counter(state, metrics::depth, static_cast<double>(depth));
}

// C11: every level's frame from ONE fixed buffer of `buffer_bytes` the root caller lends
// (fixed_buffer.hpp). First a chain deeper than the buffer can hold (2 * N / 16 levels: a
// frame takes at least 16 bytes) runs until the buffer refuses: "depth_reached" is the
// levels alive at the refusal, "frame_bytes" what each took from the buffer. Then a chain
// of exactly depth_reached levels (it fits) is timed, frames from the same buffer.
void bm_fixed_buffer(benchmark::State& state) {
  const auto buffer_bytes = static_cast<std::size_t>(state.range(0));
  std::vector<std::byte> storage(buffer_bytes);  // the caller's buffer (16-byte aligned)
  std::size_t reached = 0;
  std::size_t bytes_per_level = 0;
  std::size_t request_bytes = 0;
  {
    const auto probe_depth = static_cast<int>(2 * buffer_bytes / bump_buffer::alignment);
    auto deep = make_chain<fixed_buffer>(probe_depth);
    bump_buffer buffer(storage);
    fixed_buffer_scope scope(buffer);
    bool refused = false;
    try {
      int once = 1;
      benchmark::DoNotOptimize(sync_wait(chain_passes(*deep, [&once] { return once-- > 0; })));
    } catch (const frame_error&) {
      refused = true;
    }
    if (!refused || buffer.peak_frames() == 0 || buffer.live_frames() != 0) {
      state.SkipWithError("failed: the fixed buffer did not refuse a chain deeper than it holds");
      return;
    }
    reached = buffer.peak_frames();
    bytes_per_level = buffer.peak_bytes() / reached;
    request_bytes = buffer.last_request();
  }
  auto fits = make_chain<fixed_buffer>(static_cast<int>(reached));
  bump_buffer buffer(storage);
  fixed_buffer_scope scope(buffer);
  auto root = chain_passes(*fits, [&state] { return state.KeepRunning(); });
  bench::call_meter meter;
  meter.start();
  const long sum = sync_wait(std::move(root));
  meter.stop(state, static_cast<std::int64_t>(reached));
  if (sum != chain_sum(static_cast<long>(reached)) * static_cast<long>(state.iterations())) {
    state.SkipWithError("failed: the chain that fits the buffer gave a wrong sum");
    return;
  }
  bench::set_counter(state, buffer_bytes_metric, static_cast<double>(buffer_bytes));
  bench::set_counter(state, depth_reached, static_cast<double>(reached));
  // Bytes of the buffer per level: the frame rounded up to the default new alignment.
  bench::set_counter(state, metrics::frame_bytes, static_cast<double>(bytes_per_level));
  bench::set_counter(state, frame_request_bytes, static_cast<double>(request_bytes));
}

template <frame_strategy S>
void bm_fib(benchmark::State& state) {
  auto f = make_fib_service<S>();
  // Latency pass: one sample per top-level fib(n), a batch of fib_calls(n) calls (its mean).
  bench::with_probe(state, [&](auto probe) {
    auto root = fib_passes(*f, fib_n, [&state] { return state.KeepRunning(); }, probe);
    bench::call_meter meter;
    meter.start();
    benchmark::DoNotOptimize(sync_wait(std::move(root)));
    meter.stop(state, fib_calls(fib_n));
  }, 1, static_cast<std::uint64_t>(fib_calls(fib_n)));
  bench::set_counter(state, metrics::depth, fib_n);
}

// The Boost.Asio peer: the same chain and fib, roots spawned before the meter starts.
void bm_asio_chain(benchmark::State& state) {
  const auto depth = state.range(0);
  auto c = make_asio_chain(static_cast<int>(depth));
  bench::with_probe(state, [&](auto probe) {
    peers::asio_root<long> root(
        asio_chain_passes(*c, [&state] { return state.KeepRunning(); }, probe));
    bench::call_meter meter;
    meter.start();
    benchmark::DoNotOptimize(root.run());
    meter.stop(state, depth);
  }, 1, static_cast<std::uint64_t>(depth));
  bench::set_counter(state, metrics::depth, static_cast<double>(depth));
}

void bm_asio_fib(benchmark::State& state) {
  auto f = make_asio_fib_service();
  bench::with_probe(state, [&](auto probe) {
    peers::asio_root<long> root(
        asio_fib_passes(*f, fib_n, [&state] { return state.KeepRunning(); }, probe));
    bench::call_meter meter;
    meter.start();
    benchmark::DoNotOptimize(root.run());
    meter.stop(state, fib_calls(fib_n));
  }, 1, static_cast<std::uint64_t>(fib_calls(fib_n)));
  bench::set_counter(state, metrics::depth, fib_n);
}

void bm_sync_overflow(benchmark::State& state) {
  if (depth_cell_skipped_outside_timing_build(state)) return;
  overflow_search found{};
  bench::call_meter meter;  // one "call" per iteration: a whole search (children forked)
  meter.start();
  for (auto _ : state) found = find_sync_overflow_depth(default_stack_bytes);
  meter.stop(state, 1);
  bench::set_counter(state, overflow_depth, static_cast<double>(found.overflow_depth));
  bench::set_counter(state, deepest_survived, static_cast<double>(found.deepest_survived));
  bench::set_counter(state, stack_bytes_per_level, found.stack_bytes_per_level);
}

const bool registered = [] {
  // The reach cells (recursion_sync, recursion_reach) measure how deep a recursion goes, a
  // count that does not vary between runs: one repetition of one iteration each (a few
  // seconds apiece), not the matrix's repetitions, which are for the timed cells.
  bench::register_cell("recursion_sync", bench::sync_virtual_row, bm_sync_overflow)
      ->ArgName("stack_mib")
      ->Arg(default_stack_bytes >> 20)
      ->Iterations(1)
      ->Repetitions(1);
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
  bench::register_strategy_cell<box>("recursion_reach", chain_needs, bm_reach<box>)
      ->ArgName("depth")
      ->Arg(reach_depth())
      ->Iterations(1)
      ->Repetitions(1);
  bench::register_strategy_cell<side_stack>("recursion_reach", chain_needs, bm_reach<side_stack>)
      ->ArgName("depth")
      ->Arg(reach_depth())
      ->Iterations(1)
      ->Repetitions(1);
  // The device that measures fallback's slow path against box's at the same frame size.
  for (long depth : chain_depths) {
    bench::register_strategy_cell<box_fallback_sized>("recursion_chain", chain_needs,
                                                      bm_chain<box_fallback_sized>)
        ->ArgName("depth")
        ->Arg(depth);
  }
  for (long bytes : fixed_buffer_sizes) {
    bench::register_strategy_cell<fixed_buffer>("recursion_fixed_buffer", chain_needs, bm_fixed_buffer)
        ->ArgName("buffer_bytes")
        ->Arg(bytes);
  }
  return true;
}();

}  // namespace
