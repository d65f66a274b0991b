// The painted-stack probe measures what a function really used: a known 64 KiB buffer
// shows up, an empty function does not, and exceptions come back to the caller.
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>

#include "harness/stack_probe.hpp"

namespace {

constexpr std::size_t stack_size = 1024 * 1024;

[[gnu::noinline]] void touch_stack(std::size_t bytes) {
  auto* buffer = static_cast<volatile char*>(__builtin_alloca(bytes));
  for (std::size_t i = 0; i < bytes; i += 64) buffer[i] = 1;
  buffer[bytes - 1] = 1;
}

TEST(stack_probe, sees_a_known_buffer) {
  const auto baseline = testbed::stack_overhead(stack_size);
  const auto usage = testbed::run_on_painted_stack(stack_size, [] { touch_stack(64 * 1024); });
  EXPECT_GE(usage.high_water, 64 * 1024u);
  EXPECT_LT(usage.high_water, baseline + 80 * 1024);
}

TEST(stack_probe, empty_function_uses_little) {
  EXPECT_LT(testbed::stack_overhead(stack_size), 32 * 1024u);
}

TEST(stack_probe, rethrows_exceptions) {
  EXPECT_THROW(testbed::run_on_painted_stack(stack_size, [] { throw std::runtime_error("x"); }),
               std::runtime_error);
}

}  // namespace
