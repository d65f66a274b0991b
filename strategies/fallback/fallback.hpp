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
#include "harness/design_post.hpp"
#include "harness/static_string.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed {

template <std::size_t N, future_form F>
struct fallback {
  static_assert(N % __STDCPP_DEFAULT_NEW_ALIGNMENT__ == 0, "N must keep the default alignment");
  static_assert(N > __STDCPP_DEFAULT_NEW_ALIGNMENT__, "N must leave room for the header");
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::fallback;
  static constexpr std::string_view placement = "caller space, the heap when the frame is larger";
  // The family and form the row manifest records (harness/row_manifest.hpp).
  static constexpr std::string_view family = "fallback";
  using form = F;
  // The row name: family + the form's suffix ("fallback_local").
  static constexpr std::string_view name = concat<family, F::suffix>;
  // One header word in front of each frame, padded to the default alignment so the frame
  // keeps it. An over-aligned frame (clang's P2014 alignment above the default) is placed
  // `align` bytes into a heap block of that alignment instead.
  static constexpr std::size_t header_bytes = default_frame_alignment;
  // The largest frame the buffer takes (frames of the default alignment only).
  static constexpr std::size_t capacity = N - header_bytes;
  static constexpr strategy_traits traits{.first_call_allocations = 0, .steady_allocations = 0,
                                          .frames_in_caller_storage = true,
                                          .same_thread_release = std::is_same_v<F, local_form>};
  using object_state = no_object_state;

  struct caller_storage {
    // The default new alignment, not a cache line: this storage lives in the caller's own
    // frame, and a 64-byte-aligned member would make that frame over-aligned, so under
    // clang's -fcoro-aligned-allocation every caller's frame would take the aligned (and
    // slower) operator new. Over-aligned callee frames go to the heap instead.
    alignas(default_frame_alignment) std::byte buffer[N];
    busy_flag<F> busy;

    // User-provided, so that `caller_storage s{};` (how callers declare it) does not
    // zero the N-byte buffer on every call: it is raw storage, as stackfuture's MaybeUninit.
    caller_storage() noexcept {}
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
    if (request.align > default_frame_alignment) [[unlikely]] return allocate_over_aligned(request);
    caller_storage* storage = request.storage;
    std::byte* frame;
    if (storage != nullptr && request.size <= capacity && storage->busy.try_acquire()) {
      frame = storage->buffer + header_bytes;
      header_of(frame) = storage;
    } else {
      // The heap path costs what box's does: one plain operator new, 16 bytes larger.
      record_heap_fallback();
      frame = static_cast<std::byte*>(::operator new(header_bytes + request.size)) + header_bytes;
      header_of(frame) = nullptr;  // null: a heap frame
    }
    return frame;
  }

  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    caller_storage* owner = header_of(frame);
    if (owner != nullptr) return owner->busy.release(name);
    if (align > default_frame_alignment) [[unlikely]] return deallocate_over_aligned(frame, size, align);
    ::operator delete(static_cast<std::byte*>(frame) - header_bytes, header_bytes + size);
  }

 private:
  // The word just before the frame: the caller_storage holding it, or null for the heap.
  static caller_storage*& header_of(void* frame) noexcept {
    return *reinterpret_cast<caller_storage**>(static_cast<std::byte*>(frame) - sizeof(void*));
  }
  // Over-aligned frames: always the heap, `align` bytes into a block of that alignment
  // (the header word sits just before the frame, as for the others). Rare: out of line.
  [[gnu::cold, gnu::noinline]] static void* allocate_over_aligned(const frame_request<fallback>& request) {
    record_heap_fallback();
    auto* frame = static_cast<std::byte*>(::operator new(request.align + request.size,
                                                         std::align_val_t{request.align})) +
                  request.align;
    header_of(frame) = nullptr;
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
