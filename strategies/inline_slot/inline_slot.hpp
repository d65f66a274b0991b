// Strategy "inline": N bytes of storage inside every object of the interface (the design
// post's wrapper "with a field big enough to store the next future"); the frame is placed
// there. One outstanding call per object; a frame larger than N is refused.
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>

#include "harness/forms.hpp"
#include "harness/design_post.hpp"
#include "harness/static_string.hpp"
#include "harness/strategy_contract.hpp"
#include "strategies/fixed_slot.hpp"

namespace testbed {

template <std::size_t N, future_form F>
struct inline_slot {
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

  // Added to every object of the interface: one fixed slot (strategies/fixed_slot.hpp).
  using object_state = fixed_slot<inline_slot, N, F, slot_home::object>;
  static_assert(std::is_standard_layout_v<object_state>);

  // The callee object's slot, or a frame_error (a free coroutine, a frame larger than N,
  // a second outstanding call on the object).
  static void* allocate(const frame_request<inline_slot>& request) {
    return object_state::take(request.callee, request.size, request.align);
  }

  static void deallocate(void* frame, std::size_t, std::size_t align) noexcept {
    object_state::owner_of(frame, align)->release();
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
