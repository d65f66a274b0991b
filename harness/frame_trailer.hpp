// A word stored just after a frame: how strategies whose operator delete sees only
// (pointer, size) find where a frame came from (as Boost.Cobalt keeps its allocator at
// the end of the frame).
#pragma once

#include <cstddef>
#include <cstring>

namespace testbed {

// Bytes to request for a frame of `size` plus its trailer word.
constexpr std::size_t with_trailer(std::size_t size) noexcept {
  return (size + alignof(void*) - 1) / alignof(void*) * alignof(void*) + sizeof(void*);
}

inline void** trailer_of(void* frame, std::size_t size) noexcept {
  const std::size_t offset = (size + alignof(void*) - 1) / alignof(void*) * alignof(void*);
  return reinterpret_cast<void**>(static_cast<std::byte*>(frame) + offset);
}

template <class T>
void set_trailer(void* frame, std::size_t size, T* owner) noexcept {
  *trailer_of(frame, size) = static_cast<void*>(owner);
}

template <class T>
T* get_trailer(void* frame, std::size_t size) noexcept {
  return static_cast<T*>(*trailer_of(frame, size));
}

}  // namespace testbed
