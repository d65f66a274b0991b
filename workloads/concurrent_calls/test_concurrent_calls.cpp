// W3 under every strategy: the sums are right where the strategy serves concurrent calls,
// and where it declares it cannot, forcing the cell fails loudly. Both release orders:
// oldest first (concurrent_calls) and newest first (concurrent_calls_lifo), where the side
// stack serves the same overlapping calls without an allocation.
#include <gtest/gtest.h>

#include "harness/alloc_counter.hpp"
#include "harness/frame_stats.hpp"
#include "harness/task_runtime.hpp"
#include "tests/forced_cells.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/concurrent_calls/lookup.hpp"
#include "workloads/concurrent_calls/lookup_asio.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

template <frame_strategy S>
long run_rounds(int width, int rounds, release_order order = release_order::creation) {
  single_thread_executor executor;
  auto table = make_lookup_table<S>(1024, &executor);
  int left = rounds;
  return executor.run(concurrent_rounds(*table, width, [&left] { return left-- > 0; }, order));
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

TYPED_TEST(concurrent_calls, lifo_variant_serves_what_it_declares_and_fails_loudly_otherwise) {
  using S = TypeParam;
  for (int width : {1, 4, 16}) {
    if (unsupported_reason<S>(concurrent_needs(width, release_order::newest_first))) {
      EXPECT_CELL_FAILS(run_rounds<S>(width, 3, release_order::newest_first));
    } else {
      EXPECT_EQ(run_rounds<S>(width, 50, release_order::newest_first), expected_sum(width, 50))
          << "width " << width;
    }
  }
}

// Only the release order decides: the LIFO variant declares nothing a LIFO strategy
// refuses, and the oldest-first one does as soon as two calls overlap.
TEST(concurrent_calls_needs, only_oldest_first_release_with_overlap_is_non_lifo) {
  EXPECT_FALSE(concurrent_needs(1).non_lifo_release);
  EXPECT_TRUE(concurrent_needs(2).non_lifo_release);
  EXPECT_TRUE(concurrent_needs(16).non_lifo_release);
  EXPECT_FALSE(concurrent_needs(16, release_order::newest_first).non_lifo_release);
  EXPECT_EQ(concurrent_needs(16, release_order::newest_first).calls_per_object, 16);
  EXPECT_FALSE(unsupported_reason<side_stack>(concurrent_needs(16, release_order::newest_first)));
  EXPECT_TRUE(unsupported_reason<side_stack>(concurrent_needs(2)));
}

// What one run of `rounds` rounds did between the end of round 1 and the end of the last
// round (the `more` callback runs after each round, before its frames are released).
struct steady_rounds {
  long sum = 0;
  alloc::counts allocs{};       // global allocator calls in rounds 2..rounds
  std::uint64_t frames = 0;     // frames placed in rounds 2..rounds
  std::size_t live_on_side_stack = 0;  // side-stack frames alive at the end of the last round
};

template <frame_strategy S>
steady_rounds run_steady_rounds(int width, int rounds, release_order order) {
  single_thread_executor executor;
  auto table = make_lookup_table<S>(1024, &executor);
  steady_rounds out;
  alloc::counts first{};
  frame_record first_frames{};
  int calls = 0;
  auto more = [&] {
    ++calls;
    if (calls == 2) {  // round 1 has finished
      first = alloc::this_thread();
      first_frames = frames_this_thread();
    }
    if (calls == rounds + 1) {  // the last round has finished
      out.allocs = alloc::this_thread() - first;
      out.frames = frames_this_thread().frames - first_frames.frames;
      out.live_on_side_stack = current_task_runtime()->side_stack.live_frames();
    }
    return calls <= rounds;
  };
  out.sum = executor.run(concurrent_rounds(*table, width, more, order));
  return out;
}

// The side stack serves overlapping calls whose futures die newest first: every frame is
// on the task's side stack (all `width` alive at the end of a round) and warm rounds make
// no allocation at all, where box allocates and frees one frame per call.
TEST(concurrent_calls_lifo, side_stack_serves_overlapping_calls_released_newest_first) {
  constexpr int width = 16;
  constexpr int rounds = 50;
  const auto stack = run_steady_rounds<side_stack>(width, rounds, release_order::newest_first);
  EXPECT_EQ(stack.sum, expected_sum(width, rounds));
  EXPECT_EQ(stack.frames, static_cast<std::uint64_t>(width * (rounds - 1)));
  EXPECT_EQ(stack.live_on_side_stack, static_cast<std::size_t>(width));
  EXPECT_EQ(stack.allocs.allocations, 0u);
  EXPECT_EQ(stack.allocs.deallocations, 0u);

  const auto boxed = run_steady_rounds<box>(width, rounds, release_order::newest_first);
  EXPECT_EQ(boxed.sum, expected_sum(width, rounds));
  EXPECT_EQ(boxed.live_on_side_stack, 0u);
  EXPECT_EQ(boxed.allocs.allocations, static_cast<std::uint64_t>(width * (rounds - 1)));
  EXPECT_EQ(boxed.allocs.deallocations, static_cast<std::uint64_t>(width * (rounds - 1)));
}

// The same calls released oldest first still end the side stack's run loudly, at the first
// release (round 2 frees round 1's oldest frame, under 3 others).
TEST(concurrent_calls_lifo, side_stack_still_fails_loudly_when_released_oldest_first) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(run_rounds<side_stack>(4, 3, release_order::creation), "non-LIFO release");
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
