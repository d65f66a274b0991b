// Strategy "fallback": the caller reserves N bytes; a frame that fits goes there, a larger
// one (or a second outstanding call) goes to the heap. Every frame carries a 16-byte
// header saying which path it took, and heap paths are recorded by the harness.
#pragma once

#include <cstddef>
#include <new>
#include <string_view>
#include <type_traits>

#include "harness/forms.hpp"
#include "harness/frame_error.hpp"
#include "harness/frame_stats.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed {

template <std::size_t N, future_form F>
struct fallback {
  static_assert(N % __STDCPP_DEFAULT_NEW_ALIGNMENT__ == 0, "N must keep the default alignment");
  static constexpr std::string_view name =
      std::is_same_v<F, local_form> ? "fallback_local" : "fallback_sendable";
  // One header word in front of each frame; the frame starts at offset_for(align), at
  // least 16 bytes in, so it keeps the alignment it asked for.
  static constexpr std::size_t offset_for(std::size_t align) noexcept {
    return align > default_frame_alignment ? align : default_frame_alignment;
  }
  // The largest frame of default alignment the buffer takes.
  static constexpr std::size_t capacity = N - offset_for(default_frame_alignment);
  static constexpr strategy_traits traits{.first_call_allocations = 0, .steady_allocations = 0,
                                          .frames_in_caller_storage = true,
                                          .same_thread_release = std::is_same_v<F, local_form>};
  using object_state = no_object_state;

  struct caller_storage {
    alignas(max_frame_alignment) std::byte buffer[N];
    busy_flag<F> busy;

    caller_storage() = default;
    caller_storage(const caller_storage&) = delete;
    caller_storage& operator=(const caller_storage&) = delete;
    ~caller_storage() {
      if (busy.busy()) {
        fatal_misuse(name,
                     "the caller's buffer was destroyed while a frame was still in it (a future "
                     "outlived the caller's storage)");
      }
    }
  };

  static void* allocate(const frame_request<fallback>& request) {
    caller_storage* storage = request.storage;
    const std::size_t offset = offset_for(request.align);
    std::byte* frame;
    if (storage != nullptr && request.align <= max_frame_alignment &&
        offset + request.size <= N && storage->busy.try_acquire()) {
      frame = storage->buffer + offset;
      header_of(frame) = storage;
    } else {
      record_heap_fallback();
      frame = static_cast<std::byte*>(::operator new(offset + request.size,
                                                     std::align_val_t{offset})) + offset;
      header_of(frame) = nullptr;  // null: a heap frame
    }
    return frame;
  }

  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    caller_storage* owner = header_of(frame);
    if (owner != nullptr) return owner->busy.release(name);
    const std::size_t offset = offset_for(align);
    ::operator delete(static_cast<std::byte*>(frame) - offset, offset + size, std::align_val_t{offset});
  }

 private:
  // The word just before the frame: the caller_storage holding it, or null for the heap.
  static caller_storage*& header_of(void* frame) noexcept {
    return *reinterpret_cast<caller_storage**>(static_cast<std::byte*>(frame) - sizeof(void*));
  }
};

// 128 bytes, the design post's own example ("say, 128 bytes"): 112 for the frame.
inline constexpr std::size_t default_fallback_bytes = 128;
using fallback_local = fallback<default_fallback_bytes, local_form>;
using fallback_sendable = fallback<default_fallback_bytes, sendable_form>;
static_assert(frame_strategy<fallback_local>);
static_assert(frame_strategy<fallback_sendable>);

}  // namespace testbed
