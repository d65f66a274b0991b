// Strategy "fallback": the caller reserves N bytes; a frame that fits goes there, a larger
// one (or a second outstanding call) goes to the heap. Every frame carries a 16-byte
// header saying which path it took, and heap paths are recorded by the harness.
#pragma once

#include <cstddef>
#include <new>
#include <string_view>
#include <type_traits>

#include "harness/forms.hpp"
#include "harness/frame_stats.hpp"
#include "harness/design_post.hpp"
#include "harness/static_string.hpp"
#include "harness/strategy_contract.hpp"
#include "strategies/fixed_slot.hpp"

namespace testbed {

template <std::size_t N, future_form F>
struct fallback {
  static_assert(N > __STDCPP_DEFAULT_NEW_ALIGNMENT__, "N must leave room for the header");
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::fallback;
  static constexpr std::string_view placement = "caller space, the heap when the frame is larger";
  // The family and form the row manifest records (harness/row_manifest.hpp).
  static constexpr std::string_view family = "fallback";
  using form = F;
  // The row name: family + the form's suffix ("fallback_local").
  static constexpr std::string_view name = concat<family, F::suffix>;
  static constexpr strategy_traits traits{.first_call_allocations = 0, .steady_allocations = 0,
                                          .frames_in_caller_storage = true,
                                          .same_thread_release = std::is_same_v<F, local_form>};
  using object_state = no_object_state;

  // The caller's reservation, one fixed slot (strategies/fixed_slot.hpp), as max_space's.
  using caller_storage = fixed_slot<fallback, N, F, slot_home::caller>;

  // One header word in front of each frame, padded to the default alignment so the frame
  // keeps it: the slot holding the frame (the slot's back pointer), or null for a heap
  // frame. An over-aligned frame (clang's P2014 alignment above the default) is placed
  // `align` bytes into a heap block of that alignment instead.
  static constexpr std::size_t header_bytes = caller_storage::back_pointer_offset;
  // The largest frame the buffer takes (frames of the default alignment only).
  static constexpr std::size_t capacity = N - header_bytes;

  static void* allocate(const frame_request<fallback>& request) {
    if (request.align > default_frame_alignment) [[unlikely]] return allocate_over_aligned(request);
    caller_storage* storage = request.storage;
    void* frame;
    if (storage != nullptr && storage->try_take_after_back_pointer(request.size)) {
      frame = storage->frame_after_back_pointer();
    } else {
      // The heap path costs what box's does: one plain operator new, 16 bytes larger.
      record_heap_fallback();
      frame = static_cast<std::byte*>(::operator new(header_bytes + request.size)) + header_bytes;
      caller_storage::back_pointer(frame) = nullptr;  // null: a heap frame
    }
    return frame;
  }

  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    caller_storage* owner = caller_storage::back_pointer(frame);
    if (owner != nullptr) return owner->release();
    if (align > default_frame_alignment) [[unlikely]] return deallocate_over_aligned(frame, size, align);
    ::operator delete(static_cast<std::byte*>(frame) - header_bytes, header_bytes + size);
  }

 private:
  // Over-aligned frames: always the heap, `align` bytes into a block of that alignment
  // (the header word sits just before the frame, as for the others). Rare: out of line.
  [[gnu::cold, gnu::noinline]] static void* allocate_over_aligned(const frame_request<fallback>& request) {
    record_heap_fallback();
    auto* frame = static_cast<std::byte*>(::operator new(request.align + request.size,
                                                         std::align_val_t{request.align})) +
                  request.align;
    caller_storage::back_pointer(frame) = nullptr;
    return frame;
  }
  [[gnu::cold, gnu::noinline]] static void deallocate_over_aligned(void* frame, std::size_t size,
                                                                   std::size_t align) noexcept {
    ::operator delete(static_cast<std::byte*>(frame) - align, align + size, std::align_val_t{align});
  }
};

// 128 bytes, the design post's own example ("say, 128 bytes"): 112 for the frame.
inline constexpr std::size_t default_fallback_bytes = 128;
using fallback_local = fallback<default_fallback_bytes, local_form>;
using fallback_sendable = fallback<default_fallback_bytes, sendable_form>;
static_assert(frame_strategy<fallback_local>);
static_assert(frame_strategy<fallback_sendable>);

}  // namespace testbed
