// A measuring device of W4 (not a strategy): box, with every caller keeping an unused
// buffer the size of fallback's caller storage. In the chain every level's frame holds the
// next call's caller storage, so fallback's frames grow by its buffer and its heap path
// allocates blocks that much larger than box's; this row places box's frames at fallback's
// size, so "fallback's slow path against box's at the same frame size" is measured, apart
// from "what the buffer in every frame costs the allocator".
#pragma once

#include <cstddef>
#include <string_view>

#include "harness/row_manifest.hpp"
#include "harness/strategy_contract.hpp"
#include "strategies/box/box.hpp"
#include "strategies/fallback/fallback.hpp"

namespace testbed::workloads {

struct box_fallback_sized {
  static constexpr std::string_view name = "box_fallback_sized";
  static constexpr row_kind kind = row_kind::device;
  static constexpr std::string_view role = roles::sized_reference;
  static constexpr std::string_view sized_like = fallback_local::family;
  static constexpr std::string_view placement =
      "box's heap path with frames as large as fallback's: each caller keeps an unused buffer "
      "the size of fallback_local's caller storage (measuring device)";
  using object_state = no_object_state;
  struct caller_storage {
    // Raw, never written: it only takes the space fallback's buffer takes in the caller's
    // frame (same size, same default alignment).
    alignas(
        caller_storage_t<fallback_local>) std::byte space[sizeof(caller_storage_t<fallback_local>)];
    caller_storage() noexcept {}
  };
  static constexpr strategy_traits traits = box::traits;

  static void* allocate(const frame_request<box_fallback_sized>& request) {
    return box::allocate(frame_request<box>{request.size, request.align, nullptr, nullptr});
  }
  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    box::deallocate(frame, size, align);
  }
};

}  // namespace testbed::workloads
