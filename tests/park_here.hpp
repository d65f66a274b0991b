// An awaitable that suspends and leaves the coroutine's handle in *slot, for a test to
// resume later (or never: a frame destroyed while suspended).
#pragma once

#include <coroutine>

namespace testbed::testing {

struct park_here {
  std::coroutine_handle<>* slot;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const noexcept { *slot = h; }
  void await_resume() const noexcept {}
};

}  // namespace testbed::testing
