// Allocation accounting: binaries that link alloc_counting.cpp replace the global
// operator new/delete and count every call, per thread. Tests and benchmarks read it here.
#pragma once

#include <cstdint>

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

// Fault injection, in test binaries only (linked with the testbed_alloc_faults variant):
// after `allocations` more successful allocations on this thread, the next one throws
// std::bad_alloc (once); a negative value disarms it.
void fail_allocation_after(long allocations) noexcept;

}  // namespace testbed::alloc
