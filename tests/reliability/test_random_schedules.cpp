// Seeded property test: every strategy is driven through many random schedules (see
// schedule_driver.hpp) and must match the reference model at every step. A failure
// prints the strategy, the seed and the step, so it can be replayed.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

#include "tests/reliability/schedule_driver.hpp"
#include "tests/strategy_types.hpp"

namespace {

using namespace testbed;

// Enough schedules to hit every pair of operations on every object and storage many times
// (about a second per strategy in the sanitizer build); TESTBED_SCHEDULES overrides it.
long schedule_count() {
  const char* value = std::getenv("TESTBED_SCHEDULES");
  return value ? std::atol(value) : 1000;
}
constexpr std::size_t ops_per_schedule = 240;

std::vector<std::uint8_t> schedule_for(std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> ops(ops_per_schedule);
  for (auto& op : ops) op = static_cast<std::uint8_t>(rng());
  return ops;
}

template <class S>
class random_schedules : public ::testing::Test {};
TYPED_TEST_SUITE(random_schedules, testbed::testing::all_strategy_types,
                 testbed::testing::strategy_names);

TYPED_TEST(random_schedules, match_the_reference_model) {
  using S = TypeParam;
  reliability::schedule_stats total;
  for (std::uint32_t seed = 1; seed <= static_cast<std::uint32_t>(schedule_count()); ++seed) {
    reliability::schedule_driver<S> driver;
    const std::string error = driver.run(schedule_for(seed));
    ASSERT_EQ(error, "") << S::name << ", seed " << seed << " (replay: schedule_for(" << seed << "))";
    total.steps += driver.stats().steps;
    total.calls_created += driver.stats().calls_created;
    total.refusals_checked += driver.stats().refusals_checked;
  }
  EXPECT_GT(total.calls_created, 0);
  this->RecordProperty("schedules", static_cast<int>(schedule_count()));
  this->RecordProperty("steps", static_cast<int>(total.steps));
  this->RecordProperty("refusals_checked", static_cast<int>(total.refusals_checked));
  std::printf("[ reliability ] %s: %ld schedules, %ld steps, %ld calls, %ld refusals checked\n",
              std::string(S::name).c_str(), schedule_count(), total.steps, total.calls_created,
              total.refusals_checked);
}

}  // namespace
