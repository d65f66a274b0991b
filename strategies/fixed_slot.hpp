// What the one-frame fixed buffers share (inline's object slot, max_space's caller
// buffer): an over-aligned frame is placed at its alignment inside the buffer, after a word
// pointing back to the slot that holds it, and found again from that word. A Slot has a
// `std::byte buffer[N]` first and a `busy` flag (harness/forms.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness/frame_error.hpp"

namespace testbed::fixed_slot {

// The word before an over-aligned frame: the slot whose buffer holds it.
template <class Slot>
Slot*& back_pointer(void* frame) noexcept {
  return *reinterpret_cast<Slot**>(static_cast<std::byte*>(frame) - sizeof(void*));
}

// The slot holding `frame`: the buffer's own address for a frame of default alignment
// (the buffer is the slot's first member), else the back pointer.
template <class Slot>
Slot* owner_of(void* frame, std::size_t align, std::size_t default_align) noexcept {
  return align > default_align ? back_pointer<Slot>(frame) : static_cast<Slot*>(frame);
}

// An over-aligned frame (clang's P2014 alignment above the default): at the first address
// of its alignment after one back-pointer word. Rare: out of line.
template <class Slot, std::size_t N>
[[gnu::cold, gnu::noinline]] void* place_over_aligned(Slot& slot, std::size_t size, std::size_t align,
                                                      std::string_view name,
                                                      std::string_view does_not_fit,
                                                      std::string_view already_busy) {
  const auto base = reinterpret_cast<std::uintptr_t>(slot.buffer);
  const std::uintptr_t at = (base + sizeof(void*) + align - 1) & ~(align - 1);
  const std::size_t used = static_cast<std::size_t>(at - base) + size;
  if (used > N) throw frame_error(name, does_not_fit, used, N);
  if (!slot.busy.try_acquire()) throw frame_error(name, already_busy);
  void* frame = reinterpret_cast<void*>(at);
  back_pointer<Slot>(frame) = &slot;
  return frame;
}

}  // namespace testbed::fixed_slot
