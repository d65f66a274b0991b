// eager_in_place (strategies/eager_in_place): the conformance suite's checks for a strategy
// whose tasks start in the call and keep their result in the caller's slot (the typed
// suite in tests/conformance assumes lazy tasks: a call outside any task is not done), run
// on the same probe; and W1's exact counts: one frame placed and freed per call, no
// allocation, ready and suspending.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "harness/alloc_counter.hpp"
#include "harness/executor.hpp"
#include "harness/frame_error.hpp"
#include "harness/frame_stats.hpp"
#include "harness/sync_wait.hpp"
#include "strategies/eager_in_place/eager_in_place.hpp"
#include "strategies/root_task.hpp"
#include "tests/conformance/probe.hpp"
#include "workloads/async_iterator/async_iterator.hpp"

namespace {

using namespace testbed;
using namespace testbed::conformance;
using ::testing::HasSubstr;
using S = eager_in_place;
using slot = in_place_slot;

class eager_in_place_conformance : public ::testing::Test {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    frames_at_start_ = frames_this_thread();
  }
  void misuse_tried() { ::testing::Test::RecordProperty("misuse_cases", 1); }
  // Every frame placed during the test was freed: the strategy's `frames`, and up to `roots`
  // more, the test's own root coroutines, whose frames a compiler may elide (clang-19 elides
  // a root it sees created and destroyed in one scope; g++ 12 never does). The strategy's
  // exact counts on W1 are in async_iterator_eager_in_place below.
  void expect_frames(std::uint64_t frames, std::uint64_t roots) const {
    const auto now = frames_this_thread();
    const auto placed = now.frames - frames_at_start_.frames;
    EXPECT_GE(placed, frames) << "frames placed";
    EXPECT_LE(placed, frames + roots) << "frames placed";
    EXPECT_EQ(now.freed - frames_at_start_.freed, placed) << "frames freed";
  }

 private:
  frame_record frames_at_start_{};
};

// Awaits a task through a reference parameter. (g++ 12 copies the operand of co_await
// when it is its own awaiter and is named through a lambda's capture or a dereference, and
// the task cannot be copied: a compile error, see the strategy's README.)
root_task<int> await_task(task<int, S>& t) { co_return co_await t; }

TEST_F(eager_in_place_conformance, results_are_correct_one_frame_per_call) {
  auto p = make_probe<S>();
  const int total = sync_wait([&]() -> root_task<int> {
    slot storage{};
    int sum = 0;
    for (int i = 1; i <= 100; ++i) sum += co_await p->value(storage, i);
    co_return sum;
  }());
  EXPECT_EQ(total, 5050);
  expect_frames(100, 1);  // the root (box) is a frame too
}

TEST_F(eager_in_place_conformance, allocation_profile_matches_the_declared_traits) {
  constexpr int steady_calls = 10;
  alloc::counts first{}, steady{};
  std::thread([&] {
    auto p = make_probe<S>();
    sync_wait([&]() -> root_task<void> {
      slot storage{};
      const auto a = alloc::this_thread();
      EXPECT_EQ(co_await p->value(storage, 1), 1);
      const auto b = alloc::this_thread();
      for (int i = 0; i < steady_calls; ++i) EXPECT_EQ(co_await p->value(storage, i), i);
      const auto c = alloc::this_thread();
      first = b - a;
      steady = c - b;
    }());
  }).join();
  EXPECT_EQ(first.allocations, static_cast<std::uint64_t>(S::traits.first_call_allocations));
  EXPECT_EQ(steady.allocations, static_cast<std::uint64_t>(steady_calls * S::traits.steady_allocations));
  EXPECT_EQ(first.allocations + steady.allocations, 0u);
}

TEST_F(eager_in_place_conformance, frames_are_placed_in_the_callers_slot_and_aligned) {
  auto p = make_probe<S>();
  sync_wait([&]() -> root_task<void> {
    slot storage{};
    const auto at = reinterpret_cast<std::uintptr_t>(&storage);
    const auto local = co_await p->aligned16(storage);
    EXPECT_EQ(local % 16, 0u);
    EXPECT_GE(local, at) << "the frame's local lies in the caller's slot";
    EXPECT_LT(local, at + slot::frame_capacity);
#ifdef TESTBED_FRAME_ALIGNMENT_PASSED
    EXPECT_EQ(co_await p->aligned32(storage) % 32, 0u);
    EXPECT_EQ(co_await p->aligned64(storage) % 64, 0u);
#endif
  }());
}

TEST_F(eager_in_place_conformance, a_call_completes_inside_the_call_even_outside_any_task) {
  auto p = make_probe<S>();
  slot storage{};
  {
    auto t = p->value(storage, 1);
    EXPECT_TRUE(t.done()) << "the body ran in the call";
  }  // dropped with its result untaken: the slot is free again
  auto again = [&]() -> root_task<int> { co_return co_await p->value(storage, 3); };
  EXPECT_EQ(sync_wait(again()), 3);
}

TEST_F(eager_in_place_conformance, a_suspended_call_resumes_its_awaiter_with_the_result) {
  auto p = make_probe<S>();
  slot storage{};
  std::coroutine_handle<> parked;
  {
    auto callee = p->parks(storage, &parked, 7);
    ASSERT_TRUE(parked) << "the callee should be suspended";
    EXPECT_FALSE(callee.done());
    std::optional<int> seen;
    auto caller = [](task<int, S>& t, std::optional<int>& out) -> root_task<void> {
      out = co_await t;
    }(callee, seen);
    detail::task_access::handle(caller).resume();  // the caller now awaits the callee
    EXPECT_FALSE(seen);
    parked.resume();  // the callee finishes and resumes its awaiter by symmetric transfer
    EXPECT_EQ(seen, 7);
  }
  auto again = [&]() -> root_task<int> { co_return co_await p->value(storage, 3); };
  EXPECT_EQ(sync_wait(again()), 3);
  expect_frames(2, 2);  // parks, value, and the two roots
}

TEST_F(eager_in_place_conformance, task_destroyed_before_completion_frees_its_frame) {
  auto p = make_probe<S>();
  slot storage{};
  std::coroutine_handle<> parked;
  {
    auto callee = p->parks(storage, &parked, 7);
    auto caller = [](task<int, S>& t) -> root_task<int> { co_return co_await t; }(callee);
    detail::task_access::handle(caller).resume();
    ASSERT_TRUE(parked);
    EXPECT_FALSE(callee.done());
  }  // both destroyed here, the callee never resumed
  auto again = [&]() -> root_task<int> { co_return co_await p->value(storage, 3); };
  EXPECT_EQ(sync_wait(again()), 3);
  expect_frames(2, 2);
}

TEST_F(eager_in_place_conformance, exception_in_the_callee_reaches_the_caller_and_frees_the_frame) {
  auto p = make_probe<S>();
  const std::string result = sync_wait([&]() -> root_task<std::string> {
    slot storage{};
    std::string message = "not thrown";
    try {
      co_await p->fails(storage);
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    const int after = co_await p->value(storage, 5);
    co_return message + " then " + std::to_string(after);
  }());
  EXPECT_EQ(result, "probe failure then 5");
  expect_frames(2, 1);
}

TEST_F(eager_in_place_conformance, a_second_outstanding_call_on_one_slot_is_refused) {
  auto p1 = make_probe<S>();
  auto p2 = make_probe<S>();
  sync_wait([&]() -> root_task<void> {
    slot storage{};
    auto first = p1->value(storage, 1);  // finished, its result still in the slot
    try {
      auto second = p2->value(storage, 2);
      ADD_FAILURE() << "a second outstanding call on one slot was accepted";
    } catch (const frame_error& e) {
      EXPECT_THAT(e.what(), HasSubstr("outstanding call"));
      EXPECT_THAT(e.what(), HasSubstr(std::string(S::name)));
    }
    EXPECT_EQ(co_await first, 1);
    EXPECT_EQ(co_await p2->value(storage, 2), 2);  // the slot is free once the result is taken
  }());
  misuse_tried();
  expect_frames(2, 1);
}

TEST_F(eager_in_place_conformance, calls_on_one_object_with_two_slots_are_served) {
  auto p = make_probe<S>();
  sync_wait([&]() -> root_task<void> {
    slot first_storage{}, second_storage{};
    auto first = p->value(first_storage, 1);
    auto second = p->value(second_storage, 2);
    EXPECT_EQ(co_await first + co_await second, 3);
  }());
}

TEST_F(eager_in_place_conformance, frame_larger_than_the_slot_is_refused_with_both_sizes) {
  auto p = make_probe<S>();
  sync_wait([&]() -> root_task<void> {
    slot storage{};
    try {
      auto t = p->big(storage);
      ADD_FAILURE() << "a frame larger than " << S::traits.max_frame_bytes << " bytes was accepted";
    } catch (const frame_error& e) {
      EXPECT_GT(e.needed(), e.available());
      EXPECT_EQ(e.available(), S::traits.max_frame_bytes);
      EXPECT_THAT(e.what(), HasSubstr(std::to_string(e.needed()) + " bytes"));
      EXPECT_THAT(e.what(), HasSubstr(std::to_string(e.available()) + " available"));
    }
    EXPECT_EQ(co_await p->value(storage, 4), 4);
  }());
  misuse_tried();
}

TEST_F(eager_in_place_conformance, moved_tasks_keep_their_result_and_release_out_of_order) {
  auto p = make_probe<S>();
  slot s1{}, s2{};
  std::optional<task<int, S>> older(p->value(s1, 1));
  std::optional<task<int, S>> newer(p->value(s2, 2));
  task<int, S> moved = std::move(*older);
  older.reset();  // moved-from: nothing to release
  EXPECT_TRUE(older == std::nullopt && moved.done());
  EXPECT_EQ(sync_wait(await_task(moved)), 1);
  newer.reset();  // not awaited: its result is dropped, the slot freed
  EXPECT_EQ(sync_wait([&]() -> root_task<int> { co_return co_await p->value(s2, 5); }()), 5);
}

TEST_F(eager_in_place_conformance, future_outliving_the_caller_storage_is_fatal) {
  auto escape = [] {
    auto p = make_probe<S>();
    std::optional<task<int, S>> escaped;
    {
      slot storage{};
      escaped.emplace(p->value(storage, 1));
    }  // the caller's slot dies here with the result in it
    return sync_wait(await_task(*escaped));
  };
  EXPECT_DEATH(escape(), "outlived the caller's storage");
  misuse_tried();
}

TEST_F(eager_in_place_conformance, task_dropped_on_another_thread_frees_the_slot) {
  auto p = make_probe<S>();
  slot storage{};
  std::optional<task<int, S>> t(p->value(storage, 1));
  std::thread([&] { t.reset(); }).join();
  EXPECT_EQ(sync_wait([&]() -> root_task<int> { co_return co_await p->value(storage, 2); }()), 2);
}

// --- W1 AsyncIterator: exact counts ---

constexpr int items = 1000;
constexpr long sum_of_items = static_cast<long>(items) * (items - 1) / 2;
constexpr std::uint64_t calls_per_pass = items + 1;

auto passes(int n) {
  return [n]() mutable { return n-- > 0; };
}

TEST(async_iterator_eager_in_place, one_frame_placed_and_freed_per_call_ready) {
  using namespace testbed::workloads;
  auto it = make_counter<S>(items);
  auto root = sum_passes(*it, passes(3));
  const auto before = frames_this_thread();
  EXPECT_EQ(sync_wait(std::move(root)), 3 * sum_of_items);
  const auto after = frames_this_thread();
  EXPECT_EQ(after.frames - before.frames, 3 * calls_per_pass) << "a real frame per call";
  EXPECT_EQ(after.freed - before.freed, 3 * calls_per_pass);
  EXPECT_EQ(after.heap_fallbacks - before.heap_fallbacks, 0u);
}

TEST(async_iterator_eager_in_place, one_frame_placed_and_freed_per_call_suspending) {
  using namespace testbed::workloads;
  single_thread_executor executor;
  auto it = make_suspending_counter<S>(items, 16, executor);
  auto root = sum_passes(*it, passes(3));
  const auto before = frames_this_thread();
  EXPECT_EQ(executor.run(std::move(root)), 3 * sum_of_items);
  const auto after = frames_this_thread();
  EXPECT_EQ(after.frames - before.frames, 3 * calls_per_pass);
  EXPECT_EQ(after.freed - before.freed, 3 * calls_per_pass);
}

// (Named "allocation" so that the memcheck pass skips it: valgrind replaces operator new.)
TEST(async_iterator_eager_in_place, no_allocation_per_call) {
  using namespace testbed::workloads;
  auto it = make_counter<S>(items);
  auto root = sum_passes(*it, passes(5));  // the root frame is allocated here, not counted
  const auto before = alloc::this_thread();
  EXPECT_EQ(sync_wait(std::move(root)), 5 * sum_of_items);
  const auto used = alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, 0u);
  EXPECT_EQ(used.deallocations, 0u);
}

}  // namespace
