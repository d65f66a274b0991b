// eager<S>: the same frame placement as S, with tasks that start eagerly: the callee runs
// inside the call until it completes or first suspends, so a synchronously completing
// callee never suspends its caller. Rows "<S>_eager" of the AsyncIterator workloads.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "harness/strategy_contract.hpp"
#include "harness/type_list.hpp"
#include "strategies/strategy_list.hpp"

namespace testbed {

namespace detail {
// "<name>_eager" as a constant string, built once per strategy.
template <class S>
struct eager_name {
  static constexpr std::size_t size = S::name.size() + 6;
  static constexpr auto value = [] {
    std::array<char, size> out{};
    for (std::size_t i = 0; i < S::name.size(); ++i) out[i] = S::name[i];
    constexpr std::string_view suffix = "_eager";
    for (std::size_t i = 0; i < suffix.size(); ++i) out[S::name.size() + i] = suffix[i];
    return out;
  }();
};
}  // namespace detail

template <frame_strategy S>
struct eager {
  static constexpr bool eager_start = true;
  static constexpr std::string_view name{detail::eager_name<S>::value.data(),
                                         detail::eager_name<S>::size};
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
// each family, and the side stack.
#define TESTBED_FOR_EACH_EAGER_STRATEGY(X)         \
  X(::testbed::eager<::testbed::box>)              \
  X(::testbed::eager<::testbed::recycling>)        \
  X(::testbed::eager<::testbed::caller_cache_local>) \
  X(::testbed::eager<::testbed::inline_local>)     \
  X(::testbed::eager<::testbed::max_space_local>)  \
  X(::testbed::eager<::testbed::fallback_local>)   \
  X(::testbed::eager<::testbed::side_stack>)

namespace detail {
template <class List>
struct drop_first_eager;
template <class First, class... Rest>
struct drop_first_eager<type_list<First, Rest...>> {
  using type = type_list<Rest...>;
};
#define TESTBED_DETAIL_AS_EAGER_ITEM(S) , S
}  // namespace detail

using eager_strategies = typename detail::drop_first_eager<
    type_list<void TESTBED_FOR_EACH_EAGER_STRATEGY(TESTBED_DETAIL_AS_EAGER_ITEM)>>::type;

}  // namespace testbed
