// Strategy "callee_cache": the object caches one heap block (one word of overhead) that
// the next call's frame reuses; the block lives until the object dies. One outstanding
// call per object.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
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

namespace detail::callee_cache_impl {
// The cached block starts with this header; the frame follows offset_for(align) bytes in:
// one default alignment for most frames, `align` for an over-aligned one (clang's P2014
// alignment), whose block is then allocated cache-line aligned.
struct block_header {
  std::size_t capacity;   // bytes of the whole block, | aligned_bit if cache-line aligned
  const void* owner;      // Local form: the thread that allocated the current frame
};
inline constexpr std::size_t header_bytes = default_frame_alignment;
static_assert(sizeof(block_header) <= header_bytes);
// Set in block_header::capacity (a multiple of 8) for a block from the aligned operator
// new; a block for frames of the default alignment comes from the plain one, as box's.
inline constexpr std::size_t aligned_bit = 1;
constexpr std::size_t offset_for(std::size_t align) noexcept {
  return align > header_bytes ? align : header_bytes;
}
// The object's word: the block's address, with the low bit set while a frame is in it
// (blocks from operator new are 16-byte aligned, so the bit is free).
inline constexpr std::uintptr_t busy_bit = 1;
}  // namespace detail::callee_cache_impl

template <future_form F>
struct callee_cache {
  static constexpr bool local = std::is_same_v<F, local_form>;
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::callee_cache;
  static constexpr std::string_view placement = "a heap block cached in the object";
  // The family and form the row manifest records (harness/row_manifest.hpp).
  static constexpr std::string_view family = "callee_cache";
  using form = F;
  // The row name: family + the form's suffix ("callee_cache_local").
  static constexpr std::string_view name = concat<family, F::suffix>;
  static constexpr strategy_traits traits{.first_call_allocations = 1,
                                          .steady_allocations = 0,
                                          .calls_per_object = 1,
                                          .same_thread_release = std::is_same_v<F, local_form>};
  using caller_storage = no_caller_storage;

  // Added to every object of the interface: one word.
  class object_state {
   public:
    object_state() = default;
    object_state(const object_state&) = delete;
    object_state& operator=(const object_state&) = delete;
    ~object_state() {
      const std::uintptr_t w = load();
      if (w & detail::callee_cache_impl::busy_bit) {
        fatal_misuse(name, "the object was destroyed while a call's frame was still alive");
      }
      if (w != 0) free_block(reinterpret_cast<header*>(w));
    }

   private:
    friend callee_cache;
    using header = detail::callee_cache_impl::block_header;
    std::uintptr_t load() const noexcept {
      if constexpr (local) return word_;
      else return word_.load(std::memory_order_acquire);
    }
    // release (Sendable): a frame's teardown happens-before the next call that acquires
    // the block, on whatever thread it runs.
    void store(std::uintptr_t w) noexcept {
      if constexpr (local) word_ = w;
      else word_.store(w, std::memory_order_release);
    }
    static void free_block(header* h) noexcept {
      using detail::callee_cache_impl::aligned_bit;
      const std::size_t capacity = h->capacity;
      if (capacity & aligned_bit) {
        ::operator delete(static_cast<void*>(h), capacity & ~aligned_bit,
                          std::align_val_t{max_frame_alignment});
      } else {
        ::operator delete(static_cast<void*>(h), capacity);
      }
    }
    // Local: a plain word (one thread). Sendable: atomic, so a frame freed on another
    // thread hands the block back with release/acquire ordering.
    std::conditional_t<local, std::uintptr_t, std::atomic<std::uintptr_t>> word_{0};
  };

  static void* allocate(const frame_request<callee_cache>& request) {
    using namespace detail::callee_cache_impl;
    object_state* object = request.callee;
    if (object == nullptr) throw frame_error(name, "not a member coroutine of a callee-cache object");
    if (request.align > max_frame_alignment) {
      throw frame_error(name, "frame alignment above 64 bytes is not supported");
    }
    // Claim the slot first (set the busy bit), then inspect or replace the block we own.
    std::uintptr_t w = object->load();
    if (w & busy_bit) {
      throw frame_error(name, "a second outstanding call on one object (its cache holds one frame)");
    }
    if constexpr (local) {
      object->word_ = w | busy_bit;
    } else if (!object->word_.compare_exchange_strong(w, w | busy_bit, std::memory_order_acquire)) {
      throw frame_error(name, "a concurrent call on one object (its cache holds one frame)");
    }
    auto* h = reinterpret_cast<block_header*>(w);
    const std::size_t offset = offset_for(request.align);
    const std::size_t needed = offset + with_trailer(request.size);
    // The bit does not change the comparison: needed is a multiple of 8.
    if (h == nullptr || h->capacity < needed ||
        (request.align > default_frame_alignment && !(h->capacity & aligned_bit))) [[unlikely]] {
      h = grow(object, h, needed, request.align);  // only when a bigger (or stricter) frame arrives
    }
    if constexpr (local) h->owner = local_owner_token();
    void* frame = reinterpret_cast<std::byte*>(h) + offset;
    set_trailer(frame, request.size, object);
    return frame;
  }

  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    using namespace detail::callee_cache_impl;
    object_state* object = get_trailer<object_state>(frame, size);
    auto* h = reinterpret_cast<block_header*>(static_cast<std::byte*>(frame) - offset_for(align));
    if constexpr (local) check_local_owner(h->owner, name);
    object->store(reinterpret_cast<std::uintptr_t>(h));
  }

 private:
  // A cold object (its first call) or a bigger frame: replace the object's block (the
  // object's word holds the busy bit meanwhile). Out of line.
  [[gnu::cold, gnu::noinline]] static detail::callee_cache_impl::block_header* grow(
      object_state* object, detail::callee_cache_impl::block_header* old, std::size_t needed,
      std::size_t align) {
    using namespace detail::callee_cache_impl;
    if (old != nullptr) object_state::free_block(old);
    block_header* h;
    try {
      if (align > default_frame_alignment) {
        h = static_cast<block_header*>(::operator new(needed, std::align_val_t{max_frame_alignment}));
        h->capacity = needed | aligned_bit;
      } else {
        h = static_cast<block_header*>(::operator new(needed));
        h->capacity = needed;
      }
    } catch (...) {
      object->store(0);
      throw;
    }
    object->store(reinterpret_cast<std::uintptr_t>(h) | busy_bit);
    return h;
  }
};

using callee_cache_local = callee_cache<local_form>;
using callee_cache_sendable = callee_cache<sendable_form>;
static_assert(frame_strategy<callee_cache_local>);
static_assert(frame_strategy<callee_cache_sendable>);

}  // namespace testbed
