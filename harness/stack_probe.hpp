// Native stack high-water mark: run a function on a fresh thread whose stack is painted
// with a pattern, then find the deepest byte that no longer holds the pattern.
#pragma once

#include <cstddef>
#include <functional>

namespace testbed {

struct stack_usage {
  std::size_t stack_size;  // bytes given to the thread
  // Bytes from the top of the stack down to the deepest byte touched. Includes what the
  // thread library keeps at the top of a user-provided stack (descriptor, static TLS):
  // compare against an empty function's figure (stack_overhead()) to isolate fn's use.
  std::size_t high_water;
};

// Runs fn on a thread with a stack of stack_size bytes (plus a guard page below it) and
// reports how deep it went. An exception thrown by fn is rethrown here after the join.
// Overflowing the stack hits the guard page and kills the process: run risky depths in
// a child process.
stack_usage run_on_painted_stack(std::size_t stack_size, const std::function<void()>& fn);

// high_water of an empty function on a stack of the given size: the fixed overhead.
std::size_t stack_overhead(std::size_t stack_size);

}  // namespace testbed
