// Baseline: the statically dispatched coroutine. No virtual call, and the body is visible
// to the caller, so the compiler may inline it and elide the frame allocation (HALO).
#pragma once

#include <optional>

#include "harness/task.hpp"
#include "workloads/async_iterator/async_iterator.hpp"

namespace testbed::workloads {

class static_counter {
 public:
  explicit static_counter(int items) : state_(items) {}

  task<std::optional<int>> next() { co_return state_.advance(); }

 private:
  counter_state state_;
};

template <class More>
task<long> sum_passes(static_counter& it, More more) {
  long sum = 0;
  while (more()) {
    while (auto x = co_await it.next()) sum += *x;
  }
  co_return sum;
}

}  // namespace testbed::workloads
