// Strategy "scratch_space": the design post's proposed ABI extension. The caller offers
// scratch space sized from what its call site has seen so far (each call site learns the
// largest frame it has called); a frame goes there, and is boxed only when the call
// site's space is already in use (recursion, overlapping calls). Never fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <source_location>
#include <string_view>

#include "harness/forms.hpp"
#include "harness/frame_error.hpp"
#include "harness/frame_stats.hpp"
#include "harness/design_post.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed {

namespace detail::scratch_impl {

// What one call site (a source location in the caller's code) has learned on this thread:
// the scratch block it offers, and the largest frame it has seen.
struct call_site {
  const char* file = nullptr;
  std::uint_least32_t line = 0;
  std::uint_least32_t column = 0;
  void* block = nullptr;
  std::size_t capacity = 0;
  std::size_t largest_seen = 0;
  bool lent = false;  // the block is in use by an outstanding frame
  const void* owner = nullptr;  // the thread that lent it (checked when it comes back)
};

// The call site's record on this thread; nullptr when the table is full (the call site
// then always boxes). Defined in scratch_space.cpp.
call_site* site_for(const std::source_location& where) noexcept;
// Makes the block `bytes` large (one allocation, only when it grows).
[[gnu::cold]] void grow(call_site& site, std::size_t bytes);
// Frees the calling thread's blocks that are not lent (scratch_space::reset_for_new_cell).
void reset_this_thread() noexcept;

// The frame's header word, just before it: the call site that lent the block, or null
// for a boxed frame.
inline call_site*& header_of(void* frame) noexcept {
  return *reinterpret_cast<call_site**>(static_cast<std::byte*>(frame) - sizeof(void*));
}
// The frame starts one default alignment into its block, after the header word.
inline constexpr std::size_t header_bytes = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

}  // namespace detail::scratch_impl

struct scratch_space {
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::scratch_space;
  static constexpr std::string_view placement = "scratch space of the call site, the heap when busy or too small";
  // One form only: the family is the row name (harness/row_manifest.hpp records both).
  static constexpr std::string_view family = "scratch_space";
  static constexpr std::string_view name = family;
  // The first call of a call site allocates its block; later calls of no larger frame
  // allocate nothing. Frames lent from the thread's call-site table come back on the same
  // thread (Local); boxed frames may go anywhere.
  static constexpr strategy_traits traits{.first_call_allocations = 1,
                                          .steady_allocations = 0,
                                          .same_thread_release = true};
  using object_state = no_object_state;

  // A call site's scratch space: constructed where the caller declares it, it records
  // that place (std::source_location) and borrows the block this thread keeps for it.
  class caller_storage {
   public:
    explicit caller_storage(std::source_location where = std::source_location::current()) noexcept
        : site_(detail::scratch_impl::site_for(where)) {}
    caller_storage(const caller_storage&) = delete;
    caller_storage& operator=(const caller_storage&) = delete;

   private:
    friend scratch_space;
    detail::scratch_impl::call_site* site_;
  };

  static void* allocate(const frame_request<scratch_space>& request) {
    using namespace detail::scratch_impl;
    call_site* site = request.storage ? request.storage->site_ : nullptr;
    const std::size_t needed = header_bytes + request.size;
    if (site != nullptr && !site->lent && request.align <= default_frame_alignment) {
      if (request.size > site->largest_seen) site->largest_seen = request.size;
      // A frame larger than the call site has seen: the site learns it, and from now on
      // offers that much (one allocation now, none on later calls of this size).
      if (needed > site->capacity) grow(*site, header_bytes + site->largest_seen);
      site->lent = true;
      void* frame = static_cast<std::byte*>(site->block) + header_bytes;
      header_of(frame) = site;
      site->owner = local_owner_token();
      return frame;
    }
    // The site's space is in use (a second outstanding call from the same call site, as
    // in recursion), or there is no site: box this frame, at what box costs (one plain
    // operator new, 16 bytes larger for the header).
    if (request.align > default_frame_alignment) [[unlikely]] return box_over_aligned(request);
    record_heap_fallback();
    void* frame = static_cast<std::byte*>(::operator new(header_bytes + request.size)) + header_bytes;
    header_of(frame) = nullptr;
    return frame;
  }

  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    using namespace detail::scratch_impl;
    if (call_site* site = header_of(frame)) {
      check_local_owner(site->owner, name,
                        "a frame in a call site's scratch space was freed on another thread (the "
                        "scratch space is per thread)");
      site->lent = false;
      return;
    }
    if (align > default_frame_alignment) [[unlikely]] return unbox_over_aligned(frame, size, align);
    ::operator delete(static_cast<std::byte*>(frame) - header_bytes, header_bytes + size);
  }

  // Frees this thread's scratch blocks that are not lent (a lent block stays, its frame
  // is alive), so the next benchmark cell starts cold as on a fresh thread: the first call
  // of each call site allocates its block again. The call sites stay known (a
  // caller_storage may still point at its record). The benchmark registration calls it
  // before each cell.
  static void reset_for_new_cell() noexcept { detail::scratch_impl::reset_this_thread(); }

 private:
  // Over-aligned frames (clang's P2014 alignment above the default): boxed `align` bytes
  // into a block of that alignment. Rare: out of line.
  [[gnu::cold, gnu::noinline]] static void* box_over_aligned(const frame_request<scratch_space>& request) {
    using namespace detail::scratch_impl;
    record_heap_fallback();
    void* frame = static_cast<std::byte*>(::operator new(request.align + request.size,
                                                         std::align_val_t{request.align})) +
                  request.align;
    header_of(frame) = nullptr;
    return frame;
  }
  [[gnu::cold, gnu::noinline]] static void unbox_over_aligned(void* frame, std::size_t size,
                                                              std::size_t align) noexcept {
    ::operator delete(static_cast<std::byte*>(frame) - align, align + size, std::align_val_t{align});
  }
};

static_assert(frame_strategy<scratch_space>);

}  // namespace testbed
