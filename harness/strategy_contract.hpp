// The strategy contract: what a frame strategy may see when a coroutine frame is
// requested, and what it must provide. See docs/strategy-contract.md for the design.
#pragma once

#include <concepts>
#include <cstddef>
#include <new>
#include <string_view>
#include <type_traits>

namespace testbed {

// A strategy that needs nothing inside the callee object uses this as its object_state.
// It is empty, so the interface that derives from it does not grow (empty-base optimization).
struct no_object_state {};

// A strategy that needs nothing from the caller uses this as its caller_storage.
struct no_caller_storage {};

// The alignment a frame is assumed to need when the compiler does not say. C++20's promise
// operator new gets no alignment; g++ 12 has no way to pass one, and neither g++ 12 nor
// clang-19 (without -fcoro-aligned-allocation) aligns an over-aligned frame itself.
inline constexpr std::size_t default_frame_alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
// The strictest frame alignment the strategies with fixed buffers serve: a cache line.
inline constexpr std::size_t max_frame_alignment = 64;

// Everything a strategy may know when a frame is requested. The language gives the
// frame size only at run time, inside the coroutine's ramp (promise operator new):
// neither the caller nor the vtable knows it earlier.
template <class Strategy>
struct frame_request {
  std::size_t size;   // bytes the compiler asked for (the whole coroutine frame)
  // The alignment the frame needs: exact when the compiler passes it (clang-19 with
  // -fcoro-aligned-allocation, the P2014 align_val_t form), else default_frame_alignment.
  std::size_t align;
  // The callee object's strategy state for member coroutines whose object derives from
  // Strategy::object_state; nullptr for free coroutines. Mutable even for const members:
  // it is storage that belongs to the strategy, not to the object's logical state.
  typename Strategy::object_state* callee;
  // Storage the caller passed to the call (an argument of type Strategy::caller_storage&);
  // nullptr when the call has no such argument.
  typename Strategy::caller_storage* storage;
};

// Outstanding calls without a limit.
inline constexpr int unlimited_calls = -1;

// What a strategy declares about itself. The conformance suite (tests/conformance) checks
// every declaration against the strategy's real behaviour.
struct strategy_traits {
  // Calls to the global allocator for one call of the AsyncIterator loop: the very first
  // call on a fresh thread, object and caller storage; and every call once warm.
  int first_call_allocations;
  int steady_allocations;
  // The largest frame served; 0 when any size is.
  std::size_t max_frame_bytes = 0;
  // Outstanding (created, not yet destroyed) calls one object / one caller_storage serves.
  int calls_per_object = unlimited_calls;
  int calls_per_storage = unlimited_calls;
  // Frames live inside the caller's storage object, so it must outlive them (a future
  // that escapes its call site is a fatal misuse).
  bool frames_in_caller_storage = false;
  // Frames must be freed in reverse order of allocation (a stack).
  bool lifo_only = false;
  // A frame must be freed on the thread that allocated it (the Local form of a strategy
  // with unsynchronized state); freeing it elsewhere is detected and fatal.
  bool same_thread_release = false;
  // Frames come from the running task's runtime (sync_wait or an executor installs it).
  bool needs_task_runtime = false;
};

// A frame strategy: where a coroutine frame called through an interface goes.
//  - name: the row name in benchmarks and reports (snake_case);
//  - object_state: what the strategy adds to every object of an interface using it;
//  - caller_storage: what a caller keeps and passes to every call;
//  - allocate: returns memory of at least request.size bytes aligned to request.align,
//    or throws (testbed::frame_error for misuse, std::bad_alloc for exhaustion);
//  - deallocate: given only the pointer, the size and the alignment (all a sized promise
//    operator delete gets), returns the memory to where it came from;
//  - traits: its allocation profile and limits (strategy_traits).
template <class S>
concept frame_strategy =
    std::is_class_v<typename S::object_state> && std::is_class_v<typename S::caller_storage> &&
    requires(const frame_request<S>& request, void* frame, std::size_t size, std::size_t align) {
      { S::name } -> std::convertible_to<std::string_view>;
      { S::allocate(request) } -> std::same_as<void*>;
      { S::deallocate(frame, size, align) } noexcept;
      { S::traits } -> std::convertible_to<strategy_traits>;
    };

template <class S>
using object_state_t = typename S::object_state;

template <class S>
using caller_storage_t = typename S::caller_storage;

}  // namespace testbed
