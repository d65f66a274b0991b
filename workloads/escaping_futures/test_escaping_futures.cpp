// W5 under every strategy: futures awaited after their creating function returned give
// the right values where the strategy serves it, and a forced unsupported cell fails loudly.
// Both release orders: oldest first (escaping_futures) and newest first
// (escaping_futures_lifo), where the side stack serves the escaping futures.
#include <gtest/gtest.h>

#include "harness/alloc_counter.hpp"
#include "harness/frame_stats.hpp"
#include "harness/sync_wait.hpp"
#include "harness/task_runtime.hpp"
#include "tests/forced_cells.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/escaping_futures/escaping.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

template <frame_strategy S>
long run_batches(int batches, release_order order = release_order::creation) {
  auto table = make_lookup_table<S>(1024, nullptr);
  int left = batches;
  return sync_wait(escaping_batches(*table, [&left] { return left-- > 0; }, order));
}

long expected_sum(int batches) {
  long expected = 0;
  for (int key = 0; key < batches * escaping_batch; ++key) expected += lookup_value(key % 1024);
  return expected;
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
    EXPECT_EQ(run_batches<S>(20), expected_sum(20));
  }
}

TYPED_TEST(escaping_futures, lifo_variant_serves_what_it_declares_and_fails_loudly_otherwise) {
  using S = TypeParam;
  if (unsupported_reason<S>(escaping_lifo_needs)) {
    EXPECT_CELL_FAILS(run_batches<S>(2, release_order::newest_first));
  } else {
    EXPECT_EQ(run_batches<S>(20, release_order::newest_first), expected_sum(20));
  }
}

// The LIFO variant still lets no future outlive a caller's storage, nor serve two calls
// on one object where a strategy cannot; only the side stack's release order changes.
TEST(escaping_futures_needs, the_lifo_variant_is_lifo_and_still_escapes) {
  EXPECT_TRUE(escaping_needs.non_lifo_release);
  EXPECT_FALSE(escaping_lifo_needs.non_lifo_release);
  EXPECT_TRUE(escaping_lifo_needs.frames_outlive_call_site);
  EXPECT_FALSE(unsupported_reason<side_stack>(escaping_lifo_needs));
  EXPECT_TRUE(unsupported_reason<side_stack>(escaping_needs));
  EXPECT_TRUE(unsupported_reason<caller_cache_local>(escaping_lifo_needs));
  EXPECT_TRUE(unsupported_reason<max_space_local>(escaping_lifo_needs));
  EXPECT_TRUE(unsupported_reason<inline_local>(escaping_lifo_needs));
}

// What batches 2..n did (the `more` callback runs after each batch has been awaited and
// released, before the next one starts).
struct steady_batches {
  long sum = 0;
  alloc::counts allocs{};
  std::uint64_t frames = 0;
  std::size_t side_stack_segments = 0;
};

template <frame_strategy S>
steady_batches run_steady_batches(int batches, release_order order) {
  auto table = make_lookup_table<S>(1024, nullptr);
  steady_batches out;
  alloc::counts first{};
  frame_record first_frames{};
  int calls = 0;
  auto more = [&] {
    ++calls;
    if (calls == 2) {  // batch 1 has been awaited and released
      first = alloc::this_thread();
      first_frames = frames_this_thread();
    }
    if (calls == batches + 1) {
      out.allocs = alloc::this_thread() - first;
      out.frames = frames_this_thread().frames - first_frames.frames;
      out.side_stack_segments = current_task_runtime()->side_stack.segments();
    }
    return calls <= batches;
  };
  out.sum = sync_wait(escaping_batches(*table, more, order));
  return out;
}

// The side stack serves futures that escape the function that made them, as long as they
// die newest first: warm batches allocate nothing (the 8 frames are bumped on the task's
// one 4 KiB segment), where box allocates and frees one frame per call.
TEST(escaping_futures_lifo, side_stack_serves_escaping_futures_released_newest_first) {
  constexpr int batches = 40;
  const auto stack = run_steady_batches<side_stack>(batches, release_order::newest_first);
  EXPECT_EQ(stack.sum, expected_sum(batches));
  EXPECT_EQ(stack.frames, static_cast<std::uint64_t>(escaping_batch * (batches - 1)));
  EXPECT_EQ(stack.allocs.allocations, 0u);
  EXPECT_EQ(stack.allocs.deallocations, 0u);
  EXPECT_EQ(stack.side_stack_segments, 1u);

  const auto boxed = run_steady_batches<box>(batches, release_order::newest_first);
  EXPECT_EQ(boxed.sum, expected_sum(batches));
  EXPECT_EQ(boxed.allocs.allocations, static_cast<std::uint64_t>(escaping_batch * (batches - 1)));
  EXPECT_EQ(boxed.allocs.deallocations, static_cast<std::uint64_t>(escaping_batch * (batches - 1)));
}

// Released oldest first, the same futures end the run loudly at the first release.
TEST(escaping_futures_lifo, side_stack_still_fails_loudly_when_released_oldest_first) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(run_batches<side_stack>(2, release_order::creation), "non-LIFO release");
}

}  // namespace
