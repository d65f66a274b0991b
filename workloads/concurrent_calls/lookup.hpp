// The `get(key) const` lookup interface shared by W3 (concurrent calls on one object) and
// W5 (escaping futures), and its callers. The implementation is in lookup_table.cpp.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "harness/capabilities.hpp"
#include "harness/executor.hpp"
#include "harness/strategy_contract.hpp"
#include "harness/task.hpp"
#include "harness/when_all.hpp"
#include "strategies/root_task.hpp"

namespace testbed::workloads {

// A const lookup through an interface: several calls may be outstanding on one object.
template <frame_strategy S>
class lookup : public object_state_t<S> {
 public:
  virtual ~lookup() = default;
  virtual task<int, S> get(caller_storage_t<S>& storage, int key) const = 0;
};

// A table of `size` entries (value of key k: 3k + 1). With an executor, every get()
// suspends once on it before answering (a lookup that waits for I/O); without, it
// completes synchronously.
template <frame_strategy S>
std::unique_ptr<lookup<S>> make_lookup_table(int size, single_thread_executor* executor);

inline constexpr int lookup_value(int key) { return 3 * key + 1; }

// In which order a round's (or a batch's) finished futures are destroyed. A lazy task's
// frame is freed when its task object is destroyed, not when its body completes (it waits
// at its final suspend point), so this order, not the order in which the calls finish, is
// the order in which the strategy gets its frames back.
enum class release_order {
  creation,      // vector::clear(): front to back, oldest first (not LIFO)
  newest_first,  // pop_back() until empty: the reverse of creation (LIFO)
};

// Destroys every future of `futures` in the given order.
template <class Task>
void release_futures(std::vector<Task>& futures, release_order order) {
  if (order == release_order::newest_first) {
    while (!futures.empty()) futures.pop_back();
  } else {
    futures.clear();  // destroys the elements front to back
  }
}

// W3's caller: rounds of `width` lookups outstanding together on one object, each with
// its own caller storage, awaited with when_all. Returns the sum of every value. The calls
// complete in the executor's order (all suspend once and are resumed first in, first out,
// so they complete in creation order); their frames are freed in `order` when the next
// round (or the end) releases them.
template <frame_strategy S, class More>
root_task<long> concurrent_rounds(const lookup<S>& table, int width, More more,
                             release_order order = release_order::creation) {
  // One storage per outstanding call; optional because some storages cannot be moved.
  std::array<std::optional<caller_storage_t<S>>, when_all_max> storages;
  for (int i = 0; i < width; ++i) storages[i].emplace();
  std::array<int, when_all_max> results{};
  std::vector<task<int, S>> calls;
  calls.reserve(when_all_max);  // once: rounds do not allocate for the vector
  long sum = 0;
  int key = 0;
  while (more()) {
    release_futures(calls, order);  // the previous round's finished calls
    for (int i = 0; i < width; ++i) calls.push_back(table.get(*storages[i], key++ % 1024));
    co_await when_all(std::span(calls), std::span(results).first(static_cast<std::size_t>(width)));
    for (int i = 0; i < width; ++i) sum += results[i];
  }
  release_futures(calls, order);
  co_return sum;
}

// Concurrent calls on one const object: `width` outstanding per object, one per storage.
// What breaks a LIFO strategy (the side stack) is the order in which the futures are
// destroyed, not the calls or the order in which they complete: with release_order::creation
// (vector::clear) and width > 1 the oldest frame is freed first, under the others (not LIFO);
// with release_order::newest_first the frames are freed in reverse order of creation (LIFO),
// however the calls overlapped.
inline constexpr workload_needs concurrent_needs(int width,
                                                 release_order order = release_order::creation) {
  return workload_needs{.calls_per_object = width,
                        .non_lifo_release = width > 1 && order == release_order::creation};
}

}  // namespace testbed::workloads
