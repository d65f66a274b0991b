// Constant strings joined at compile time, so that a row name is spelled once, in parts:
// "fallback" + "_local" (a strategy's family and its form's suffix), "box" + "_eager".
// concat<a, b> is a std::string_view into static storage built by the compiler.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace testbed {

namespace detail {
template <const std::string_view&... Parts>
struct concatenated {
  static constexpr std::size_t size = (Parts.size() + ... + 0);
  // One byte more than the parts, a terminating NUL: data() may go to a C API as it is.
  static constexpr std::array<char, size + 1> chars = [] {
    std::array<char, size + 1> out{};
    std::size_t at = 0;
    for (std::string_view part : {Parts...}) {
      for (char c : part) out[at++] = c;
    }
    return out;
  }();
};
}  // namespace detail

// The parts one after the other. Each part is a constant std::string_view with static
// storage (a static constexpr member or an inline constexpr variable): a template argument
// by reference, so the joined string is built once per distinct list of parts.
template <const std::string_view&... Parts>
inline constexpr std::string_view concat{detail::concatenated<Parts...>::chars.data(),
                                         detail::concatenated<Parts...>::size};

}  // namespace testbed
