// The W3 lookup table behind the Asio peer's interface; its own translation unit.
#include <boost/asio/post.hpp>

#include "workloads/concurrent_calls/lookup.hpp"
#include "workloads/concurrent_calls/lookup_asio.hpp"

namespace testbed::workloads {

namespace {

class asio_lookup_table final : public asio_lookup {
 public:
  explicit asio_lookup_table(int size) : values_(static_cast<std::size_t>(size)) {
    for (int k = 0; k < size; ++k) values_[static_cast<std::size_t>(k)] = lookup_value(k);
  }
  peers::awaitable<int> get(int key) const override {
    // Suspend once: resumed from the io_context's queue, like a lookup waiting for I/O.
    co_await boost::asio::post(co_await boost::asio::this_coro::executor, boost::asio::use_awaitable);
    co_return values_[static_cast<std::size_t>(key) % values_.size()];
  }

 private:
  std::vector<int> values_;
};

}  // namespace

std::unique_ptr<asio_lookup> make_asio_lookup_table(int size) {
  return std::make_unique<asio_lookup_table>(size);
}

}  // namespace testbed::workloads
