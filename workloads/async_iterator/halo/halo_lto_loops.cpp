// The caller loops of halo_thinlto and halo_devirtualized, in a TU of their own compiled
// like halo_lto_callees.cpp: the callee is in sight only if ThinLTO imports it (and, for
// the virtual call, only once whole-program devirtualization made the call direct).
#include "workloads/async_iterator/halo/halo_counter.hpp"

namespace testbed::halo {

halo_task<long> sum_passes(extern_counter& it, pass_source more) {
  long sum = 0;
  while (more()) {
    while (auto x = co_await it.next()) sum += *x;
  }
  co_return sum;
}

halo_task<long> sum_passes(lone_iterator& it, pass_source more) {
  long sum = 0;
  while (more()) {
    while (auto x = co_await it.next()) sum += *x;
  }
  co_return sum;
}

}  // namespace testbed::halo
