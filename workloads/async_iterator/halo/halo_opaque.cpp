// The guarded row's objects, built where the caller cannot see which type it gets (no LTO
// on this TU): the known final class, and another implementation for the guard's miss.
#include "workloads/async_iterator/halo/halo_counter.hpp"

namespace testbed::halo {

namespace {
class other_counter final : public guarded_iterator {
 public:
  explicit other_counter(int items) : state_(items) {}
  halo_task<item> next() override { co_return state_.advance(); }

 private:
  workloads::counter_state state_;
};
}  // namespace

std::unique_ptr<guarded_iterator> make_known_counter(int items) { return std::make_unique<known_counter>(items); }
std::unique_ptr<guarded_iterator> make_other_counter(int items) { return std::make_unique<other_counter>(items); }

}  // namespace testbed::halo
