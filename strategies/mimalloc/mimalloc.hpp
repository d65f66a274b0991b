// Strategy "mimalloc": a fresh frame per call, as box, from mimalloc's own API (mi_malloc,
// mi_malloc_aligned, mi_free) instead of the global operator new, so that it runs in the
// same process as box (interleaved with it) instead of as a whole-process preload
// (box_mimalloc). mimalloc is loaded at run time with dlopen(RTLD_LOCAL): Debian's
// libmimalloc.so also exports malloc/free, and linking it would silently make every other
// row (box on glibc malloc) use mimalloc too.
#pragma once

#include <atomic>
#include <cstddef>
#include <new>
#include <string>
#include <string_view>

#include "harness/alloc_counter.hpp"
#include "harness/design_post.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed {

namespace detail::mimalloc_impl {

// The three entry points, resolved from the library once.
struct api {
  void* (*malloc)(std::size_t);
  void* (*malloc_aligned)(std::size_t, std::size_t);
  void (*free)(void*);
};

// The resolved entry points, or null before the first call. acquire/release: a thread that
// sees the pointer sees the entry points it points to (set once, never changed).
inline std::atomic<const api*> loaded{nullptr};

// Loads the library and resolves its entry points (once per process), or throws
// frame_error saying why it could not: never a silent fall back to malloc. mimalloc.cpp.
[[gnu::cold, gnu::noinline]] const api& load();

// Loads `file` with dlopen(RTLD_NOW | RTLD_LOCAL) and resolves the entry points into `out`;
// returns why it failed, or an empty string. load() uses it on `library`; tests on others.
std::string try_load(const char* file, api& out);

// The library file dlopen'ed: Debian's libmimalloc2.0 (package libmimalloc2.0, soname 2).
inline constexpr const char* library = "libmimalloc.so.2";

}  // namespace detail::mimalloc_impl

struct mimalloc {
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::custom_allocator;
  static constexpr std::string_view placement = "mimalloc's API, in the same process as box";
  // One form only: the family is the row name (harness/row_manifest.hpp records both).
  static constexpr std::string_view family = "mimalloc";
  static constexpr std::string_view name = family;
  using object_state = no_object_state;
  using caller_storage = no_caller_storage;
  // One allocation per call, counted through alloc::record_external_allocation (the
  // counting operator new does not see mimalloc's own API).
  static constexpr strategy_traits traits{.first_call_allocations = 1, .steady_allocations = 1};

  static void* allocate(const frame_request<mimalloc>& request) {
    using namespace detail::mimalloc_impl;
    const api* a = loaded.load(std::memory_order_acquire);
    if (a == nullptr) [[unlikely]] a = &load();
    void* frame = request.align > default_frame_alignment
                      ? a->malloc_aligned(request.size, request.align)
                      : a->malloc(request.size);
    if (frame == nullptr) [[unlikely]] throw std::bad_alloc();
    alloc::record_external_allocation(request.size);
    return frame;
  }

  static void deallocate(void* frame, std::size_t, std::size_t) noexcept {
    // A frame exists only once load() succeeded (on this thread or, for a frame that
    // moved here, on one that synchronized with this one when the frame moved).
    alloc::record_external_deallocation();
    detail::mimalloc_impl::loaded.load(std::memory_order_acquire)->free(frame);
  }

  // Whether mimalloc can be loaded in this process (tests; the row's cells need it).
  static bool available() noexcept;
};

static_assert(frame_strategy<mimalloc>);

}  // namespace testbed
