// eager<S>: the same frame placement as S, with tasks that start eagerly: the callee runs
// inside the call until it completes or first suspends, so a synchronously completing
// callee never suspends its caller. Rows "<S>_eager" of the AsyncIterator workloads.
#pragma once

#include <cstddef>
#include <string_view>

#include "harness/static_string.hpp"
#include "harness/strategy_contract.hpp"
#include "harness/type_list.hpp"
#include "strategies/eager_in_place/eager_in_place.hpp"
#include "strategies/strategy_list.hpp"

namespace testbed {

// What an eager row's name adds to its strategy's: "box" -> "box_eager".
inline constexpr std::string_view eager_suffix = "_eager";

template <frame_strategy S>
struct eager {
  static constexpr bool eager_start = true;
  static constexpr std::string_view name = concat<S::name, eager_suffix>;
  static constexpr strategy_traits traits = S::traits;
  // The strategy whose frames it places: its family, form, design-post entry and placement
  // are this row's (harness/row_manifest.hpp describes the row through it).
  using lazy_strategy = S;
  using object_state = object_state_t<S>;
  using caller_storage = caller_storage_t<S>;

  static void* allocate(const frame_request<eager>& request) {
    return S::allocate(frame_request<S>{request.size, request.align, request.callee, request.storage});
  }
  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    S::deallocate(frame, size, align);
  }
};

// The eager rows of the AsyncIterator workloads: the reference row, the fastest kinds of
// each family, the side stack, and eager_in_place (an eager strategy of its own, with its
// own task: strategies/eager_in_place).
#define TESTBED_FOR_EACH_EAGER_STRATEGY(X)         \
  X(::testbed::eager<::testbed::box>)              \
  X(::testbed::eager<::testbed::recycling>)        \
  X(::testbed::eager<::testbed::caller_cache_local>) \
  X(::testbed::eager<::testbed::inline_local>)     \
  X(::testbed::eager<::testbed::max_space_local>)  \
  X(::testbed::eager<::testbed::fallback_local>)   \
  X(::testbed::eager<::testbed::side_stack>)       \
  X(::testbed::eager_in_place)

using eager_strategies = drop_first_t<type_list<void TESTBED_FOR_EACH_EAGER_STRATEGY(TESTBED_LIST_ITEM)>>;

}  // namespace testbed
