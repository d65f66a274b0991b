// W6: the plugin loads, its frames are counted by this binary's frame statistics (one set
// of thread-locals across the executable and the module), every strategy that serves its
// frames gives the right sums, and max-space's failure on the large frame is a clear error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/frame_error.hpp"
#include "harness/frame_stats.hpp"
#include "harness/sync_wait.hpp"
#include "tests/forced_cells.hpp"
#include "tests/strategy_types.hpp"
#include "workloads/plugin/plugin_api.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

const plugin_library& plugin() {
  static const plugin_library loaded(default_plugin_path());
  return loaded;
}

constexpr int items = 100;
constexpr long sum_of_items = items * (items - 1) / 2;

template <frame_strategy S>
long run(plugin_kind kind) {
  auto it = plugin().make<S>(kind, items);
  int once = 1;
  return sync_wait(sum_passes(*it, [&once] { return once-- > 0; }));
}

TEST(plugin, loads_and_its_frames_are_counted_here) {
  EXPECT_GT(plugin().frame_bytes(plugin_kind::large), 2048u);
  EXPECT_LT(plugin().frame_bytes(plugin_kind::small), 512u);
  const auto before = frames_this_thread();
  EXPECT_EQ(run<box>(plugin_kind::small), sum_of_items);
  // the root task's frame (here) and one frame per next() (placed by the plugin's code)
  EXPECT_EQ(frames_this_thread().frames - before.frames, static_cast<std::uint64_t>(1 + items + 1));
}

TEST(plugin, a_bad_path_is_a_clear_error) {
  try {
    plugin_library missing("/nonexistent/plugin.so");
    FAIL() << "loading a missing plugin succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("cannot load plugin /nonexistent/plugin.so"));
  }
}

TEST(plugin, max_space_reports_the_sizes_of_a_frame_it_was_not_sized_for) {
  auto it = plugin().make<max_space_local>(plugin_kind::large, items);
  max_space_local::caller_storage storage;
  try {
    auto t = it->next(storage);
    FAIL() << "a 2 KiB frame was placed in a 512-byte buffer";
  } catch (const frame_error& e) {
    EXPECT_GT(e.needed(), 2048u);
    EXPECT_EQ(e.available(), 512u);
    EXPECT_THAT(e.what(), ::testing::HasSubstr("512 available"));
  }
}

template <class S>
class plugin_strategies : public ::testing::Test {};
TYPED_TEST_SUITE(plugin_strategies, testbed::testing::all_strategy_types,
                 testbed::testing::strategy_names);

TYPED_TEST(plugin_strategies, serves_what_it_declares_and_fails_loudly_otherwise) {
  using S = TypeParam;
  for (auto kind : {plugin_kind::small, plugin_kind::large}) {
    const workload_needs needs{.largest_frame = plugin().frame_bytes(kind)};
    if (unsupported_reason<S>(needs)) {
      EXPECT_CELL_FAILS(run<S>(kind));
    } else {
      EXPECT_EQ(run<S>(kind), sum_of_items);
    }
  }
}

}  // namespace
