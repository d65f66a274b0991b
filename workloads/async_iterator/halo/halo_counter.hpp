// W1's counter behind halo_task, in the four shapes the compiler's own frame placement
// (HALO) is measured on: a callee the caller sees (same TU), a callee in another TU (seen
// only under ThinLTO), an interface with one final implementation in another TU (seen only
// if whole-program devirtualization turns the virtual call into a direct one), and an
// interface whose caller guards on one known final class (guarded devirtualization).
// Every caller loop is a coroutine returning halo_task: clang elides only a call awaited
// by a coroutine whose own return type carries the attribute (measured on a toy: a loop
// returning task<long, box> made 1002 allocations, one returning halo_task 1).
#pragma once

#include <memory>
#include <optional>
#include <typeinfo>

#include "workloads/async_iterator/async_iterator.hpp"
#include "workloads/async_iterator/halo/halo_task.hpp"

namespace testbed::halo {

using item = std::optional<int>;

// Same TU: the callee's body is in this header, the call is static.
class static_counter {
 public:
  explicit static_counter(int items) : state_(items) {}
  halo_task<item> next() { co_return state_.advance(); }

 private:
  workloads::counter_state state_;
};

template <class More>
halo_task<long> sum_passes(static_counter& it, More more) {
  long sum = 0;
  while (more()) {
    while (auto x = co_await it.next()) sum += *x;
  }
  co_return sum;
}

// Another TU: next() is defined in halo_lto_callees.cpp (ThinLTO when available).
class extern_counter {
 public:
  explicit extern_counter(int items) : state_(items) {}
  halo_task<item> next();

 private:
  workloads::counter_state state_;
};

// The interface of the devirtualized row: one implementation in the whole program, a
// final class in halo_lto_callees.cpp that no caller sees.
class lone_iterator {
 public:
  virtual ~lone_iterator() = default;
  virtual halo_task<item> next() = 0;
};
std::unique_ptr<lone_iterator> make_lone_counter(int items);

// The caller loops of those two rows, in halo_lto_loops.cpp (the caller's TU under ThinLTO).
halo_task<long> sum_passes(extern_counter& it, pass_source more);
halo_task<long> sum_passes(lone_iterator& it, pass_source more);

// Guarded devirtualization: an interface with several implementations, one of them a final
// class the caller knows (its body is here); the object comes from a factory the caller
// cannot see through (halo_opaque.cpp).
class guarded_iterator {
 public:
  virtual ~guarded_iterator() = default;
  virtual halo_task<item> next() = 0;
};

class known_counter final : public guarded_iterator {
 public:
  explicit known_counter(int items) : state_(items) {}
  halo_task<item> next() override { co_return state_.advance(); }

 private:
  workloads::counter_state state_;
};

// A known_counter and another implementation (the guard's miss), built in an opaque TU.
std::unique_ptr<guarded_iterator> make_known_counter(int items);
std::unique_ptr<guarded_iterator> make_other_counter(int items);

// The inline cache of a JIT, or profile-guided indirect-call promotion written by hand:
// one type test (the type_info pointers compare equal on a hit), the static call on a hit,
// the virtual call otherwise.
inline bool is_known(const guarded_iterator& it) noexcept { return typeid(it) == typeid(known_counter); }

template <class More>
halo_task<long> sum_passes(guarded_iterator& it, More more) {
  long sum = 0;
  while (more()) {
    for (;;) {
      item x;
      if (is_known(it)) {
        x = co_await static_cast<known_counter&>(it).known_counter::next();
      } else {
        x = co_await it.next();
      }
      if (!x) break;
      sum += *x;
    }
  }
  co_return sum;
}

}  // namespace testbed::halo
