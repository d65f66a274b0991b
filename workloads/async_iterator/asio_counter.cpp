// The W1 counter behind the Asio peer's interface; its own translation unit (no LTO), so
// the caller cannot see through next().
#include "workloads/async_iterator/async_iterator.hpp"
#include "workloads/async_iterator/async_iterator_asio.hpp"

namespace testbed::workloads {

namespace {

class asio_counter final : public asio_iterator {
 public:
  explicit asio_counter(int items) : state_(items) {}
  peers::awaitable<std::optional<int>> next() override { co_return state_.advance(); }

 private:
  counter_state state_;
};

}  // namespace

std::unique_ptr<asio_iterator> make_asio_counter(int items) {
  return std::make_unique<asio_counter>(items);
}

}  // namespace testbed::workloads
