// sync_wait: runs a task to completion on the calling thread, as cppcoro's sync_wait.hpp
// does beside its task.hpp. For tasks that really suspend, single_thread_executor::run
// (executor.hpp) is the driver.
#pragma once

#include "harness/run_root.hpp"
#include "harness/task.hpp"

namespace testbed {

// Runs a task that completes without suspending (or whose suspensions are all resumed
// inside it) on the calling thread and returns its result. A task that is left suspended
// is an error (the task is destroyed and std::logic_error thrown): use
// single_thread_executor::run for tasks that really suspend.
// Takes the task by reference: it (and its frame) stays alive until the caller drops it.
template <class T, class S>
T sync_wait(task<T, S>&& root) {
  return detail::run_root(root, "testbed::sync_wait: empty (moved-from) task",
                          "testbed::sync_wait: the task suspended and nothing will resume it; "
                          "run it with single_thread_executor::run",
                          [] { return false; });
}

}  // namespace testbed
