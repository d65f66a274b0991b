// when_all: all tasks run together (each suspends before any finishes), results land in
// order, the first exception is rethrown after all finished, and steady state allocates
// nothing beyond the tasks themselves.
#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <vector>

#include "harness/alloc_counter.hpp"
#include "harness/executor.hpp"
#include "harness/frame_stats.hpp"
#include "harness/sync_wait.hpp"
#include "harness/when_all.hpp"
#include "strategies/root_task.hpp"

namespace {

using namespace testbed;

root_task<int> yields_then_returns(single_thread_executor& ex, int v, std::vector<int>& log) {
  log.push_back(v);  // started
  co_await ex.schedule();
  log.push_back(100 + v);  // finished
  co_return v * 10;
}

root_task<int> throws_after_yield(single_thread_executor& ex) {
  co_await ex.schedule();
  throw std::runtime_error("child failed");
}

TEST(when_all, runs_all_children_together_and_collects_results) {
  single_thread_executor ex;
  std::vector<int> log;
  std::array<int, 3> results{};
  ex.run([&]() -> root_task<void> {
    std::array<root_task<int>, 3> tasks{yields_then_returns(ex, 1, log), yields_then_returns(ex, 2, log),
                                   yields_then_returns(ex, 3, log)};
    co_await when_all(std::span(tasks), std::span(results));
  }());
  EXPECT_EQ(results, (std::array<int, 3>{10, 20, 30}));
  // every child started before any finished: they were outstanding together
  EXPECT_EQ(log, (std::vector<int>{1, 2, 3, 101, 102, 103}));
}

TEST(when_all, rethrows_the_first_exception_after_all_finished) {
  single_thread_executor ex;
  std::vector<int> log;
  std::array<int, 2> results{};
  EXPECT_THROW(ex.run([&]() -> root_task<void> {
                 std::array<root_task<int>, 2> tasks{throws_after_yield(ex), yields_then_returns(ex, 7, log)};
                 co_await when_all(std::span(tasks), std::span(results));
               }()),
               std::runtime_error);
  EXPECT_EQ(results[1], 70);  // the other child still finished
}

TEST(when_all, completes_when_every_child_finishes_synchronously) {
  std::array<int, 2> results{};
  auto value = [](int v) -> root_task<int> { co_return v; };
  sync_wait([&]() -> root_task<void> {
    std::array<root_task<int>, 2> tasks{value(4), value(5)};
    co_await when_all(std::span(tasks), std::span(results));
  }());
  EXPECT_EQ(results, (std::array<int, 2>{4, 5}));
}

TEST(when_all, steady_state_allocates_only_the_tasks) {
  single_thread_executor ex;
  std::vector<int> log;
  log.reserve(1000);
  std::array<int, 4> results{};
  auto round = [&]() -> root_task<void> {
    std::array<root_task<int>, 4> tasks{yields_then_returns(ex, 1, log), yields_then_returns(ex, 2, log),
                                   yields_then_returns(ex, 3, log), yields_then_returns(ex, 4, log)};
    co_await when_all(std::span(tasks), std::span(results));
  };
  ex.run([&]() -> root_task<void> {
    co_await round();  // warm the harness frame cache and the executor's queue
    const auto before = alloc::this_thread();
    const auto frames_before = frames_this_thread();
    co_await round();
    const auto used = alloc::this_thread() - before;
    const auto boxed = frames_this_thread().frames - frames_before.frames;
    // Every allocation is a boxed task frame (the four children, and the round's own frame
    // unless the compiler elided it): when_all and its helpers allocate nothing.
    EXPECT_GE(boxed, 4u);
    EXPECT_EQ(used.allocations, boxed);
  }());
}

}  // namespace
