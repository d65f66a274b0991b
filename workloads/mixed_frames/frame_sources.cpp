// The frame sources, one per local size, instantiated for every strategy; their own
// translation unit, so callers cannot see their frame sizes.
#include <coroutine>
#include <random>

#include "harness/frame_size_probe.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/mixed_frames/mixed_frames.hpp"

namespace testbed::workloads {

namespace {

// A suspension point the compiler must assume may suspend, so the locals that live across
// it are kept in the frame; it continues at once.
struct maybe_suspend {
  bool await_ready() const noexcept { return false; }
  [[gnu::noinline]] bool await_suspend(std::coroutine_handle<>) const noexcept { return false; }
  void await_resume() const noexcept {}
};

// Touches the first and last byte only: the frame's size is what is measured, not memset.
[[gnu::noinline]] void touch(volatile unsigned char* bytes, std::size_t n) {
  bytes[0] = 1;
  bytes[n - 1] = 2;
}

template <frame_strategy S, std::size_t Bytes>
class sized_source final : public frame_source<S> {
 public:
  task<int, S> call(caller_storage_t<S>&) override {
    if constexpr (Bytes == 0) {
      co_await maybe_suspend{};
      co_return 1;
    } else {
      unsigned char local[Bytes];
      touch(local, Bytes);
      co_await maybe_suspend{};
      co_return local[0] + local[Bytes - 1] - 2;  // 1
    }
  }
};

template <frame_strategy S, std::size_t... I>
std::unique_ptr<frame_source<S>> make_indexed(std::size_t index, std::index_sequence<I...>) {
  std::unique_ptr<frame_source<S>> out;
  ((index == I ? (out = std::make_unique<sized_source<S, local_sizes[I]>>(), 0) : 0), ...);
  return out;
}

}  // namespace

template <frame_strategy S>
std::unique_ptr<frame_source<S>> make_frame_source(std::size_t size_index) {
  return make_indexed<S>(size_index, std::make_index_sequence<local_sizes.size()>{});
}

std::vector<std::size_t> call_sequence(int distribution, std::size_t length) {
  // Weights per local size, in local_sizes order.
  static constexpr std::array<std::array<double, local_sizes.size()>, distribution_count> weights{{
      {1, 1, 0, 0, 0, 0, 0, 0},              // small
      {40, 20, 15, 10, 7, 4, 3, 1},          // skewed: mostly small frames, a long tail
      {1, 1, 1, 1, 1, 1, 1, 1},              // uniform
  }};
  std::mt19937 rng(7);  // fixed: every run and every strategy calls the same sequence
  const auto& w = weights.at(static_cast<std::size_t>(distribution));
  std::discrete_distribution<std::size_t> pick(w.begin(), w.end());
  std::vector<std::size_t> out(length);
  for (auto& i : out) i = pick(rng);
  return out;
}

std::size_t measured_frame_bytes(std::size_t size_index) {
  static const auto sizes = [] {
    std::array<std::size_t, local_sizes.size()> out{};
    for (std::size_t i = 0; i < local_sizes.size(); ++i) {
      auto source = make_frame_source<frame_size_probe>(i);
      frame_size_probe::caller_storage storage;
      auto t = source->call(storage);  // the frame exists once the call is made
      out[i] = frame_size_probe::last_frame_bytes();
    }
    return out;
  }();
  return sizes.at(size_index);
}

#define TESTBED_INSTANTIATE_SOURCES(S) \
  template std::unique_ptr<frame_source<S>> make_frame_source<S>(std::size_t);
TESTBED_FOR_EACH_STRATEGY(TESTBED_INSTANTIATE_SOURCES)
TESTBED_INSTANTIATE_SOURCES(::testbed::frame_size_probe)
#undef TESTBED_INSTANTIATE_SOURCES

}  // namespace testbed::workloads
