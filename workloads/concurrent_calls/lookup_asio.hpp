// W3 for the Boost.Asio peer row: the same lookup behind get() returning awaitable (it
// suspends once through the io_context, as the testbed's table does through its
// executor), and rounds of `width` lookups awaited together with a ranged parallel group.
#pragma once

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <vector>

#include "strategies/asio_awaitable/asio_awaitable.hpp"

namespace testbed::workloads {

class asio_lookup {
 public:
  virtual ~asio_lookup() = default;
  virtual peers::awaitable<int> get(int key) const = 0;
};

// In lookup_asio.cpp: value of key k is lookup_value(k), as in make_lookup_table.
std::unique_ptr<asio_lookup> make_asio_lookup_table(int size);

// Asio's when_all: every operand is a co_spawn'ed coroutine, started together and
// awaited until all have finished.
template <class More>
peers::awaitable<long> asio_concurrent_rounds(const asio_lookup& table, int width, More more) {
  namespace asio = boost::asio;
  const auto executor = co_await asio::this_coro::executor;
  using operation = decltype(asio::co_spawn(executor, table.get(0), asio::deferred));
  std::vector<operation> calls;
  long sum = 0;
  int key = 0;
  while (more()) {
    calls.clear();  // the group took the previous round's vector (moved-from, so empty again)
    for (int i = 0; i < width; ++i) calls.push_back(asio::co_spawn(executor, table.get(key++ % 1024), asio::deferred));
    auto [order, errors, values] = co_await asio::experimental::make_parallel_group(std::move(calls))
                                       .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    for (int v : values) sum += v;
  }
  co_return sum;
}

}  // namespace testbed::workloads
