// The hopping counter, instantiated for every strategy; its own translation unit.
#include "strategies/strategy_list.hpp"
#include "workloads/threads/threads.hpp"

namespace testbed::workloads {

namespace {

template <frame_strategy S>
class hopping_counter final : public async_iterator<S> {
 public:
  hopping_counter(int items, thread_pool& finisher) : state_(items), finisher_(finisher) {}

  task<std::optional<int>, S> next(caller_storage_t<S>&) override {
    co_await finisher_.schedule();
    // One call is outstanding at a time, and the pool's queue orders the hops: the
    // counter's state is touched by one thread at a time.
    co_return state_.advance();
  }

 private:
  counter_state state_;
  thread_pool& finisher_;
};

}  // namespace

template <frame_strategy S>
std::unique_ptr<async_iterator<S>> make_hopping_counter(int items, thread_pool& finisher) {
  return std::make_unique<hopping_counter<S>>(items, finisher);
}

#define TESTBED_INSTANTIATE_HOPPING(S) \
  template std::unique_ptr<async_iterator<S>> make_hopping_counter<S>(int, thread_pool&);
TESTBED_FOR_EACH_STRATEGY(TESTBED_INSTANTIATE_HOPPING)
#undef TESTBED_INSTANTIATE_HOPPING

}  // namespace testbed::workloads
