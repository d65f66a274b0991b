// Finds where the synchronous chain overflows a native stack, safely: each attempt runs in
// a forked child on a thread with a stack of known size, so an overflow kills the child.
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "harness/stack_probe.hpp"
#include "workloads/recursion/recursion.hpp"

namespace testbed::workloads {

namespace {

struct child_job {
  long depth;
  bool ok = false;
};

void* run_chain(void* arg) {
  auto* job = static_cast<child_job*>(arg);
  auto c = make_sync_chain(static_cast<int>(job->depth));
  job->ok = c->sum() == chain_sum(job->depth);
  return nullptr;
}

}  // namespace

bool sync_chain_survives(long depth, std::size_t stack_bytes) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("sync_chain_survives: fork failed");
  if (pid == 0) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_bytes);
    child_job job{depth};
    pthread_t thread;
    if (pthread_create(&thread, &attr, run_chain, &job) != 0) _exit(3);
    pthread_join(thread, nullptr);
    _exit(job.ok ? 0 : 4);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 4) {
    throw std::runtime_error("sync_chain_survives: the synchronous chain returned a wrong sum");
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

overflow_search find_sync_overflow_depth(std::size_t stack_bytes) {
  // Stack per level, from a run at a depth that fits easily.
  // Small enough to fit any build's frames (sanitizer builds use several times the
  // stack of a Release build) on the smallest stack the tests use (1 MiB).
  constexpr long probe_depth = 1'000;
  const auto overhead = stack_overhead(stack_bytes);
  const auto usage = run_on_painted_stack(stack_bytes, [] {
    auto c = make_sync_chain(static_cast<int>(probe_depth));
    if (c->sum() != chain_sum(probe_depth)) throw std::runtime_error("wrong synchronous sum");
  });
  const double per_level = static_cast<double>(usage.high_water - overhead) / probe_depth;
  if (per_level <= 0) throw std::runtime_error("the synchronous chain used no stack per level");
  // Bracket the overflow around the estimate, then bisect to 0.1%.
  const auto estimate = static_cast<long>(static_cast<double>(stack_bytes) / per_level);
  long lo = estimate / 2;
  while (lo > 1 && !sync_chain_survives(lo, stack_bytes)) lo /= 2;
  long hi = estimate * 2;
  while (sync_chain_survives(hi, stack_bytes)) {
    lo = hi;
    hi *= 2;
    if (hi > 256'000'000) throw std::runtime_error("the synchronous chain never overflowed");
  }
  while (hi - lo > std::max(1L, lo / 1000)) {
    const long mid = lo + (hi - lo) / 2;
    (sync_chain_survives(mid, stack_bytes) ? lo : hi) = mid;
  }
  return {hi, lo, per_level};
}

}  // namespace testbed::workloads
