// fixed_slot: room for one frame in a fixed buffer, as stackfuture has one
// StackFuture<T, N>. inline keeps one in the callee object, max_space and fallback in the
// caller; the slot holds the buffer and its busy flag, refuses what does not fit (one fit
// check, one message per refusal), places an over-aligned frame after a word pointing back
// to the slot, and is fatal when destroyed with a frame in it. The strategies then differ
// only in where the slot lives and in what they do with a frame that does not fit: refuse
// it (inline, max_space) or send it to the heap (fallback).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "harness/forms.hpp"
#include "harness/frame_error.hpp"
#include "harness/static_string.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed {

// Where a slot lives; it names the slot in refusals and misuse messages.
enum class slot_home { object, caller };

namespace detail::fixed_slot_words {
template <slot_home Home>
struct words;
template <>
struct words<slot_home::object> {
  static constexpr std::string_view holder = "the object's inline storage";
  static constexpr std::string_view missing = "not a member coroutine of an object with inline storage";
  static constexpr std::string_view outlived =
      "the object was destroyed while a call's frame was still in it";
};
template <>
struct words<slot_home::caller> {
  static constexpr std::string_view holder = "the caller's buffer";
  static constexpr std::string_view missing = "the call was given no caller buffer";
  static constexpr std::string_view outlived =
      "the caller's buffer was destroyed while a frame was still in it (a future outlived the "
      "caller's storage)";
};
inline constexpr std::string_view does_not_fit = "frame does not fit ";
inline constexpr std::string_view second_call = "a second outstanding call on ";
inline constexpr std::string_view holds_one = " (it holds one frame)";
inline constexpr std::string_view too_aligned = "frame alignment above 64 bytes is not supported";
}  // namespace detail::fixed_slot_words

// N bytes for one frame of Strategy, living in Home, with the busy flag of form F.
// Standard layout with the buffer first: a frame at the buffer's start has the slot's own
// address, which is how deallocate (given only the frame) finds the slot.
template <class Strategy, std::size_t N, future_form F, slot_home Home>
class fixed_slot {
  using words = detail::fixed_slot_words::words<Home>;

 public:
  static_assert(N % default_frame_alignment == 0, "N must keep the default alignment");
  static constexpr std::size_t capacity = N;
  // Where a frame of the default alignment starts when a word pointing back to the slot
  // precedes it: one pointer, rounded up so that the frame keeps the default alignment
  // (16 bytes on x86-64; fallback's header).
  static constexpr std::size_t back_pointer_offset =
      (sizeof(void*) + default_frame_alignment - 1) / default_frame_alignment * default_frame_alignment;

  // User-provided, so that `caller_storage s{};` (how callers declare it) or a
  // value-initialized object does not zero the N-byte buffer on every call: it is raw
  // storage, as stackfuture's MaybeUninit.
  fixed_slot() noexcept {}
  fixed_slot(const fixed_slot&) = delete;
  fixed_slot& operator=(const fixed_slot&) = delete;
  ~fixed_slot() {
    if (busy_.busy()) fatal_misuse(Strategy::name, words::outlived);
  }

  // The one fit check: a frame of `size` bytes starting `offset` bytes into the buffer.
  static constexpr bool fits(std::size_t offset, std::size_t size) noexcept {
    return offset <= N && size <= N - offset;
  }

  // The frame at the start of `slot`'s buffer (at its alignment, after a back pointer, if
  // over-aligned), or a frame_error: no slot, too large, or the slot already holds a frame.
  // The refusals throw in line, as the strategies' own code did before the slot was
  // shared: g++ 12 then counts the same instructions per call as before for inline and
  // max_space (callgrind, W1 and recursion_chain). Out of line they would save 6 more
  // under g++ (clang-19 inlines this into the frame's operator new either way).
  static void* take(fixed_slot* slot, std::size_t size, std::size_t align) {
    if (slot == nullptr) throw frame_error(Strategy::name, words::missing);
    if (align > max_frame_alignment) throw frame_error(Strategy::name, too_aligned_message);
    if (align > default_frame_alignment) [[unlikely]] return slot->take_over_aligned(size, align);
    if (!fits(0, size)) throw frame_error(Strategy::name, does_not_fit_message, size, N);
    if (!slot->busy_.try_acquire()) throw frame_error(Strategy::name, busy_message);
    return slot->buffer_;
  }

  // Takes the slot for a frame of the default alignment placed after a back pointer
  // (frame_after_back_pointer); false when the frame does not fit or the slot holds one
  // already (fallback then goes to the heap).
  bool try_take_after_back_pointer(std::size_t size) noexcept {
    return fits(back_pointer_offset, size) && busy_.try_acquire();
  }
  // Where that frame goes, with the word before it pointing back to this slot.
  void* frame_after_back_pointer() noexcept {
    void* frame = buffer_ + back_pointer_offset;
    back_pointer(frame) = this;
    return frame;
  }

  // Frees the slot of the frame it holds.
  void release() noexcept { busy_.release(Strategy::name); }

  // The word before a frame placed after a back pointer: the slot whose buffer holds it
  // (fallback also writes null there for a heap frame).
  static fixed_slot*& back_pointer(void* frame) noexcept {
    return *reinterpret_cast<fixed_slot**>(static_cast<std::byte*>(frame) - sizeof(void*));
  }

  // The slot holding a frame take() placed: the buffer's own address for a frame of the
  // default alignment (the buffer is the slot's first member), else the back pointer.
  static fixed_slot* owner_of(void* frame, std::size_t align) noexcept {
    static_assert(std::is_standard_layout_v<fixed_slot>, "the buffer's address is the slot's");
    return align > default_frame_alignment ? back_pointer(frame) : static_cast<fixed_slot*>(frame);
  }

 private:
  static constexpr std::string_view busy_message =
      concat<detail::fixed_slot_words::second_call, words::holder, detail::fixed_slot_words::holds_one>;
  static constexpr std::string_view does_not_fit_message =
      concat<detail::fixed_slot_words::does_not_fit, words::holder>;
  static constexpr std::string_view too_aligned_message = detail::fixed_slot_words::too_aligned;

  // An over-aligned frame (clang's P2014 alignment above the default): at the first address
  // of its alignment after one back-pointer word. Rare: out of line.
  [[gnu::cold, gnu::noinline]] void* take_over_aligned(std::size_t size, std::size_t align) {
    const auto base = reinterpret_cast<std::uintptr_t>(buffer_);
    const std::uintptr_t at = (base + sizeof(void*) + align - 1) & ~(std::uintptr_t{align} - 1);
    const auto offset = static_cast<std::size_t>(at - base);
    if (!fits(offset, size)) throw frame_error(Strategy::name, does_not_fit_message, offset + size, N);
    if (!busy_.try_acquire()) throw frame_error(Strategy::name, busy_message);
    void* frame = buffer_ + offset;
    back_pointer(frame) = this;
    return frame;
  }

  // The default new alignment, not a cache line: a stricter member would make every
  // object or caller frame holding the slot over-aligned (under clang's
  // -fcoro-aligned-allocation a coroutine frame holding it would take the slower aligned
  // operator new). An over-aligned frame is placed at its alignment inside the buffer
  // instead (take_over_aligned), or, for fallback, on the heap.
  alignas(default_frame_alignment) std::byte buffer_[N];
  busy_flag<F> busy_;
};

}  // namespace testbed
