// W1's loop with the compiler's own frame placement (HALO): the rows that bound what a
// strategy can reach through a true virtual call, because here the compiler sees the
// callee (same TU, ThinLTO, whole-program devirtualization, a guarded static call). Cells
// of the workload async_iterator, beside the strategy rows of bench_async_iterator; rows a
// compiler cannot build are "unsupported: <reason>".
#include <benchmark/benchmark.h>

#include <string>

#include "harness/bench_support.hpp"
#include "harness/sync_wait.hpp"
#include "workloads/async_iterator/halo/halo_counter.hpp"
#include "workloads/async_iterator/halo/halo_pgo.hpp"

namespace {

using namespace testbed;
using namespace testbed::halo;

constexpr std::string_view workload = "async_iterator";
// As bench_async_iterator.cpp: 1000 items per pass, plus the call that returns nullopt.
constexpr int items_per_pass = 1000;

// The rows. Their "about" starts with what the row is (the report quotes up to the colon).
constexpr plain_row halo_same_tu_row{
    "halo_same_tu", row_kind::baseline,
    "HALO on a static call in the same TU: the compiler places the callee's frame in the caller's "
    "([[clang::coro_await_elidable]], clang >= 20); not a strategy, a bound on what a virtual call can reach",
    roles::visible_coroutine};
constexpr plain_row halo_thinlto_row{
    "halo_thinlto", row_kind::baseline,
    "HALO on a static call into another TU under ThinLTO: lld-22, the callee imported into the "
    "caller's module (-import-instr-limit=150: at the default 100 the pre-split coroutine is not "
    "imported); not a strategy, a bound on what a virtual call can reach",
    roles::visible_coroutine};
constexpr plain_row halo_devirtualized_row{
    "halo_devirtualized", row_kind::baseline,
    "HALO after whole-program devirtualization: a virtual call whose interface has one final "
    "implementation in another TU, ThinLTO with -fwhole-program-vtables; not a strategy, a bound on "
    "what a virtual call can reach (allocations per call say whether the compiler got there)",
    roles::devirtualized};
constexpr plain_row guarded_devirtualization_row{
    "guarded_devirtualization", row_kind::baseline,
    "guarded devirtualization: the caller tests the object's type against one known final class and "
    "awaits the static call (the virtual call on a miss), a JIT's inline cache; every call hits here; "
    "not a strategy, a bound on what a virtual call can reach",
    roles::devirtualized};
constexpr plain_row halo_pgo_row{
    "halo_pgo", row_kind::baseline,
    "HALO after profile-guided indirect-call promotion: a true virtual call (no whole-program "
    "vtables) into another TU, IR PGO (-fprofile-generate, a training run at build time, "
    "-fprofile-use) under ThinLTO; not a strategy, a bound on what a virtual call can reach",
    roles::devirtualized};

std::int64_t calls_per_pass(const benchmark::State& state) { return state.range(0) + 1; }

void unsupported(benchmark::State& state, const char* reason) {
  bench::skip_cell(state, std::string("unsupported: ") + reason);
}

pass_source keep_running(benchmark::State& state) {
  return {[](void* s) { return static_cast<benchmark::State*>(s)->KeepRunning(); }, &state};
}

// Runs a loop's root (created before the meter starts, so its own frame is not counted).
void measure_root(benchmark::State& state, halo_task<long> root) {
  bench::call_meter meter;
  meter.start();
  benchmark::DoNotOptimize(sync_wait(std::move(root)));
  meter.stop(state, calls_per_pass(state));
}

void bm_halo_same_tu(benchmark::State& state) {
  if (!compiler_has_halo) return unsupported(state, needs_attribute);
  halo::static_counter it(static_cast<int>(state.range(0)));
  measure_root(state, sum_passes(it, [&state] { return state.KeepRunning(); }));
}

void bm_halo_thinlto(benchmark::State& state) {
  if (!compiler_has_halo || !built_with_thinlto) return unsupported(state, needs_thinlto);
  extern_counter it(static_cast<int>(state.range(0)));
  measure_root(state, sum_passes(it, keep_running(state)));
}

void bm_halo_devirtualized(benchmark::State& state) {
  if (!compiler_has_halo || !built_with_thinlto) return unsupported(state, needs_thinlto);
  auto it = make_lone_counter(static_cast<int>(state.range(0)));
  measure_root(state, sum_passes(*it, keep_running(state)));
}

void bm_halo_pgo(benchmark::State& state) {
  if (!compiler_has_halo || !built_with_pgo) return unsupported(state, needs_pgo);
  auto it = make_pgo_counter(static_cast<int>(state.range(0)));
  measure_root(state, sum_passes(*it, keep_running(state)));
}

// Meaningful on every compiler: without the attribute the static call boxes its frame.
void bm_guarded_devirtualization(benchmark::State& state) {
  auto it = make_known_counter(static_cast<int>(state.range(0)));
  measure_root(state, sum_passes(*it, [&state] { return state.KeepRunning(); }));
}

benchmark::internal::Benchmark* ready(benchmark::internal::Benchmark* b) {
  return b->ArgName("items")->Arg(items_per_pass);
}

const bool registered = [] {
  ready(bench::register_cell(workload, halo_same_tu_row, bm_halo_same_tu));
  ready(bench::register_cell(workload, halo_thinlto_row, bm_halo_thinlto));
  ready(bench::register_cell(workload, halo_devirtualized_row, bm_halo_devirtualized));
  ready(bench::register_cell(workload, halo_pgo_row, bm_halo_pgo));
  ready(bench::register_cell(workload, guarded_devirtualization_row, bm_guarded_devirtualization));
  return true;
}();

}  // namespace
