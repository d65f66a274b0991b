// Driving a root task: what sync_wait and single_thread_executor::run share. The root is
// started under a fresh task runtime (its side stack, task_runtime.hpp) and a pump runs
// whatever else is ready until it finishes.
#pragma once

#include <stdexcept>

#include "harness/task.hpp"
#include "harness/task_runtime.hpp"

namespace testbed::detail {

// Starts a root task under a fresh task runtime (its side stack), then calls pump() while
// it is suspended. pump() returns false when nothing else can run: the task can never
// finish, so it is destroyed (its frames freed while its runtime still exists) and the
// situation reported as stuck.
template <class T, class S, class Pump>
T run_root(task<T, S>& root, const char* empty_message, const char* stuck_message, Pump pump) {
  auto handle = task_access::handle(root);
  if (!handle) throw std::logic_error(empty_message);
  task_runtime runtime;
  runtime_scope scope(runtime);
  handle.resume();
  while (!handle.done()) {
    if (!pump()) {
      task_access::destroy(root);
      throw std::logic_error(stuck_message);
    }
  }
  return handle.promise().take_result();
}

}  // namespace testbed::detail
