// The lookup table behind W3 and W5, written once and instantiated for every strategy;
// its own translation unit, so callers cannot see through get().
#include <vector>

#include "strategies/strategy_list.hpp"
#include "workloads/concurrent_calls/lookup.hpp"

namespace testbed::workloads {

namespace {

template <frame_strategy S>
class lookup_table final : public lookup<S> {
 public:
  lookup_table(int size, single_thread_executor* executor) : values_(size), executor_(executor) {
    for (int k = 0; k < size; ++k) values_[k] = lookup_value(k);
  }

  task<int, S> get(caller_storage_t<S>&, int key) const override {
    if (executor_ != nullptr) co_await executor_->schedule();
    co_return values_[static_cast<std::size_t>(key) % values_.size()];
  }

 private:
  std::vector<int> values_;
  single_thread_executor* executor_;
};

}  // namespace

template <frame_strategy S>
std::unique_ptr<lookup<S>> make_lookup_table(int size, single_thread_executor* executor) {
  return std::make_unique<lookup_table<S>>(size, executor);
}

#define TESTBED_INSTANTIATE_LOOKUP(S) \
  template std::unique_ptr<lookup<S>> make_lookup_table<S>(int, single_thread_executor*);
TESTBED_FOR_EACH_STRATEGY(TESTBED_INSTANTIATE_LOOKUP)
#undef TESTBED_INSTANTIATE_LOOKUP

}  // namespace testbed::workloads
