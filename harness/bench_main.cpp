// main() of every benchmark binary: adds the run's provenance (compiler, flags, build
// type, CPU model, kernel, git revision, date, command line) to the JSON context.
#include <benchmark/benchmark.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <dlfcn.h>
#include <sys/utsname.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "harness/build_mode.hpp"
#include "harness/row_manifest.hpp"
#include "strategies/eager/eager.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/async_iterator/overhead.hpp"

#ifndef TESTBED_COMPILER
#define TESTBED_COMPILER "unknown"
#endif
#ifndef TESTBED_CXX_FLAGS
#define TESTBED_CXX_FLAGS "unknown"
#endif
#ifndef TESTBED_BUILD_TYPE
#define TESTBED_BUILD_TYPE "unknown"
#endif
#ifndef TESTBED_GIT_REVISION
#define TESTBED_GIT_REVISION "unknown"
#endif

namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string kernel() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return fmt::format("{} {} {}", u.sysname, u.release, u.machine);
}

}  // namespace

int main(int argc, char** argv) {
  std::string command_line;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) command_line += ' ';
    command_line += argv[i];
  }

  // The language of this binary's cells, as the Rust runner declares "rust" (cells[].language).
  benchmark::AddCustomContext("testbed_language", "c++");
  benchmark::AddCustomContext("testbed_compiler", TESTBED_COMPILER);
  benchmark::AddCustomContext("testbed_cxx_flags", TESTBED_CXX_FLAGS);
  benchmark::AddCustomContext("testbed_build_type", TESTBED_BUILD_TYPE);
  // timing: bookkeeping compiled out, times only; counting: allocations and frames counted.
  benchmark::AddCustomContext("testbed_build_kind", testbed::timing_build ? "timing" : "counting");
  benchmark::AddCustomContext("testbed_git_revision_at_build", TESTBED_GIT_REVISION);
  benchmark::AddCustomContext("testbed_cpu_model", cpu_model());
  benchmark::AddCustomContext("testbed_kernel", kernel());
  benchmark::AddCustomContext(
      "testbed_date_utc",
      fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(
                                               std::chrono::system_clock::now()))));
  benchmark::AddCustomContext("testbed_command_line", command_line);
  // The rows and metrics of this binary (row_manifest.hpp), with each strategy's overhead
  // measured on the real types (workloads/async_iterator/overhead.hpp).
  // (Under a preloaded allocator the rows registered as "<row>_<allocator>".)
  const char* preloaded = std::getenv("TESTBED_PROCESS_ALLOCATOR");
  const std::string row_suffix =
      preloaded != nullptr && *preloaded != '\0' ? std::string("_") + preloaded : std::string();
  const auto measure_overhead = [&]<class S>() {
    testbed::set_row_overhead(std::string(S::name) + row_suffix, static_cast<long>(testbed::object_overhead_bytes<S>()),
                              static_cast<long>(testbed::caller_overhead_bytes<S>()));
  };
  testbed::for_each_type(testbed::all_strategies{}, measure_overhead);
  testbed::for_each_type(testbed::eager_strategies{}, measure_overhead);

  // A row named after a process allocator must really run on it.
  const char* allocator = std::getenv("TESTBED_PROCESS_ALLOCATOR");
  if (allocator != nullptr && *allocator != '\0') {
    if (std::string(allocator) != "mimalloc" || dlsym(RTLD_DEFAULT, "mi_version") == nullptr) {
      std::fprintf(stderr,
                   "TESTBED_PROCESS_ALLOCATOR=%s, but that allocator is not loaded (only "
                   "mimalloc is known: run with LD_PRELOAD=libmimalloc.so.2)\n",
                   allocator);
      return 2;
    }
    benchmark::AddCustomContext("testbed_process_allocator", allocator);
  } else {
    benchmark::AddCustomContext("testbed_process_allocator", "glibc malloc");
  }

  // After the allocator check: a preloaded allocator renames the rows as they register.
  benchmark::AddCustomContext("testbed_manifest", testbed::manifest_json());

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
