// The halo_pgo row: a true virtual call (no whole-program vtables) that clang's
// profile-guided indirect-call promotion may turn into a guarded direct call, and HALO then
// place the direct call's frame in the caller's. The loop and the callee are compiled
// twice: instrumented for the training run (halo_pgo_train.cpp), then with its profile.
#pragma once

#include <memory>

#include "workloads/async_iterator/halo/halo_counter.hpp"

namespace testbed::halo {

class pgo_iterator {
 public:
  virtual ~pgo_iterator() = default;
  virtual halo_task<item> next() = 0;
};
std::unique_ptr<pgo_iterator> make_pgo_counter(int items);

// halo_pgo_loop.cpp
halo_task<long> sum_passes(pgo_iterator& it, pass_source more);

}  // namespace testbed::halo
