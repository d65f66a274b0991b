// W2 under every strategy and mix: every call answers where the strategy serves the mix's
// largest frame, and a forced unsupported cell fails loudly. Also: the frames really grow
// with the locals, and fallback's heap rate depends on the mix (claim C6).
#include <gtest/gtest.h>

#include "harness/frame_stats.hpp"
#include "harness/sync_wait.hpp"
#include "tests/forced_cells.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/mixed_frames/mixed_frames.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

template <frame_strategy S>
long run_mix(int distribution, std::size_t length) {
  auto sources = make_all_sources<S>();
  const auto sequence = call_sequence(distribution, length);
  int once = 1;
  return sync_wait(mixed_passes(sources, sequence, [&once] { return once-- > 0; }));
}

template <class S>
class mixed_frames : public ::testing::Test {};
TYPED_TEST_SUITE(mixed_frames, testbed::testing::all_strategy_types, testbed::testing::strategy_names);

TYPED_TEST(mixed_frames, serves_what_it_declares_and_fails_loudly_otherwise) {
  using S = TypeParam;
  for (int mix = 0; mix < distribution_count; ++mix) {
    if (unsupported_reason<S>(mixed_needs(mix))) {
      EXPECT_CELL_FAILS(run_mix<S>(mix, 4096));
    } else {
      EXPECT_EQ(run_mix<S>(mix, 1024), 1024) << "mix " << mix;
    }
  }
}

TEST(mixed_frames_sizes, frames_grow_with_the_locals_from_about_100_bytes_to_4_kib) {
  for (std::size_t i = 1; i < local_sizes.size(); ++i) {
    EXPECT_GE(measured_frame_bytes(i), measured_frame_bytes(i - 1) + (local_sizes[i] - local_sizes[i - 1]));
  }
  EXPECT_LT(measured_frame_bytes(0), 200u);
  EXPECT_GT(measured_frame_bytes(local_sizes.size() - 1), 3584u);
  EXPECT_LT(measured_frame_bytes(local_sizes.size() - 1), 4096u + 256u);
}

TEST(mixed_frames_fallback, heap_rate_depends_on_the_mix) {
  auto heap_rate = [](int mix) {
    const auto before = frames_this_thread();
    run_mix<fallback_local>(mix, 4096);
    const auto after = frames_this_thread();
    return static_cast<double>(after.heap_fallbacks - before.heap_fallbacks) / 4096.0;
  };
  const double small = heap_rate(0), skewed = heap_rate(1), uniform = heap_rate(2);
  EXPECT_LT(small, skewed);
  EXPECT_LT(skewed, uniform);
  EXPECT_GT(uniform, 0.5);
}

}  // namespace
