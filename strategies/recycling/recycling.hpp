// Strategy "recycling": a per-thread size-class free list in the style of Boost.Asio's
// recycling allocator and Boost.Capy's recycling memory resource (classes 64 B to 2 KiB).
#pragma once

#include <array>
#include <cstddef>
#include <new>
#include <string_view>

#include "harness/design_post.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed {

namespace detail::recycling_impl {

// Power-of-two classes from 64 B to 2 KiB, as Boost.Capy; larger frames go straight to
// the heap (Boost.Asio likewise never caches blocks over about 1 KiB).
inline constexpr std::size_t smallest_class = 64;
inline constexpr std::size_t class_count = 6;  // 64, 128, 256, 512, 1024, 2048
inline constexpr std::size_t largest_class = smallest_class << (class_count - 1);
// Blocks kept per class per thread. Enough for a few levels of nested calls of one size
// while bounding what an idle thread holds (6 classes x 16 blocks, at most 192 KiB).
inline constexpr int blocks_per_class = 16;

struct free_block {
  free_block* next;
};

struct thread_cache {
  std::array<free_block*, class_count> head{};
  std::array<int, class_count> count{};
  bool cleanup_registered = false;
};

// Trivially destructible, so the hot path reads it without a TLS init guard; the blocks
// are freed at thread exit by a separate guard object, registered on the first push.
inline thread_local thread_cache cache{};

void register_cleanup() noexcept;  // in recycling.cpp

inline std::size_t class_index(std::size_t size) noexcept {
  std::size_t index = 0;
  std::size_t block = smallest_class;
  while (block < size) {
    block <<= 1;
    ++index;
  }
  return index;
}

}  // namespace detail::recycling_impl

// One form only: the caches are per thread, and a block freed on another thread simply
// joins that thread's cache (memory from the global heap belongs to no thread), which is
// Boost.Asio's design and is safe when a future moves between threads.
struct recycling {
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::custom_allocator;
  static constexpr std::string_view placement = "per-thread recycling free lists in front of the heap";
  // One form only: the family is the row name (harness/row_manifest.hpp records both).
  static constexpr std::string_view family = "recycling";
  static constexpr std::string_view name = family;
  using object_state = no_object_state;
  using caller_storage = no_caller_storage;
  static constexpr strategy_traits traits{.first_call_allocations = 1, .steady_allocations = 0};

  static void* allocate(const frame_request<recycling>& request) {
    using namespace detail::recycling_impl;
    if (request.align > default_frame_alignment) {  // rare: not cached
      return ::operator new(request.size, std::align_val_t{request.align});
    }
    if (request.size > largest_class) return ::operator new(request.size);
    const std::size_t index = class_index(request.size);
    auto& c = cache;
    if (free_block* b = c.head[index]) {
      c.head[index] = b->next;
      --c.count[index];
      return b;
    }
    return ::operator new(smallest_class << index);
  }

  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    using namespace detail::recycling_impl;
    if (align > default_frame_alignment) return ::operator delete(frame, size, std::align_val_t{align});
    if (size > largest_class) return ::operator delete(frame, size);
    const std::size_t index = class_index(size);
    auto& c = cache;
    if (c.count[index] >= blocks_per_class) return ::operator delete(frame, smallest_class << index);
    if (!c.cleanup_registered) register_cleanup();
    c.head[index] = ::new (frame) free_block{c.head[index]};
    ++c.count[index];
  }
};

static_assert(frame_strategy<recycling>);

}  // namespace testbed
