// W5 escaping futures: a future created in one function, stored in a container, and
// awaited after that function has returned. Uses W3's lookup interface.
#pragma once

#include <vector>

#include "harness/capabilities.hpp"
#include "harness/task.hpp"
#include "strategies/root_task.hpp"
#include "workloads/concurrent_calls/lookup.hpp"

namespace testbed::workloads {

// Starts a lookup and returns its future without awaiting it. The caller's storage is a
// local of this function: it is gone when the future is awaited. Not inlined, so the
// compiler cannot merge this frame into the caller's.
template <frame_strategy S>
[[gnu::noinline]] task<int, S> start_lookup(const lookup<S>& table, int key) {
  caller_storage_t<S> storage{};
  return table.get(storage, key);
}

// How many futures one batch stores before awaiting them.
inline constexpr int escaping_batch = 8;

// Batches of futures: created by start_lookup into a vector, then awaited newest first
// (any order but creation order would do), then dropped in `order`: with
// release_order::creation (vector::clear) the oldest frame is freed first (not LIFO), with
// release_order::newest_first the frames are freed in reverse order of creation (LIFO).
template <frame_strategy S, class More>
root_task<long> escaping_batches(const lookup<S>& table, More more,
                            release_order order = release_order::creation) {
  std::vector<task<int, S>> futures;
  futures.reserve(escaping_batch);  // once: batches do not allocate for the vector
  long sum = 0;
  int key = 0;
  while (more()) {
    for (int i = 0; i < escaping_batch; ++i) futures.push_back(start_lookup(table, key++ % 1024));
    for (int i = escaping_batch - 1; i >= 0; --i) sum += co_await futures[static_cast<std::size_t>(i)];
    release_futures(futures, order);
  }
  co_return sum;
}

// Frames outlive the function that created them, and die in creation order.
inline constexpr workload_needs escaping_needs{.calls_per_object = escaping_batch,
                                               .frames_outlive_call_site = true,
                                               .non_lifo_release = true};

// The LIFO variant (escaping_futures_lifo): the same escaping futures, destroyed newest
// first, so frames die in reverse order of creation.
inline constexpr workload_needs escaping_lifo_needs{.calls_per_object = escaping_batch,
                                                    .frames_outlive_call_site = true,
                                                    .non_lifo_release = false};

}  // namespace testbed::workloads
