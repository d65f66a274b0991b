// halo_task<T>: testbed's task<T, box> (the same promise, awaiter, final suspension and
// frame placement) with clang's [[clang::coro_await_elidable]] on the type, where the
// compiler has it (clang >= 20): a call returning halo_task that a coroutine returning
// halo_task co_awaits as a prvalue may get its callee's frame placed inside the awaiting
// frame (HALO: no operator new, no frame request). Elsewhere it is task<T, box> under
// another name, so the same loops build and measure one boxed frame per call.
#pragma once

#include <utility>

#include "harness/task.hpp"
#include "strategies/box/box.hpp"

#if defined(__clang__) && defined(__has_cpp_attribute)
#if __has_cpp_attribute(clang::coro_await_elidable)
#define TESTBED_HAS_CORO_AWAIT_ELIDABLE 1
#endif
#endif
#ifndef TESTBED_HAS_CORO_AWAIT_ELIDABLE
#define TESTBED_HAS_CORO_AWAIT_ELIDABLE 0
#endif

#if TESTBED_HAS_CORO_AWAIT_ELIDABLE
#define TESTBED_CORO_AWAIT_ELIDABLE [[clang::coro_await_elidable]]
#else
#define TESTBED_CORO_AWAIT_ELIDABLE
#endif

namespace testbed::halo {

// Whether this compiler may place an awaited callee's frame in its caller's (the attribute).
inline constexpr bool compiler_has_halo = TESTBED_HAS_CORO_AWAIT_ELIDABLE != 0;
// Whether the ThinLTO targets were built with ThinLTO (CMake: clang >= 20 and lld-22 found).
#ifdef TESTBED_HALO_THINLTO
inline constexpr bool built_with_thinlto = true;
#else
inline constexpr bool built_with_thinlto = false;
#endif
// Whether the halo_pgo objects were built with a training run's profile under ThinLTO.
#ifdef TESTBED_HALO_PGO
inline constexpr bool built_with_pgo = true;
#else
inline constexpr bool built_with_pgo = false;
#endif

// The unsupported reasons of the rows that need the attribute, or ThinLTO besides.
inline constexpr const char* needs_attribute = "needs clang >= 20 for [[clang::coro_await_elidable]]";
inline constexpr const char* needs_thinlto =
    "needs clang >= 20 for [[clang::coro_await_elidable]] and ThinLTO with lld-22";
inline constexpr const char* needs_pgo =
    "needs clang >= 20 for [[clang::coro_await_elidable]], ThinLTO with lld-22 and llvm-profdata";

template <class T>
class TESTBED_CORO_AWAIT_ELIDABLE halo_task : public task<T, box> {
 public:
  // task's promise, returning the derived type: the coroutine's return object is then the
  // promise's own (a return type differing from get_return_object's made clang-22 keep the
  // converted-from task in the ramp's stack frame and destroy it from the callee's destroy
  // function: a crash, measured on a toy).
  struct promise_type : detail::task_promise<T, box> {
    halo_task get_return_object() noexcept {
      return halo_task(detail::task_promise<T, box>::get_return_object());
    }
  };
  explicit halo_task(task<T, box>&& t) noexcept : task<T, box>(std::move(t)) {}
};

// Where a caller loop in another translation unit asks whether to run one more pass
// (benchmarks: state.KeepRunning(); tests: a pass count). One indirect call per pass of
// 1001 calls.
struct pass_source {
  bool (*more)(void*);
  void* context;
  bool operator()() const { return more(context); }
};

}  // namespace testbed::halo
