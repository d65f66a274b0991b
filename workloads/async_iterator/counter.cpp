// The counter implementation, written once and instantiated for every strategy in the
// list. Its own translation unit, built without LTO: callers cannot devirtualize next().
#include <memory>
#include <optional>

#include "strategies/eager/eager.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/async_iterator/async_iterator.hpp"
#include "workloads/async_iterator/ideal_placement.hpp"

namespace testbed::workloads {

namespace {

template <frame_strategy S>
class counter final : public async_iterator<S> {
 public:
  explicit counter(int items) : state_(items) {}

  task<std::optional<int>, S> next(caller_storage_t<S>&) override { co_return state_.advance(); }

 private:
  counter_state state_;
};

template <frame_strategy S>
class suspending_counter final : public async_iterator<S> {
 public:
  suspending_counter(int items, int every, single_thread_executor& executor)
      : state_(items), every_(every), executor_(executor) {}

  task<std::optional<int>, S> next(caller_storage_t<S>&) override {
    if (++calls_ % every_ == 0) co_await executor_.schedule();
    co_return state_.advance();
  }

 private:
  counter_state state_;
  int every_;
  int calls_ = 0;
  single_thread_executor& executor_;
};

// Pending every `every`-th poll; the next poll then returns the item it held back.
class poll_counter final : public poll_iterator {
 public:
  poll_counter(int items, int every) : state_(items), every_(every) {}

  poll_result poll_next() override {
    if (every_ > 0 && ++polls_ % every_ == 0) return {poll_result::state::pending, 0};
    const auto item = state_.advance();
    return item ? poll_result{poll_result::state::item, *item} : poll_result{poll_result::state::end, 0};
  }

 private:
  counter_state state_;
  int every_;
  int polls_ = 0;
};

class sync_counter final : public sync_iterator {
 public:
  explicit sync_counter(int items) : state_(items) {}

  poll_result next() override {
    const auto item = state_.advance();
    return item ? poll_result{poll_result::state::item, *item} : poll_result{poll_result::state::end, 0};
  }

 private:
  counter_state state_;
};

class sync_optional_counter final : public sync_optional_iterator {
 public:
  explicit sync_optional_counter(int items) : state_(items) {}

  std::optional<int> next() override { return state_.advance(); }

 private:
  counter_state state_;
};

}  // namespace

template <frame_strategy S>
std::unique_ptr<async_iterator<S>> make_counter(int items) {
  return std::make_unique<counter<S>>(items);
}

template <frame_strategy S>
std::unique_ptr<async_iterator<S>> make_suspending_counter(int items, int every,
                                                           single_thread_executor& executor) {
  return std::make_unique<suspending_counter<S>>(items, every, executor);
}

#define TESTBED_INSTANTIATE_COUNTER(S)                                  \
  template std::unique_ptr<async_iterator<S>> make_counter<S>(int);     \
  template std::unique_ptr<async_iterator<S>> make_suspending_counter<S>( \
      int, int, single_thread_executor&);
TESTBED_FOR_EACH_STRATEGY(TESTBED_INSTANTIATE_COUNTER)
TESTBED_FOR_EACH_EAGER_STRATEGY(TESTBED_INSTANTIATE_COUNTER)
TESTBED_INSTANTIATE_COUNTER(ideal_placement)  // the cost breakdown's measuring device
TESTBED_INSTANTIATE_COUNTER(eager<ideal_placement>)  // and its eager-start form
#undef TESTBED_INSTANTIATE_COUNTER

std::unique_ptr<poll_iterator> make_poll_counter(int items, int every) {
  return std::make_unique<poll_counter>(items, every);
}

std::unique_ptr<sync_iterator> make_sync_counter(int items) {
  return std::make_unique<sync_counter>(items);
}

std::unique_ptr<sync_optional_iterator> make_sync_optional_counter(int items) {
  return std::make_unique<sync_optional_counter>(items);
}

}  // namespace testbed::workloads
