// harness_frames: where the harness's own coroutines (when_all's children and the like)
// put their frames: a small per-thread cache keyed by exact size, so they cost no
// allocation in steady state, and not recorded in frame_stats, so a workload's per-call
// frame figures show only the frames of the calls it measures.
#pragma once

#include <array>
#include <cstddef>
#include <new>
#include <string_view>

#include "harness/strategy_contract.hpp"

namespace testbed {

namespace detail::harness_frames_impl {

// A few distinct sizes (one per harness coroutine type in use) and enough blocks for the
// widest when_all (32 children) plus the when_all frame itself.
inline constexpr std::size_t bucket_count = 8;
inline constexpr int blocks_per_bucket = 40;

struct free_block {
  free_block* next;
};
struct bucket {
  std::size_t size = 0;
  free_block* head = nullptr;
  int count = 0;
};
struct cache {
  std::array<bucket, bucket_count> buckets{};
  bool cleanup_registered = false;
};
inline thread_local cache this_thread{};

void register_cleanup() noexcept;  // harness_frames.cpp: frees the cache at thread exit

}  // namespace detail::harness_frames_impl

struct harness_frames {
  static constexpr std::string_view name = "harness_frames";
  // Not a row of the matrix: frames of this strategy are left out of frame_stats.
  static constexpr bool record_frames = false;
  using object_state = no_object_state;
  using caller_storage = no_caller_storage;
  static constexpr strategy_traits traits{.first_call_allocations = 1, .steady_allocations = 0};

  static void* allocate(const frame_request<harness_frames>& request) {
    using namespace detail::harness_frames_impl;
    if (request.align <= default_frame_alignment) {
      for (auto& b : this_thread.buckets) {
        if (b.size == request.size && b.head != nullptr) {
          free_block* block = b.head;
          b.head = block->next;
          --b.count;
          return block;
        }
      }
    }
    return ::operator new(request.size, std::align_val_t{request.align});
  }

  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    using namespace detail::harness_frames_impl;
    if (align <= default_frame_alignment) {
      for (auto& b : this_thread.buckets) {
        if (b.size == 0) b.size = size;  // claim a free bucket for this size
        if (b.size == size) {
          if (b.count >= blocks_per_bucket) break;
          if (!this_thread.cleanup_registered) register_cleanup();
          b.head = ::new (frame) free_block{b.head};
          ++b.count;
          return;
        }
      }
    }
    ::operator delete(frame, size, std::align_val_t{align});
  }
};

}  // namespace testbed
