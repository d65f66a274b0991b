// W7 under every strategy: with frames crossing threads, the Sendable forms (and the
// thread-agnostic strategies) give the right sums, and each Local form forced to cross
// fails loudly; on one thread every strategy works.
#include <gtest/gtest.h>

#include "tests/forced_cells.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/threads/threads.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

constexpr int items = 50;
constexpr int passes = 3;  // items + 1 calls per pass
constexpr long expected = passes * (items * (items - 1) / 2);

template <frame_strategy S>
long run_crossing(std::size_t threads) {
  thread_pool creator(1), finisher(threads);
  auto it = make_hopping_counter<S>(items, finisher);
  int calls = passes * (items + 1);
  return creator.run(hop_passes(*it, creator, [&calls] { return calls-- > 0; }));
}

template <frame_strategy S>
long run_same_thread() {
  thread_pool only(1);
  auto it = make_hopping_counter<S>(items, only);
  int calls = passes * (items + 1);
  return only.run(hop_passes(*it, only, [&calls] { return calls-- > 0; }));
}

template <class S>
class threads : public ::testing::Test {};
TYPED_TEST_SUITE(threads, testbed::testing::all_strategy_types, testbed::testing::strategy_names);

TYPED_TEST(threads, crossing_serves_what_it_declares_and_fails_loudly_otherwise) {
  using S = TypeParam;
  if (unsupported_reason<S>(crossing_needs)) {
    EXPECT_CELL_FAILS(run_crossing<S>(2));
  } else {
    EXPECT_EQ(run_crossing<S>(2), expected);
  }
}

TYPED_TEST(threads, on_one_thread_every_strategy_works) {
  EXPECT_EQ(run_same_thread<TypeParam>(), expected);
}

}  // namespace
