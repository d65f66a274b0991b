// Strategy "eager_in_place": the C++ counterpart of the Rust in_place row. The caller passes
// a slot (frame bytes, result bytes, one state byte, the awaiter's handle); the callee's
// frame is placed in it, the body starts in the call, and the result is written into the
// slot, so a call that completes in its ramp ends its own frame there (final suspension
// never suspends when nobody awaits) and the caller reads the result from its own storage:
// no indirect resume or destroy call, no noop_coroutine, no owner link to keep current.
// A task<T, eager_in_place> is one pointer to the slot (the partial specialization below).
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

#include "harness/build_mode.hpp"
#include "harness/design_post.hpp"
#include "harness/frame_error.hpp"
#include "harness/frame_placement.hpp"
#include "harness/frame_stats.hpp"
#include "harness/task.hpp"

namespace testbed {

// The caller's slot: one outstanding call's frame and result. A local of the caller (in W1,
// of the calling coroutine, so it lives in the caller's frame), passed to every call.
class in_place_slot {
 public:
  // 512 frame bytes, as max_space and the Rust in_place row (stackfuture's own example).
  static constexpr std::size_t frame_capacity = 512;
  // Room for a result of up to 32 bytes (W1's std::optional<int> takes 8, an
  // exception_ptr 8): a larger result type is a compile-time error (result_fits).
  static constexpr std::size_t result_capacity = 32;
  template <class T>
  static constexpr bool result_fits() {
    if constexpr (std::is_void_v<T>) {
      return true;
    } else {
      return sizeof(T) <= result_capacity && alignof(T) <= alignof(std::max_align_t);
    }
  }

  // User-provided so that `in_place_slot s{};` does not zero 544 bytes per caller.
  in_place_slot() noexcept {}
  in_place_slot(const in_place_slot&) = delete;
  in_place_slot& operator=(const in_place_slot&) = delete;
  // A frame or a result still in the slot means a task that points here is alive (or was
  // leaked): it would read freed memory. Fatal in every build (not on the per-call path).
  ~in_place_slot() {
    if (state_ != state::free) fatal_misuse(strategy_name, outlived_message);
  }

  // --- the protocol between the slot, the promise and the task (not for callers) ---
  // free: no call; running: a frame is placed and has no result yet; value / error: the
  // result is in result_ (the frame has ended, or is suspended at its final point when
  // frame_kept is set too: the awaiter was resumed by symmetric transfer and destroys it).
  // A 32-bit state, not a byte: an access through a byte type may alias anything, so g++
  // reloaded it after every store of the caller's (2 instructions per call, callgrind).
  enum class state : std::uint32_t { free = 0, running = 1, value = 2, error = 3 };
  static constexpr std::uint32_t frame_kept = 4;

  // The frame's memory, or a frame_error: too large, too aligned, or a call is outstanding.
  // Inlined into the ramp, where size and align are constants: the two size checks fold.
  // The refusals are thrown out of line: in line, g++ 12 set up a frame pointer and saved
  // two more registers in every ramp for the throw's stack arguments (callgrind, W1).
  void* take(std::size_t size, std::size_t align) {
    if (align > max_frame_alignment) refuse(too_aligned_message);
    if (size > frame_capacity) refuse(does_not_fit_message, size);
    if (state_ != state::free) [[unlikely]] refuse(busy_message);
    state_ = state::running;
    return frame_;
  }
  static void* take_or_refuse(in_place_slot* slot, std::size_t size, std::size_t align) {
    if (slot == nullptr) [[unlikely]] refuse(missing_message);
    return slot->take(size, align);
  }

  template <class T, class... U>
  void set_value(U&&... v) noexcept(std::is_void_v<T> || std::is_nothrow_constructible_v<T, U&&...>) {
    if constexpr (!std::is_void_v<T>) {
      ::new (static_cast<void*>(result_)) T(std::forward<U>(v)...);
    }
    state_ = state::value;
  }
  void set_error(std::exception_ptr e) noexcept {
    ::new (static_cast<void*>(result_)) std::exception_ptr(std::move(e));
    state_ = state::error;
  }
  bool finished() const noexcept { return static_cast<std::uint32_t>(state_) >= 2; }
  // The fast state: a value, its frame ended.
  bool holds_value() const noexcept { return state_ == state::value; }
  bool idle() const noexcept { return state_ == state::free; }

  // Called by the final awaiter when it leaves the frame suspended for the awaiter.
  void keep_frame() noexcept {
    state_ = static_cast<state>(static_cast<std::uint32_t>(state_) | frame_kept);
  }

  // The result, moved out; the slot is free again. The fast path (a value, frame ended) is
  // two loads and a store; the rest is out of line.
  template <class T>
  T take_result() {
    if (state_ == state::value) [[likely]] {
      state_ = state::free;
      if constexpr (std::is_void_v<T>) {
        return;
      } else if constexpr (std::is_trivially_destructible_v<T>) {
        return std::move(*std::launder(reinterpret_cast<T*>(result_)));
      } else {
        T* p = std::launder(reinterpret_cast<T*>(result_));
        T out(std::move(*p));
        p->~T();
        return out;
      }
    }
    return take_result_slowly<T>();
  }

  // Gives the slot back whatever state the call is in: destroys a frame still placed (a
  // task dropped while its call was suspended), a result nobody took. Out of line.
  template <class T>
  [[gnu::noinline]] void abandon() noexcept {
    const auto raw = static_cast<std::uint32_t>(state_);
    if (raw == static_cast<std::uint8_t>(state::running) || (raw & frame_kept) != 0) destroy_frame();
    drop_result<T>();
    awaiter = {};
    state_ = state::free;
  }

 private:
  static constexpr std::string_view strategy_name = "eager_in_place";
  static constexpr std::string_view missing_message = "the call was given no caller slot";
  static constexpr std::string_view too_aligned_message =
      "frame alignment above 64 bytes is not supported";
  static constexpr std::string_view does_not_fit_message = "frame does not fit the caller's slot";
  static constexpr std::string_view busy_message =
      "a second outstanding call on the caller's slot (it holds one call)";
  static constexpr std::string_view outlived_message =
      "the caller's slot was destroyed while a call's frame or result was still in it (a future "
      "outlived the caller's storage)";

  [[noreturn, gnu::cold, gnu::noinline]] static void refuse(std::string_view problem,
                                                            std::size_t needed = 0) {
    if (needed != 0) throw frame_error(strategy_name, problem, needed, frame_capacity);
    throw frame_error(strategy_name, problem);
  }

  void destroy_frame() noexcept {
    // Clear the mark first: destroying the frame runs its promise's destructor, and the
    // frame's own operator delete does not touch the state.
    state_ = static_cast<state>(static_cast<std::uint32_t>(state_) & ~frame_kept);
    std::coroutine_handle<>::from_address(static_cast<void*>(frame_)).destroy();
  }
  template <class T>
  void drop_result() noexcept {
    if (state_ == state::value) {
      if constexpr (!std::is_void_v<T>) std::launder(reinterpret_cast<T*>(result_))->~T();
    } else if (state_ == state::error) {
      std::launder(reinterpret_cast<std::exception_ptr*>(result_))->~exception_ptr();
    }
  }
  // The slow states of take_result: a frame kept for the awaiter (destroyed now), an
  // exception (rethrown), no result at all (awaiting a task whose call has not finished).
  // Out of line, so that the fast path does not join it: g++ 12 then tests the state once
  // and sees that the task forgot its slot, leaving its destructor out (callgrind, W1).
  template <class T>
  [[gnu::noinline]] T take_result_slowly() {
    settle<T>();
    return take_result<T>();
  }
  template <class T>
  void settle() {
    if ((static_cast<std::uint32_t>(state_) & frame_kept) != 0) destroy_frame();
    if (state_ == state::value) return;
    if (state_ == state::error) {
      auto* p = std::launder(reinterpret_cast<std::exception_ptr*>(result_));
      std::exception_ptr e = std::move(*p);
      p->~exception_ptr();
      state_ = state::free;
      std::rethrow_exception(e);
    }
    throw std::logic_error("testbed::task: no result (task not finished)");
  }

  // A cache line: every frame up to the strictest alignment the testbed serves sits at the
  // slot's start, so the frame's address is always frame_ (no offset to remember). The
  // caller's own frame becomes over-aligned; in W1 that is the root, allocated once.
  alignas(max_frame_alignment) std::byte frame_[frame_capacity];
  alignas(std::max_align_t) std::byte result_[result_capacity];
  state state_ = state::free;

 public:
  // The awaiter's handle: null unless a caller awaits a call that suspended.
  std::coroutine_handle<> awaiter;
};

struct eager_in_place {
  static constexpr const design_post::entry& design = design_post::max_space;
  static constexpr std::string_view placement =
      "a slot in the caller's storage holding the frame and the result, started in the call";
  static constexpr std::string_view family = "eager_in_place";
  static constexpr std::string_view name = "eager_in_place";
  // Started in the call (harness/row_manifest.hpp records the row's start from this).
  static constexpr bool eager_start = true;
  static constexpr strategy_traits traits{.first_call_allocations = 0,
                                          .steady_allocations = 0,
                                          .max_frame_bytes = in_place_slot::frame_capacity,
                                          .calls_per_storage = 1,
                                          .frames_in_caller_storage = true};
  using object_state = no_object_state;
  using caller_storage = in_place_slot;

  // The contract's two functions (the task's promise calls the slot directly, with the
  // same checks): the slot's frame bytes, and nothing to give back (the slot's state is
  // the call's, freed when the caller takes the result or drops the task).
  static void* allocate(const frame_request<eager_in_place>& request) {
    return in_place_slot::take_or_refuse(request.storage, request.size, request.align);
  }
  static void deallocate(void*, std::size_t, std::size_t) noexcept {}
};
static_assert(frame_strategy<eager_in_place>);

template <class T>
class task<T, eager_in_place>;

namespace detail {

// The final suspension: when nobody awaits (the call completed in its ramp, or before the
// caller awaited it), the frame ends right there; the result is already in the slot. When
// a caller awaits, the frame stays suspended and the caller is resumed by symmetric
// transfer; it destroys the frame when it takes the result.
struct in_place_final_awaiter {
  in_place_slot* slot;
  bool await_ready() const noexcept { return !slot->awaiter; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<>) const noexcept {
    slot->keep_frame();
    return std::exchange(slot->awaiter, {});
  }
  void await_resume() const noexcept {}
};

template <class T>
class in_place_promise_base {
 public:
  // The promise gets the coroutine's arguments: the slot is the argument of type
  // in_place_slot (operator new refused the call if there is none).
  template <class... Args>
  explicit in_place_promise_base(Args&... args) noexcept
      : slot_(storage_of<eager_in_place>(args...)) {}

  template <class... Args>
  static void* operator new(std::size_t size, Args&... args) {
    return place(size, default_frame_alignment, storage_of<eager_in_place>(args...));
  }
  template <class... Args>
  static void* operator new(std::size_t size, std::align_val_t align, Args&... args) {
    return place(size, static_cast<std::size_t>(align), storage_of<eager_in_place>(args...));
  }
  static void operator delete(void*, std::size_t size) noexcept { record_frame_freed(size); }
  static void operator delete(void*, std::size_t size, std::align_val_t) noexcept {
    record_frame_freed(size);
  }

  task<T, eager_in_place> get_return_object() noexcept;
  std::suspend_never initial_suspend() const noexcept { return {}; }
  in_place_final_awaiter final_suspend() const noexcept { return {slot_}; }
  void unhandled_exception() noexcept { slot_->set_error(std::current_exception()); }

 protected:
  in_place_slot* slot_;

 private:
  static void* place(std::size_t size, std::size_t align, in_place_slot* slot) {
    void* frame;
    try {
      frame = in_place_slot::take_or_refuse(slot, size, align);
    } catch (...) {
      record_frame_refused();
      throw;
    }
    record_frame(size);
    return frame;
  }
};

template <class T>
class in_place_promise : public in_place_promise_base<T> {
 public:
  using in_place_promise_base<T>::in_place_promise_base;
  template <class U>
    requires std::is_constructible_v<T, U&&>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    this->slot_->template set_value<T>(std::forward<U>(value));
  }
};

template <>
class in_place_promise<void> : public in_place_promise_base<void> {
 public:
  using in_place_promise_base<void>::in_place_promise_base;
  void return_void() noexcept { this->slot_->set_value<void>(); }
};

}  // namespace detail

// The task of an eager_in_place call: a pointer to the caller's slot, which holds the
// call's frame while it runs and its result once it finished. Move-only; dropping a task
// whose call is suspended destroys the frame, dropping one whose result was not taken
// destroys the result.
template <class T>
class [[nodiscard]] task<T, eager_in_place> {
 public:
  static_assert(!std::is_reference_v<T>, "testbed::task<T&> is not supported; return a pointer");
  static_assert(in_place_slot::result_fits<T>(),
                "the result type does not fit the slot's result bytes");
  using promise_type = detail::in_place_promise<T>;
  using value_type = T;
  using strategy = eager_in_place;

  task(task&& other) noexcept : slot_(std::exchange(other.slot_, nullptr)) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      release();
      slot_ = std::exchange(other.slot_, nullptr);
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { release(); }

  // True once the body has run to completion (or thrown); always true for a call that
  // completed in its ramp.
  bool done() const noexcept { return !slot_ || slot_->finished(); }

  // The task is its own awaiter (no awaiter object for the caller's frame to hold).
  // Ready only in the fast state (a value, the frame ended): one compare, which the
  // result's own check then repeats on the same load.
  bool await_ready() const noexcept {
    // Awaiting a moved-from task: await_resume throws in counting builds (the timing
    // build reads through the null pointer and crashes, as loudly).
    if constexpr (!timing_build) {
      if (!slot_) return true;
    }
    return slot_->holds_value();
  }
  // The call suspended inside: whoever resumes it resumes this caller when it finishes.
  // A call that finished otherwise (an exception, a frame kept) does not suspend.
  // (Single-threaded, as every eager row: a callee finishing on another thread before
  // this store would never see the awaiter; the row serves no cross-thread workload.)
  bool await_suspend(std::coroutine_handle<> caller) const noexcept {
    if (slot_->finished()) return false;
    slot_->awaiter = caller;
    return true;
  }
  // Takes the result and forgets the slot (which the next call may take at once): the
  // task's destructor then has nothing to do.
  T await_resume() {
    in_place_slot* slot = std::exchange(slot_, nullptr);
    if constexpr (!timing_build) {
      if (!slot) throw std::logic_error("testbed::task: awaiting an empty (moved-from) task");
    }
    return slot->template take_result<T>();
  }

 private:
  friend class detail::in_place_promise_base<T>;
  explicit task(in_place_slot* slot) noexcept : slot_(slot) {}

  void release() noexcept {
    if (slot_ && !slot_->idle()) [[unlikely]] slot_->template abandon<T>();
  }

  in_place_slot* slot_;
};

namespace detail {
template <class T>
task<T, eager_in_place> in_place_promise_base<T>::get_return_object() noexcept {
  return task<T, eager_in_place>{slot_};
}
}  // namespace detail

}  // namespace testbed
