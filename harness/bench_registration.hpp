// How a workload registers its cells "<workload>/<row>/<args>": baselines, peers and
// devices (plain rows) and strategies (checked against the workload's needs), each row
// recorded in the binary's manifest (harness/row_manifest.hpp); the passes of
// bench_passes.hpp wrap every cell.
#pragma once

#include <benchmark/benchmark.h>

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <valgrind/callgrind.h>
#include <valgrind/valgrind.h>

#include "harness/bench_meter.hpp"
#include "harness/bench_passes.hpp"
#include "harness/capabilities.hpp"
#include "harness/metrics.hpp"
#include "harness/row_manifest.hpp"
#include "harness/stack_probe.hpp"

namespace testbed::bench {

// Rows that are not strategies: the limits the strategies are measured against.
inline constexpr plain_row sync_virtual_row{
    "sync_virtual", row_kind::baseline,
    "the synchronous virtual call, returning the packed 8-byte result poll_next returns: the limit", roles::synchronous_limit};
inline constexpr plain_row sync_virtual_optional_row{
    "sync_virtual_optional", row_kind::baseline,
    "the synchronous virtual call returning std::optional<int> (g++ 12 returns it through memory)", roles::synchronous_limit};
inline constexpr plain_row static_coroutine_row{
    "static_coroutine", row_kind::baseline,
    "the coroutine called statically, visible to the caller: the compiler may elide its frame", roles::visible_coroutine};
inline constexpr plain_row devirtualized_final_row{
    "devirtualized_final", row_kind::baseline,
    "a virtual call on a `final` class the caller sees: can the compiler devirtualize it and elide "
    "the frame again?", roles::devirtualized};
inline constexpr plain_row poll_next_row{
    "poll_next", row_kind::baseline,
    "the poll-style interface (the Stream shape, no coroutine frame per call): the limit of inline", roles::poll_limit};

// Registers fn as the cell "<workload>/<row>"; add ->Arg(n) for "<workload>/<row>/<n>".
// The row is recorded in the binary's manifest (row_manifest.hpp). Under another process
// allocator the row is "<row>_<allocator>" (box_mimalloc): the same code, a different row
// of the matrix, described as a custom allocator.
template <class Fn>
benchmark::internal::Benchmark* register_described_cell(std::string_view workload,
                                                        row_description row, Fn&& fn) {
  if (const auto allocator = process_allocator(); !allocator.empty()) {
    row.name.append("_").append(allocator);
    row.family = row.name;
    row.allocator = std::string(allocator);
    if (row.kind == row_kind::strategy) {
      row.design_key = std::string(design_post::custom_allocator.id);
      row.design_strategy = std::string(design_post::custom_allocator.strategy);
      row.design_downside = std::string(design_post::custom_allocator.downside);
      row.placement = std::string(allocator) + " preloaded for the whole process: " + row.placement;
    }
  }
  std::string name;
  name.append(workload).append("/").append(row.name);
  declare_row(std::move(row));
  auto* b = benchmark::RegisterBenchmark(
      name.c_str(), [fn = std::forward<Fn>(fn), name](benchmark::State& state) {
        if (stack_probe_pass()) {
          static const std::size_t overhead = stack_overhead(probe_stack_bytes);
          const auto usage = run_on_painted_stack(probe_stack_bytes, [&] { fn(state); });
          set_counter(state, metrics::stack_high_water_bytes,
                      static_cast<double>(usage.high_water > overhead ? usage.high_water - overhead : 0));
        } else if (const char* dir = massif_fork_dir()) {
          run_in_massif_child(dir, name, state, [&] { fn(state); });
        } else {
          fn(state);
        }
        if (RUNNING_ON_VALGRIND) CALLGRIND_DUMP_STATS_AT(name.c_str());
      });
  // Wall-clock time decides the iteration count and is what the results report: a cell
  // whose calls finish on other threads spends its time waiting, not on this CPU.
  b->UseRealTime();
  if (const long n = fixed_iterations(); n > 0) b->Iterations(n);
  return b;
}

// A baseline, peer or device row (plain_row).
template <class Fn>
benchmark::internal::Benchmark* register_cell(std::string_view workload, const plain_row& row,
                                              Fn&& fn) {
  return register_described_cell(workload, describe_plain(row), std::forward<Fn>(fn));
}

// Ends a cell that does not run: Google Benchmark records `message` as the cell's result
// ("unsupported: <reason>", "skipped: <reason>", which results.json and the report read),
// and the cell's loop completes without an iteration.
inline void skip_cell(benchmark::State& state, const std::string& message) {
  state.SkipWithError(message.c_str());
  for (auto _ : state) {
  }
}

// Every cell of a strategy starts cold: a strategy whose per-thread state outlives a cell
// (scratch_space's table of call sites) forgets it here, so no cell inherits what an
// earlier one learned.
template <frame_strategy S>
void start_cell() noexcept {
  if constexpr (requires { S::reset_for_new_cell(); }) S::reset_for_new_cell();
}

// Registers the cell "<workload>/<S::name>" for strategy S. `needs` is what the workload
// asks of a strategy: a workload_needs known when the code is written (checked now), or a
// function of the cell's State for needs known only when the cell runs (the frame sizes of
// a plugin, or of a coroutine body the compiler sized: checked then). When S cannot serve
// them (unsupported_reason), the cell skips itself with "unsupported: <reason>", which the
// JSON records as the cell's result. An exception escaping a supported cell is recorded as
// "failed: <what>" instead of ending the run.
template <frame_strategy S, class Needs, class Fn>
benchmark::internal::Benchmark* register_strategy_cell(std::string_view workload, Needs needs,
                                                       Fn fn) {
  return register_described_cell(workload, describe_strategy<S>(), [needs, fn](benchmark::State& state) {
    std::optional<std::string> reason;
    if constexpr (std::is_invocable_r_v<workload_needs, Needs, benchmark::State&>) {
      reason = unsupported_reason<S>(needs(state));
    } else {
      reason = unsupported_reason<S>(needs);
    }
    if (reason) return skip_cell(state, "unsupported: " + *reason);
    start_cell<S>();
    try {
      fn(state);
    } catch (const std::exception& e) {
      state.SkipWithError((std::string("failed: ") + e.what()).c_str());
    }
  });
}

}  // namespace testbed::bench
