// frame_size_probe: a measuring device, not a row. A workload whose needs depend on the
// size of frames the compiler chose (a plugin's, a sweep's) makes one call through it
// and reads the size here. It places frames exactly as box does (same promise, same
// arguments, so the same frame size) and records the size itself, which frame_stats
// cannot do in timing builds (build_mode.hpp compiles frame statistics out).
#pragma once

#include <cstddef>
#include <new>
#include <string_view>

#include "harness/strategy_contract.hpp"

namespace testbed {

namespace detail {
inline thread_local std::size_t last_probed_frame_bytes = 0;
}

struct frame_size_probe {
  static constexpr std::string_view name = "frame_size_probe";
  // Not a row of the matrix: its frames stay out of frame_stats.
  static constexpr bool record_frames = false;
  using object_state = no_object_state;
  using caller_storage = no_caller_storage;
  static constexpr strategy_traits traits{.first_call_allocations = 1, .steady_allocations = 1};

  static void* allocate(const frame_request<frame_size_probe>& request) {
    detail::last_probed_frame_bytes = request.size;
    return ::operator new(request.size, std::align_val_t{request.align});
  }
  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    ::operator delete(frame, size, std::align_val_t{align});
  }

  // The size of the last frame placed through the probe on this thread.
  static std::size_t last_frame_bytes() noexcept { return detail::last_probed_frame_bytes; }
};

static_assert(frame_strategy<frame_size_probe>);

}  // namespace testbed
