// A small thread pool for workloads whose futures move between threads: co_await
// pool.schedule() resumes the awaiting coroutine on one of the pool's threads, and run()
// drives a root task to completion from the calling thread. Each worker installs a task
// runtime (a side stack) for what runs on it.
#pragma once

#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <semaphore>
#include <stdexcept>
#include <thread>
#include <vector>

#include "harness/task.hpp"
#include "harness/task_runtime.hpp"

namespace testbed {

class thread_pool {
 public:
  explicit thread_pool(std::size_t threads) {
    if (threads == 0) throw std::invalid_argument("thread_pool: at least one thread");
    for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  ~thread_pool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : workers_) t.join();
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  struct schedule_awaiter {
    thread_pool* pool;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> waiting) { pool->post(waiting); }
    void await_resume() const noexcept {}
  };
  // co_await pool.schedule(): continue on one of the pool's threads.
  schedule_awaiter schedule() noexcept { return {this}; }

  // The mutex orders everything a coroutine did before it was posted before everything it
  // does after a worker takes it (release by unlock here, acquire by lock in work()).
  // Notified under the lock: once the posted coroutine runs, it may finish the work that
  // lets another thread destroy this pool, which must not happen while this thread is
  // still inside notify_one (the destructor takes the lock first; ThreadSanitizer found
  // the race when the notification came after the unlock).
  void post(std::coroutine_handle<> h) {
    std::lock_guard lock(mutex_);
    queue_.push_back(h);
    ready_.notify_one();
  }

  std::size_t size() const noexcept { return workers_.size(); }

  // Starts root on the calling thread and blocks until it has finished, wherever it ends.
  template <class T, class S>
  T run(task<T, S>&& root);

 private:
  void work() {
    // Each worker is a runtime for what runs on it: frames a task places on the side stack
    // while on this worker come back here (a task that moves between workers cannot use it).
    task_runtime runtime;
    runtime_scope scope(runtime);
    for (;;) {
      std::coroutine_handle<> next;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left to run
        next = queue_.front();
        queue_.pop_front();
      }
      next.resume();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::coroutine_handle<>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

namespace detail {

// The coroutine run() waits on: it awaits the root and releases a semaphore from its final
// suspension point, when its frame is already suspended, so the waiting thread may destroy
// it as soon as it wakes.
struct pool_waiter {
  struct promise_type {
    std::binary_semaphore* done = nullptr;
    pool_waiter get_return_object() { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct signal {
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<promise_type> h) const noexcept { h.promise().done->release(); }
        void await_resume() const noexcept {}
      };
      return signal{};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // the body catches everything
  };
  std::coroutine_handle<promise_type> handle;
};

template <class T, class S>
pool_waiter wait_for(task<T, S>& root, std::optional<T>& result, std::exception_ptr& error) {
  try {
    result.emplace(co_await root);
  } catch (...) {
    error = std::current_exception();
  }
}

}  // namespace detail

template <class T, class S>
T thread_pool::run(task<T, S>&& root) {
  std::optional<T> result;
  std::exception_ptr error;
  std::binary_semaphore done{0};
  auto waiter = detail::wait_for(root, result, error);
  waiter.handle.promise().done = &done;
  waiter.handle.resume();
  done.acquire();
  waiter.handle.destroy();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

}  // namespace testbed
