// W8 under every strategy: every request passes every layer and comes back stamped by
// each, where the strategy serves the chain; a forced unsupported cell fails loudly.
#include <gtest/gtest.h>

#include "harness/sync_wait.hpp"
#include "tests/forced_cells.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/middleware_chain/loopback.hpp"
#include "workloads/middleware_chain/middleware.hpp"
#include "workloads/middleware_chain/middleware_asio.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

template <frame_strategy S>
long serve(int layers, int requests) {
  auto stack = make_service_stack<S>(layers);
  int left = requests;
  return sync_wait(serve_requests(*stack, [&left] { return left-- > 0; }));
}

template <class S>
class middleware_chain : public ::testing::Test {};
TYPED_TEST_SUITE(middleware_chain, testbed::testing::all_strategy_types,
                 testbed::testing::strategy_names);

TYPED_TEST(middleware_chain, serves_what_it_declares_and_fails_loudly_otherwise) {
  using S = TypeParam;
  if (unsupported_reason<S>(chain_of_services_needs)) {
    EXPECT_CELL_FAILS(serve<S>(4, 1));
    return;
  }
  for (int layers : {1, 16}) {
    long expected = 0;
    for (int id = 0; id < 100; ++id) expected += expected_checksum(id, layers);
    EXPECT_EQ(serve<S>(layers, 100), expected) << layers << " layers";
  }
}

}  // namespace

namespace {

using namespace testbed;
using namespace testbed::workloads;

long expected_sum(int requests, int layers) {
  long expected = 0;
  for (int id = 0; id < requests; ++id) expected += expected_checksum(id, layers);
  return expected;
}

// Requests 0, 1, ..., requests-1 over the connection; the sum of the checksums.
long drive(loopback_connection& connection, int requests) {
  long sum = 0;
  for (int id = 0; id < requests; ++id) sum += connection.call(request{id, 0}).checksum;
  connection.finish();
  return sum;
}

TYPED_TEST(middleware_chain, serves_requests_over_loopback) {
  using S = TypeParam;
  if (unsupported_reason<S>(loopback_needs)) return;  // forced above, same needs
  auto stack = make_service_stack<S>(4);
  long served = 0;
  loopback_connection connection([&](tcp::socket& socket) { served = sync_wait(serve_connection(*stack, socket)); });
  EXPECT_EQ(drive(connection, 200), expected_sum(200, 4));
  EXPECT_EQ(served, 200);
}

TEST(middleware_chain_asio, the_asio_peer_serves_in_memory_and_over_loopback) {
  auto stack = make_asio_service_stack(16);
  int left = 100;
  EXPECT_EQ(peers::run_awaitable(asio_serve_requests(*stack, [&left] { return left-- > 0; })),
            expected_sum(100, 16));
  auto small = make_asio_service_stack(4);
  loopback_connection connection([&](tcp::socket& socket) { peers::run_awaitable(asio_serve_connection(*small, socket)); });
  EXPECT_EQ(drive(connection, 200), expected_sum(200, 4));
}

TEST(middleware_chain_loopback, a_server_failure_reaches_the_client_with_its_message) {
  loopback_connection connection([](tcp::socket& socket) {
    request first{};
    ASSERT_TRUE(read_request(socket, first));
    throw std::runtime_error("the server gave up");
  });
  try {
    connection.call(request{1, 0});
    FAIL() << "the call should have failed";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "the server gave up");
  }
}

}  // namespace
