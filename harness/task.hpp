// testbed::task<T, Strategy>: the coroutine task every interface returns. Its frame is
// placed by Strategy (see strategy_contract.hpp); the rest follows cppcoro's task.hpp: lazy
// start, symmetric transfer, exceptions rethrown in the awaiter (eager<S>: started in the call).
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "harness/frame_stats.hpp"
#include "harness/strategy_contract.hpp"
#include "harness/task_runtime.hpp"
#include "strategies/box/box.hpp"

namespace testbed {

template <class T, frame_strategy S>
class task;

namespace detail {

// The callee object of a member coroutine is its first argument ([dcl.fct.def.coroutine]
// p9 passes *this first). It is the callee only if it derives from S::object_state.
template <class S>
object_state_t<S>* callee_of() noexcept {
  return nullptr;
}
template <class S, class First, class... Rest>
object_state_t<S>* callee_of(First& first, Rest&...) noexcept {
  using state = object_state_t<S>;
  if constexpr (std::is_base_of_v<state, std::remove_cv_t<First>>) {
    return const_cast<state*>(static_cast<const state*>(std::addressof(first)));
  } else {
    return nullptr;
  }
}

// The caller's storage is the first argument whose type is exactly S::caller_storage.
template <class S, class Arg>
caller_storage_t<S>* storage_if(Arg& arg) noexcept {
  if constexpr (std::is_same_v<std::remove_cv_t<Arg>, caller_storage_t<S>>) {
    return const_cast<caller_storage_t<S>*>(std::addressof(arg));
  } else {
    return nullptr;
  }
}
template <class S, class... Args>
caller_storage_t<S>* storage_of(Args&... args) noexcept {
  caller_storage_t<S>* found = nullptr;
  ((found = found ? found : storage_if<S>(args)), ...);
  return found;
}

// Whether S's frames count in frame_stats (all but the harness's own, harness_frames).
template <class S>
constexpr bool records_frames() {
  if constexpr (requires { S::record_frames; }) {
    return S::record_frames;
  } else {
    return true;
  }
}

// Frame placement: every task frame is requested here and handed to the strategy.
// Two forms of operator new: the plain C++20 one, and the P2014 one with the frame's
// alignment, which clang-19 calls under -fcoro-aligned-allocation (g++ 12 never does).
template <frame_strategy S>
struct frame_placement {
  template <class... Args>
  static void* operator new(std::size_t size, Args&... args) {
    return place(size, default_frame_alignment, args...);
  }
  template <class... Args>
  static void* operator new(std::size_t size, std::align_val_t align, Args&... args) {
    return place(size, static_cast<std::size_t>(align), args...);
  }
  static void operator delete(void* frame, std::size_t size) noexcept {
    if constexpr (records_frames<S>()) record_frame_freed(size);
    S::deallocate(frame, size, default_frame_alignment);
  }
  static void operator delete(void* frame, std::size_t size, std::align_val_t align) noexcept {
    if constexpr (records_frames<S>()) record_frame_freed(size);
    S::deallocate(frame, size, static_cast<std::size_t>(align));
  }

 private:
  template <class... Args>
  static void* place(std::size_t size, std::size_t align, Args&... args) {
    void* frame;
    try {
      frame = S::allocate(
          frame_request<S>{size, align, callee_of<S>(args...), storage_of<S>(args...)});
    } catch (...) {
      if constexpr (records_frames<S>()) record_frame_refused();
      throw;
    }
    if constexpr (records_frames<S>()) record_frame(size);
    return frame;
  }
};

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

// A task's outcome: nothing yet, a value, or an exception. Kept in the promise, and for
// eager tasks handed to the task object when the frame ends before anyone awaits it.
template <class T>
class result_slot {
 public:
  result_slot() noexcept {}
  result_slot(const result_slot&) = delete;
  result_slot& operator=(const result_slot&) = delete;
  ~result_slot() { reset(); }

  template <class U>
  void set_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    ::new (static_cast<void*>(std::addressof(value_))) T(std::forward<U>(value));
    kind_ = kind::value;
  }
  void set_error(std::exception_ptr error) noexcept {
    ::new (static_cast<void*>(std::addressof(error_))) std::exception_ptr(std::move(error));
    kind_ = kind::error;
  }
  bool empty() const noexcept { return kind_ == kind::empty; }

  // The value fast path is inline; the throwing paths are kept out of line so that the
  // compiler inlines this into every awaiter (one branch on the hot path, no call).
  T take() {
    if (kind_ == kind::value) [[likely]] return std::move(value_);
    rethrow_or_fail();
  }

  // Moves other's outcome into this empty slot (other keeps a moved-from copy).
  void take_from(result_slot& other) noexcept {
    static_assert(std::is_nothrow_move_constructible_v<T>,
                  "eager tasks hand their result over in a noexcept path");
    if (other.kind_ == kind::value) set_value(std::move(other.value_));
    if (other.kind_ == kind::error) set_error(other.error_);
  }
  void reset() noexcept {
    if (kind_ == kind::value) value_.~T();
    if (kind_ == kind::error) error_.~exception_ptr();
    kind_ = kind::empty;
  }

 private:
  [[noreturn, gnu::noinline, gnu::cold]] void rethrow_or_fail() {
    if (kind_ == kind::error) std::rethrow_exception(error_);
    throw std::logic_error("testbed::task: no result (task not finished)");
  }

  enum class kind : unsigned char { empty, value, error };
  kind kind_ = kind::empty;
  union {
    T value_;
    std::exception_ptr error_;
  };
};

template <>
class result_slot<void> {
 public:
  void set_value() noexcept { finished_ = true; }
  void set_error(std::exception_ptr error) noexcept { error_ = std::move(error); }
  bool empty() const noexcept { return !finished_ && !error_; }
  void take() {
    if (error_) std::rethrow_exception(error_);
    if (!finished_) throw std::logic_error("testbed::task: no result (task not finished)");
  }
  void take_from(result_slot& other) noexcept {
    error_ = other.error_;
    finished_ = other.finished_;
  }
  void reset() noexcept { *this = result_slot{}; }

 private:
  std::exception_ptr error_;
  bool finished_ = false;
};

// Where a lazy task keeps an early result: nowhere (its result always stays in the frame).
struct no_result_slot {
  void reset() noexcept {}
  void take_from(no_result_slot&) noexcept {}
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
template <class T, frame_strategy S = box>
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

namespace detail {
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
}  // namespace detail

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
