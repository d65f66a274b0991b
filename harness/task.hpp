// testbed::task<T, S>: the coroutine task every interface returns, its promise and its
// awaiter, after cppcoro's task.hpp: lazy start, symmetric transfer, exceptions rethrown in
// the awaiter (eager<S>: started in the call). Where its frame goes is frame_placement<S>'s
// business (frame_placement.hpp); drivers are sync_wait.hpp and executor.hpp.
//
// S has no default: harness/ chooses no strategy (it includes nothing from strategies/, a
// ctest checks it). Code that needs a plain task whose placement is not what it measures
// (a workload's root loop, a test's driver) names one: root_task<T> in
// strategies/root_task.hpp.
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "harness/frame_placement.hpp"
#include "harness/result_slot.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed {

template <class T, frame_strategy S>
class task;

namespace detail {

struct final_awaiter {
  bool await_ready() const noexcept { return false; }
  // Symmetric transfer: resume the awaiter as a tail call, so a long chain of
  // synchronously completing awaits does not grow the native stack.
  template <class Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
    return self.promise().continuation;
  }
  void await_resume() const noexcept {}
};

// Whether tasks of strategy S start eagerly (strategies wrapped in eager<...>).
template <class S>
constexpr bool starts_eagerly() {
  if constexpr (requires { S::eager_start; }) {
    return S::eager_start;
  } else {
    return false;
  }
}

// Lazy: suspend before the body (the awaiter starts it). Eager: run the body at once, in
// the call, until it completes or first suspends.
template <bool Eager>
struct initial_awaiter {
  bool await_ready() const noexcept { return Eager; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  void await_resume() const noexcept {}
};

// The final awaiter of eagerly started tasks. A task that completes with nobody awaiting
// it (above all one that completes inside its call) hands its result to the task object
// and ends: await_ready true at the final suspend point frees the frame right there, in
// the ramp, so the caller neither calls destroy() through the frame nor makes the
// indirect call into noop_coroutine that a handle-returning await_suspend costs.
// A task that suspended and was awaited stays suspended and resumes its awaiter, nested
// rather than by symmetric transfer: the native stack then holds at most the awaiting
// chain, which an eager call had already put on the stack when it started.
template <class Promise>
struct eager_final_awaiter {
  Promise& promise;
  bool await_ready() const noexcept {
    return !promise.continuation && promise.hand_result_to_owner();
  }
  void await_suspend(std::coroutine_handle<>) const noexcept {
    if (auto continuation = promise.continuation) continuation.resume();
  }
  void await_resume() const noexcept {}
};

template <frame_strategy S>
struct promise_common : frame_placement<S> {
  static constexpr bool eager = starts_eagerly<S>();
  // Who resumes when this task finishes; noop when started by a driver (sync_wait, executor);
  // for an eager task, none until an awaiter finds it suspended.
  std::coroutine_handle<> continuation =
      eager ? std::coroutine_handle<>{} : std::coroutine_handle<>{std::noop_coroutine()};

  initial_awaiter<eager> initial_suspend() const noexcept { return {}; }
};

// What the promises of task<T> and task<void> share: the outcome, and for eager tasks
// the task object that owns the frame (kept current by task's constructors).
template <class T, frame_strategy S>
class task_promise_base : public promise_common<S> {
 public:
  using promise_common<S>::eager;

  task<T, S> get_return_object() noexcept;
  void unhandled_exception() noexcept { result_.set_error(std::current_exception()); }
  T take_result() { return result_.take(); }

  auto final_suspend() noexcept {
    if constexpr (eager) {
      return eager_final_awaiter<task_promise_base>{*this};
    } else {
      return final_awaiter{};
    }
  }

  // Eager only: gives the result to the owning task and detaches it from this frame,
  // which then ends. False (the frame stays) if no task owns it.
  bool hand_result_to_owner() noexcept;

 protected:
  result_slot<T> result_;

 private:
  friend class task<T, S>;
  task<T, S>* owner_ = nullptr;
};

template <class T, frame_strategy S>
class task_promise : public task_promise_base<T, S> {
 public:
  template <class U>
    requires std::is_constructible_v<T, U&&>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    this->result_.set_value(std::forward<U>(value));
  }
};

template <frame_strategy S>
class task_promise<void, S> : public task_promise_base<void, S> {
 public:
  void return_void() noexcept { this->result_.set_value(); }
};

struct task_access;

}  // namespace detail

// A coroutine task whose frame is placed by S: lazily started, or for eager<...>
// strategies started in the call. Move-only; destroying a task that was never awaited (or
// did not finish) destroys its frame and frees its memory.
template <class T, frame_strategy S>
class [[nodiscard]] task {
  static constexpr bool eager = detail::starts_eagerly<S>();

 public:
  static_assert(!std::is_reference_v<T>, "testbed::task<T&> is not supported; return a pointer");
  using promise_type = detail::task_promise<T, S>;
  using value_type = T;
  using strategy = S;

  task(task&& other) noexcept { take_from(other); }
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      early_.reset();
      take_from(other);
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() {
    if (handle_) handle_.destroy();
  }

  // True once the body has run to completion (or thrown).
  bool done() const noexcept { return !handle_ || handle_.done(); }

  struct awaiter {
    task& awaited;
    bool await_ready() const noexcept { return awaited.done(); }
    auto await_suspend(std::coroutine_handle<> caller) noexcept {
      awaited.handle_.promise().continuation = caller;
      if constexpr (eager) {
        // Already started and suspended inside: whoever resumes it resumes us at the end.
        // (Single-threaded only: a callee finishing on another thread before this store
        // would never see the continuation; eager rows serve no cross-thread workload.)
        return;
      } else {
        return awaited.handle_;  // symmetric transfer: start the callee as a tail call
      }
    }
    T await_resume() { return awaited.take_result(); }
  };
  awaiter operator co_await() & noexcept { return awaiter{*this}; }
  awaiter operator co_await() && noexcept { return awaiter{*this}; }

 private:
  friend detail::task_promise_base<T, S>;
  friend struct detail::task_access;
  explicit task(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) { adopt(); }

  // Moves other's frame and early result into this empty task, which the frame then
  // reports to.
  void take_from(task& other) noexcept {
    handle_ = std::exchange(other.handle_, {});
    early_.take_from(other.early_);
    other.early_.reset();
    adopt();
  }

  // An eager frame reports to the task object that currently owns it.
  void adopt() noexcept {
    if constexpr (eager) {
      if (handle_) handle_.promise().owner_ = this;
    }
  }

  T take_result() {
    if (handle_) return handle_.promise().take_result();
    if constexpr (eager) {
      if (!early_.empty()) return early_.take();
    }
    throw std::logic_error("testbed::task: awaiting an empty (moved-from) task");
  }

  std::coroutine_handle<promise_type> handle_;
  // An eager task's result when its frame ended before it was awaited (see
  // eager_final_awaiter); nothing for lazy tasks.
  [[no_unique_address]] std::conditional_t<eager, detail::result_slot<T>, detail::no_result_slot>
      early_;
};

namespace detail {

template <class T, frame_strategy S>
task<T, S> task_promise_base<T, S>::get_return_object() noexcept {
  return task<T, S>{
      std::coroutine_handle<task_promise<T, S>>::from_promise(static_cast<task_promise<T, S>&>(*this))};
}

template <class T, frame_strategy S>
bool task_promise_base<T, S>::hand_result_to_owner() noexcept {
  if (!owner_) return false;
  owner_->early_.take_from(result_);
  owner_->handle_ = {};
  return true;
}

// Drivers (sync_wait, executors) start a root task and read its result.
struct task_access {
  template <class T, class S>
  static std::coroutine_handle<typename task<T, S>::promise_type> handle(task<T, S>& t) noexcept {
    static_assert(!starts_eagerly<S>(), "drivers resume lazy tasks; an eager task starts in its call");
    return t.handle_;
  }
  // Destroys the task's frame now (and with it every frame it owns).
  template <class T, class S>
  static void destroy(task<T, S>& t) noexcept {
    if (t.handle_) std::exchange(t.handle_, {}).destroy();
  }
};

}  // namespace detail
}  // namespace testbed
