// Baselines the compiler can see through: the statically dispatched coroutine (no virtual
// call), and the devirtualizable one (a virtual next() on a `final` class whose type and
// body the caller sees). Either way the compiler may inline the call and elide the frame
// allocation (HALO); the benchmarks count whether it does.
#pragma once

#include <optional>

#include "harness/task.hpp"
#include "strategies/box/box.hpp"
#include "strategies/root_task.hpp"
#include "workloads/async_iterator/async_iterator.hpp"

namespace testbed::workloads {

class static_counter {
 public:
  explicit static_counter(int items) : state_(items) {}

  task<std::optional<int>, box> next() { co_return state_.advance(); }

 private:
  counter_state state_;
};

template <class More, class Probe = no_probe>
root_task<long> sum_passes(static_counter& it, More more, Probe probe = {}) {
  long sum = 0;
  while (more()) {
    while (auto x = co_await probe.await([&] { return it.next(); })) sum += *x;
  }
  co_return sum;
}

// The interface implemented by a `final` class, in this header: a call through a
// final_counter& is a virtual call the compiler may turn into a direct one.
class final_counter final : public async_iterator<box> {
 public:
  explicit final_counter(int items) : state_(items) {}
  task<std::optional<int>, box> next(caller_storage_t<box>&) override { co_return state_.advance(); }

 private:
  counter_state state_;
};

template <class More, class Probe = no_probe>
root_task<long> sum_passes(final_counter& it, More more, Probe probe = {}) {
  caller_storage_t<box> storage{};
  long sum = 0;
  while (more()) {
    while (auto x = co_await probe.await([&] { return it.next(storage); })) sum += *x;
  }
  co_return sum;
}

}  // namespace testbed::workloads
