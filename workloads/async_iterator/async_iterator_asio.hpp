// W1 for the Boost.Asio peer row: the same counter behind a next() that returns
// boost::asio::awaitable, and the same caller loop.
#pragma once

#include <memory>
#include <optional>

#include "strategies/asio_awaitable/asio_awaitable.hpp"

namespace testbed::workloads {

class asio_iterator {
 public:
  virtual ~asio_iterator() = default;
  virtual peers::awaitable<std::optional<int>> next() = 0;
};

// The counter of async_iterator.hpp (counter_state), in asio_counter.cpp.
std::unique_ptr<asio_iterator> make_asio_counter(int items);

template <class More>
peers::awaitable<long> asio_sum_passes(asio_iterator& it, More more) {
  long sum = 0;
  while (more()) {
    while (auto x = co_await it.next()) sum += *x;
  }
  co_return sum;
}

}  // namespace testbed::workloads
