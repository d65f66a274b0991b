// Strategy "box": every call gets a fresh heap frame from the global operator new, freed
// when the task is destroyed. The reference row (what async-trait and dynosaur do).
#pragma once

#include <cstddef>
#include <new>
#include <string_view>

#include "harness/design_post.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed {

struct box {
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::box_it;
  static constexpr std::string_view placement = "a fresh heap allocation per call (glibc malloc)";
  // One form only: the family is the row name (harness/row_manifest.hpp records both).
  static constexpr std::string_view family = "box";
  static constexpr std::string_view name = family;
  // The row every other is compared with (harness/row_manifest.hpp).
  static constexpr std::string_view role = "reference";
  using object_state = no_object_state;
  using caller_storage = no_caller_storage;
  static constexpr strategy_traits traits{.first_call_allocations = 1, .steady_allocations = 1};

  static void* allocate(const frame_request<box>& request) {
    if (request.align > default_frame_alignment) {
      return ::operator new(request.size, std::align_val_t{request.align});
    }
    return ::operator new(request.size);
  }
  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    if (align > default_frame_alignment) return ::operator delete(frame, size, std::align_val_t{align});
    ::operator delete(frame, size);
  }
};

static_assert(frame_strategy<box>);

}  // namespace testbed
