// The error a strategy throws when it is asked for something it cannot serve
// (a frame too large for its buffer, a second outstanding call on a one-call slot, ...).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace testbed {

class frame_error : public std::runtime_error {
 public:
  // what(): "<strategy>: <problem> (frame needs N bytes, M available)" when sizes apply.
  frame_error(std::string_view strategy, std::string_view problem, std::size_t needed = 0,
              std::size_t available = 0);

  std::size_t needed() const noexcept { return needed_; }
  std::size_t available() const noexcept { return available_; }

 private:
  std::size_t needed_;
  std::size_t available_;
};

// For misuse found where no exception can be thrown (a noexcept operator delete, a
// destructor): prints "testbed: fatal misuse: <strategy>: <problem>" to stderr and aborts.
// Aborting is the only alternative to silent memory corruption there.
[[noreturn]] void fatal_misuse(std::string_view strategy, std::string_view problem) noexcept;

}  // namespace testbed
