// Benchmark helpers shared by every workload: cell names "<workload>/<row>/<args>"
// (Google Benchmark appends the args), and per-call counters for allocations and frames.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/callgrind.h>
#include <valgrind/valgrind.h>

#include <cstdio>

#include "harness/alloc_counter.hpp"
#include "harness/build_mode.hpp"
#include "harness/capabilities.hpp"
#include "harness/frame_stats.hpp"
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

// The process allocator this run was started with (scripts/matrix sets
// TESTBED_PROCESS_ALLOCATOR=mimalloc together with LD_PRELOAD), or "" for the default.
inline std::string_view process_allocator() {
  const char* value = std::getenv("TESTBED_PROCESS_ALLOCATOR");
  return value ? std::string_view(value) : std::string_view();
}

// Measurement passes other than timing, chosen by scripts/matrix through the environment:
//  - TESTBED_ITERATIONS=N: every cell runs exactly N iterations (callgrind, massif and
//    stack passes need a fixed amount of work, and Google Benchmark 1.7 has no flag for it);
//  - TESTBED_STACK_PROBE=1: every cell runs on a fresh thread whose 8 MiB stack (the
//    default main-thread size) is painted, and reports "stack_high_water_bytes".
// Under callgrind, every cell ends with a dump named after it (see call_meter for what is
// collected), so one valgrind run yields one instruction count per cell.
inline long fixed_iterations() {
  const char* value = std::getenv("TESTBED_ITERATIONS");
  return value ? std::atol(value) : 0;
}
inline bool stack_probe_pass() { return std::getenv("TESTBED_STACK_PROBE") != nullptr; }
inline constexpr std::size_t probe_stack_bytes = 8 * 1024 * 1024;

// The massif pass (TESTBED_MASSIF_DIR=<dir>, under valgrind --tool=massif with
// --massif-out-file=<dir>/massif.%p): every cell runs in a forked child, so one valgrind
// start-up serves every cell and each child's massif file holds that cell's heap alone on
// top of what it inherited. The child asks massif for a snapshot of the heap it inherited
// (<dir>/before.<pid>) and writes its sequence number, cell and status to <dir>/cell.<pid>; scripts/py/measure.py takes
// peak minus inherited.
inline const char* massif_fork_dir() {
  const char* dir = std::getenv("TESTBED_MASSIF_DIR");
  return dir && RUNNING_ON_VALGRIND ? dir : nullptr;
}

inline int& massif_cells_run() {  // one counter for every cell (not per template instance)
  static int count = 0;
  return count;
}

template <class Body>
void run_in_massif_child(const char* dir, const std::string& name, benchmark::State& state,
                         Body&& body) {
  // Cells run one after the other: the k-th child ran the k-th entry of the JSON output
  // (Google Benchmark 1.7's State does not know the full "<name>/<args>").
  const int sequence = massif_cells_run()++;
  std::fflush(nullptr);  // nothing buffered may be written twice
  const pid_t child = fork();
  if (child == 0) {
    // Everything the child writes is prepared before the snapshot, so that the heap it
    // uses afterwards is the cell's alone.
    const std::string prefix = std::string(dir) + "/";
    const std::string pid = std::to_string(getpid());
    const std::string marker_path = prefix + "cell." + pid;
    std::string marker = std::to_string(sequence) + "\n" + name + "\n";
    marker.reserve(marker.size() + 8);
    const std::string snapshot = "snapshot " + prefix + "before." + pid;
    // The child inherits massif's record of the parent, whose peak (the framework's
    // start-up, ~130 KB) may exceed anything a small cell reaches. A ballast far above
    // that peak (never touched: massif counts requested bytes) makes every peak after
    // this point a peak of the child's own, which massif then records exactly
    // (--peak-inaccuracy=0). measure.py checks that the peak came after the fork.
    constexpr std::size_t ballast_bytes = std::size_t{16} << 20;
    void* ballast = ::operator new(ballast_bytes);  // a call, not a new-expression: never elided
    benchmark::DoNotOptimize(ballast);
    VALGRIND_MONITOR_COMMAND(snapshot.c_str());
    body();
    marker += state.error_occurred() ? "error\n" : "ok\n";  // fits the reserved capacity
    // open/write, not stdio: no heap after the cell either.
    const int fd = open(marker_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      [[maybe_unused]] const ssize_t written = write(fd, marker.data(), marker.size());
      close(fd);
    }
    _exit(0);  // no destructors, no flush: the parent owns the process state
  }
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    state.SkipWithError("the massif child of this cell failed");
    return;
  }
  for (auto _ : state) {  // the child ran the cell; the parent only completes the loop
  }
}

// Sets a declared metric's counter (harness/metrics.hpp, or a workload_metric).
inline void set_counter(benchmark::State& state, const metric& m, benchmark::Counter value) {
  state.counters[std::string(m.name)] = value;
}

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

// Every cell of a strategy starts cold: a strategy whose per-thread state outlives a cell
// (scratch_space's table of call sites) forgets it here, so no cell inherits what an
// earlier one learned.
template <frame_strategy S>
void start_cell() noexcept {
  if constexpr (requires { S::reset_for_new_cell(); }) S::reset_for_new_cell();
}

// Registers the cell "<workload>/<S::name>" for strategy S. When S cannot serve the
// workload (unsupported_reason), the cell is still registered but skips itself with
// "unsupported: <reason>", which the JSON records as the cell's result. An exception
// escaping a supported cell is recorded as "failed: <what>" instead of ending the run.
template <frame_strategy S, class Fn>
benchmark::internal::Benchmark* register_strategy_cell(std::string_view workload,
                                                       const workload_needs& needs, Fn fn) {
  if (auto reason = unsupported_reason<S>(needs)) {
    std::string message = "unsupported: " + *reason;
    return register_described_cell(workload, describe_strategy<S>(), [message](benchmark::State& state) {
      state.SkipWithError(message.c_str());
      for (auto _ : state) {
      }
    });
  }
  return register_described_cell(workload, describe_strategy<S>(), [fn](benchmark::State& state) {
    start_cell<S>();
    try {
      fn(state);
    } catch (const std::exception& e) {
      state.SkipWithError((std::string("failed: ") + e.what()).c_str());
    }
  });
}

// The same, for a workload whose needs are known only at run time (the frame sizes of a
// plugin, or of a coroutine body the compiler sized): needs_of() is evaluated when the
// cell runs, and the cell is skipped with its reason then.
template <frame_strategy S, class NeedsFn, class Fn>
benchmark::internal::Benchmark* register_strategy_cell_at_run_time(std::string_view workload,
                                                                   NeedsFn needs_of, Fn fn) {
  return register_described_cell(workload, describe_strategy<S>(), [needs_of, fn](benchmark::State& state) {
    if (auto reason = unsupported_reason<S>(needs_of(state))) {
      state.SkipWithError(("unsupported: " + *reason).c_str());
      for (auto _ : state) {
      }
      return;
    }
    start_cell<S>();
    try {
      fn(state);
    } catch (const std::exception& e) {
      state.SkipWithError((std::string("failed: ") + e.what()).c_str());
    }
  });
}

// Measures what the calls in a benchmark loop did to the global allocator and to frame
// requests, on every thread of the process (a cell whose calls finish on a thread pool or
// a server thread counts them too). start() right before the loop, stop() right after it.
// Under callgrind (run with --collect-atstart=no) instructions are collected only between
// the two. In a timing build (build_mode.hpp) nothing is counted: its cells report time,
// and scripts/matrix takes the counters from the counting pass of the counting build.
class call_meter {
 public:
  void start() noexcept {
    if constexpr (!timing_build) {
      allocs_ = alloc::all_threads();
      reset_largest_frame();
      frames_ = frames_all_threads();
      live_ = frames_this_thread();
    }
    CALLGRIND_TOGGLE_COLLECT;
  }

  // Sets the per-call counters; calls_per_iteration is how many interface calls one
  // benchmark iteration makes (the report divides the iteration time by it too).
  void stop(benchmark::State& state, std::int64_t calls_per_iteration) const {
    CALLGRIND_TOGGLE_COLLECT;
    set_counter(state, metrics::calls_per_iter, static_cast<double>(calls_per_iteration));
    if constexpr (!timing_build) {
      const auto allocs = alloc::all_threads() - allocs_;
      const auto frames = frames_all_threads();
      const auto here = frames_this_thread();
      const double calls =
          static_cast<double>(state.iterations()) * static_cast<double>(calls_per_iteration);
      const auto frame_count = frames.frames - frames_.frames;
      const auto frame_bytes = frames.bytes - frames_.bytes;
      auto per_call = [&](std::uint64_t v) { return calls > 0 ? static_cast<double>(v) / calls : 0.0; };
      set_counter(state, metrics::allocs_per_call, per_call(allocs.allocations));
      set_counter(state, metrics::frees_per_call, per_call(allocs.deallocations));
      set_counter(state, metrics::bytes_per_call, per_call(allocs.bytes));
      set_counter(state, metrics::frames_per_call, per_call(frame_count));
      set_counter(state, metrics::frame_bytes,
          frame_count ? static_cast<double>(frame_bytes) / static_cast<double>(frame_count) : 0.0);
      set_counter(state, metrics::frame_bytes_max, static_cast<double>(frames.largest));
      // The most frame memory alive at once during the loop (deep recursion: all levels),
      // on the benchmark's thread (live bytes are per thread).
      set_counter(state, metrics::peak_live_frame_bytes,
          static_cast<double>(here.peak_live_bytes - live_.live_bytes));
      set_counter(state, metrics::heap_fallbacks_per_call,
          per_call(frames.heap_fallbacks - frames_.heap_fallbacks));
    }
  }

 private:
  alloc::counts allocs_{};
  frame_record frames_{};
  frame_record live_{};
};

}  // namespace testbed::bench
