// W5 under every strategy: futures awaited after their creating function returned give
// the right values where the strategy serves it, and a forced unsupported cell fails loudly.
#include <gtest/gtest.h>

#include "tests/forced_cells.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/escaping_futures/escaping.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

template <frame_strategy S>
long run_batches(int batches) {
  auto table = make_lookup_table<S>(1024, nullptr);
  int left = batches;
  return sync_wait(escaping_batches(*table, [&left] { return left-- > 0; }));
}

template <class S>
class escaping_futures : public ::testing::Test {};
TYPED_TEST_SUITE(escaping_futures, testbed::testing::all_strategy_types,
                 testbed::testing::strategy_names);

TYPED_TEST(escaping_futures, serves_what_it_declares_and_fails_loudly_otherwise) {
  using S = TypeParam;
  if (unsupported_reason<S>(escaping_needs)) {
    EXPECT_CELL_FAILS(run_batches<S>(2));
  } else {
    long expected = 0;
    for (int key = 0; key < 20 * escaping_batch; ++key) expected += lookup_value(key % 1024);
    EXPECT_EQ(run_batches<S>(20), expected);
  }
}

}  // namespace
