// Where a coroutine frame goes: the testbed's subject. Every task's promise derives from
// frame_placement<S>, whose operator new builds the frame_request (the size and alignment
// the compiler asks for, the callee object's strategy state, the caller's storage) and hands
// it to the strategy S; operator delete gives the frame back to S. Both record the frame in
// frame_stats. Nothing else happens here, as in Asio's short recycling operator new.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>

#include "harness/frame_stats.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed::detail {

// The callee object of a member coroutine is its first argument ([dcl.fct.def.coroutine]
// p9 passes *this first). It is the callee only if it derives from S::object_state.
template <class S>
object_state_t<S>* callee_of() noexcept {
  return nullptr;
}
template <class S, class First, class... Rest>
object_state_t<S>* callee_of(First& first, Rest&...) noexcept {
  using state = object_state_t<S>;
  if constexpr (std::is_base_of_v<state, std::remove_cv_t<First>>) {
    return const_cast<state*>(static_cast<const state*>(std::addressof(first)));
  } else {
    return nullptr;
  }
}

// The caller's storage is the first argument whose type is exactly S::caller_storage.
template <class S, class Arg>
caller_storage_t<S>* storage_if(Arg& arg) noexcept {
  if constexpr (std::is_same_v<std::remove_cv_t<Arg>, caller_storage_t<S>>) {
    return const_cast<caller_storage_t<S>*>(std::addressof(arg));
  } else {
    return nullptr;
  }
}
template <class S, class... Args>
caller_storage_t<S>* storage_of(Args&... args) noexcept {
  caller_storage_t<S>* found = nullptr;
  ((found = found ? found : storage_if<S>(args)), ...);
  return found;
}

// Whether S's frames count in frame_stats (all but the harness's own, harness_frames).
template <class S>
constexpr bool records_frames() {
  if constexpr (requires { S::record_frames; }) {
    return S::record_frames;
  } else {
    return true;
  }
}

// Two forms of operator new: the plain C++20 one, and the P2014 one with the frame's
// alignment, which clang-19 calls under -fcoro-aligned-allocation (g++ 12 never does).
template <frame_strategy S>
struct frame_placement {
  template <class... Args>
  static void* operator new(std::size_t size, Args&... args) {
    return place(size, default_frame_alignment, args...);
  }
  template <class... Args>
  static void* operator new(std::size_t size, std::align_val_t align, Args&... args) {
    return place(size, static_cast<std::size_t>(align), args...);
  }
  static void operator delete(void* frame, std::size_t size) noexcept {
    if constexpr (records_frames<S>()) record_frame_freed(size);
    S::deallocate(frame, size, default_frame_alignment);
  }
  static void operator delete(void* frame, std::size_t size, std::align_val_t align) noexcept {
    if constexpr (records_frames<S>()) record_frame_freed(size);
    S::deallocate(frame, size, static_cast<std::size_t>(align));
  }

 private:
  template <class... Args>
  static void* place(std::size_t size, std::size_t align, Args&... args) {
    void* frame;
    try {
      frame = S::allocate(
          frame_request<S>{size, align, callee_of<S>(args...), storage_of<S>(args...)});
    } catch (...) {
      if constexpr (records_frames<S>()) record_frame_refused();
      throw;
    }
    if constexpr (records_frames<S>()) record_frame(size);
    return frame;
  }
};

}  // namespace testbed::detail
