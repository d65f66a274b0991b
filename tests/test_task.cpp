// Lifetime rules of testbed::task: lazy start, results, exceptions, frames freed on
// every path (counted objects and the allocation counter), and no native stack growth
// across long chains of synchronously completing awaits (symmetric transfer).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "harness/alloc_counter.hpp"
#include "harness/frame_stats.hpp"
#include "harness/stack_probe.hpp"
#include "harness/executor.hpp"
#include "harness/sync_wait.hpp"
#include "harness/task.hpp"
#include "strategies/box/box.hpp"
#include "strategies/eager/eager.hpp"
#include "tests/counted.hpp"
#include "tests/park_here.hpp"

namespace {

using testbed::box;
using testbed::sync_wait;
using testbed::task;
using testbed::testing::counted;
using testbed::testing::park_here;
using task_lifetime = testbed::testing::counted_test;

// noinline: these coroutines are the subjects of allocation counts, and clang may
// otherwise inline the ramp and elide the frame allocation (HALO) of a visible callee.
[[gnu::noinline]] task<int, box> answer() { co_return 42; }

[[gnu::noinline]] task<int, box> holds_counted(counted c) { co_return c.id; }

[[gnu::noinline]] task<int, box> throws_after(counted c) {
  if (c.id >= 0) throw std::runtime_error("callee failed");
  co_return c.id;
}

[[gnu::noinline]] task<int, box> await_callee(counted c) {
  const int v = co_await holds_counted(counted{c.id + 1});
  co_return v + c.id;
}

TEST_F(task_lifetime, lazy_start_runs_nothing_until_awaited) {
  bool ran = false;
  auto body = [&]() -> task<int, box> {
    ran = true;
    co_return 1;
  };
  auto t = body();
  EXPECT_FALSE(ran);
  EXPECT_EQ(sync_wait(std::move(t)), 1);
  EXPECT_TRUE(ran);
}

TEST_F(task_lifetime, returns_value_and_frees_frame) {
  const auto before = testbed::alloc::this_thread();
  EXPECT_EQ(sync_wait(answer()), 42);
  const auto used = testbed::alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, 1u);
  EXPECT_EQ(used.deallocations, 1u);
}

TEST_F(task_lifetime, parameters_live_in_the_frame_and_die_with_it) {
  {
    auto t = holds_counted(counted{7});
    // the argument temporary died; the copy in the frame is alive
    EXPECT_EQ(counted::alive(), 1);
    EXPECT_EQ(sync_wait(std::move(t)), 7);
    EXPECT_EQ(counted::alive(), 1) << "the frame (and its parameter) lives until the task dies";
  }
  EXPECT_EQ(counted::alive(), 0);
}

TEST_F(task_lifetime, nested_await_returns_and_frees_both_frames) {
  const auto before = testbed::alloc::this_thread();
  EXPECT_EQ(sync_wait(await_callee(counted{10})), 21);
  const auto used = testbed::alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, 2u);
  EXPECT_EQ(used.deallocations, 2u);
}

TEST_F(task_lifetime, unawaited_task_frees_its_frame) {
  const auto before = testbed::alloc::this_thread();
  {
    auto t = holds_counted(counted{3});
    EXPECT_EQ(counted::alive(), 1);
  }
  const auto used = testbed::alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, 1u);
  EXPECT_EQ(used.deallocations, 1u);
  EXPECT_EQ(counted::alive(), 0);
}

TEST_F(task_lifetime, task_destroyed_while_suspended_frees_both_frames) {
  // The outer task awaits an inner one that suspends forever; destroying the outer task
  // must destroy the inner task (a local of the outer frame) and free both frames.
  std::coroutine_handle<> parked;
  auto inner = [](counted, std::coroutine_handle<>* slot) -> task<int, box> {
    co_await park_here{slot};
    co_return 1;
  };
  auto outer = [&](counted c) -> task<int, box> { co_return co_await inner(counted{c.id}, &parked); };
  const auto before = testbed::alloc::this_thread();
  {
    auto t = outer(counted{1});
    testbed::detail::task_access::handle(t).resume();  // runs until inner parks
    EXPECT_TRUE(parked);
    // outer's parameter, the argument temporary of the suspended co_await expression
    // (kept in outer's frame), and inner's parameter
    EXPECT_EQ(counted::alive(), 3);
  }
  const auto used = testbed::alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, used.deallocations);
  EXPECT_EQ(counted::alive(), 0);

  // sync_wait on a task that can never finish destroys it before reporting the error.
  auto t = outer(counted{2});
  EXPECT_THROW(sync_wait(std::move(t)), std::logic_error);
  EXPECT_EQ(counted::alive(), 0);
}

TEST_F(task_lifetime, exception_reaches_the_awaiter_and_frames_are_freed) {
  auto caller = []() -> task<std::string, box> {
    try {
      co_await throws_after(counted{1});
    } catch (const std::runtime_error& e) {
      co_return std::string("caught: ") + e.what();
    }
    co_return "not thrown";
  };
  const auto before = testbed::alloc::this_thread();
  EXPECT_EQ(sync_wait(caller()), "caught: callee failed");
  const auto used = testbed::alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, used.deallocations);
  EXPECT_EQ(counted::alive(), 0);
}

TEST_F(task_lifetime, exception_propagates_through_sync_wait) {
  EXPECT_THROW(sync_wait(throws_after(counted{0})), std::runtime_error);
}

TEST_F(task_lifetime, awaiting_a_moved_from_task_is_an_error) {
  auto caller = []() -> task<int, box> {
    auto t = answer();
    auto moved = std::move(t);
    (void)moved;
    co_return co_await t;  // t is empty now
  };
  EXPECT_THROW(sync_wait(caller()), std::logic_error);
}

TEST_F(task_lifetime, frame_sizes_are_recorded) {
  const auto before = testbed::frames_this_thread();
  EXPECT_EQ(sync_wait(answer()), 42);
  const auto after = testbed::frames_this_thread();
  EXPECT_EQ(after.frames - before.frames, 1u);
  EXPECT_GT(after.bytes - before.bytes, 0u);
  EXPECT_GE(after.largest, after.bytes - before.bytes);
}

// --- symmetric transfer: long chains of synchronous completions ---

task<int, box> one() { co_return 1; }

task<long, box> loop_of_awaits(long n) {
  long sum = 0;
  for (long i = 0; i < n; ++i) sum += co_await one();
  co_return sum;
}

task<long, box> recursion(long depth) {
  if (depth == 0) co_return 0;
  co_return 1 + co_await recursion(depth - 1);
}

// 256 KiB of stack: without symmetric transfer each synchronous completion would nest a
// resume() call (tens of bytes of stack each), overflowing it within a few thousand awaits.
constexpr std::size_t small_stack = 256 * 1024;

// Runs root on a small painted stack and checks its result and that the stack stayed flat.
void expect_flat_stack(task<long, box> (*make_root)(long), long n) {
  long result = 0;
  const auto usage = testbed::run_on_painted_stack(small_stack, [&] { result = sync_wait(make_root(n)); });
  EXPECT_EQ(result, n);
  const auto baseline = testbed::stack_overhead(small_stack);
  EXPECT_LT(usage.high_water, baseline + 16 * 1024)
      << "stack grew: " << usage.high_water << " bytes (empty function: " << baseline << ")";
}

TEST(task_stack, million_synchronous_awaits_in_a_loop_do_not_grow_the_stack) {
  expect_flat_stack(loop_of_awaits, 1'000'000);
}

TEST(task_stack, million_deep_synchronous_recursion_does_not_grow_the_stack) {
  expect_flat_stack(recursion, 1'000'000);
}

// --- eager tasks: the body runs in the call; a frame that ends before anyone awaits it
// hands its result to the task object (wherever that object has moved) and is freed ---

using eager_box = testbed::eager<testbed::box>;

[[gnu::noinline]] task<int, eager_box> eager_answer(counted c) { co_return c.id; }

[[gnu::noinline]] task<int, eager_box> eager_throws(counted c) {
  if (c.id >= 0) throw std::runtime_error("eager callee failed");
  co_return c.id;
}

[[gnu::noinline]] task<int, eager_box> eager_parks(counted c, std::coroutine_handle<>* slot) {
  co_await park_here{slot};
  co_return c.id;
}

task<int, box> await_eager(task<int, eager_box> t) { co_return co_await t; }

TEST_F(task_lifetime, eager_task_runs_in_the_call_and_frees_its_frame_before_the_await) {
  const auto before = testbed::alloc::this_thread();
  auto t = eager_answer(counted{5});
  EXPECT_TRUE(t.done());
  EXPECT_EQ(counted::alive(), 0) << "the frame (and its parameter copy) ended in the call";
  const auto used = testbed::alloc::this_thread() - before;
  EXPECT_LE(used.allocations, 1u) << "clang may remove the frame of a callee that never suspends";
  EXPECT_EQ(used.deallocations, used.allocations);
  EXPECT_EQ(sync_wait(await_eager(std::move(t))), 5);
}

TEST_F(task_lifetime, eager_results_follow_their_task_objects_when_moved) {
  std::vector<task<int, eager_box>> tasks;
  for (int i = 0; i < 40; ++i) tasks.push_back(eager_answer(counted{i}));  // reallocates: moves
  long sum = 0;
  for (auto& t : tasks) sum += sync_wait(await_eager(std::move(t)));
  EXPECT_EQ(sum, 40 * 39 / 2);
}

TEST_F(task_lifetime, suspended_eager_task_moved_then_finished_hands_its_result_to_the_new_owner) {
  std::coroutine_handle<> parked;
  auto t = eager_parks(counted{9}, &parked);
  ASSERT_TRUE(parked);
  EXPECT_FALSE(t.done());
  EXPECT_EQ(counted::alive(), 1);  // the parameter copy in the suspended frame
  std::vector<task<int, eager_box>> owners;
  owners.push_back(std::move(t));
  parked.resume();  // finishes with nobody awaiting it
  EXPECT_TRUE(owners[0].done());
  EXPECT_EQ(counted::alive(), 0) << "the finished frame was freed";
  EXPECT_EQ(sync_wait(await_eager(std::move(owners[0]))), 9);
}

TEST_F(task_lifetime, eager_exception_reaches_the_awaiter_after_the_frame_is_freed) {
  const auto before = testbed::alloc::this_thread();
  auto t = eager_throws(counted{1});
  EXPECT_EQ(counted::alive(), 0);
  EXPECT_THROW(sync_wait(await_eager(std::move(t))), std::runtime_error);
  const auto used = testbed::alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, used.deallocations);
}

TEST_F(task_lifetime, suspended_eager_task_destroyed_frees_its_frame) {
  std::coroutine_handle<> parked;
  const auto before = testbed::alloc::this_thread();
  {
    auto t = eager_parks(counted{2}, &parked);
    EXPECT_EQ(counted::alive(), 1);
  }
  const auto used = testbed::alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, 1u);
  EXPECT_EQ(used.deallocations, 1u);
}

TEST_F(task_lifetime, eager_task_awaited_while_suspended_resumes_its_awaiter) {
  testbed::single_thread_executor executor;
  auto callee = [](testbed::single_thread_executor& ex, counted c) -> task<int, eager_box> {
    co_await ex.schedule();
    co_return c.id;
  };
  auto caller = [&]() -> task<int, box> { co_return 1 + co_await callee(executor, counted{41}); };
  EXPECT_EQ(executor.run(caller()), 42);
}

}  // namespace
