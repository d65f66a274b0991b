// The probe a workload's caller loop takes as a template parameter: no_probe, which
// compiles to the bare call (the timing pass), or latency_probe, which times each call (or
// each batch of calls) with the cycle timer into a histogram (the latency pass); its
// split form (split_latency_probe) also sorts every sample by whether a counted slow-path
// event happened during it (the counting pass: harness/latency_events.hpp). The loop is
// written once; the probe wraps the call expression, so the calls are the same code.
#pragma once

#include <cstdint>
#include <coroutine>
#include <type_traits>
#include <utility>

#include "harness/cycle_timer.hpp"
#include "harness/latency_histogram.hpp"

namespace testbed {

// The timing pass's probe: call(f) and await(f) are f(), inlined; nothing is added to the
// loop (an empty object in the caller's frame at most).
struct no_probe {
  template <class F>
  [[gnu::always_inline]] decltype(auto) call(F&& f) const {
    return std::forward<F>(f)();
  }
  template <class F>
  [[gnu::always_inline]] decltype(auto) await(F&& f) const {
    return std::forward<F>(f)();
  }
  // For call expressions await() cannot wrap (an awaitable another library's promise
  // transforms): begin() before, end() after.
  struct mark {};
  [[gnu::always_inline]] mark begin() const noexcept { return {}; }
  [[gnu::always_inline]] void end(mark) const noexcept {}
};

// No events: the latency pass's probe (the timing build counts nothing).
struct no_events {
  static constexpr bool counted = false;
  std::uint64_t read() const noexcept { return 0; }
};

// The latency pass's probe: a handle on the cell's histogram. call(f) times a synchronous
// call; await(f) times a coroutine call from before f() (the frame's placement is part of
// the call) to the caller's resumption with the result, suspensions included; begin() and
// end() mark a call the other two cannot wrap. A sample is `batch` consecutive timed
// calls (1: each call alone; more where one call is below the timer's resolution), and
// its ticks are divided by batch * calls_per_region (a timed region that makes several
// interface calls, e.g. a whole recursion), so that every sample is ticks per call.
// Events (no_events, or a counter of slow-path events such as latency_events.hpp's): read
// before a sample's clock starts and after it stops (outside the timed region); a sample
// during which the count changed is also recorded in `slow`, the others in `fast`.
template <class Events>
class basic_latency_probe {
 public:
  explicit basic_latency_probe(latency_histogram& h, std::uint64_t batch = 1,
                               std::uint64_t calls_per_region = 1) noexcept
      : h_(&h), batch_(batch), divisor_(batch * calls_per_region) {}
  basic_latency_probe(latency_histogram& h, latency_histogram& slow, latency_histogram& fast,
                      Events events, std::uint64_t batch = 1,
                      std::uint64_t calls_per_region = 1) noexcept
      : h_(&h), slow_(&slow), fast_(&fast), events_(events), batch_(batch),
        divisor_(batch * calls_per_region) {}

  template <class F>
  [[gnu::always_inline]] decltype(auto) call(F&& f) {
    const auto t0 = begin();
    if constexpr (std::is_void_v<decltype(std::forward<F>(f)())>) {
      std::forward<F>(f)();
      end(t0);
    } else {
      auto r = std::forward<F>(f)();
      end(t0);
      return r;
    }
  }

  template <class F>
  [[gnu::always_inline]] auto await(F&& f) {
    const auto t0 = begin();
    return timed<decltype(std::forward<F>(f)())>(std::forward<F>(f)(), t0, *this);
  }

  // A sample's clock starts at the first call of a batch, and stops after its last.
  [[gnu::always_inline]] cycle_timer::ticks begin() noexcept {
    if (in_batch_ == 0) {
      if constexpr (Events::counted) e0_ = events_.read();
      t0_ = cycle_timer::start();
    }
    return t0_;
  }
  [[gnu::always_inline]] void end(cycle_timer::ticks) noexcept {
    if (++in_batch_ < batch_) return;
    const auto t1 = cycle_timer::stop();
    in_batch_ = 0;
    const auto v = (t1 - t0_) / divisor_;
    h_->record(v);
    if constexpr (Events::counted) (events_.read() != e0_ ? slow_ : fast_)->record(v);
  }

 private:
  // The awaitable returned by the call (a task), and its awaiter, forwarded; the call ends
  // when the caller gets the result.
  template <class A>
  class timed {
   public:
    timed(A&& inner, cycle_timer::ticks t0, basic_latency_probe& p)
        : inner_(std::move(inner)), awaiter_(awaiter_of(inner_)), t0_(t0), p_(&p) {}
    timed(const timed&) = delete;
    timed& operator=(const timed&) = delete;

    bool await_ready() { return awaiter_.await_ready(); }
    template <class H>
    decltype(auto) await_suspend(H h) {
      return awaiter_.await_suspend(h);
    }
    decltype(auto) await_resume() {
      if constexpr (std::is_void_v<decltype(awaiter_.await_resume())>) {
        awaiter_.await_resume();
        p_->end(t0_);
      } else {
        auto r = awaiter_.await_resume();
        p_->end(t0_);
        return r;
      }
    }

   private:
    // Its operator co_await's awaiter, or the awaitable itself when it is its own awaiter.
    static decltype(auto) awaiter_of(A& a) {
      if constexpr (requires { std::move(a).operator co_await(); }) {
        return std::move(a).operator co_await();
      } else {
        return (a);
      }
    }
    A inner_;
    decltype(awaiter_of(std::declval<A&>())) awaiter_;
    cycle_timer::ticks t0_;
    basic_latency_probe* p_;
  };

  latency_histogram* h_;
  latency_histogram* slow_ = nullptr;
  latency_histogram* fast_ = nullptr;
  [[no_unique_address]] Events events_{};
  std::uint64_t batch_;
  std::uint64_t divisor_;
  std::uint64_t in_batch_ = 0;
  cycle_timer::ticks t0_ = 0;
  std::uint64_t e0_ = 0;
};

// The latency pass's probe: the samples, nothing counted.
using latency_probe = basic_latency_probe<no_events>;

// The counting pass's probe: the samples, split by the events counted during each.
template <class Events>
using split_latency_probe = basic_latency_probe<Events>;

}  // namespace testbed
