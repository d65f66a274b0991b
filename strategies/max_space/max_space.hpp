// Strategy "max_space" (in the spirit of stackfuture): the caller reserves N bytes in its
// own frame for the callee's frame. C++ knows the frame size only at run time, inside the
// allocation: a frame larger than N is a frame_error stating both sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "harness/forms.hpp"
#include "harness/frame_error.hpp"
#include "harness/design_post.hpp"
#include "harness/static_string.hpp"
#include "harness/strategy_contract.hpp"
#include "strategies/fixed_slot.hpp"

namespace testbed {

template <std::size_t N, future_form F>
struct max_space {
  static_assert(N % __STDCPP_DEFAULT_NEW_ALIGNMENT__ == 0, "N must keep the default alignment");
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::max_space;
  static constexpr std::string_view placement = "the caller reserves the largest frame";
  // The family and form the row manifest records (harness/row_manifest.hpp).
  static constexpr std::string_view family = "max_space";
  using form = F;
  // The row name: family + the form's suffix ("max_space_local").
  static constexpr std::string_view name = concat<family, F::suffix>;
  static constexpr std::size_t capacity = N;
  static constexpr strategy_traits traits{.first_call_allocations = 0,
                                          .steady_allocations = 0,
                                          .max_frame_bytes = N,
                                          .calls_per_storage = 1,
                                          .frames_in_caller_storage = true,
                                          .same_thread_release = std::is_same_v<F, local_form>};
  using object_state = no_object_state;

  // The caller's reservation: a local of the calling coroutine, so it lives in the
  // caller's own frame. Standard layout with the buffer first (see deallocate).
  struct caller_storage {
    // The default new alignment, not a cache line: a stricter member would make every
    // caller frame holding this over-aligned (under clang's -fcoro-aligned-allocation a frame holding
    // it would take the slower aligned operator new). An over-aligned frame is placed at
    // its alignment inside the buffer, after a word pointing back here (see allocate).
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
  static_assert(std::is_standard_layout_v<caller_storage>);

  static void* allocate(const frame_request<max_space>& request) {
    caller_storage* storage = request.storage;
    if (storage == nullptr) throw frame_error(name, "the call was given no caller buffer");
    if (request.align > max_frame_alignment) {
      throw frame_error(name, "frame alignment above 64 bytes is not supported");
    }
    if (request.align > default_frame_alignment) [[unlikely]] return place_over_aligned(*storage, request);
    if (request.size > N) {
      throw frame_error(name, "frame does not fit the caller's buffer", request.size, N);
    }
    if (!storage->busy.try_acquire()) {
      throw frame_error(name, "a second outstanding call on one caller buffer (it holds one frame)");
    }
    return storage->buffer;
  }

  static void deallocate(void* frame, std::size_t, std::size_t align) noexcept {
    fixed_slot::owner_of<caller_storage>(frame, align, default_frame_alignment)->busy.release(name);
  }

 private:
  static void* place_over_aligned(caller_storage& storage, const frame_request<max_space>& request) {
    return fixed_slot::place_over_aligned<caller_storage, N>(
        storage, request.size, request.align, name, "over-aligned frame does not fit the caller's buffer",
        "a second outstanding call on one caller buffer (it holds one frame)");
  }
};

// 512 bytes, the size of the stackfuture crate's own example (StackFuture<'_, T, 512>).
inline constexpr std::size_t default_max_space_bytes = 512;
using max_space_local = max_space<default_max_space_bytes, local_form>;
using max_space_sendable = max_space<default_max_space_bytes, sendable_form>;
static_assert(frame_strategy<max_space_local>);
static_assert(frame_strategy<max_space_sendable>);

}  // namespace testbed
