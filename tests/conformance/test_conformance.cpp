// The conformance suite: written once, run for every strategy and form in the list. Each
// declaration in a strategy's traits is checked both ways: what it says it cannot serve
// must fail loudly (frame_error, or a death test for fatal misuse), and what it does not
// exclude must work.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "harness/alloc_counter.hpp"
#include "harness/frame_error.hpp"
#include "harness/frame_stats.hpp"
#include "harness/sync_wait.hpp"
#include "harness/task.hpp"
#include "harness/task_runtime.hpp"
#include "strategies/root_task.hpp"
#include "tests/conformance/probe.hpp"
#include "tests/strategy_types.hpp"

namespace {

using namespace testbed;
using namespace testbed::conformance;
using ::testing::HasSubstr;

template <class S>
class conformance : public ::testing::Test {
 protected:
  void SetUp() override {
    // Death tests re-run the binary for the dying statement instead of forking a process
    // that may hold other threads' state.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    frames_at_start_ = frames_this_thread();
  }
  // Marks the test as a misuse the strategy cannot serve, tried and checked to fail loudly
  // (the gtest JSON property scripts/matrix counts for the report's reliability figures).
  void misuse_tried() { ::testing::Test::RecordProperty("misuse_cases", 1); }

  // Every frame requested during the test was returned to its strategy.
  void expect_frames_balanced() const {
    const auto now = frames_this_thread();
    EXPECT_EQ(now.frames - frames_at_start_.frames, now.freed - frames_at_start_.freed)
        << "frames requested and frames freed differ";
  }

 private:
  frame_record frames_at_start_{};
};
TYPED_TEST_SUITE(conformance, testbed::testing::all_strategy_types, testbed::testing::strategy_names);

TYPED_TEST(conformance, results_are_correct) {
  using S = TypeParam;
  auto p = make_probe<S>();
  const int total = sync_wait([&]() -> root_task<int> {
    caller_storage_t<S> storage{};
    int sum = 0;
    for (int i = 1; i <= 100; ++i) sum += co_await p->value(storage, i);
    co_return sum;
  }());
  EXPECT_EQ(total, 5050);
  this->expect_frames_balanced();
}

TYPED_TEST(conformance, allocation_profile_matches_the_declared_traits) {
  using S = TypeParam;
  constexpr int steady_calls = 10;
  alloc::counts first{}, steady{};
  // Process-wide state (the synchronized pool's shared tables) is set up once per process,
  // by whichever thread comes first: a throwaway thread makes that happen before measuring.
  std::thread([] {
    auto p = make_probe<S>();
    sync_wait([&]() -> root_task<void> {
      caller_storage_t<S> storage{};
      (void)co_await p->value(storage, 0);
    }());
  }).join();
  // A fresh thread: per-thread caches and pools start cold, so "first call" is exact.
  std::thread([&] {
    auto p = make_probe<S>();
    sync_wait([&]() -> root_task<void> {
      caller_storage_t<S> storage{};
      const auto a = alloc::this_thread();
      EXPECT_EQ(co_await p->value(storage, 1), 1);
      const auto b = alloc::this_thread();
      for (int i = 0; i < steady_calls; ++i) EXPECT_EQ(co_await p->value(storage, i), i);
      const auto c = alloc::this_thread();
      first = b - a;
      steady = c - b;
    }());
  }).join();
  EXPECT_EQ(first.allocations, static_cast<std::uint64_t>(S::traits.first_call_allocations))
      << "global allocator calls on the first call";
  EXPECT_EQ(steady.allocations, static_cast<std::uint64_t>(steady_calls * S::traits.steady_allocations))
      << "global allocator calls over " << steady_calls << " warm calls";
}

TYPED_TEST(conformance, frames_with_16_byte_alignment_are_aligned) {
  using S = TypeParam;
  auto p = make_probe<S>();
  sync_wait([&]() -> root_task<void> {
    caller_storage_t<S> storage{};
    EXPECT_EQ(co_await p->aligned16(storage) % 16, 0u);
  }());
  this->expect_frames_balanced();
}

TYPED_TEST(conformance, frames_with_32_and_64_byte_alignment_are_aligned) {
  using S = TypeParam;
#ifndef TESTBED_FRAME_ALIGNMENT_PASSED
  GTEST_SKIP() << "this compiler does not pass a coroutine frame's alignment to the promise's "
                  "operator new (no P2014) and does not align over-aligned frames itself, so no "
                  "strategy can place them: measured for g++ 12 (docs/strategy-contract.md)";
#endif
  auto p = make_probe<S>();
  sync_wait([&]() -> root_task<void> {
    caller_storage_t<S> storage{};
    EXPECT_EQ(co_await p->aligned32(storage) % 32, 0u);
    EXPECT_EQ(co_await p->aligned64(storage) % 64, 0u);
  }());
  this->expect_frames_balanced();
}

TYPED_TEST(conformance, task_destroyed_before_completion_frees_its_frame) {
  using S = TypeParam;
  auto p = make_probe<S>();
  task_runtime runtime;  // the side stack needs a task's runtime; others ignore it
  runtime_scope scope(runtime);
  caller_storage_t<S> storage{};
  std::coroutine_handle<> parked;
  {
    auto callee = p->parks(storage, &parked, 7);
    auto caller = [](task<int, S>& t) -> root_task<int> { co_return co_await t; }(callee);
    detail::task_access::handle(caller).resume();
    ASSERT_TRUE(parked) << "the callee should be suspended";
    EXPECT_FALSE(callee.done());
  }  // both destroyed here, the callee never resumed
  this->expect_frames_balanced();
  // The strategy's storage is free again: the next call on the same object and storage works.
  auto again = [&]() -> root_task<int> { co_return co_await p->value(storage, 3); };
  EXPECT_EQ(sync_wait(again()), 3);
}

TYPED_TEST(conformance, exception_in_the_callee_reaches_the_caller_and_frees_the_frame) {
  using S = TypeParam;
  auto p = make_probe<S>();
  const std::string result = sync_wait([&]() -> root_task<std::string> {
    caller_storage_t<S> storage{};
    std::string message = "not thrown";
    try {
      co_await p->fails(storage);
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    const int after = co_await p->value(storage, 5);  // storage and object usable again
    co_return message + " then " + std::to_string(after);
  }());
  EXPECT_EQ(result, "probe failure then 5");
  this->expect_frames_balanced();
}

TYPED_TEST(conformance, outstanding_calls_on_one_object_as_declared) {
  using S = TypeParam;
  auto p = make_probe<S>();
  sync_wait([&]() -> root_task<void> {
    caller_storage_t<S> first_storage{}, second_storage{};
    auto first = p->value(first_storage, 1);
    if constexpr (S::traits.calls_per_object == 1) {
      try {
        auto second = p->value(second_storage, 2);
        ADD_FAILURE() << "a second outstanding call on one object was accepted";
      } catch (const frame_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("outstanding call"));
        EXPECT_THAT(e.what(), HasSubstr(std::string(S::name)));
      }
      this->misuse_tried();
      EXPECT_EQ(co_await first, 1);
    } else {
      auto second = p->value(second_storage, 2);
      EXPECT_EQ(co_await first + co_await second, 3);
    }
  }());
  this->expect_frames_balanced();
}

TYPED_TEST(conformance, outstanding_calls_on_one_caller_storage_as_declared) {
  using S = TypeParam;
  auto p1 = make_probe<S>();
  auto p2 = make_probe<S>();
  sync_wait([&]() -> root_task<void> {
    caller_storage_t<S> storage{};
    auto first = p1->value(storage, 1);
    if constexpr (S::traits.calls_per_storage == 1) {
      try {
        auto second = p2->value(storage, 2);
        ADD_FAILURE() << "a second outstanding call on one caller storage was accepted";
      } catch (const frame_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("outstanding call"));
      }
      this->misuse_tried();
      EXPECT_EQ(co_await first, 1);
    } else {
      auto second = p2->value(storage, 2);
      EXPECT_EQ(co_await first + co_await second, 3);
    }
  }());
  this->expect_frames_balanced();
}

TYPED_TEST(conformance, frame_larger_than_declared_maximum_is_refused_with_both_sizes) {
  using S = TypeParam;
  auto p = make_probe<S>();
  sync_wait([&]() -> root_task<void> {
    caller_storage_t<S> storage{};
    if constexpr (S::traits.max_frame_bytes != 0) {
      try {
        auto t = p->big(storage);
        ADD_FAILURE() << "a frame larger than " << S::traits.max_frame_bytes << " bytes was accepted";
      } catch (const frame_error& e) {
        EXPECT_GT(e.needed(), e.available());
        EXPECT_EQ(e.available(), S::traits.max_frame_bytes);
        EXPECT_THAT(e.what(), HasSubstr(std::to_string(e.needed()) + " bytes"));
        EXPECT_THAT(e.what(), HasSubstr(std::to_string(e.available()) + " available"));
      }
      this->misuse_tried();
      EXPECT_EQ(co_await p->value(storage, 4), 4);  // still usable
    } else {
      EXPECT_EQ(co_await p->big(storage), 1);
    }
  }());
  this->expect_frames_balanced();
}

// Two frames (on two objects, so one-call-per-object strategies can hold both) released
// in the order they were created: not a stack's order.
template <class S>
void release_out_of_order() {
  auto p1 = make_probe<S>();
  auto p2 = make_probe<S>();
  task_runtime runtime;
  runtime_scope scope(runtime);
  caller_storage_t<S> s1{}, s2{};
  std::optional<task<int, S>> older(p1->value(s1, 1));
  std::optional<task<int, S>> newer(p2->value(s2, 2));
  older.reset();
  newer.reset();
}

TYPED_TEST(conformance, non_lifo_release_as_declared) {
  using S = TypeParam;
  if constexpr (S::traits.lifo_only) {
    EXPECT_DEATH(release_out_of_order<S>(), "non-LIFO release");
    this->misuse_tried();
  } else {
    release_out_of_order<S>();
    this->expect_frames_balanced();
  }
}

TYPED_TEST(conformance, future_outliving_the_caller_storage_as_declared) {
  using S = TypeParam;
  auto escape = [] {
    auto p = make_probe<S>();
    task_runtime runtime;
    runtime_scope scope(runtime);
    std::optional<task<int, S>> escaped;
    {
      caller_storage_t<S> storage{};
      escaped.emplace(p->value(storage, 1));
    }  // the caller's storage dies here, the future lives on
    return sync_wait([&]() -> root_task<int> { co_return co_await *escaped; }());
  };
  if constexpr (S::traits.frames_in_caller_storage) {
    EXPECT_DEATH(escape(), "outlived the caller's storage");
    this->misuse_tried();
  } else {
    EXPECT_EQ(escape(), 1);
  }
}

TYPED_TEST(conformance, object_destroyed_while_its_frame_is_alive_as_declared) {
  using S = TypeParam;
  if constexpr (!std::is_empty_v<object_state_t<S>>) {
    EXPECT_DEATH(
        {
          caller_storage_t<S> storage{};
          auto p = make_probe<S>();
          auto t = p->value(storage, 1);
          p.reset();  // the frame still lives in (or is owned by) the object
        },
        "destroyed while a call's frame was still");
    this->misuse_tried();
  } else {
    caller_storage_t<S> storage{};
    task_runtime runtime;
    runtime_scope scope(runtime);
    auto p = make_probe<S>();
    auto t = p->value(storage, 1);
    p.reset();  // value() does not touch the object after it was created
    SUCCEED();
  }
}

TYPED_TEST(conformance, frame_freed_on_another_thread_as_declared) {
  using S = TypeParam;
  auto free_elsewhere = [] {
    auto p = make_probe<S>();
    caller_storage_t<S> storage{};
    task_runtime runtime;
    runtime_scope scope(runtime);
    std::optional<task<int, S>> t(p->value(storage, 1));
    std::thread([&] { t.reset(); }).join();
    return sync_wait([&]() -> root_task<int> { co_return co_await p->value(storage, 2); }());
  };
  if constexpr (S::traits.same_thread_release) {
    EXPECT_DEATH(free_elsewhere(), "freed on another thread");
    this->misuse_tried();
  } else if constexpr (S::traits.needs_task_runtime) {
    EXPECT_DEATH(free_elsewhere(), "freed outside any task");
    this->misuse_tried();
  } else {
    EXPECT_EQ(free_elsewhere(), 2);
  }
}

TYPED_TEST(conformance, call_outside_any_task_as_declared) {
  using S = TypeParam;
  auto p = make_probe<S>();
  caller_storage_t<S> storage{};
  if constexpr (S::traits.needs_task_runtime) {
    EXPECT_THROW(
        {
          try {
            auto t = p->value(storage, 1);
          } catch (const frame_error& e) {
            EXPECT_THAT(e.what(), HasSubstr("no task side stack"));
            throw;
          }
        },
        frame_error);
    this->misuse_tried();
  } else {
    auto t = p->value(storage, 1);
    EXPECT_FALSE(t.done());
  }
}

// Claim C4, the callee cache's lifetime: the block it caches in the object is allocated by
// the first call, reused by every later call without an allocation or a deallocation, and
// freed exactly when the object dies: destroying the object then makes exactly one
// deallocation more than destroying the same object under box (its own memory), the block.
template <class S>
class callee_cache_lifetime : public ::testing::Test {};
using callee_cache_types = ::testing::Types<callee_cache_local, callee_cache_sendable>;
TYPED_TEST_SUITE(callee_cache_lifetime, callee_cache_types, testbed::testing::strategy_names);

// Deallocations made by destroying a probe of strategy S after `calls` calls on it; *warm
// gets what the calls after the first did to the global allocator.
template <class S>
std::uint64_t deallocations_at_destruction(int calls, alloc::counts* warm = nullptr) {
  auto p = make_probe<S>();
  sync_wait([&]() -> root_task<void> {
    if (calls == 0) co_return;
    caller_storage_t<S> storage{};
    EXPECT_EQ(co_await p->value(storage, 0), 0);  // the first call (allocates under S)
    const auto before = alloc::this_thread();
    for (int i = 1; i < calls; ++i) EXPECT_EQ(co_await p->value(storage, i), i);
    if (warm != nullptr) *warm = alloc::this_thread() - before;
  }());
  const auto alive = alloc::this_thread();
  p.reset();
  const auto freed = alloc::this_thread() - alive;
  EXPECT_EQ(freed.allocations, 0u);
  return freed.deallocations;
}

TYPED_TEST(callee_cache_lifetime, callee_cache_block_freed_with_object) {
  using S = TypeParam;
  constexpr int calls = 20;
  alloc::counts warm{};
  const std::uint64_t with_block = deallocations_at_destruction<S>(calls, &warm);
  // Warm calls: the cached block is reused and never freed while the object lives.
  EXPECT_EQ(warm.allocations, 0u) << "warm calls allocated";
  EXPECT_EQ(warm.deallocations, 0u) << "the block was freed while the object lives";
  // The same object under box holds no block: its destruction frees only itself.
  const std::uint64_t object_alone = deallocations_at_destruction<box>(calls);
  EXPECT_EQ(object_alone, 1u) << "the probe object is one heap block";
  EXPECT_EQ(with_block, object_alone + 1) << "exactly the cached block is freed with the object";
  // An object that was never called holds no block: nothing more to free.
  EXPECT_EQ(deallocations_at_destruction<S>(0), 1u);
}

}  // namespace
