// Capabilities: what a workload needs from a strategy, and whether a strategy's declared
// traits serve it. A cell that cannot run is skipped with the reason, and that reason is a
// result (the benchmark JSON records "unsupported: <reason>").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "harness/strategy_contract.hpp"

namespace testbed {

// What a workload does with frames. Declared by each workload (workloads/<name>/README.md
// explains why), checked against strategy_traits by unsupported_reason().
struct workload_needs {
  // Outstanding calls the workload keeps at once on one object / on one caller storage.
  int calls_per_object = 1;
  int calls_per_storage = 1;
  // The largest frame it creates (bytes, approximate: frame sizes are the compiler's
  // choice); 0 when no frame is large.
  std::size_t largest_frame = 0;
  // Each call's frame holds the caller storage for the next level (recursion through the
  // interface): a strategy whose caller storage is as big as its largest frame can never
  // fit such a frame.
  bool frame_holds_caller_storage = false;
  // Futures are awaited after the function that created them returned, so frames outlive
  // the call site's storage.
  bool frames_outlive_call_site = false;
  // Frames are destroyed in an order other than the reverse of their creation.
  bool non_lifo_release = false;
  // Frames are created on one thread and destroyed on another.
  bool crosses_threads = false;
};

// Why strategy S cannot serve the workload, or nullopt when it can.
template <frame_strategy S>
std::optional<std::string> unsupported_reason(const workload_needs& needs) {
  constexpr strategy_traits t = S::traits;
  if (t.calls_per_object != unlimited_calls && needs.calls_per_object > t.calls_per_object) {
    return fmt::format(
        "the workload keeps {} calls outstanding on one object; this strategy serves {} per object",
        needs.calls_per_object, t.calls_per_object);
  }
  if (t.calls_per_storage != unlimited_calls && needs.calls_per_storage > t.calls_per_storage) {
    return fmt::format(
        "the workload keeps {} calls outstanding on one caller storage; this strategy serves {} per "
        "storage",
        needs.calls_per_storage, t.calls_per_storage);
  }
  if (t.max_frame_bytes != 0 && needs.frame_holds_caller_storage &&
      !std::is_empty_v<caller_storage_t<S>> && sizeof(caller_storage_t<S>) >= t.max_frame_bytes) {
    return fmt::format(
        "each frame holds the next level's {}-byte caller buffer (recursion through the "
        "interface), so no frame fits this strategy's {}-byte buffer",
        sizeof(caller_storage_t<S>), t.max_frame_bytes);
  }
  if (t.max_frame_bytes != 0 && needs.largest_frame > t.max_frame_bytes) {
    return fmt::format("its frames reach about {} bytes; this strategy serves up to {}",
                       needs.largest_frame, t.max_frame_bytes);
  }
  if (needs.frames_outlive_call_site && t.frames_in_caller_storage) {
    return std::string(
        "its futures outlive the call site; this strategy places frames in the caller's storage, "
        "which dies first");
  }
  // Escaping its call site alone does not break a stack: only frames that die out of
  // reverse creation order do (the function that made them places no frame on it).
  if (needs.non_lifo_release && t.lifo_only) {
    return std::string(
        "its frames are released out of creation order; this strategy releases frames in LIFO "
        "order only");
  }
  if (needs.crosses_threads && t.same_thread_release) {
    return std::string(
        "its frames are freed on another thread; this Local form frees a frame only on the thread "
        "that allocated it");
  }
  if (needs.crosses_threads && t.needs_task_runtime) {
    return std::string(
        "its frames are freed on another thread; this strategy's frames belong to the running "
        "task's side stack, on one thread");
  }
  return std::nullopt;
}

}  // namespace testbed
