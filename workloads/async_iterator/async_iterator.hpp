// W1 AsyncIterator: the design discussion's running example. An interface whose next()
// is a coroutine called through a virtual function, its caller loop, and the factories.
#pragma once

#include <coroutine>
#include <memory>
#include <optional>

#include "harness/capabilities.hpp"
#include "harness/executor.hpp"
#include "harness/latency_probe.hpp"
#include "harness/strategy_contract.hpp"
#include "harness/task.hpp"
#include "strategies/box/box.hpp"
#include "strategies/root_task.hpp"

namespace testbed::workloads {

// `trait AsyncIterator { async fn next(&mut self) -> Option<Item>; }` with the frame
// strategy chosen where the interface is used: async_iterator<box>, async_iterator<...>.
// It derives from the strategy's object_state (empty for most strategies), which is
// where inline or callee-cache strategies keep their per-object storage.
template <frame_strategy S>
class async_iterator : public object_state_t<S> {
 public:
  virtual ~async_iterator() = default;
  // The next item, or nullopt at the end. `storage` is the caller's storage for the
  // strategy (empty for strategies that need none): the "scratch space" ABI extension.
  virtual task<std::optional<int>, S> next(caller_storage_t<S>& storage) = 0;
};

// The counter's logic, shared by the strategy rows and both baselines so that they differ
// only in how next() is called: 0, 1, ..., items-1, then nullopt, then from 0 again.
class counter_state {
 public:
  explicit counter_state(int items) : items_(items) {}
  std::optional<int> advance() noexcept {
    if (next_ < items_) return next_++;
    next_ = 0;
    return std::nullopt;
  }

 private:
  int items_;
  int next_ = 0;
};

// A counter over 0, 1, ..., items-1; after the end (nullopt) it starts again, so one
// object serves any number of passes. Built in its own translation unit (counter.cpp):
// the caller sees only this factory, never the type behind it.
template <frame_strategy S>
std::unique_ptr<async_iterator<S>> make_counter(int items);

// The same counter, but every `every`-th next() really suspends: it yields to the
// executor and is resumed from its run loop (the variant where the call does not complete
// synchronously).
template <frame_strategy S>
std::unique_ptr<async_iterator<S>> make_suspending_counter(int items, int every,
                                                           single_thread_executor& executor);

// One call outstanding at a time, on one object and one caller storage, small frames:
// every strategy serves W1.
inline constexpr workload_needs async_iterator_needs{};

// The caller's loop, written once: passes over the iterator while more() says so,
// returning the sum of every item seen. Tests pass a pass counter, benchmarks
// state.KeepRunning(); the root frame (Root) is allocated once, before the first pass.
// Probe: no_probe (the bare call), or latency_probe timing every call (the latency pass,
// harness/latency_probe.hpp); the same for every loop below.
template <frame_strategy S, class More, frame_strategy Root = box, class Probe = no_probe>
task<long, Root> sum_passes(async_iterator<S>& it, More more, Probe probe = {}) {
  caller_storage_t<S> storage{};
  long sum = 0;
  while (more()) {
    while (auto x = co_await probe.await([&] { return it.next(storage); })) sum += *x;
  }
  co_return sum;
}

// Poll<Option<int>> in one 8-byte value, as Rust lays it out: pending, an item, or the end.
// (A {bool ready; std::optional<int> value;} pair is built in memory by parts and read
// back whole, a store-forwarding stall that cost about 5 ns per call under clang.)
struct poll_result {
  enum class state : int { pending, item, end };
  state what;
  int item;  // meaningful when what == state::item
};

// Baseline: the synchronous virtual call, the lower bound of any dynamic dispatch. It
// returns the same 8-byte value poll_next returns (never pending), in a register with
// both compilers: the limit every row is measured against.
class sync_iterator {
 public:
  virtual ~sync_iterator() = default;
  virtual poll_result next() = 0;
};

std::unique_ptr<sync_iterator> make_sync_counter(int items);

template <class More, class Probe = no_probe>
long sum_passes(sync_iterator& it, More more, Probe probe = {}) {
  long sum = 0;
  auto next = [&] { return probe.call([&] { return it.next(); }); };
  while (more()) {
    for (auto x = next(); x.what == poll_result::state::item; x = next()) sum += x.item;
  }
  return sum;
}

// The same call returning std::optional<int> (the labelled row sync_virtual_optional):
// g++ 12 builds the optional in memory by parts and reads it back whole, a
// store-forwarding stall of several ns per call, which is the language's ABI, not the
// limit of dynamic dispatch.
class sync_optional_iterator {
 public:
  virtual ~sync_optional_iterator() = default;
  virtual std::optional<int> next() = 0;
};

std::unique_ptr<sync_optional_iterator> make_sync_optional_counter(int items);

template <class More, class Probe = no_probe>
long sum_passes(sync_optional_iterator& it, More more, Probe probe = {}) {
  long sum = 0;
  while (more()) {
    while (auto x = probe.call([&] { return it.next(); })) sum += *x;
  }
  return sum;
}

// The poll-style interface (Rust's Stream::poll_next): no coroutine frame per call; the
// object itself is the state machine, and a call that cannot finish yet returns "pending"
// and keeps its place. The limit of "inline it into the iterator".
class poll_iterator {
 public:
  virtual ~poll_iterator() = default;
  virtual poll_result poll_next() = 0;
};

// A counter whose every `every`-th poll is pending (0: never).
std::unique_ptr<poll_iterator> make_poll_counter(int items, int every);

// The caller's loop over a poll-style iterator, a coroutine like the others (its frame is
// the root, allocated once). On "pending" it yields to the executor and polls again: the
// same executor round trip as a coroutine callee that suspends on executor.schedule().
// A sample runs from one poll's start to a ready poll: a pending poll's executor round
// trip and the poll after it are in the same sample.
template <class More, class Probe = no_probe>
root_task<long> sum_passes(poll_iterator& it, single_thread_executor& executor, More more,
                      Probe probe = {}) {
  long sum = 0;
  auto t0 = probe.begin();
  while (more()) {
    for (;;) {
      const auto p = it.poll_next();
      if (p.what == poll_result::state::pending) {
        co_await executor.schedule();
        continue;
      }
      probe.end(t0);
      t0 = probe.begin();
      if (p.what == poll_result::state::end) break;
      sum += p.item;
    }
  }
  co_return sum;
}

}  // namespace testbed::workloads
