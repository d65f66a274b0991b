// testbed::task<T, Strategy>: the lazy coroutine task every interface returns. Its frame
// is placed by Strategy (see strategy_contract.hpp); the rest follows cppcoro's task.hpp:
// lazy start, symmetric transfer, exceptions rethrown in the awaiter.
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

template <frame_strategy S>
struct promise_common : frame_placement<S> {
  // Who resumes when this task finishes; noop when started by a driver (sync_wait, executor).
  std::coroutine_handle<> continuation = std::noop_coroutine();

  initial_awaiter<starts_eagerly<S>()> initial_suspend() const noexcept { return {}; }
  final_awaiter final_suspend() const noexcept { return {}; }
};

template <class T, frame_strategy S>
class task_promise : public promise_common<S> {
 public:
  task_promise() noexcept {}
  task_promise(const task_promise&) = delete;
  ~task_promise() {
    if (kind_ == kind::value) value_.~T();
    if (kind_ == kind::error) error_.~exception_ptr();
  }

  task<T, S> get_return_object() noexcept;

  template <class U>
    requires std::is_constructible_v<T, U&&>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    ::new (static_cast<void*>(std::addressof(value_))) T(std::forward<U>(value));
    kind_ = kind::value;
  }
  void unhandled_exception() noexcept {
    ::new (static_cast<void*>(std::addressof(error_))) std::exception_ptr(std::current_exception());
    kind_ = kind::error;
  }

  T take_result() {
    if (kind_ == kind::error) std::rethrow_exception(error_);
    if (kind_ != kind::value) throw std::logic_error("testbed::task: no result (task not finished)");
    return std::move(value_);
  }

 private:
  enum class kind : unsigned char { empty, value, error };
  kind kind_ = kind::empty;
  union {
    T value_;
    std::exception_ptr error_;
  };
};

template <frame_strategy S>
class task_promise<void, S> : public promise_common<S> {
 public:
  task<void, S> get_return_object() noexcept;
  void return_void() noexcept { finished_ = true; }
  void unhandled_exception() noexcept { error_ = std::current_exception(); }
  void take_result() {
    if (error_) std::rethrow_exception(error_);
    if (!finished_) throw std::logic_error("testbed::task: no result (task not finished)");
  }

 private:
  std::exception_ptr error_;
  bool finished_ = false;
};

struct task_access;

}  // namespace detail

// A lazily started coroutine whose frame is placed by S. Move-only; destroying a task
// that was never awaited (or did not finish) destroys its frame and frees its memory.
template <class T, frame_strategy S = box>
class [[nodiscard]] task {
 public:
  static_assert(!std::is_reference_v<T>, "testbed::task<T&> is not supported; return a pointer");
  using promise_type = detail::task_promise<T, S>;
  using value_type = T;
  using strategy = S;

  task(task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
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
    std::coroutine_handle<promise_type> callee;
    bool await_ready() const noexcept { return !callee || callee.done(); }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
      callee.promise().continuation = caller;
      if constexpr (detail::starts_eagerly<S>()) {
        // Already started and suspended inside: whoever resumes it resumes us at the end.
        // (Single-threaded only: a callee finishing on another thread before this store
        // would never see the continuation; eager rows serve no cross-thread workload.)
        return std::noop_coroutine();
      } else {
        return callee;  // symmetric transfer: start the callee as a tail call
      }
    }
    T await_resume() {
      if (!callee) throw std::logic_error("testbed::task: awaiting an empty (moved-from) task");
      return callee.promise().take_result();
    }
  };
  awaiter operator co_await() & noexcept { return awaiter{handle_}; }
  awaiter operator co_await() && noexcept { return awaiter{handle_}; }

 private:
  friend promise_type;
  friend struct detail::task_access;
  explicit task(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

namespace detail {

template <class T, frame_strategy S>
task<T, S> task_promise<T, S>::get_return_object() noexcept {
  return task<T, S>{std::coroutine_handle<task_promise>::from_promise(*this)};
}
template <frame_strategy S>
task<void, S> task_promise<void, S>::get_return_object() noexcept {
  return task<void, S>{std::coroutine_handle<task_promise>::from_promise(*this)};
}

// Drivers (sync_wait, executors) start a root task and read its result.
struct task_access {
  template <class T, class S>
  static std::coroutine_handle<typename task<T, S>::promise_type> handle(task<T, S>& t) noexcept {
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
