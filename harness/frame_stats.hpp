// Per-thread and per-process record of coroutine frame requests made through
// testbed::task: how many frames, how many bytes, the largest one, and how many a strategy
// sent to the heap. Read by tests and by the counting pass of the benchmarks. Compiled out
// of timing builds (build_mode.hpp): there every record_* function is empty.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "harness/build_mode.hpp"

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
// thread counts its own frames exactly, whatever other threads do.
inline thread_local frame_record this_thread_frames{};

// The same sums for every thread of the process, for cells whose frames are placed and
// freed on pool or server threads. relaxed: read only after the cell's threads were
// joined or synchronized with, so atomicity is all that is needed.
struct process_frame_record {
  std::atomic<std::uint64_t> frames{0}, freed{0}, refused{0}, bytes{0}, largest{0},
      heap_fallbacks{0};
};
inline constinit process_frame_record all_thread_frames{};

inline void add(std::atomic<std::uint64_t>& total, std::uint64_t n) noexcept {
  total.fetch_add(n, std::memory_order_relaxed);
}
}  // namespace detail

inline void record_frame(std::size_t size) noexcept {
  if constexpr (timing_build) return;
  auto& r = detail::this_thread_frames;
  ++r.frames;
  r.bytes += size;
  if (size > r.largest) r.largest = size;
  r.live_bytes += size;
  if (r.live_bytes > r.peak_live_bytes) r.peak_live_bytes = r.live_bytes;
  auto& all = detail::all_thread_frames;
  detail::add(all.frames, 1);
  detail::add(all.bytes, size);
  std::uint64_t seen = all.largest.load(std::memory_order_relaxed);
  while (size > seen && !all.largest.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
  }
}

inline void record_frame_refused() noexcept {
  if constexpr (timing_build) return;
  ++detail::this_thread_frames.refused;
  detail::add(detail::all_thread_frames.refused, 1);
}

inline void record_frame_freed(std::size_t size) noexcept {
  if constexpr (timing_build) return;
  auto& r = detail::this_thread_frames;
  ++r.freed;
  r.live_bytes -= size;
  detail::add(detail::all_thread_frames.freed, 1);
}

// Called by strategies that have storage of their own (fallback, scratch space) when a
// frame did not fit and went to the heap instead: the harness records which path it took.
inline void record_heap_fallback() noexcept {
  if constexpr (timing_build) return;
  ++detail::this_thread_frames.heap_fallbacks;
  detail::add(detail::all_thread_frames.heap_fallbacks, 1);
}

// Starts a new "largest frame" window (benchmarks call it before their measured loop).
inline void reset_largest_frame() noexcept {
  auto& r = detail::this_thread_frames;
  r.largest = 0;
  r.peak_live_bytes = r.live_bytes;
  detail::all_thread_frames.largest.store(0, std::memory_order_relaxed);
}

// A snapshot of this thread's frame record.
inline frame_record frames_this_thread() noexcept { return detail::this_thread_frames; }

// A snapshot of every thread's sums (live and peak bytes are per thread: 0 here).
inline frame_record frames_all_threads() noexcept {
  const auto& all = detail::all_thread_frames;
  constexpr auto relaxed = std::memory_order_relaxed;
  return {all.frames.load(relaxed),  all.freed.load(relaxed),   all.refused.load(relaxed),
          all.bytes.load(relaxed),   all.largest.load(relaxed), all.heap_fallbacks.load(relaxed),
          0, 0};
}

}  // namespace testbed
