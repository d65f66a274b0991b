// The chain nodes and fib service, written once and instantiated for every strategy; and
// the synchronous chain. Their own translation unit: callers cannot see through the calls.
#include <memory>
#include <vector>

#include "strategies/strategy_list.hpp"
#include "workloads/recursion/box_fallback_sized.hpp"
#include "workloads/recursion/fixed_buffer.hpp"
#include "workloads/recursion/recursion.hpp"

namespace testbed::workloads {

namespace {

template <frame_strategy S>
class chain_link final : public chain_node<S> {
 public:
  chain_link(long value, const chain_node<S>* next) : value_(value), next_(next) {}

  task<long, S> sum(caller_storage_t<S>&) const override {
    if (next_ == nullptr) co_return value_;
    caller_storage_t<S> inner{};  // the next level's storage, in this level's frame
    co_return value_ + co_await next_->sum(inner);
  }

 private:
  long value_;
  const chain_node<S>* next_;
};

template <frame_strategy S>
class owned_chain final : public chain<S> {
 public:
  explicit owned_chain(int depth) {
    nodes_.reserve(static_cast<std::size_t>(depth));
    const chain_node<S>* next = nullptr;
    for (int i = depth; i >= 1; --i) {  // built bottom up: node i points to node i + 1
      nodes_.push_back(std::make_unique<chain_link<S>>(i, next));
      next = nodes_.back().get();
    }
  }
  const chain_node<S>& head() const override { return *nodes_.back(); }

 private:
  std::vector<std::unique_ptr<chain_link<S>>> nodes_;
};

template <frame_strategy S>
class fib_impl final : public fib_service<S> {
 public:
  task<long, S> fib(caller_storage_t<S>&, int n) const override {
    if (n < 2) co_return n;
    caller_storage_t<S> inner{};  // one storage, used by the two calls in turn
    const long a = co_await this->fib(inner, n - 1);
    const long b = co_await this->fib(inner, n - 2);
    co_return a + b;
  }
};

// Two node types, so the compiler cannot turn the synchronous recursion into a loop by
// guessing the only override: every level is a real virtual call on the native stack.
class sync_leaf final : public sync_chain {
 public:
  explicit sync_leaf(long value) : value_(value) {}
  long sum() const override { return value_; }

 private:
  long value_;
};

class sync_link final : public sync_chain {
 public:
  sync_link(long value, const sync_chain* next) : value_(value), next_(next) {}
  long sum() const override { return value_ + next_->sum(); }

 private:
  long value_;
  const sync_chain* next_;
};

class owned_sync_chain final : public sync_chain {
 public:
  explicit owned_sync_chain(int depth) {
    nodes_.reserve(static_cast<std::size_t>(depth));
    nodes_.push_back(std::make_unique<sync_leaf>(depth));
    for (int i = depth - 1; i >= 1; --i) nodes_.push_back(std::make_unique<sync_link>(i, nodes_.back().get()));
  }
  long sum() const override { return nodes_.back()->sum(); }

 private:
  std::vector<std::unique_ptr<sync_chain>> nodes_;
};

}  // namespace

template <frame_strategy S>
std::unique_ptr<chain<S>> make_chain(int depth) {
  return std::make_unique<owned_chain<S>>(depth);
}

template <frame_strategy S>
std::unique_ptr<fib_service<S>> make_fib_service() {
  return std::make_unique<fib_impl<S>>();
}

std::unique_ptr<sync_chain> make_sync_chain(int depth) { return std::make_unique<owned_sync_chain>(depth); }

#define TESTBED_INSTANTIATE_RECURSION(S)                             \
  template std::unique_ptr<chain<S>> make_chain<S>(int);             \
  template std::unique_ptr<fib_service<S>> make_fib_service<S>();
TESTBED_FOR_EACH_STRATEGY(TESTBED_INSTANTIATE_RECURSION)
#undef TESTBED_INSTANTIATE_RECURSION

// The chain of recursion_fixed_buffer (C11), through the workload's own fixed buffer.
template std::unique_ptr<chain<fixed_buffer>> make_chain<fixed_buffer>(int);
// The chain of the box_fallback_sized device (box's heap path at fallback's frame size).
template std::unique_ptr<chain<box_fallback_sized>> make_chain<box_fallback_sized>(int);

}  // namespace testbed::workloads
