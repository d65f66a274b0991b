// The measurement passes of a benchmark binary other than timing, chosen by scripts/matrix
// through the environment (iterations fixed for valgrind, the painted stack, the massif
// fork), the process allocator the run was started with, and the matrix's mode.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

namespace testbed::bench {

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

// The matrix's mode: scripts/matrix exports TESTBED_MODE (quick or full) to every pass, and
// scripts/test's smoke runs set quick. Quick mode may make a workload's costliest cells
// smaller (a shallower recursion, never fewer rows); the workload's README says which, and
// the cell's name says how big it was. Unset (a binary run by hand) is full.
inline bool quick_mode() {
  const char* value = std::getenv("TESTBED_MODE");
  return value != nullptr && std::string_view(value) == "quick";
}

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

}  // namespace testbed::bench
