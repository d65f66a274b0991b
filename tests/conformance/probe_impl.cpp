// The probe's implementation, instantiated for every strategy in the list; its own
// translation unit so callers cannot see through the virtual calls.
#include <coroutine>
#include <cstring>
#include <stdexcept>

#include "strategies/eager_in_place/eager_in_place.hpp"
#include "strategies/strategy_list.hpp"
#include "tests/conformance/probe.hpp"
#include "tests/park_here.hpp"

namespace testbed::conformance {

namespace {

using ::testbed::testing::park_here;

// A suspension point the compiler must assume may suspend (so locals that live across it
// are kept in the frame), which in fact continues at once.
struct maybe_suspend {
  bool await_ready() const noexcept { return false; }
  [[gnu::noinline]] bool await_suspend(std::coroutine_handle<>) const noexcept { return false; }
  void await_resume() const noexcept {}
};

// The alignment is on the type: g++ 12 ignores alignas on a *variable* kept in a
// coroutine frame (it placed `alignas(32) char x[32]` at an odd address in our tests),
// but honours an over-aligned type by over-allocating the frame and aligning it.
template <std::size_t A>
struct alignas(A) aligned_block {
  unsigned char bytes[A];
};

template <std::size_t A>
[[gnu::noinline]] void touch(volatile unsigned char* p) {
  p[0] = static_cast<unsigned char>(A);
}

template <frame_strategy S>
class probe_impl final : public probe<S> {
 public:
  task<int, S> value(caller_storage_t<S>&, int v) override { co_return v; }

  task<std::uintptr_t, S> aligned16(caller_storage_t<S>&) override {
    aligned_block<16> local;
    touch<16>(local.bytes);
    co_await maybe_suspend{};
    touch<16>(local.bytes);
    co_return reinterpret_cast<std::uintptr_t>(&local);
  }
  task<std::uintptr_t, S> aligned32(caller_storage_t<S>&) override {
    aligned_block<32> local;
    touch<32>(local.bytes);
    co_await maybe_suspend{};
    touch<32>(local.bytes);
    co_return reinterpret_cast<std::uintptr_t>(&local);
  }
  task<std::uintptr_t, S> aligned64(caller_storage_t<S>&) override {
    aligned_block<64> local;
    touch<64>(local.bytes);
    co_await maybe_suspend{};
    touch<64>(local.bytes);
    co_return reinterpret_cast<std::uintptr_t>(&local);
  }

  task<int, S> fails(caller_storage_t<S>&) override {
    co_await maybe_suspend{};
    throw std::runtime_error("probe failure");
  }

  task<int, S> parks(caller_storage_t<S>&, std::coroutine_handle<>* parked, int v) override {
    co_await park_here{parked};
    co_return v;
  }

  task<int, S> big(caller_storage_t<S>&) override {
    unsigned char local[big_frame_local_bytes + 64];
    std::memset(local, 1, sizeof local);
    touch<1>(local);
    co_await maybe_suspend{};
    touch<1>(local + sizeof local - 1);
    co_return local[100];
  }
};

}  // namespace

template <frame_strategy S>
std::unique_ptr<probe<S>> make_probe() {
  return std::make_unique<probe_impl<S>>();
}

#define TESTBED_INSTANTIATE_PROBE(S) template std::unique_ptr<probe<S>> make_probe<S>();
TESTBED_FOR_EACH_STRATEGY(TESTBED_INSTANTIATE_PROBE)
TESTBED_INSTANTIATE_PROBE(::testbed::eager_in_place)  // tests/test_eager_in_place.cpp
#undef TESTBED_INSTANTIATE_PROBE

}  // namespace testbed::conformance
