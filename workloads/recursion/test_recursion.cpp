// W4 under every strategy: correct sums where the strategy serves recursion, loud failure
// where it declares it cannot; 1,000,000 levels with box and the side stack on a small
// painted native stack; the synchronous overflow search; and the fixed caller buffer of
// recursion_fixed_buffer (C11): the depth it reaches, exactly, and its loud refusal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "harness/alloc_counter.hpp"
#include "harness/frame_error.hpp"
#include "harness/stack_probe.hpp"
#include "harness/sync_wait.hpp"
#include "tests/forced_cells.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/recursion/fixed_buffer.hpp"
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

// One pass of the chain; `allocations` gets the global allocator calls the recursion made
// (counted inside the root task, so the root's own frame is left out).
template <frame_strategy S>
long run_chain_counted(const chain<S>& c, std::uint64_t& allocations) {
  alloc::counts before{};
  int calls = 0;
  auto more = [&] {
    if (++calls == 1) {
      before = alloc::this_thread();
      return true;
    }
    allocations = (alloc::this_thread() - before).allocations;
    return false;
  };
  return sync_wait(chain_passes(c, more));
}

// C11: one caller buffer of N bytes, shared by every level, serves the chain to exactly
// floor(N / bytes per level) levels without an allocation, and refuses the next level
// with a frame_error that reaches the root (every frame freed on the way back).
TEST(recursion_fixed_buffer, reaches_buffer_over_frame_levels_then_refuses_loudly) {
  for (std::size_t n : {std::size_t{4096}, std::size_t{65536}}) {
    std::vector<std::byte> storage(n);
    std::size_t reached = 0;
    std::size_t per_level = 0;
    {
      bump_buffer buffer(storage);
      fixed_buffer_scope scope(buffer);
      auto deep = make_chain<fixed_buffer>(static_cast<int>(2 * n / bump_buffer::alignment));
      std::uint64_t allocations = 0;
      try {
        run_chain_counted(*deep, allocations);
        ADD_FAILURE() << "a chain deeper than the buffer holds was served (" << n << " bytes)";
      } catch (const frame_error& e) {
        EXPECT_THAT(e.what(), ::testing::HasSubstr("buffer is full"));
      }
      EXPECT_EQ(buffer.live_frames(), 0u) << "every frame freed on the way back";
      per_level = bump_buffer::footprint(buffer.last_request());
      reached = buffer.peak_frames();
      EXPECT_GE(per_level, 16u);
      EXPECT_EQ(reached, n / per_level) << n << " bytes, " << per_level << " per level";
      EXPECT_EQ(buffer.peak_bytes(), reached * per_level);
    }
    bump_buffer buffer(storage);
    fixed_buffer_scope scope(buffer);
    auto fits = make_chain<fixed_buffer>(static_cast<int>(reached));
    std::uint64_t allocations = 99;
    EXPECT_EQ(run_chain_counted(*fits, allocations), chain_sum(static_cast<long>(reached)));
    EXPECT_EQ(allocations, 0u) << "the buffer is the caller's: no level allocates";
    EXPECT_EQ(buffer.peak_bytes(), reached * per_level);
    EXPECT_EQ(buffer.live_frames(), 0u);
  }
}

// The same chain under box allocates exactly one frame per level: what the fixed buffer
// saves, and what lets box go on where the buffer must stop.
TEST(recursion_fixed_buffer, box_allocates_one_frame_per_level_of_the_same_chain) {
  auto c = make_chain<box>(1000);
  std::uint64_t allocations = 0;
  EXPECT_EQ(run_chain_counted(*c, allocations), chain_sum(1000));
  EXPECT_EQ(allocations, 1000u);
}

// Without a buffer lent by the caller, the first level is refused, loudly.
TEST(recursion_fixed_buffer, a_call_without_a_caller_buffer_is_refused) {
  auto c = make_chain<fixed_buffer>(4);
  std::uint64_t allocations = 0;
  EXPECT_THROW(run_chain_counted(*c, allocations), frame_error);
}

}  // namespace
