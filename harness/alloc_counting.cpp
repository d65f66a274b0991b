// Replaces every global operator new/delete to count calls and bytes per thread and for
// the whole process, then forwards to malloc/free. Linked only into the test binaries and
// the counting builds of the benchmarks (never into a timing build: build_mode.hpp).
#include <atomic>
#include <cstdlib>
#include <new>

#include "harness/alloc_counter.hpp"

namespace {

// Per thread: what the tests of one thread count exactly, whatever other threads do.
thread_local testbed::alloc::counts this_thread_counts{};

// The whole process's totals, for cells whose calls run on other threads. Atomic (a
// locked add per allocation): this file is linked only into counting builds, whose
// numbers are counts, never times (timing builds link no counting allocator).
struct process_counts {
  std::atomic<std::uint64_t> allocations{0};
  std::atomic<std::uint64_t> deallocations{0};
  std::atomic<std::uint64_t> bytes{0};
};
constinit process_counts all_thread_counts{};

inline void count_allocation(std::size_t size) noexcept {
  auto& c = this_thread_counts;
  ++c.allocations;
  c.bytes += size;
  // relaxed: each is a sum read after the threads that add to it were joined or
  // synchronized with (the cell ended), so no ordering beyond atomicity is needed.
  all_thread_counts.allocations.fetch_add(1, std::memory_order_relaxed);
  all_thread_counts.bytes.fetch_add(size, std::memory_order_relaxed);
}

inline void count_deallocation() noexcept {
  ++this_thread_counts.deallocations;
  all_thread_counts.deallocations.fetch_add(1, std::memory_order_relaxed);
}

#ifdef TESTBED_FAULT_INJECTION
// Allocations left before the injected failure; negative: no failure armed. Compiled only
// into the test binaries' variant of this file, so benchmarks pay nothing for it.
thread_local long allocations_before_failure = -1;
inline void maybe_fail() {
  if (allocations_before_failure >= 0 && allocations_before_failure-- == 0) throw std::bad_alloc();
}
#else
inline void maybe_fail() {}
#endif

void* counted_alloc(std::size_t size) {
  maybe_fail();
  count_allocation(size);
  // malloc(0) may return nullptr; operator new must return a unique pointer.
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* counted_aligned_alloc(std::size_t size, std::align_val_t align) {
  maybe_fail();
  count_allocation(size);
  const auto a = static_cast<std::size_t>(align);
  // aligned_alloc requires size to be a multiple of the alignment.
  const std::size_t rounded = (size + a - 1) / a * a;
  if (void* p = std::aligned_alloc(a, rounded == 0 ? a : rounded)) return p;
  throw std::bad_alloc();
}

void counted_free(void* p) noexcept {
  if (p == nullptr) return;
  count_deallocation();
  std::free(p);
}

}  // namespace

namespace testbed::alloc {
counts this_thread() noexcept { return this_thread_counts; }
counts all_threads() noexcept {
  return {all_thread_counts.allocations.load(std::memory_order_relaxed),
          all_thread_counts.deallocations.load(std::memory_order_relaxed),
          all_thread_counts.bytes.load(std::memory_order_relaxed)};
}
namespace detail {
void count_external_allocation(std::size_t bytes) noexcept { count_allocation(bytes); }
void count_external_deallocation() noexcept { count_deallocation(); }
}  // namespace detail
#ifdef TESTBED_FAULT_INJECTION
void fail_allocation_after(long allocations) noexcept { allocations_before_failure = allocations; }
#endif
}  // namespace testbed::alloc

void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t size, std::align_val_t align) {
  return counted_aligned_alloc(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return counted_aligned_alloc(size, align);
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  try {
    return counted_aligned_alloc(size, align);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  try {
    return counted_aligned_alloc(size, align);
  } catch (...) {
    return nullptr;
  }
}

void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  counted_free(p);
}
