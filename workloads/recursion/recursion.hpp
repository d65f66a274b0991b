// W4 recursion through virtual dispatch: a chain of objects whose async sum() awaits the
// next object's through the interface (a degenerate tree walk, any depth), and fib()
// recursing on one object; the same chain written synchronously for the overflow depth.
#pragma once

#include <memory>

#include "harness/capabilities.hpp"
#include "harness/latency_probe.hpp"
#include "harness/task.hpp"
#include "strategies/root_task.hpp"

namespace testbed::workloads {

// A node of the chain: sum() is its value plus the sum of the nodes below it. Each level
// keeps the caller storage for the next level's call in its own frame.
template <frame_strategy S>
class chain_node : public object_state_t<S> {
 public:
  virtual ~chain_node() = default;
  virtual task<long, S> sum(caller_storage_t<S>& storage) const = 0;
};

// fib(n) through the interface, recursing on the same object: n levels deep.
template <frame_strategy S>
class fib_service : public object_state_t<S> {
 public:
  virtual ~fib_service() = default;
  virtual task<long, S> fib(caller_storage_t<S>& storage, int n) const = 0;
};

// Owns a chain of `depth` nodes (node i has value i + 1); head() is the top.
template <frame_strategy S>
class chain {
 public:
  virtual ~chain() = default;
  virtual const chain_node<S>& head() const = 0;
};

template <frame_strategy S>
std::unique_ptr<chain<S>> make_chain(int depth);
template <frame_strategy S>
std::unique_ptr<fib_service<S>> make_fib_service();

// The synchronous chain: the same shape, plain virtual calls on the native stack.
class sync_chain {
 public:
  virtual ~sync_chain() = default;
  virtual long sum() const = 0;
};
std::unique_ptr<sync_chain> make_sync_chain(int depth);

inline constexpr long chain_sum(long depth) { return depth * (depth + 1) / 2; }

// Runs the chain's recursion from a root task, once per more(): the root's frame is
// allocated once, and the top call's storage is the root's. Probe: no_probe (the bare
// call) or latency_probe timing each top-level call, the whole recursion under it
// (harness/latency_probe.hpp); the same for fib_passes.
template <frame_strategy S, class More, class Probe = no_probe>
root_task<long> chain_passes(const chain<S>& c, More more, Probe probe = {}) {
  caller_storage_t<S> storage{};
  long sum = 0;
  while (more()) sum += co_await probe.await([&] { return c.head().sum(storage); });
  co_return sum;
}

template <frame_strategy S, class More, class Probe = no_probe>
root_task<long> fib_passes(const fib_service<S>& f, int n, More more, Probe probe = {}) {
  caller_storage_t<S> storage{};
  long sum = 0;
  while (more()) sum += co_await probe.await([&] { return f.fib(storage, n); });
  co_return sum;
}

// Calls fib(n) makes through the interface, itself included.
constexpr long fib_calls(int n) { return n < 2 ? 1 : 1 + fib_calls(n - 1) + fib_calls(n - 2); }
constexpr long fib_value(int n) { return n < 2 ? n : fib_value(n - 1) + fib_value(n - 2); }

// The depth at which the synchronous chain overflows a native stack of `stack_bytes`, found
// by bisection in child processes (an overflow kills the child, never this process).
struct overflow_search {
  long overflow_depth;          // the smallest depth found to overflow
  long deepest_survived;        // the largest depth found to survive
  double stack_bytes_per_level; // measured on a painted stack at a small depth
};
overflow_search find_sync_overflow_depth(std::size_t stack_bytes);
// Runs the synchronous chain of `depth` on a thread with a `stack_bytes` stack in a child
// process; true if it returned the right sum, false if the child died.
bool sync_chain_survives(long depth, std::size_t stack_bytes);

// The chain: one call per object, but every level's frame holds the next level's caller
// storage, and levels are released in LIFO order.
inline constexpr workload_needs chain_needs{.frame_holds_caller_storage = true};

// fib recurses on one object: n calls outstanding on it at the deepest point.
inline constexpr workload_needs fib_needs(int n) {
  return workload_needs{.calls_per_object = n, .frame_holds_caller_storage = true};
}

}  // namespace testbed::workloads
