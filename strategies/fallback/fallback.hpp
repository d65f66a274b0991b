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
  // One header in front of each frame, 16 bytes to keep the frame aligned.
  static constexpr std::size_t header_bytes = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  static constexpr std::size_t capacity = N - header_bytes;  // largest frame the buffer takes
  static constexpr strategy_traits traits{.first_call_allocations = 0, .steady_allocations = 0};
  using object_state = no_object_state;

  struct caller_storage {
    alignas(__STDCPP_DEFAULT_NEW_ALIGNMENT__) std::byte buffer[N];
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
    std::byte* block;
    if (storage != nullptr && request.size <= capacity && storage->busy.try_acquire()) {
      block = storage->buffer;
      ::new (block) caller_storage*(storage);
    } else {
      record_heap_fallback();
      block = static_cast<std::byte*>(::operator new(header_bytes + request.size));
      ::new (block) caller_storage*(nullptr);  // null: a heap frame
    }
    return block + header_bytes;
  }

  static void deallocate(void* frame, std::size_t size) noexcept {
    std::byte* block = static_cast<std::byte*>(frame) - header_bytes;
    caller_storage* owner = *reinterpret_cast<caller_storage**>(block);
    if (owner == nullptr) return ::operator delete(block, header_bytes + size);
    owner->busy.release(name);
  }
};

// 128 bytes, the design post's own example ("say, 128 bytes"): 112 for the frame.
inline constexpr std::size_t default_fallback_bytes = 128;
using fallback_local = fallback<default_fallback_bytes, local_form>;
using fallback_sendable = fallback<default_fallback_bytes, sendable_form>;
static_assert(frame_strategy<fallback_local>);
static_assert(frame_strategy<fallback_sendable>);

}  // namespace testbed
