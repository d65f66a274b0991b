// libFuzzer target (clang-19): the first byte picks a strategy, the rest is a schedule for
// schedule_driver. Any departure from the reference model aborts with the reason; the
// sanitizers catch any memory error along the way.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "strategies/strategy_list.hpp"
#include "tests/reliability/schedule_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  constexpr std::size_t strategy_count = testbed::size_of(testbed::all_strategies{});
  const std::size_t pick = data[0] % strategy_count;
  std::size_t index = 0;
  testbed::for_each_type(testbed::all_strategies{}, [&]<class S>() {
    if (index++ != pick) return;
    testbed::reliability::schedule_driver<S> driver;
    const auto error = driver.run(std::span<const std::uint8_t>(data + 1, size - 1));
    if (!error.empty()) {
      std::fprintf(stderr, "schedule broke the model for %.*s: %s\n",
                   static_cast<int>(S::name.size()), S::name.data(), error.c_str());
      std::abort();
    }
  });
  return 0;
}
