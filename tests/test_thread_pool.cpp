// The thread pool: a coroutine really moves to a pool thread, run() returns the result
// wherever the task finished, exceptions come back, and many hops in a row all complete.
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "harness/thread_pool.hpp"
#include "strategies/root_task.hpp"

namespace {

using namespace testbed;

TEST(thread_pool, schedule_moves_the_coroutine_to_a_pool_thread) {
  thread_pool pool(2);
  const auto caller = std::this_thread::get_id();
  const auto where = pool.run([&]() -> root_task<std::thread::id> {
    co_await pool.schedule();
    co_return std::this_thread::get_id();
  }());
  EXPECT_NE(where, caller);
}

TEST(thread_pool, exceptions_reach_run) {
  thread_pool pool(1);
  EXPECT_THROW(pool.run([&]() -> root_task<int> {
                 co_await pool.schedule();
                 throw std::runtime_error("on the pool");
               }()),
               std::runtime_error);
}

TEST(thread_pool, many_hops_between_two_pools_complete) {
  thread_pool a(1), b(3);
  const long sum = a.run([&]() -> root_task<long> {
    long s = 0;
    for (int i = 0; i < 10'000; ++i) {
      co_await (i % 2 ? a : b).schedule();
      s += i;
    }
    co_return s;
  }());
  EXPECT_EQ(sum, 10'000L * 9'999 / 2);
}

}  // namespace
