// W7 threads: calls created on one thread whose callee finishes, and whose frame is
// destroyed, on another (a thread pool); and the same with both on one thread.
#pragma once

#include <memory>

#include "harness/capabilities.hpp"
#include "harness/thread_pool.hpp"
#include "strategies/root_task.hpp"
#include "workloads/async_iterator/async_iterator.hpp"

namespace testbed::workloads {

// A counter whose next() hops to `finisher` before answering: the caller is resumed, and
// the call's frame destroyed, on one of the finisher's threads.
template <frame_strategy S>
std::unique_ptr<async_iterator<S>> make_hopping_counter(int items, thread_pool& finisher);

// The caller: every call is made from the creator pool's thread (it hops there first),
// finishes on the finisher pool, and the frame dies there.
template <frame_strategy S, class More>
root_task<long> hop_passes(async_iterator<S>& it, thread_pool& creator, More more) {
  caller_storage_t<S> storage{};
  long sum = 0;
  while (more()) {
    co_await creator.schedule();
    if (auto x = co_await it.next(storage)) sum += *x;
  }
  co_return sum;
}

// Frames are created on one thread and destroyed on another.
inline constexpr workload_needs crossing_needs{.crosses_threads = true};
// The callee finishes on the thread that made the call (a pool of one that is also the
// creator), so Local forms can be measured beside Sendable ones in the same run.
inline constexpr workload_needs same_thread_needs{};

}  // namespace testbed::workloads
