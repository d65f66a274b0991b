// A task's outcome, kept in its promise: nothing yet, a value, or an exception
// (result_slot<T>, result_slot<void>), and no_result_slot for a lazy task, which keeps no
// early result of its own.
#pragma once

#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace testbed::detail {

// A task's outcome: nothing yet, a value, or an exception. Kept in the promise, and for
// eager tasks handed to the task object when the frame ends before anyone awaits it.
template <class T>
class result_slot {
 public:
  result_slot() noexcept {}
  result_slot(const result_slot&) = delete;
  result_slot& operator=(const result_slot&) = delete;
  ~result_slot() { reset(); }

  template <class U>
  void set_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    ::new (static_cast<void*>(std::addressof(value_))) T(std::forward<U>(value));
    kind_ = kind::value;
  }
  void set_error(std::exception_ptr error) noexcept {
    ::new (static_cast<void*>(std::addressof(error_))) std::exception_ptr(std::move(error));
    kind_ = kind::error;
  }
  bool empty() const noexcept { return kind_ == kind::empty; }

  // The value fast path is inline; the throwing paths are kept out of line so that the
  // compiler inlines this into every awaiter (one branch on the hot path, no call).
  T take() {
    if (kind_ == kind::value) [[likely]] return std::move(value_);
    rethrow_or_fail();
  }

  // Moves other's outcome into this empty slot (other keeps a moved-from copy).
  void take_from(result_slot& other) noexcept {
    static_assert(std::is_nothrow_move_constructible_v<T>,
                  "eager tasks hand their result over in a noexcept path");
    if (other.kind_ == kind::value) set_value(std::move(other.value_));
    if (other.kind_ == kind::error) set_error(other.error_);
  }
  void reset() noexcept {
    if (kind_ == kind::value) value_.~T();
    if (kind_ == kind::error) error_.~exception_ptr();
    kind_ = kind::empty;
  }

 private:
  [[noreturn, gnu::noinline, gnu::cold]] void rethrow_or_fail() {
    if (kind_ == kind::error) std::rethrow_exception(error_);
    throw std::logic_error("testbed::task: no result (task not finished)");
  }

  enum class kind : unsigned char { empty, value, error };
  kind kind_ = kind::empty;
  union {
    T value_;
    std::exception_ptr error_;
  };
};

template <>
class result_slot<void> {
 public:
  void set_value() noexcept { finished_ = true; }
  void set_error(std::exception_ptr error) noexcept { error_ = std::move(error); }
  bool empty() const noexcept { return !finished_ && !error_; }
  void take() {
    if (error_) std::rethrow_exception(error_);
    if (!finished_) throw std::logic_error("testbed::task: no result (task not finished)");
  }
  void take_from(result_slot& other) noexcept {
    error_ = other.error_;
    finished_ = other.finished_;
  }
  void reset() noexcept { *this = result_slot{}; }

 private:
  std::exception_ptr error_;
  bool finished_ = false;
};

// Where a lazy task keeps an early result: nowhere (its result always stays in the frame).
struct no_result_slot {
  void reset() noexcept {}
  void take_from(no_result_slot&) noexcept {}
};

}  // namespace testbed::detail
