// W1 for the Boost.Asio peer row: the same counter behind a next() that returns
// boost::asio::awaitable, and the same caller loop.
#pragma once

#include <memory>
#include <optional>

#include "harness/latency_probe.hpp"
#include "strategies/asio_awaitable/asio_awaitable.hpp"

namespace testbed::workloads {

class asio_iterator {
 public:
  virtual ~asio_iterator() = default;
  virtual peers::awaitable<std::optional<int>> next() = 0;
};

// The counter of async_iterator.hpp (counter_state), in asio_counter.cpp.
std::unique_ptr<asio_iterator> make_asio_counter(int items);

// Probe: as sum_passes (async_iterator.hpp); asio's promise transforms the awaitable, so
// the call is marked with begin() and end() rather than wrapped.
template <class More, class Probe = no_probe>
peers::awaitable<long> asio_sum_passes(asio_iterator& it, More more, Probe probe = {}) {
  long sum = 0;
  while (more()) {
    auto t0 = probe.begin();
    while (auto x = co_await it.next()) {
      probe.end(t0);
      sum += *x;
      t0 = probe.begin();
    }
    probe.end(t0);
  }
  co_return sum;
}

}  // namespace testbed::workloads
