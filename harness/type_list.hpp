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

// Calls f.template operator()<T>() for each T in the list, in order.
template <class... Ts, class F>
void for_each_type(type_list<Ts...>, F&& f) {
  (f.template operator()<Ts>(), ...);
}

}  // namespace testbed
