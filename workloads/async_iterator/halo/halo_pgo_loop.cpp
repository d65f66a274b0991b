// The caller loop of the halo_pgo row, in its own TU: the profile of the training run says
// which implementation its virtual call reaches.
#include "workloads/async_iterator/halo/halo_pgo.hpp"

namespace testbed::halo {

halo_task<long> sum_passes(pgo_iterator& it, pass_source more) {
  long sum = 0;
  while (more()) {
    while (auto x = co_await it.next()) sum += *x;
  }
  co_return sum;
}

}  // namespace testbed::halo
