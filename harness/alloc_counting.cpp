// Replaces every global operator new/delete to count calls and bytes per thread, then
// forwards to malloc/free. Linked only into test and benchmark binaries.
#include <cstdlib>
#include <new>

#include "harness/alloc_counter.hpp"

namespace {

// Per-thread, non-atomic: an atomic read-modify-write on the hot path would add a
// locked instruction to every boxed call and make box look slower than it is.
thread_local testbed::alloc::counts this_thread_counts{};

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
  auto& c = this_thread_counts;
  ++c.allocations;
  c.bytes += size;
  // malloc(0) may return nullptr; operator new must return a unique pointer.
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* counted_aligned_alloc(std::size_t size, std::align_val_t align) {
  maybe_fail();
  auto& c = this_thread_counts;
  ++c.allocations;
  c.bytes += size;
  const auto a = static_cast<std::size_t>(align);
  // aligned_alloc requires size to be a multiple of the alignment.
  const std::size_t rounded = (size + a - 1) / a * a;
  if (void* p = std::aligned_alloc(a, rounded == 0 ? a : rounded)) return p;
  throw std::bad_alloc();
}

void counted_free(void* p) noexcept {
  if (p == nullptr) return;
  ++this_thread_counts.deallocations;
  std::free(p);
}

}  // namespace

namespace testbed::alloc {
counts this_thread() noexcept { return this_thread_counts; }
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
