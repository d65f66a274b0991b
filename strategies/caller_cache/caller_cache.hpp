// Strategy "caller_cache" (Mathias Einwag's "cache the box in the caller"): the caller keeps
// one heap block across calls and every call's frame reuses it; it grows only when a
// bigger frame arrives. One outstanding call per cache.
#pragma once

#include <cstddef>
#include <new>
#include <string_view>
#include <type_traits>

#include "harness/forms.hpp"
#include "harness/frame_error.hpp"
#include "harness/frame_trailer.hpp"
#include "harness/design_post.hpp"
#include "harness/static_string.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed {

template <future_form F>
struct caller_cache {
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::caller_cache;
  static constexpr std::string_view placement = "a heap block the caller keeps across calls";
  // The family and form the row manifest records (harness/row_manifest.hpp).
  static constexpr std::string_view family = "caller_cache";
  using form = F;
  // The row name: family + the form's suffix ("caller_cache_local").
  static constexpr std::string_view name = concat<family, F::suffix>;
  static constexpr strategy_traits traits{.first_call_allocations = 1,
                                          .steady_allocations = 0,
                                          .calls_per_storage = 1,
                                          .frames_in_caller_storage = true,
                                          .same_thread_release = std::is_same_v<F, local_form>};
  using object_state = no_object_state;

  // Lives in the caller (a local of the calling coroutine); passed to every call.
  class caller_storage {
   public:
    caller_storage() = default;
    caller_storage(const caller_storage&) = delete;
    caller_storage& operator=(const caller_storage&) = delete;
    ~caller_storage() {
      if (busy_.busy()) {
        fatal_misuse(name,
                     "the caller's cache was destroyed while a frame was still in it (a future "
                     "outlived the caller's storage)");
      }
      if (block_ != nullptr) free_block(block_, capacity_);
    }
    std::size_t capacity() const noexcept { return capacity_ & ~aligned_bit; }

   private:
    friend caller_cache;
    // Set in capacity_ (a multiple of 8, so the bit is free) when the block was allocated
    // cache-line aligned for an over-aligned frame. A frame of the default alignment gets a
    // plain operator new, as box's does; clang's P2014 alignment above the default needs
    // the aligned form.
    static constexpr std::size_t aligned_bit = 1;
    static void free_block(void* block, std::size_t capacity) noexcept {
      if (capacity & aligned_bit) {
        ::operator delete(block, capacity & ~aligned_bit, std::align_val_t{max_frame_alignment});
      } else {
        ::operator delete(block, capacity);
      }
    }
    void* block_ = nullptr;
    std::size_t capacity_ = 0;  // bytes of block_, | aligned_bit for a cache-line-aligned block
    busy_flag<F> busy_;
  };

  static void* allocate(const frame_request<caller_cache>& request) {
    caller_storage* cache = request.storage;
    if (cache == nullptr) refuse("the call was given no caller cache");
    if (request.align > max_frame_alignment) {
      refuse("frame alignment above 64 bytes is not supported");
    }
    if (!cache->busy_.try_acquire()) {
      refuse("a second outstanding call on one caller cache (it holds one frame)");
    }
    const std::size_t needed = with_trailer(request.size);
    // The bit does not change the comparison: needed is a multiple of 8.
    if (cache->capacity_ < needed ||
        (request.align > default_frame_alignment && !(cache->capacity_ & caller_storage::aligned_bit)))
        [[unlikely]] {
      grow(*cache, needed, request.align);  // grow only when a bigger (or stricter) frame arrives
    }
    set_trailer(cache->block_, request.size, cache);
    return cache->block_;
  }

  static void deallocate(void* frame, std::size_t size, std::size_t) noexcept {
    get_trailer<caller_storage>(frame, size)->busy_.release(name);
  }

 private:
  // The refusals, out of line: building a frame_error inline made allocate too large to be
  // inlined into the promise's operator new (an extra call on every call).
  [[noreturn, gnu::cold, gnu::noinline]] static void refuse(const char* problem) {
    throw frame_error(name, problem);
  }
  // A cold cache (the first call) or a bigger frame: replace the block. Out of line.
  [[gnu::cold, gnu::noinline]] static void grow(caller_storage& cache, std::size_t needed,
                                                std::size_t align) {
    if (cache.block_ != nullptr) caller_storage::free_block(cache.block_, cache.capacity_);
    cache.block_ = nullptr;
    cache.capacity_ = 0;
    try {
      if (align > default_frame_alignment) {
        cache.block_ = ::operator new(needed, std::align_val_t{max_frame_alignment});
        cache.capacity_ = needed | caller_storage::aligned_bit;
      } else {
        cache.block_ = ::operator new(needed);
        cache.capacity_ = needed;
      }
    } catch (...) {
      cache.busy_.release(name);
      throw;
    }
  }
};

using caller_cache_local = caller_cache<local_form>;
using caller_cache_sendable = caller_cache<sendable_form>;
static_assert(frame_strategy<caller_cache_local>);
static_assert(frame_strategy<caller_cache_sendable>);

}  // namespace testbed
