// The training run of the halo_pgo row: the instrumented loop over the counter (100 passes
// of 1001 calls), whose profile (llvm-profdata merge) the row's build then uses.
#include <cstdio>

#include "harness/sync_wait.hpp"
#include "workloads/async_iterator/halo/halo_pgo.hpp"

int main() {
  using namespace testbed::halo;
  auto it = make_pgo_counter(1000);
  int passes = 100;  // enough calls that the call site is hot
  pass_source more{[](void* c) { return (*static_cast<int*>(c))-- > 0; }, &passes};
  const long sum = testbed::sync_wait(sum_passes(*it, more));
  std::printf("%ld\n", sum);
  return sum == 100L * 999 * 1000 / 2 ? 0 : 1;
}
