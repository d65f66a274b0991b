// The strategies' slow paths (issue 14, "Fair rows"): scratch_space's per-cell reset frees
// its blocks and starts the next call cold; the caches reuse a block of the default
// alignment and replace it once when an over-aligned frame arrives; fallback's buffer no
// longer makes its caller's frame over-aligned. Allocation counts are exact.
#include <gtest/gtest.h>

#include <coroutine>
#include <cstdint>
#include <thread>

#include "harness/alloc_counter.hpp"
#include "harness/frame_stats.hpp"
#include "harness/sync_wait.hpp"
#include "harness/task.hpp"
#include "strategies/root_task.hpp"
#include "strategies/strategy_list.hpp"
#include "tests/conformance/probe.hpp"

namespace {

using namespace testbed;
using namespace testbed::conformance;

// One call through one call site (the caller_storage declared below), from a root task.
int call_through_one_site(probe<scratch_space>& p, int v) {
  return sync_wait([&]() -> root_task<int> {
    scratch_space::caller_storage storage;  // the call site
    co_return co_await p.value(storage, v);
  }());
}

TEST(scratch_space_reset, frees_the_blocks_and_the_next_call_allocates_its_block_again) {
  static_assert(requires { scratch_space::reset_for_new_cell(); });
  auto p = make_probe<scratch_space>();
  std::thread([&] {  // a fresh thread: its call-site table holds only this test's site
    auto counted_call = [&](int v) {
      const auto a = alloc::this_thread();
      EXPECT_EQ(call_through_one_site(*p, v), v);
      return alloc::this_thread() - a;
    };
    const auto first = counted_call(1);
    const auto warm = counted_call(2);
    EXPECT_EQ(first.allocations, warm.allocations + 1) << "the first call allocates the block";

    const auto a = alloc::this_thread();
    scratch_space::reset_for_new_cell();
    const auto reset = alloc::this_thread() - a;
    EXPECT_EQ(reset.deallocations, 1u) << "the call site's block is freed";
    EXPECT_EQ(reset.allocations, 0u);

    const auto after = counted_call(3);
    EXPECT_EQ(after.allocations, first.allocations) << "cold again: the block is allocated again";
    EXPECT_EQ(counted_call(4).allocations, warm.allocations);
  }).join();
}

TEST(scratch_space_reset, keeps_a_block_that_is_lent) {
  auto p = make_probe<scratch_space>();
  std::thread([&] {
    scratch_space::caller_storage storage;
    std::coroutine_handle<> parked;
    auto callee = p->parks(storage, &parked, 7);
    auto caller = [](task<int, scratch_space>& t) -> root_task<int> { co_return co_await t; }(callee);
    detail::task_access::handle(caller).resume();
    ASSERT_TRUE(parked) << "the callee should be suspended in the site's block";
    const auto a = alloc::this_thread();
    scratch_space::reset_for_new_cell();
    EXPECT_EQ((alloc::this_thread() - a).deallocations, 0u) << "a lent block stays";
    parked.resume();
    EXPECT_TRUE(detail::task_access::handle(caller).done());
  }).join();
}

// A cache's block of the default alignment serves default-aligned frames; an over-aligned
// frame (clang passes its alignment) replaces it once with a cache-line-aligned block,
// which then serves both.
template <class S>
void expect_one_block_per_alignment_step() {
#ifndef TESTBED_FRAME_ALIGNMENT_PASSED
  GTEST_SKIP() << "g++ 12 does not pass a frame's alignment to operator new (no P2014)";
#endif
  auto p = make_probe<S>();
  sync_wait([&]() -> root_task<void> {
    caller_storage_t<S> storage{};
    auto a = alloc::this_thread();
    EXPECT_EQ(co_await p->aligned16(storage) % 16, 0u);
    auto d = alloc::this_thread() - a;
    EXPECT_EQ(d.allocations, 1u) << "a cold cache: one block";
    a = alloc::this_thread();
    EXPECT_EQ(co_await p->aligned64(storage) % 64, 0u);
    d = alloc::this_thread() - a;
    EXPECT_EQ(d.allocations, 1u) << "an over-aligned frame: one aligned block";
    EXPECT_EQ(d.deallocations, 1u) << "the default-aligned block is freed";
    a = alloc::this_thread();
    EXPECT_EQ(co_await p->aligned16(storage) % 16, 0u);
    EXPECT_EQ(co_await p->aligned64(storage) % 64, 0u);
    d = alloc::this_thread() - a;
    EXPECT_EQ(d.allocations, 0u) << "the aligned block serves both";
    EXPECT_EQ(d.deallocations, 0u);
  }());
}

TEST(cache_alignment, caller_cache_local) { expect_one_block_per_alignment_step<caller_cache_local>(); }
TEST(cache_alignment, caller_cache_sendable) {
  expect_one_block_per_alignment_step<caller_cache_sendable>();
}
TEST(cache_alignment, callee_cache_local) { expect_one_block_per_alignment_step<callee_cache_local>(); }
TEST(cache_alignment, callee_cache_sendable) {
  expect_one_block_per_alignment_step<callee_cache_sendable>();
}

// The buffers that live in a caller's frame or an object keep the default alignment: a
// stricter one would make every frame holding them over-aligned.
static_assert(alignof(fallback_local::caller_storage) <= default_frame_alignment);
static_assert(alignof(fallback_sendable::caller_storage) <= default_frame_alignment);
static_assert(alignof(max_space_local::caller_storage) <= default_frame_alignment);
static_assert(alignof(inline_local::object_state) <= default_frame_alignment);
static_assert(alignof(caller_cache_local::caller_storage) <= default_frame_alignment);

// fallback: a frame too big for the buffer goes to the heap, default-aligned, and is
// recorded as a heap fallback; one that fits allocates nothing.
TEST(fallback_paths, a_frame_too_big_for_the_buffer_is_one_heap_allocation) {
  auto p = make_probe<fallback_local>();
  sync_wait([&]() -> root_task<void> {
    fallback_local::caller_storage storage;
    auto a = alloc::this_thread();
    const auto heap_before = frames_this_thread().heap_fallbacks;
    EXPECT_EQ(co_await p->value(storage, 3), 3);
    EXPECT_EQ((alloc::this_thread() - a).allocations, 0u);
    a = alloc::this_thread();
    EXPECT_EQ(co_await p->big(storage), 1);
    const auto d = alloc::this_thread() - a;
    EXPECT_EQ(d.allocations, 1u);
    EXPECT_EQ(d.deallocations, 1u);
    EXPECT_EQ(frames_this_thread().heap_fallbacks - heap_before, 1u);
  }());
}

}  // namespace
