// Per-thread record of coroutine frame requests made through testbed::task:
// how many frames, how many bytes, and the largest one. Read by tests and benchmarks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace testbed {

struct frame_record {
  std::uint64_t frames = 0;       // frames placed (one per coroutine call)
  std::uint64_t freed = 0;        // frames returned to their strategy
  std::uint64_t refused = 0;      // frame requests the strategy refused (it threw)
  std::uint64_t bytes = 0;        // sum of placed frame sizes
  std::uint64_t largest = 0;      // largest single frame since reset_largest_frame()
  std::uint64_t heap_fallbacks = 0;  // frames a strategy with its own storage sent to the heap
};

namespace detail {
// Plain thread_local (constant-initialized, so no TLS wrapper call on access): each
// thread counts its own frames, and the hot path is three non-atomic updates.
inline thread_local frame_record this_thread_frames{};
}  // namespace detail

inline void record_frame(std::size_t size) noexcept {
  auto& r = detail::this_thread_frames;
  ++r.frames;
  r.bytes += size;
  if (size > r.largest) r.largest = size;
}

inline void record_frame_refused() noexcept { ++detail::this_thread_frames.refused; }

inline void record_frame_freed() noexcept { ++detail::this_thread_frames.freed; }

// Called by strategies that have storage of their own (fallback, scratch space) when a
// frame did not fit and went to the heap instead: the harness records which path it took.
inline void record_heap_fallback() noexcept { ++detail::this_thread_frames.heap_fallbacks; }

// Starts a new "largest frame" window (benchmarks call it before their measured loop).
inline void reset_largest_frame() noexcept { detail::this_thread_frames.largest = 0; }

// A snapshot of this thread's frame record.
inline frame_record frames_this_thread() noexcept { return detail::this_thread_frames; }

}  // namespace testbed
