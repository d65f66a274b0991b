// Strategy "max_space" (in the spirit of stackfuture): the caller reserves N bytes in its
// own frame for the callee's frame. C++ knows the frame size only at run time, inside the
// allocation: a frame larger than N is a frame_error stating both sizes.
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
struct max_space {
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

  // The caller's reservation, one fixed slot (strategies/fixed_slot.hpp): a local of the
  // calling coroutine, so it lives in the caller's own frame.
  using caller_storage = fixed_slot<max_space, N, F, slot_home::caller>;
  static_assert(std::is_standard_layout_v<caller_storage>);

  // The caller's slot, or a frame_error (no caller buffer, a frame larger than N, a second
  // outstanding call on the buffer).
  static void* allocate(const frame_request<max_space>& request) {
    return caller_storage::take(request.storage, request.size, request.align);
  }

  static void deallocate(void* frame, std::size_t, std::size_t align) noexcept {
    caller_storage::owner_of(frame, align)->release();
  }
};

// 512 bytes, the size of the stackfuture crate's own example (StackFuture<'_, T, 512>).
inline constexpr std::size_t default_max_space_bytes = 512;
using max_space_local = max_space<default_max_space_bytes, local_form>;
using max_space_sendable = max_space<default_max_space_bytes, sendable_form>;
static_assert(frame_strategy<max_space_local>);
static_assert(frame_strategy<max_space_sendable>);

}  // namespace testbed
