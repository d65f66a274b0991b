// W8 under every strategy: every request passes every layer and comes back stamped by
// each, where the strategy serves the chain; a forced unsupported cell fails loudly.
#include <gtest/gtest.h>

#include "tests/forced_cells.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/middleware_chain/middleware.hpp"

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
