// Strategy "side_stack": frames on the running task's LIFO side stack (harness/
// task_runtime.hpp), in the style of libfork's and Swift's task allocators. Needs the
// runtime's cooperation; a frame freed out of LIFO order is a fatal misuse.
#pragma once

#include <cstddef>
#include <string_view>

#include "harness/frame_error.hpp"
#include "harness/design_post.hpp"
#include "harness/strategy_contract.hpp"
#include "harness/task_runtime.hpp"

namespace testbed {

// One form: the stack belongs to the task, not to a thread, and only the task that is
// running touches it. A frame freed by another task or on a thread running no task is
// reported (as non-LIFO, or as "no task runtime").
struct side_stack {
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::side_stack;
  static constexpr std::string_view placement = "a per-task LIFO stack of the runtime";
  // One form only: the family is the row name (harness/row_manifest.hpp records both).
  static constexpr std::string_view family = "side_stack";
  static constexpr std::string_view name = family;
  using object_state = no_object_state;
  using caller_storage = no_caller_storage;
  static constexpr strategy_traits traits{.first_call_allocations = 1,
                                          .steady_allocations = 0,
                                          .lifo_only = true,
                                          .needs_task_runtime = true};

  static void* allocate(const frame_request<side_stack>& request) {
    task_runtime* runtime = current_task_runtime();
    if (runtime == nullptr) {
      throw frame_error(name,
                        "no task side stack on this thread: call it from a task run by sync_wait "
                        "or an executor");
    }
    return runtime->side_stack.push(request.size, request.align);
  }

  static void deallocate(void* frame, std::size_t size, std::size_t) noexcept {
    task_runtime* runtime = current_task_runtime();
    if (runtime == nullptr) {
      fatal_misuse(name, "a side-stack frame was freed outside any task (it escaped its task)");
    }
    runtime->side_stack.pop(frame, size);
  }
};

static_assert(frame_strategy<side_stack>);

}  // namespace testbed
