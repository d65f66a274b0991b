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
#include "harness/strategy_contract.hpp"

namespace testbed {

namespace detail::callee_cache_impl {
// The cached block starts with this header; the frame follows one cache line in, so a
// frame of any alignment up to max_frame_alignment is placed correctly.
struct block_header {
  std::size_t capacity;   // bytes of the whole block
  const void* owner;      // Local form: the thread that allocated the current frame
};
inline constexpr std::size_t header_bytes = max_frame_alignment;
static_assert(sizeof(block_header) <= header_bytes);
// The object's word: the block's address, with the low bit set while a frame is in it
// (blocks from operator new are 16-byte aligned, so the bit is free).
inline constexpr std::uintptr_t busy_bit = 1;
}  // namespace detail::callee_cache_impl

template <future_form F>
struct callee_cache {
  static constexpr bool local = std::is_same_v<F, local_form>;
  static constexpr std::string_view name = local ? "callee_cache_local" : "callee_cache_sendable";
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
      ::operator delete(static_cast<void*>(h), h->capacity, std::align_val_t{max_frame_alignment});
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
    const std::size_t needed = header_bytes + with_trailer(request.size);
    if (h == nullptr || h->capacity < needed) {  // grow only when a bigger frame arrives
      if (h != nullptr) object_state::free_block(h);
      try {
        h = static_cast<block_header*>(::operator new(needed, std::align_val_t{max_frame_alignment}));
      } catch (...) {
        object->store(0);
        throw;
      }
      h->capacity = needed;
      object->store(reinterpret_cast<std::uintptr_t>(h) | busy_bit);
    }
    if constexpr (local) h->owner = this_thread_token();
    void* frame = reinterpret_cast<std::byte*>(h) + header_bytes;
    set_trailer(frame, request.size, object);
    return frame;
  }

  static void deallocate(void* frame, std::size_t size, std::size_t) noexcept {
    using namespace detail::callee_cache_impl;
    object_state* object = get_trailer<object_state>(frame, size);
    auto* h = reinterpret_cast<block_header*>(static_cast<std::byte*>(frame) - header_bytes);
    if constexpr (local) {
      if (h->owner != this_thread_token()) {
        fatal_misuse(name,
                     "a Local-form frame was freed on another thread than the one that "
                     "allocated it (use the Sendable form for futures that move between threads)");
      }
    }
    object->store(reinterpret_cast<std::uintptr_t>(h));
  }
};

using callee_cache_local = callee_cache<local_form>;
using callee_cache_sendable = callee_cache<sendable_form>;
static_assert(frame_strategy<callee_cache_local>);
static_assert(frame_strategy<callee_cache_sendable>);

}  // namespace testbed
