// when_all: start several tasks at once and resume the awaiting coroutine when all have
// finished, as cppcoro's when_all does. Results go to a caller-provided span; the first
// exception (in task order) is rethrown after all have finished.
#pragma once

#include <array>
#include <atomic>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <span>
#include <stdexcept>

#include "harness/task.hpp"
#include "harness/harness_frames.hpp"

namespace testbed {

namespace detail {

// Counts finished children; the last one to arrive resumes the waiter.
struct when_all_latch {
  std::atomic<std::size_t> remaining;
  std::coroutine_handle<> waiter;

  // acq_rel: each child's result is written before its arrival (release), and the waiter
  // that sees the count reach zero reads all results after it (acquire).
  std::coroutine_handle<> arrive() noexcept {
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) return waiter;
    return std::noop_coroutine();
  }
};

struct arrive_awaiter {
  when_all_latch* latch;
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<>) const noexcept {
    return latch->arrive();
  }
  void await_resume() const noexcept {}
};

// The children's frames are harness frames (harness_frames.hpp): recycled per thread and
// not counted in the per-call frame statistics, so when_all adds the same cost to every
// row and no allocation in steady state.
using when_all_frames = harness_frames;

template <class T, class S>
task<void, when_all_frames> when_all_child(task<T, S>& t, T& result, std::exception_ptr& error,
                                           when_all_latch& latch) {
  try {
    result = co_await t;
  } catch (...) {
    error = std::current_exception();
  }
  co_await arrive_awaiter{&latch};
}

}  // namespace detail

// At most this many tasks per when_all: the children live in the when_all frame, so the
// frame has a fixed size (and needs no allocation of its own beyond the frame).
inline constexpr std::size_t when_all_max = 32;

namespace detail {
template <class T, class S>
task<void, when_all_frames> when_all_impl(std::span<task<T, S>> tasks, std::span<T> results) {
  if (tasks.size() > when_all_max || results.size() < tasks.size()) {
    throw std::invalid_argument("when_all: more than when_all_max tasks, or too few result slots");
  }
  std::array<std::optional<task<void, detail::when_all_frames>>, when_all_max> children;
  std::array<std::exception_ptr, when_all_max> errors;
  // One count more than the children: when_all's own arrival, after starting them all, so
  // children that finish while others are still being started cannot resume it early.
  detail::when_all_latch latch{tasks.size() + 1, {}};
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    children[i].emplace(detail::when_all_child(tasks[i], results[i], errors[i], latch));
  }
  struct start_all {
    std::span<std::optional<task<void, detail::when_all_frames>>> children;
    detail::when_all_latch* latch;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> self) const {
      latch->waiter = self;
      for (auto& child : children) {
        if (child) detail::task_access::handle(*child).resume();  // runs until it suspends
      }
      return latch->arrive();
    }
    void await_resume() const noexcept {}
  };
  co_await start_all{std::span(children.data(), tasks.size()), &latch};
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (errors[i]) std::rethrow_exception(errors[i]);
  }
}
}  // namespace detail

// co_await when_all(tasks, results): any spans (fixed or dynamic extent) of tasks and of
// result slots.
template <class T, class S, std::size_t N, std::size_t M>
task<void, detail::when_all_frames> when_all(std::span<task<T, S>, N> tasks, std::span<T, M> results) {
  return detail::when_all_impl(std::span<task<T, S>>(tasks), std::span<T>(results));
}

}  // namespace testbed
