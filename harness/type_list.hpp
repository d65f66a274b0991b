// A compile-time list of types, and a helper to visit each one: how the strategy list
// drives typed tests and benchmark registration.
#pragma once

#include <cstddef>

namespace testbed {

template <class... Ts>
struct type_list {};

// How many types the list holds.
template <class... Ts>
constexpr std::size_t size_of(type_list<Ts...>) noexcept {
  return sizeof...(Ts);
}

// The list without its first type. With TESTBED_LIST_ITEM it turns an X-macro list into a
// type_list: `drop_first_t<type_list<void LIST(TESTBED_LIST_ITEM)>>` (each item expands to
// ", T", so the list starts with a placeholder that is dropped here).
template <class List>
struct drop_first;
template <class First, class... Rest>
struct drop_first<type_list<First, Rest...>> {
  using type = type_list<Rest...>;
};
template <class List>
using drop_first_t = typename drop_first<List>::type;

#define TESTBED_LIST_ITEM(T) , T

// Calls f.template operator()<T>() for each T in the list, in order.
template <class... Ts, class F>
void for_each_type(type_list<Ts...>, F&& f) {
  (f.template operator()<Ts>(), ...);
}

}  // namespace testbed
