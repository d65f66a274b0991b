// Strategy "inline": N bytes of storage inside every object of the interface (the design
// post's wrapper "with a field big enough to store the next future"); the frame is placed
// there. One outstanding call per object; a frame larger than N is refused.
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
struct inline_slot {
  static_assert(N % __STDCPP_DEFAULT_NEW_ALIGNMENT__ == 0, "N must keep the default alignment");
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::inline_it;
  static constexpr std::string_view placement = "fixed storage inside the object";
  // The family and form the row manifest records (harness/row_manifest.hpp).
  static constexpr std::string_view family = "inline";
  using form = F;
  // The row name: family + the form's suffix ("inline_local").
  static constexpr std::string_view name = concat<family, F::suffix>;
  static constexpr std::size_t capacity = N;
  static constexpr strategy_traits traits{.first_call_allocations = 0,
                                          .steady_allocations = 0,
                                          .max_frame_bytes = N,
                                          .calls_per_object = 1,
                                          .same_thread_release = std::is_same_v<F, local_form>};
  using caller_storage = no_caller_storage;

  // Added to every object of the interface. Standard layout with the buffer first, so a
  // frame's address is the object_state's address (deallocate finds its owner from it).
  struct object_state {
    // The default new alignment, not a cache line: a stricter member would make every
    // object holding this over-aligned (under clang's -fcoro-aligned-allocation a frame holding
    // it would take the slower aligned operator new). An over-aligned frame is placed at
    // its alignment inside the buffer, after a word pointing back here (see allocate).
    alignas(default_frame_alignment) std::byte buffer[N];
    busy_flag<F> busy;

    // User-provided, so that value-initializing an object does not zero the N-byte
    // buffer: it is raw storage.
    object_state() noexcept {}
    object_state(const object_state&) = delete;
    object_state& operator=(const object_state&) = delete;
    ~object_state() {
      if (busy.busy()) fatal_misuse(name, "the object was destroyed while a call's frame was still in it");
    }
  };
  static_assert(std::is_standard_layout_v<object_state>);

  static void* allocate(const frame_request<inline_slot>& request) {
    object_state* object = request.callee;
    if (object == nullptr) throw frame_error(name, "not a member coroutine of an inline-slot object");
    if (request.align > max_frame_alignment) {
      throw frame_error(name, "frame alignment above 64 bytes is not supported");
    }
    if (request.align > default_frame_alignment) [[unlikely]] return place_over_aligned(*object, request);
    if (request.size > N) {
      throw frame_error(name, "frame does not fit the object's inline storage", request.size, N);
    }
    if (!object->busy.try_acquire()) {
      throw frame_error(name, "a second outstanding call on one object (inline storage holds one frame)");
    }
    return object->buffer;
  }

  static void deallocate(void* frame, std::size_t, std::size_t align) noexcept {
    fixed_slot::owner_of<object_state>(frame, align, default_frame_alignment)->busy.release(name);
  }

 private:
  static void* place_over_aligned(object_state& object, const frame_request<inline_slot>& request) {
    return fixed_slot::place_over_aligned<object_state, N>(
        object, request.size, request.align, name, "over-aligned frame does not fit the object's inline storage",
        "a second outstanding call on one object (inline storage holds one frame)");
  }
};

// 256 bytes: room for every AsyncIterator frame (56 to 72 bytes) with margin, and the
// order of magnitude of stdexec's and libunifex's small-object buffers (48 B, 3 pointers)
// scaled up to whole coroutine frames.
inline constexpr std::size_t default_inline_bytes = 256;
using inline_local = inline_slot<default_inline_bytes, local_form>;
using inline_sendable = inline_slot<default_inline_bytes, sendable_form>;
static_assert(frame_strategy<inline_local>);
static_assert(frame_strategy<inline_sendable>);

}  // namespace testbed
