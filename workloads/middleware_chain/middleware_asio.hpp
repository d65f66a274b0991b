// W8 for the Boost.Asio peer row: the same middleware layers and leaf behind a call() that
// returns boost::asio::awaitable, and the same request loop.
#pragma once

#include <memory>

#include "strategies/asio_awaitable/asio_awaitable.hpp"
#include "workloads/middleware_chain/middleware.hpp"

namespace testbed::workloads {

class asio_service {
 public:
  virtual ~asio_service() = default;
  virtual peers::awaitable<response> call(request r) = 0;
};

class asio_service_stack {
 public:
  virtual ~asio_service_stack() = default;
  virtual asio_service& top() = 0;
};

// In middleware_asio.cpp: answers as make_service_stack's stack does (expected_checksum).
std::unique_ptr<asio_service_stack> make_asio_service_stack(int layers);

// Probe: as serve_requests (middleware.hpp), each request marked with begin() and end().
template <class More, class Probe = no_probe>
peers::awaitable<long> asio_serve_requests(asio_service_stack& stack, More more,
                                           Probe probe = {}) {
  long sum = 0;
  int id = 0;
  while (more()) {
    auto t0 = probe.begin();
    const response r = co_await stack.top().call(request{id++ % 4096, 0});
    probe.end(t0);
    sum += r.checksum;
  }
  co_return sum;
}

}  // namespace testbed::workloads
