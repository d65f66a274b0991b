// The two forms of a strategy with per-object or per-caller state (the future_form idea):
// Local keeps plain state and checks it stays on one thread; Sendable keeps atomic state
// so a frame may be freed on another thread than the one that allocated it.
#pragma once

#include <atomic>
#include <string_view>

#include "harness/build_mode.hpp"
#include "harness/frame_error.hpp"

namespace testbed {

struct local_form {
  static constexpr std::string_view suffix = "_local";
};
struct sendable_form {
  static constexpr std::string_view suffix = "_sendable";
};

template <class F>
concept future_form = std::same_as<F, local_form> || std::same_as<F, sendable_form>;

// An address unique to the calling thread: its thread_local marker.
inline const void* this_thread_token() noexcept {
  static thread_local const char marker = 0;
  return &marker;
}

namespace detail {
// What a Local-form slot records as its owner in timing builds: any non-null constant.
inline constexpr char any_thread_marker = 0;
}  // namespace detail

// The owner a Local-form slot records when it is taken: this thread's token in counting
// builds, where check_local_owner() compares it on release; a constant in timing builds,
// which measure what a Local form costs in a language that checks it at compile time
// (Rust's !Send): no thread_local read on take, no comparison on release.
inline const void* local_owner_token() noexcept {
  if constexpr (timing_build) {
    return &detail::any_thread_marker;
  } else {
    return this_thread_token();
  }
}

// The Local form is !Send: a frame freed on another thread would race with the owner's
// next call, so it is a fatal misuse, reported instead of corrupting the slot (counting,
// test and sanitizer builds; compiled out of timing builds).
inline void check_local_owner(
    const void* owner, std::string_view strategy,
    std::string_view what = "a Local-form frame was freed on another thread than the one that "
                            "allocated it (use the Sendable form for futures that move between "
                            "threads)") noexcept {
  if constexpr (!timing_build) {
    if (owner != this_thread_token()) fatal_misuse(strategy, what);
  }
}

// "Is the one slot in use": the busy flag of caller caches, callee caches, inline slots
// and caller buffers. try_acquire() on allocation, release() on deallocation.
template <future_form F>
class busy_flag;

template <>
class busy_flag<local_form> {
 public:
  bool busy() const noexcept { return owner_ != nullptr; }
  // Marks the slot taken by this thread; false if it already was.
  bool try_acquire() noexcept {
    if (owner_ != nullptr) return false;
    owner_ = local_owner_token();
    return true;
  }
  void release(std::string_view strategy) noexcept {
    check_local_owner(owner_, strategy);
    owner_ = nullptr;
  }

 private:
  const void* owner_ = nullptr;
};

template <>
class busy_flag<sendable_form> {
 public:
  bool busy() const noexcept { return taken_.load(std::memory_order_acquire); }
  // acquire: the previous holder's writes to the slot (its frame's teardown) happen-before
  // the new frame is constructed in it.
  bool try_acquire() noexcept { return !taken_.exchange(true, std::memory_order_acquire); }
  // release: publishes this frame's teardown to the next acquirer, on any thread.
  void release(std::string_view) noexcept { taken_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> taken_{false};
};

}  // namespace testbed
