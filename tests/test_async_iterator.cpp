// W1 AsyncIterator: results are correct under every strategy; box makes exactly one
// allocation per next(); the synchronous baseline makes none; each call is one frame.
#include <gtest/gtest.h>

#include <type_traits>

#include "harness/alloc_counter.hpp"
#include "harness/frame_stats.hpp"
#include "harness/sync_wait.hpp"
#include "harness/task.hpp"
#include "strategies/strategy_list.hpp"
#include "strategies/eager/eager.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/async_iterator/async_iterator.hpp"
#include "workloads/async_iterator/async_iterator_asio.hpp"
#include "workloads/async_iterator/ideal_placement.hpp"
#include "workloads/async_iterator/static_counter.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

constexpr int items = 1000;
constexpr long sum_of_items = static_cast<long>(items) * (items - 1) / 2;
constexpr std::uint64_t calls_per_pass = items + 1;  // plus the call returning nullopt

auto passes(int n) {
  return [n]() mutable { return n-- > 0; };
}

template <class S>
class async_iterator_all_strategies : public ::testing::Test {};
TYPED_TEST_SUITE(async_iterator_all_strategies, testbed::testing::all_strategy_types,
                 testbed::testing::strategy_names);

TYPED_TEST(async_iterator_all_strategies, sums_every_item_over_several_passes) {
  auto it = make_counter<TypeParam>(items);
  EXPECT_EQ(sync_wait(sum_passes(*it, passes(3))), 3 * sum_of_items);
}

TYPED_TEST(async_iterator_all_strategies, one_frame_request_per_call) {
  auto it = make_counter<TypeParam>(items);
  auto root = sum_passes(*it, passes(2));
  const auto before = frames_this_thread();
  EXPECT_EQ(sync_wait(std::move(root)), 2 * sum_of_items);
  const auto after = frames_this_thread();
  EXPECT_EQ(after.frames - before.frames, 2 * calls_per_pass);
}

// The eager-start rows: same results; at most one frame per call (clang removes the frame
// of a callee that never suspends, see eager_final_awaiter), every frame placed is freed;
// and a callee that really suspends still resumes its caller.
template <class S>
class async_iterator_eager : public ::testing::Test {};
using eager_types = testbed::testing::to_gtest_types_t<eager_strategies>;
TYPED_TEST_SUITE(async_iterator_eager, eager_types, testbed::testing::strategy_names);

TYPED_TEST(async_iterator_eager, sums_every_item_with_at_most_one_frame_per_call) {
  auto it = make_counter<TypeParam>(items);
  auto root = sum_passes(*it, passes(2));
  const auto before = frames_this_thread();
  EXPECT_EQ(sync_wait(std::move(root)), 2 * sum_of_items);
  const auto after = frames_this_thread();
  const auto placed = after.frames - before.frames;
  EXPECT_TRUE(placed == 0 || placed == 2 * calls_per_pass) << placed << " frames placed";
  EXPECT_EQ(after.freed - before.freed, placed);
  ::testing::Test::RecordProperty("frames_placed", static_cast<int>(placed));
}

TYPED_TEST(async_iterator_eager, a_callee_with_a_suspension_point_places_one_frame_per_call) {
  single_thread_executor executor;
  auto it = make_suspending_counter<TypeParam>(items, 16, executor);
  auto root = sum_passes(*it, passes(2));
  const auto before = frames_this_thread();
  EXPECT_EQ(executor.run(std::move(root)), 2 * sum_of_items);
  const auto after = frames_this_thread();
  EXPECT_EQ(after.frames - before.frames, 2 * calls_per_pass);
  EXPECT_EQ(after.freed - before.freed, 2 * calls_per_pass);
}

TYPED_TEST(async_iterator_eager, suspending_callee_resumes_its_caller) {
  single_thread_executor executor;
  auto it = make_suspending_counter<TypeParam>(items, 16, executor);
  EXPECT_EQ(executor.run(sum_passes(*it, passes(3))), 3 * sum_of_items);
}

TEST(async_iterator_box, exactly_one_allocation_per_next) {
  auto it = make_counter<box>(items);
  auto root = sum_passes(*it, passes(5));  // the root frame is allocated here, not counted
  const auto before = alloc::this_thread();
  EXPECT_EQ(sync_wait(std::move(root)), 5 * sum_of_items);
  const auto used = alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, 5 * calls_per_pass);
  EXPECT_EQ(used.deallocations, 5 * calls_per_pass);
}

// The cost breakdown's measuring device: correct, one frame per call, no allocation at all
// (its frames come from a thread-local arena), ready and suspending.
TEST(async_iterator_ideal_placement, places_one_frame_per_call_and_never_allocates) {
  auto it = make_counter<ideal_placement>(items);
  auto root = sum_passes(*it, passes(5));
  const auto before = alloc::this_thread();
  const auto frames_before = frames_this_thread();
  EXPECT_EQ(sync_wait(std::move(root)), 5 * sum_of_items);
  EXPECT_EQ(frames_this_thread().frames - frames_before.frames, 5 * calls_per_pass);
  const auto used = alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, 0u);
  EXPECT_EQ(used.deallocations, 0u);
  EXPECT_EQ(ideal_placement::used, 0u);  // every frame given back, LIFO

  single_thread_executor executor;
  auto suspending = make_suspending_counter<ideal_placement>(items, 16, executor);
  EXPECT_EQ(executor.run(sum_passes(*suspending, passes(1))), sum_of_items);  // the executor's queue grows
  auto suspending_root = sum_passes(*suspending, passes(2));
  const auto suspending_before = alloc::this_thread();
  EXPECT_EQ(executor.run(std::move(suspending_root)), 2 * sum_of_items);
  EXPECT_EQ((alloc::this_thread() - suspending_before).allocations, 0u);
  EXPECT_EQ(ideal_placement::used, 0u);
}

// Asio's recycling allocator: the first next() of a run allocates its frame, every later
// one reuses the memory the previous frame left in the thread's cache.
TEST(async_iterator_asio, the_peer_is_correct_and_makes_allocations_only_for_the_first_frames_of_a_run) {
  auto it = make_asio_counter(items);
  auto allocations_for = [&](int pass_count) {
    peers::asio_root<long> root(asio_sum_passes(*it, passes(pass_count)));
    const auto before = alloc::this_thread();
    EXPECT_EQ(root.run(), pass_count * sum_of_items);
    return (alloc::this_thread() - before).allocations;
  };
  const auto one_pass = allocations_for(1);
  EXPECT_GE(one_pass, 1u);
  EXPECT_EQ(allocations_for(5), one_pass);  // 4 more passes, 4004 more calls, 0 allocations
}

// (Named "allocation" so that the memcheck pass skips it: valgrind replaces operator new.)
TEST(async_iterator_baselines, poll_style_counter_is_correct_and_makes_no_allocation_per_poll) {
  for (const int every : {0, 2, 16}) {
    single_thread_executor executor;
    auto it = make_poll_counter(items, every);
    auto root = sum_passes(*it, executor, passes(3));
    const auto before = alloc::this_thread();
    EXPECT_EQ(executor.run(std::move(root)), 3 * sum_of_items) << "every " << every;
    // No frame per call; the executor's ring is allocated at the first pending poll.
    EXPECT_EQ((alloc::this_thread() - before).allocations, every == 0 ? 0u : 1u) << "every " << every;
  }
}

TEST(async_iterator_baselines, sync_virtual_calls_are_correct_and_never_allocate) {
  auto packed = make_sync_counter(items);
  auto optional = make_sync_optional_counter(items);
  const auto before = alloc::this_thread();
  EXPECT_EQ(sum_passes(*packed, passes(5)), 5 * sum_of_items);
  EXPECT_EQ(sum_passes(*optional, passes(5)), 5 * sum_of_items);
  const auto used = alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, 0u);
}

TEST(async_iterator_baselines, the_packed_sync_result_fits_one_register) {
  // The limit row returns Rust's Option<i32> layout in 8 bytes, trivially copyable, so
  // both compilers return it in rax (System V: a class of at most 16 bytes of INTEGER).
  static_assert(sizeof(poll_result) == 8);
  static_assert(std::is_trivially_copyable_v<poll_result>);
}

// A call the compiler can see through (static_counter, final_counter): correct, and never
// more than box's one allocation per call. Whether the compiler elides the frame (clang's
// HALO) is the benchmark's finding, recorded here as a property.
template <class Visible>
void expect_visible_call_correct(const char* property) {
  Visible it(items);
  auto root = sum_passes(it, passes(2));
  const auto before = alloc::this_thread();
  EXPECT_EQ(sync_wait(std::move(root)), 2 * sum_of_items);
  const auto used = alloc::this_thread() - before;
  EXPECT_LE(used.allocations, 2 * calls_per_pass);
  ::testing::Test::RecordProperty(property, static_cast<int>(used.allocations));
}

TEST(async_iterator_baselines, static_coroutine_is_correct_and_allocates_at_most_once_per_call) {
  expect_visible_call_correct<static_counter>("static_coroutine_allocations");
}

TEST(async_iterator_baselines, devirtualized_final_call_is_correct_and_allocates_at_most_once_per_call) {
  expect_visible_call_correct<final_counter>("devirtualized_final_allocations");
}

}  // namespace
