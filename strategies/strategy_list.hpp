// The explicit list of strategies: every row of the matrix. Adding a strategy is a folder
// under strategies/ with its header, an #include below, and one X(...) line in the list.
#pragma once

#include "harness/type_list.hpp"
#include "strategies/box/box.hpp"

// X(strategy_type) once per strategy. Drives the explicit instantiation of every workload
// implementation, the typed tests, and the benchmark registration.
#define TESTBED_FOR_EACH_STRATEGY(X) \
  X(::testbed::box)

namespace testbed {

namespace detail {
template <class List>
struct drop_first;
template <class First, class... Rest>
struct drop_first<type_list<First, Rest...>> {
  using type = type_list<Rest...>;
};
#define TESTBED_DETAIL_AS_LIST_ITEM(S) , S
}  // namespace detail

// The same list as a type: type_list<box, ...>.
using all_strategies =
    typename detail::drop_first<type_list<void TESTBED_FOR_EACH_STRATEGY(TESTBED_DETAIL_AS_LIST_ITEM)>>::type;

}  // namespace testbed
