// The callees of the rows the caller cannot see without ThinLTO (halo_thinlto,
// halo_devirtualized): compiled with -flto=thin (and whole-program vtables) where the
// compiler is clang >= 20 and lld-22 is found, as a plain opaque TU elsewhere.
#include "workloads/async_iterator/halo/halo_counter.hpp"

namespace testbed::halo {

halo_task<item> extern_counter::next() { co_return state_.advance(); }

namespace {
// The only implementation of lone_iterator in the program.
class lone_counter final : public lone_iterator {
 public:
  explicit lone_counter(int items) : state_(items) {}
  halo_task<item> next() override { co_return state_.advance(); }

 private:
  workloads::counter_state state_;
};
}  // namespace

std::unique_ptr<lone_iterator> make_lone_counter(int items) { return std::make_unique<lone_counter>(items); }

}  // namespace testbed::halo
