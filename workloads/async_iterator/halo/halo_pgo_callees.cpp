// The callee of the halo_pgo row: the only implementation of pgo_iterator the training run
// calls, in a TU of its own (ThinLTO with the profile where clang >= 20 has its lld).
#include "workloads/async_iterator/halo/halo_pgo.hpp"

namespace testbed::halo {

namespace {
class pgo_counter final : public pgo_iterator {
 public:
  explicit pgo_counter(int items) : state_(items) {}
  halo_task<item> next() override { co_return state_.advance(); }

 private:
  workloads::counter_state state_;
};
}  // namespace

std::unique_ptr<pgo_iterator> make_pgo_counter(int items) { return std::make_unique<pgo_counter>(items); }

}  // namespace testbed::halo
