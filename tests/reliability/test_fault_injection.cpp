// Fault injection: operator new is made to throw std::bad_alloc at the k-th allocation, for
// every k a schedule makes, for every strategy. Nothing may leak or break (the model holds,
// the sanitizer build checks memory), and the strategy must still work afterwards.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "harness/alloc_counter.hpp"
#include "tests/reliability/schedule_driver.hpp"
#include "tests/strategy_types.hpp"

namespace {

using namespace testbed;

std::vector<std::uint8_t> fixed_schedule() {
  std::mt19937 rng(20261125);  // any fixed seed: the same schedule in every run
  std::vector<std::uint8_t> ops(160);
  for (auto& op : ops) op = static_cast<std::uint8_t>(rng());
  return ops;
}

template <class S>
class fault_injection : public ::testing::Test {};
TYPED_TEST_SUITE(fault_injection, testbed::testing::all_strategy_types,
                 testbed::testing::strategy_names);

TYPED_TEST(fault_injection, every_allocation_failing_in_turn_leaves_the_strategy_usable) {
  using S = TypeParam;
  const auto ops = fixed_schedule();
  // How many allocations the schedule makes when nothing fails.
  long allocations = 0;
  {
    reliability::schedule_driver<S> driver;
    const auto before = alloc::this_thread();
    ASSERT_EQ(driver.run(ops), "");
    allocations = static_cast<long>((alloc::this_thread() - before).allocations);
  }
  long injected = 0;
  for (long k = 0; k <= allocations; ++k) {
    {
      reliability::schedule_driver<S> driver;
      alloc::fail_allocation_after(k);
      const std::string error = driver.run(ops);
      alloc::fail_allocation_after(-1);
      ASSERT_EQ(error, "") << S::name << ": allocation " << k << " failing";
      injected += driver.stats().allocation_failures;
    }
    // The strategy's state (caches, pools, side stack) is still usable.
    reliability::schedule_driver<S> after;
    ASSERT_EQ(after.run(ops), "") << S::name << ": after allocation " << k << " failed";
  }
  std::printf("[ reliability ] %s: %ld allocation failures injected at %ld points\n",
              std::string(S::name).c_str(), injected, allocations + 1);
  this->RecordProperty("faults_injected", static_cast<int>(injected));
}

}  // namespace
