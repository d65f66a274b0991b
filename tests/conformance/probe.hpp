// The conformance suite's probe: an interface whose member coroutines exercise what every
// strategy must get right (values, alignment, exceptions, suspension, a large frame).
// Implemented once in probe_impl.cpp, behind the same opaque boundary as the workloads.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "harness/strategy_contract.hpp"
#include "harness/task.hpp"

namespace testbed::conformance {

// Bigger than any buffer a strategy reserves (inline 256, max-space 512, fallback 128),
// and than the side stack's first segment (4 KiB).
inline constexpr std::size_t big_frame_local_bytes = 8192;

template <frame_strategy S>
class probe : public object_state_t<S> {
 public:
  virtual ~probe() = default;
  virtual task<int, S> value(caller_storage_t<S>& storage, int v) = 0;
  // The address of a local of the given alignment, kept across a suspension point so it
  // lives in the frame.
  virtual task<std::uintptr_t, S> aligned16(caller_storage_t<S>& storage) = 0;
  virtual task<std::uintptr_t, S> aligned32(caller_storage_t<S>& storage) = 0;
  virtual task<std::uintptr_t, S> aligned64(caller_storage_t<S>& storage) = 0;
  // Throws std::runtime_error("probe failure") after a suspension point.
  virtual task<int, S> fails(caller_storage_t<S>& storage) = 0;
  // Suspends, storing its handle in *parked, until someone resumes it; then returns v.
  virtual task<int, S> parks(caller_storage_t<S>& storage, std::coroutine_handle<>* parked, int v) = 0;
  // A frame of more than big_frame_local_bytes.
  virtual task<int, S> big(caller_storage_t<S>& storage) = 0;
};

template <frame_strategy S>
std::unique_ptr<probe<S>> make_probe();

}  // namespace testbed::conformance
