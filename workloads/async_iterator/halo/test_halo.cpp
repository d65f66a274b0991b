// The HALO rows' allocations and frames per call, exact, per compiler: 0 where the
// compiler places the callee's frame in the caller's (clang >= 20 with the attribute, in
// an optimized build; ThinLTO for the callees in another TU), 1 boxed frame otherwise.
// The sums check that every row still computes the counter's result.
#include <gtest/gtest.h>

#include <cstdint>

#include "harness/alloc_counter.hpp"
#include "harness/frame_stats.hpp"
#include "harness/sync_wait.hpp"
#include "workloads/async_iterator/halo/halo_counter.hpp"
#include "workloads/async_iterator/halo/halo_pgo.hpp"

namespace {

using namespace testbed;
using namespace testbed::halo;

constexpr int items = 1000;
constexpr long sum_of_items = static_cast<long>(items) * (items - 1) / 2;
constexpr int passes = 3;
constexpr std::uint64_t calls = static_cast<std::uint64_t>(passes) * (items + 1);

#ifdef __OPTIMIZE__
constexpr bool optimized = true;  // clang elides nothing at -O0
#else
constexpr bool optimized = false;
#endif
constexpr bool elides_same_tu = compiler_has_halo && optimized;
constexpr bool elides_across_tus = elides_same_tu && built_with_thinlto;

struct counts {
  std::uint64_t allocations;
  std::uint64_t frames;
};

// Runs the root (already created: its frame is not counted) and returns what the calls did.
counts run(halo_task<long> root) {
  const auto allocs = alloc::this_thread();
  const auto frames = frames_this_thread();
  EXPECT_EQ(sync_wait(std::move(root)), passes * sum_of_items);
  return {alloc::this_thread().allocations - allocs.allocations,
          frames_this_thread().frames - frames.frames};
}

auto pass_count(int n) {
  return [n]() mutable { return n-- > 0; };
}

pass_source pass_count_source(int& n) {
  return {[](void* c) { return (*static_cast<int*>(c))-- > 0; }, &n};
}

void expect_per_call(counts c, bool elided) {
  const std::uint64_t per_call = elided ? 0 : 1;
  EXPECT_EQ(c.allocations, per_call * calls) << "elided expected: " << elided;
  EXPECT_EQ(c.frames, per_call * calls);
}

TEST(halo, same_tu_places_the_frame_in_the_caller_with_the_attribute) {
  halo::static_counter it(items);
  expect_per_call(run(sum_passes(it, pass_count(passes))), elides_same_tu);
}

TEST(halo, thinlto_places_the_frame_of_a_callee_in_another_tu) {
  extern_counter it(items);
  int n = passes;
  expect_per_call(run(sum_passes(it, pass_count_source(n))), elides_across_tus);
}

// Whole-program devirtualization turns the virtual call into a direct one before HALO
// runs (measured with clang-22: no frame placed), so the virtual call gets what the
// ThinLTO static call gets.
TEST(halo, devirtualized_call_places_the_frame_in_the_caller_under_thinlto) {
  auto it = make_lone_counter(items);
  int n = passes;
  expect_per_call(run(sum_passes(*it, pass_count_source(n))), elides_across_tus);
}

// The training run's profile names the one target of the virtual call; ThinLTO's
// indirect-call promotion guards a direct call to it, which HALO then elides.
TEST(halo, pgo_promoted_call_places_the_frame_in_the_caller) {
  auto it = make_pgo_counter(items);
  int n = passes;
  expect_per_call(run(sum_passes(*it, pass_count_source(n))), elides_across_tus && built_with_pgo);
}

TEST(halo, guarded_devirtualization_hit_awaits_the_static_call) {
  auto it = make_known_counter(items);
  ASSERT_TRUE(is_known(*it));
  expect_per_call(run(sum_passes(*it, pass_count(passes))), elides_same_tu);
}

TEST(halo, guarded_devirtualization_miss_makes_the_virtual_call) {
  auto it = make_other_counter(items);
  ASSERT_FALSE(is_known(*it));
  expect_per_call(run(sum_passes(*it, pass_count(passes))), false);
}

}  // namespace
