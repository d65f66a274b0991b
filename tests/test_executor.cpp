// The single-threaded executor: tasks that really suspend are resumed in FIFO order, the
// run loop detects a deadlock instead of hanging, and its queue stops allocating once warm.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "harness/alloc_counter.hpp"
#include "harness/executor.hpp"
#include "harness/sync_wait.hpp"
#include "harness/task.hpp"
#include "strategies/root_task.hpp"

namespace {

using testbed::single_thread_executor;
using testbed::root_task;

root_task<int> yields(single_thread_executor& ex, int times) {
  int n = 0;
  for (int i = 0; i < times; ++i) {
    co_await ex.schedule();
    ++n;
  }
  co_return n;
}

TEST(executor, runs_a_task_that_suspends_to_completion) {
  single_thread_executor ex;
  EXPECT_EQ(ex.run(yields(ex, 1000)), 1000);
  EXPECT_EQ(ex.pending(), 0u);
}

TEST(executor, resumes_in_fifo_order) {
  single_thread_executor ex;
  std::vector<int> order;
  auto worker = [&](int id) -> root_task<void> {
    co_await ex.schedule();
    order.push_back(id);
  };
  auto root = [&]() -> root_task<void> {
    auto a = worker(1);
    auto b = worker(2);
    // Start both: each runs until it schedules itself, then control returns here.
    auto start = [](root_task<void>& t) -> root_task<void> { co_await t; };
    auto sa = start(a);
    auto sb = start(b);
    auto ha = [&]() -> root_task<void> { co_await sa; };
    (void)ha;
    co_await sa;
    co_await sb;
  };
  ex.run(root());
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], 1);
  EXPECT_EQ(order[1], 2);
}

TEST(executor, detects_a_task_that_nothing_will_resume) {
  single_thread_executor ex;
  struct never {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
  };
  auto stuck = []() -> root_task<int> {
    co_await never{};
    co_return 0;
  };
  EXPECT_THROW(ex.run(stuck()), std::logic_error);
}

TEST(executor, steady_state_queue_makes_no_allocation) {
  single_thread_executor ex;
  EXPECT_EQ(ex.run(yields(ex, 10)), 10);  // warm up: the ring is allocated once
  auto t = yields(ex, 100'000);
  const auto before = testbed::alloc::this_thread();
  EXPECT_EQ(ex.run(std::move(t)), 100'000);
  const auto used = testbed::alloc::this_thread() - before;
  EXPECT_EQ(used.allocations, 0u);
}

TEST(executor, sync_wait_rejects_a_task_that_suspends_on_an_executor) {
  single_thread_executor ex;
  EXPECT_THROW(testbed::sync_wait(yields(ex, 1)), std::logic_error);
}

}  // namespace
