// The bytes a strategy adds to each object of an interface and to each caller, measured
// with sizeof on the real types: W1's async_iterator<S> against async_iterator<box>. Read by
// the composition roots (harness/print_overhead.cpp for docs/overhead.md,
// harness/bench_main.cpp for the row manifest); here, beside the interface it measures,
// because harness/ may not include workloads/.
#pragma once

#include <cstddef>
#include <type_traits>

#include "strategies/box/box.hpp"
#include "workloads/async_iterator/async_iterator.hpp"

namespace testbed {

// The interface object under S against the same interface under box (vptr only).
template <frame_strategy S>
std::size_t object_overhead_bytes() {
  return sizeof(workloads::async_iterator<S>) - sizeof(workloads::async_iterator<box>);
}

// An empty caller storage costs nothing: it is never materialized beyond a dead byte.
template <frame_strategy S>
std::size_t caller_overhead_bytes() {
  return std::is_empty_v<caller_storage_t<S>> ? 0 : sizeof(caller_storage_t<S>);
}

}  // namespace testbed
