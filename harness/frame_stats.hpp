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
  std::uint64_t live_bytes = 0;       // bytes of frames placed and not yet freed
  std::uint64_t peak_live_bytes = 0;  // the most live_bytes has been since reset_largest_frame()
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
  r.live_bytes += size;
  if (r.live_bytes > r.peak_live_bytes) r.peak_live_bytes = r.live_bytes;
}

inline void record_frame_refused() noexcept { ++detail::this_thread_frames.refused; }

inline void record_frame_freed(std::size_t size) noexcept {
  auto& r = detail::this_thread_frames;
  ++r.freed;
  r.live_bytes -= size;
}

// Called by strategies that have storage of their own (fallback, scratch space) when a
// frame did not fit and went to the heap instead: the harness records which path it took.
inline void record_heap_fallback() noexcept { ++detail::this_thread_frames.heap_fallbacks; }

// Starts a new "largest frame" window (benchmarks call it before their measured loop).
inline void reset_largest_frame() noexcept {
  auto& r = detail::this_thread_frames;
  r.largest = 0;
  r.peak_live_bytes = r.live_bytes;
}

// A snapshot of this thread's frame record.
inline frame_record frames_this_thread() noexcept { return detail::this_thread_frames; }

}  // namespace testbed
