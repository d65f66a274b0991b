// Formats frame_error messages out of line, so strategy headers stay small and the
// error path costs nothing on the hot path.
#include "harness/frame_error.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace testbed {

namespace {
std::string format_message(std::string_view strategy, std::string_view problem,
                           std::size_t needed, std::size_t available) {
  if (needed == 0 && available == 0) return fmt::format("{}: {}", strategy, problem);
  return fmt::format("{}: {} (frame needs {} bytes, {} available)", strategy, problem, needed,
                     available);
}
}  // namespace

frame_error::frame_error(std::string_view strategy, std::string_view problem, std::size_t needed,
                         std::size_t available)
    : std::runtime_error(format_message(strategy, problem, needed, available)),
      needed_(needed),
      available_(available) {}

void fatal_misuse(std::string_view strategy, std::string_view problem) noexcept {
  std::fprintf(stderr, "testbed: fatal misuse: %.*s: %.*s\n", static_cast<int>(strategy.size()),
               strategy.data(), static_cast<int>(problem.size()), problem.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace testbed
