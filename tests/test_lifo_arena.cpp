// The side stack's segment cache (harness/task_runtime.hpp): a recursion that goes deep
// again and again allocates its segments once; trim() and the bound free the cache; misuse
// stays fatal. Allocation counts are exact (the counting operator new of the test binary).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <vector>

#include "harness/alloc_counter.hpp"
#include "harness/task_runtime.hpp"

namespace {

using namespace testbed;

// 112 bytes, a typical frame; 100,000 of them span 4 KiB to 8 MiB segments (12 segments).
constexpr std::size_t frame_bytes = 112;
constexpr int deep = 100'000;

// Pushes `count` frames (each written to, as a frame would be), then pops them newest
// first. `frames` is reserved by the caller, so the cycle itself allocates only segments.
void deep_cycle(lifo_arena& arena, std::vector<void*>& frames, int count) {
  frames.clear();
  for (int i = 0; i < count; ++i) {
    void* f = arena.push(frame_bytes);
    std::memset(f, 0xab, frame_bytes);
    frames.push_back(f);
  }
  while (!frames.empty()) {
    arena.pop(frames.back(), frame_bytes);
    frames.pop_back();
  }
}

TEST(lifo_arena, repeated_deep_cycles_allocate_only_in_the_first) {
  lifo_arena arena;
  std::vector<void*> frames;
  frames.reserve(deep);
  const auto a = alloc::this_thread();
  deep_cycle(arena, frames, deep);
  const auto first = alloc::this_thread() - a;
  EXPECT_GT(arena.segments(), 2u);
  EXPECT_EQ(first.allocations, arena.segments()) << "one allocation per segment, all kept";
  EXPECT_EQ(first.deallocations, 0u) << "emptied segments stay cached";
  EXPECT_EQ(arena.live_frames(), 0u);
  const std::size_t segments = arena.segments();

  const auto b = alloc::this_thread();
  for (int cycle = 0; cycle < 4; ++cycle) deep_cycle(arena, frames, deep);
  const auto later = alloc::this_thread() - b;
  EXPECT_EQ(later.allocations, 0u);
  EXPECT_EQ(later.deallocations, 0u);
  EXPECT_EQ(arena.segments(), segments);
}

TEST(lifo_arena, a_cached_segment_too_small_for_a_frame_is_replaced) {
  lifo_arena arena;
  std::vector<void*> frames;
  frames.reserve(deep);
  // Two segments: the first (4 KiB) and one cached above it (8 KiB).
  deep_cycle(arena, frames, 2 * static_cast<int>(lifo_arena::first_segment_bytes / frame_bytes));
  ASSERT_EQ(arena.segments(), 2u);
  void* small = arena.push(frame_bytes);
  const auto a = alloc::this_thread();
  void* big = arena.push(64 * 1024);  // crosses the boundary, larger than the cached 8 KiB
  const auto d = alloc::this_thread() - a;
  EXPECT_EQ(d.allocations, 1u);
  EXPECT_EQ(d.deallocations, 1u) << "the too-small cached segment is freed";
  EXPECT_EQ(arena.segments(), 2u);
  arena.pop(big, 64 * 1024);
  arena.pop(small, frame_bytes);
}

TEST(lifo_arena, trim_frees_every_segment_not_in_use) {
  lifo_arena arena;
  std::vector<void*> frames;
  frames.reserve(deep);
  deep_cycle(arena, frames, deep);
  const std::size_t segments = arena.segments();
  ASSERT_GT(segments, 2u);
  EXPECT_GT(arena.cached_bytes(), 0u);

  // With a frame alive in the first segment: every cached segment goes, the first stays.
  void* alive = arena.push(frame_bytes);
  std::memset(alive, 0x5a, frame_bytes);
  auto a = alloc::this_thread();
  arena.trim();
  auto d = alloc::this_thread() - a;
  EXPECT_EQ(d.deallocations, segments - 1);
  EXPECT_EQ(d.allocations, 0u);
  EXPECT_EQ(arena.segments(), 1u);
  EXPECT_EQ(arena.cached_bytes(), 0u);
  EXPECT_EQ(static_cast<unsigned char*>(alive)[frame_bytes - 1], 0x5a) << "a live frame is kept";
  arena.pop(alive, frame_bytes);

  // Empty: the first segment goes too, and the next push allocates again.
  a = alloc::this_thread();
  arena.trim();
  d = alloc::this_thread() - a;
  EXPECT_EQ(d.deallocations, 1u);
  EXPECT_EQ(arena.segments(), 0u);
  a = alloc::this_thread();
  void* again = arena.push(frame_bytes);
  EXPECT_EQ((alloc::this_thread() - a).allocations, 1u);
  arena.pop(again, frame_bytes);
}

TEST(lifo_arena, the_cache_stays_within_its_bound) {
  constexpr std::size_t bound = 64 * 1024;
  lifo_arena arena(bound);
  EXPECT_EQ(arena.max_cached_bytes(), bound);
  std::vector<void*> frames;
  frames.reserve(deep);
  for (int i = 0; i < deep; ++i) frames.push_back(arena.push(frame_bytes));
  const std::size_t segments = arena.segments();
  const auto a = alloc::this_thread();
  while (!frames.empty()) {
    arena.pop(frames.back(), frame_bytes);
    frames.pop_back();
    ASSERT_LE(arena.cached_bytes(), bound);
  }
  const auto d = alloc::this_thread() - a;
  EXPECT_GT(arena.cached_bytes(), 0u) << "segments under the bound are kept";
  EXPECT_EQ(d.allocations, 0u);
  EXPECT_EQ(d.deallocations, segments - arena.segments()) << "the segments over the bound are freed";
  EXPECT_LT(arena.segments(), segments);
}

TEST(lifo_arena, a_zero_bound_frees_every_emptied_segment) {
  lifo_arena arena(0);
  std::vector<void*> frames;
  frames.reserve(deep);
  deep_cycle(arena, frames, deep);
  EXPECT_EQ(arena.segments(), 1u) << "only the first segment stays";
  EXPECT_EQ(arena.cached_bytes(), 0u);
}

TEST(lifo_arena, a_non_lifo_release_is_still_fatal) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        lifo_arena arena;
        void* older = arena.push(frame_bytes);
        (void)arena.push(frame_bytes);
        arena.pop(older, frame_bytes);
      },
      "non-LIFO release");
}

TEST(lifo_arena, a_frame_alive_at_destruction_is_still_fatal) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        lifo_arena arena;
        std::vector<void*> frames;
        frames.reserve(deep);
        deep_cycle(arena, frames, deep);  // with a cache
        (void)arena.push(frame_bytes);
      },
      "destroyed with 1 frame");
}

}  // namespace
