// W4 under every strategy: correct sums where the strategy serves recursion, loud failure
// where it declares it cannot; 1,000,000 levels with box and the side stack on a small
// painted native stack; and the synchronous overflow search.
#include <gtest/gtest.h>

#include "harness/stack_probe.hpp"
#include "tests/forced_cells.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/recursion/recursion.hpp"
#include "workloads/recursion/recursion_asio.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

template <frame_strategy S>
long run_chain(int depth) {
  auto c = make_chain<S>(depth);
  int once = 1;
  return sync_wait(chain_passes(*c, [&once] { return once-- > 0; }));
}

template <frame_strategy S>
long run_fib(int n) {
  auto f = make_fib_service<S>();
  int once = 1;
  return sync_wait(fib_passes(*f, n, [&once] { return once-- > 0; }));
}

template <class S>
class recursion : public ::testing::Test {};
TYPED_TEST_SUITE(recursion, testbed::testing::all_strategy_types, testbed::testing::strategy_names);

TYPED_TEST(recursion, chain_serves_what_it_declares_and_fails_loudly_otherwise) {
  using S = TypeParam;
  if (unsupported_reason<S>(chain_needs)) {
    EXPECT_CELL_FAILS(run_chain<S>(100));
  } else {
    EXPECT_EQ(run_chain<S>(10'000), chain_sum(10'000));
  }
}

TYPED_TEST(recursion, fib_serves_what_it_declares_and_fails_loudly_otherwise) {
  using S = TypeParam;
  if (unsupported_reason<S>(fib_needs(15))) {
    EXPECT_CELL_FAILS(run_fib<S>(15));
  } else {
    EXPECT_EQ(run_fib<S>(15), fib_value(15));
  }
}

// 1,000,000 levels on a 256 KiB native stack: the frames are on the heap (or the side
// stack), and symmetric transfer keeps the native stack flat.
template <frame_strategy S>
void expect_million_levels_on_a_small_stack() {
  constexpr int depth = 1'000'000;
  constexpr std::size_t stack = 256 * 1024;
  auto c = make_chain<S>(depth);
  long result = 0;
  const auto usage = run_on_painted_stack(stack, [&] {
    int once = 1;
    result = sync_wait(chain_passes(*c, [&once] { return once-- > 0; }));
  });
  EXPECT_EQ(result, chain_sum(depth));
  EXPECT_LT(usage.high_water, stack_overhead(stack) + 16 * 1024) << "native stack grew";
}

TEST(recursion_deep, box_reaches_a_million_levels_on_a_flat_native_stack) {
  expect_million_levels_on_a_small_stack<box>();
}

TEST(recursion_deep, side_stack_reaches_a_million_levels_on_a_flat_native_stack) {
  expect_million_levels_on_a_small_stack<side_stack>();
}

// Asio's awaitable runs nested frames from a pump loop, not on the native stack either.
TEST(recursion_deep, the_asio_peer_reaches_a_million_levels_on_a_flat_native_stack) {
  constexpr int depth = 1'000'000;
  constexpr std::size_t stack = 256 * 1024;
  auto c = make_asio_chain(depth);
  long result = 0;
  const auto usage = run_on_painted_stack(stack, [&] {
    int once = 1;
    result = peers::run_awaitable(asio_chain_passes(*c, [&once] { return once-- > 0; }));
  });
  EXPECT_EQ(result, chain_sum(depth));
  EXPECT_LT(usage.high_water, stack_overhead(stack) + 16 * 1024) << "native stack grew";
  auto f = make_asio_fib_service();
  int once = 1;
  EXPECT_EQ(peers::run_awaitable(asio_fib_passes(*f, 20, [&once] { return once-- > 0; })), fib_value(20));
}

TEST(recursion_sync, overflow_search_brackets_the_overflow_on_a_small_stack) {
  constexpr std::size_t stack = 1024 * 1024;  // 1 MiB: a quick search
  const auto found = find_sync_overflow_depth(stack);
  EXPECT_GT(found.stack_bytes_per_level, 0.0);
  EXPECT_GT(found.deepest_survived, 1000);
  EXPECT_GT(found.overflow_depth, found.deepest_survived);
  EXPECT_TRUE(sync_chain_survives(found.deepest_survived, stack));
  EXPECT_FALSE(sync_chain_survives(found.overflow_depth, stack));
}

}  // namespace
