// A minimal single-threaded executor for workloads that really suspend: a FIFO of
// ready coroutines, resumed one at a time by run(). Steady state makes no allocation.
#pragma once

#include <coroutine>
#include <cstddef>
#include <stdexcept>
#include <vector>

#include "harness/run_root.hpp"
#include "harness/task.hpp"

namespace testbed {

class single_thread_executor {
 public:
  // co_await executor.schedule(): suspend now, be resumed later by the run loop.
  struct schedule_awaiter {
    single_thread_executor* executor;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> waiting) { executor->post(waiting); }
    void await_resume() const noexcept {}
  };
  schedule_awaiter schedule() noexcept { return {this}; }

  // Queues a suspended coroutine to be resumed by the run loop.
  void post(std::coroutine_handle<> ready) {
    if (count_ == ring_.size()) grow();
    ring_[(head_ + count_) & (ring_.size() - 1)] = ready;
    ++count_;
  }

  // Resumes the oldest ready coroutine; false when nothing is ready.
  bool run_one() {
    if (count_ == 0) return false;
    auto next = ring_[head_];
    head_ = (head_ + 1) & (ring_.size() - 1);
    --count_;
    next.resume();
    return true;
  }

  std::size_t pending() const noexcept { return count_; }

  // Starts root and resumes ready coroutines until it finishes; returns its result.
  template <class T, class S>
  T run(task<T, S>&& root) {
    return detail::run_root(root, "single_thread_executor::run: empty (moved-from) task",
                            "single_thread_executor::run: the task is suspended and nothing is "
                            "queued to resume it (deadlock)",
                            [this] { return run_one(); });
  }

 private:
  // A power-of-two ring that only grows, so a steady-state run loop never allocates
  // (a std::deque would allocate and free a block every few hundred posts).
  void grow() {
    std::vector<std::coroutine_handle<>> bigger(ring_.empty() ? 64 : ring_.size() * 2);
    for (std::size_t i = 0; i < count_; ++i) bigger[i] = ring_[(head_ + i) & (ring_.size() - 1)];
    ring_.swap(bigger);
    head_ = 0;
  }

  std::vector<std::coroutine_handle<>> ring_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

}  // namespace testbed
