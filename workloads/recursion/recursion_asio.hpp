// W4 for the Boost.Asio peer row: the same chain and fib behind awaitable-returning
// interfaces, and the same root loops.
#pragma once

#include <memory>

#include "harness/latency_probe.hpp"
#include "strategies/asio_awaitable/asio_awaitable.hpp"

namespace testbed::workloads {

class asio_chain_node {
 public:
  virtual ~asio_chain_node() = default;
  virtual peers::awaitable<long> sum() const = 0;
};

class asio_chain {
 public:
  virtual ~asio_chain() = default;
  virtual const asio_chain_node& head() const = 0;
};

class asio_fib_service {
 public:
  virtual ~asio_fib_service() = default;
  virtual peers::awaitable<long> fib(int n) const = 0;
};

// In recursion_asio.cpp: node i has value i + 1, as in make_chain.
std::unique_ptr<asio_chain> make_asio_chain(int depth);
std::unique_ptr<asio_fib_service> make_asio_fib_service();

// Probe: as chain_passes (recursion.hpp), marking each top-level call with begin() and end().
template <class More, class Probe = no_probe>
peers::awaitable<long> asio_chain_passes(const asio_chain& c, More more,
                                         Probe probe = {}) {
  long sum = 0;
  while (more()) {
    auto t0 = probe.begin();
    sum += co_await c.head().sum();
    probe.end(t0);
  }
  co_return sum;
}

template <class More, class Probe = no_probe>
peers::awaitable<long> asio_fib_passes(const asio_fib_service& f, int n, More more,
                                       Probe probe = {}) {
  long sum = 0;
  while (more()) {
    auto t0 = probe.begin();
    sum += co_await f.fib(n);
    probe.end(t0);
  }
  co_return sum;
}

}  // namespace testbed::workloads
