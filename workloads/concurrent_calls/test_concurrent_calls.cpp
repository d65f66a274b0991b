// W3 under every strategy: the sums are right where the strategy serves concurrent calls,
// and where it declares it cannot, forcing the cell fails loudly.
#include <gtest/gtest.h>

#include "tests/forced_cells.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/concurrent_calls/lookup.hpp"
#include "workloads/concurrent_calls/lookup_asio.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

template <frame_strategy S>
long run_rounds(int width, int rounds) {
  single_thread_executor executor;
  auto table = make_lookup_table<S>(1024, &executor);
  int left = rounds;
  return executor.run(concurrent_rounds(*table, width, [&left] { return left-- > 0; }));
}

long expected_sum(int width, int rounds) {
  long sum = 0;
  for (int key = 0; key < width * rounds; ++key) sum += lookup_value(key % 1024);
  return sum;
}

template <class S>
class concurrent_calls : public ::testing::Test {};
TYPED_TEST_SUITE(concurrent_calls, testbed::testing::all_strategy_types,
                 testbed::testing::strategy_names);

TYPED_TEST(concurrent_calls, serves_what_it_declares_and_fails_loudly_otherwise) {
  using S = TypeParam;
  for (int width : {1, 4}) {
    if (unsupported_reason<S>(concurrent_needs(width))) {
      EXPECT_CELL_FAILS(run_rounds<S>(width, 3));
    } else {
      EXPECT_EQ(run_rounds<S>(width, 50), expected_sum(width, 50)) << "width " << width;
    }
  }
}

TEST(concurrent_calls_asio, the_peer_awaits_every_outstanding_lookup) {
  auto table = make_asio_lookup_table(1024);
  for (int width : {1, 3, 16}) {
    int left = 50;
    EXPECT_EQ(peers::run_awaitable(asio_concurrent_rounds(*table, width, [&left] { return left-- > 0; })),
              expected_sum(width, 50))
        << width << " outstanding";
  }
}

}  // namespace
