// Allocation accounting: binaries that link alloc_counting.cpp replace the global
// operator new/delete and count every call, per thread and for the whole process. Tests
// and benchmarks read it here. Timing builds (build_mode.hpp) link no counting allocator.
#pragma once

#include <cstddef>
#include <cstdint>

#include "harness/build_mode.hpp"

namespace testbed::alloc {

struct counts {
  std::uint64_t allocations = 0;    // calls to any global operator new
  std::uint64_t deallocations = 0;  // calls to any global operator delete (non-null)
  std::uint64_t bytes = 0;          // bytes requested from operator new

  counts operator-(const counts& earlier) const noexcept {
    return {allocations - earlier.allocations, deallocations - earlier.deallocations,
            bytes - earlier.bytes};
  }
};

// This thread's totals since it started. Defined in alloc_counting.cpp: a binary that
// does not replace the global allocator cannot count, and fails to link if it asks.
counts this_thread() noexcept;

// Every thread's totals since the process started (threads that ended included): what a
// cell whose calls run on other threads (a thread pool, a server thread) allocated.
counts all_threads() noexcept;

// Fault injection, in test binaries only (linked with the testbed_alloc_faults variant):
// after `allocations` more successful allocations on this thread, the next one throws
// std::bad_alloc (once); a negative value disarms it.
void fail_allocation_after(long allocations) noexcept;

namespace detail {
void count_external_allocation(std::size_t bytes) noexcept;
void count_external_deallocation() noexcept;
}  // namespace detail

// For strategies that take memory from an allocator other than global operator new (the
// mimalloc row calls mimalloc's API): counted as one allocation of `bytes` / one
// deallocation, like an operator new / delete. Nothing in timing builds.
#if TESTBED_TIMING_BUILD
inline void record_external_allocation(std::size_t) noexcept {}
inline void record_external_deallocation() noexcept {}
#else
inline void record_external_allocation(std::size_t bytes) noexcept {
  detail::count_external_allocation(bytes);
}
inline void record_external_deallocation() noexcept { detail::count_external_deallocation(); }
#endif

}  // namespace testbed::alloc
