// A measuring device of W1 (not a strategy): frames from a thread-local bump pointer with no
// checks and no bookkeeping. allocate hands out the next bytes of a fixed thread-local arena,
// deallocate moves the pointer back to the freed frame; valid only while frames are freed in
// reverse order of allocation and never outgrow the arena, which W1's loop guarantees (one
// call outstanding, one small frame) and nothing here checks. Its instructions per call are
// the coroutine's machinery at a placement that costs almost nothing: the cost breakdown
// (scripts/py/testbed/breakdown.py) splits every W1 row into the call and body (the
// synchronous row), the machinery (this device less the synchronous row), the strategy's
// bookkeeping (the row less this device less its allocator) and the allocator.
#pragma once

#include <cstddef>
#include <string_view>

#include "harness/row_manifest.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed::workloads {

struct ideal_placement {
  static constexpr std::string_view name = "ideal_placement";
  static constexpr row_kind kind = row_kind::device;
  static constexpr std::string_view role = roles::placement_limit;
  static constexpr std::string_view placement =
      "a measuring device, not a strategy: frames from a thread-local bump pointer with no "
      "checks and no bookkeeping, valid only in W1's LIFO loop (the coroutine machinery's cost "
      "at a free placement)";
  using object_state = no_object_state;
  using caller_storage = no_caller_storage;
  static constexpr strategy_traits traits{
      .first_call_allocations = 0, .steady_allocations = 0, .lifo_only = true};

  // 16 KiB: W1 has one frame of about 100 bytes alive at a time; the arena only has to be
  // larger than that, and is never checked against.
  static constexpr std::size_t arena_bytes = 16 * 1024;
  // Frames keep the default new alignment: sizes are rounded up to it.
  static constexpr std::size_t step = default_frame_alignment;
  alignas(max_frame_alignment) static inline thread_local std::byte arena[arena_bytes];
  static inline thread_local std::size_t used = 0;

  static void* allocate(const frame_request<ideal_placement>& request) noexcept {
    void* frame = arena + used;
    used += (request.size + step - 1) & ~(step - 1);
    return frame;
  }
  static void deallocate(void* frame, std::size_t, std::size_t) noexcept {
    used = static_cast<std::size_t>(static_cast<std::byte*>(frame) - arena);
  }
};

static_assert(frame_strategy<ideal_placement>);

}  // namespace testbed::workloads
