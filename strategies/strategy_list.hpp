// The explicit list of strategies: every row of the matrix. Adding a strategy is a folder
// under strategies/ with its header, an #include below, and one X(...) line in the list.
#pragma once

#include "harness/type_list.hpp"
#include "strategies/box/box.hpp"
#include "strategies/callee_cache/callee_cache.hpp"
#include "strategies/caller_cache/caller_cache.hpp"
#include "strategies/fallback/fallback.hpp"
#include "strategies/inline_slot/inline_slot.hpp"
#include "strategies/max_space/max_space.hpp"
#include "strategies/mimalloc/mimalloc.hpp"
#include "strategies/pmr_pool/pmr_pool.hpp"
#include "strategies/recycling/recycling.hpp"
#include "strategies/scratch_space/scratch_space.hpp"
#include "strategies/side_stack/side_stack.hpp"

// X(strategy_type) once per strategy. Drives the explicit instantiation of every workload
// implementation, the typed tests, and the benchmark registration.
#define TESTBED_FOR_EACH_STRATEGY(X)   \
  X(::testbed::box)                    \
  X(::testbed::mimalloc)               \
  X(::testbed::recycling)              \
  X(::testbed::pmr_pool_local)         \
  X(::testbed::pmr_pool_sendable)      \
  X(::testbed::caller_cache_local)     \
  X(::testbed::caller_cache_sendable)  \
  X(::testbed::callee_cache_local)     \
  X(::testbed::callee_cache_sendable)  \
  X(::testbed::inline_local)           \
  X(::testbed::inline_sendable)        \
  X(::testbed::max_space_local)        \
  X(::testbed::max_space_sendable)     \
  X(::testbed::fallback_local)         \
  X(::testbed::fallback_sendable)      \
  X(::testbed::side_stack)            \
  X(::testbed::scratch_space)

namespace testbed {

// The same list as a type: type_list<box, ...>.
using all_strategies = drop_first_t<type_list<void TESTBED_FOR_EACH_STRATEGY(TESTBED_LIST_ITEM)>>;

}  // namespace testbed
