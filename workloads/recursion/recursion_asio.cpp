// The W4 chain and fib behind the Asio peer's interfaces; their own translation unit.
#include <vector>

#include "workloads/recursion/recursion_asio.hpp"

namespace testbed::workloads {

namespace {

class asio_chain_link final : public asio_chain_node {
 public:
  asio_chain_link(long value, const asio_chain_node* next) : value_(value), next_(next) {}
  peers::awaitable<long> sum() const override {
    if (next_ == nullptr) co_return value_;
    co_return value_ + co_await next_->sum();
  }

 private:
  long value_;
  const asio_chain_node* next_;
};

class owned_asio_chain final : public asio_chain {
 public:
  explicit owned_asio_chain(int depth) {
    nodes_.reserve(static_cast<std::size_t>(depth));
    const asio_chain_node* next = nullptr;
    for (int i = depth; i >= 1; --i) {
      nodes_.push_back(std::make_unique<asio_chain_link>(i, next));
      next = nodes_.back().get();
    }
  }
  const asio_chain_node& head() const override { return *nodes_.back(); }

 private:
  std::vector<std::unique_ptr<asio_chain_link>> nodes_;
};

class asio_fib final : public asio_fib_service {
 public:
  peers::awaitable<long> fib(int n) const override {
    if (n < 2) co_return n;
    const long a = co_await this->fib(n - 1);
    const long b = co_await this->fib(n - 2);
    co_return a + b;
  }
};

}  // namespace

std::unique_ptr<asio_chain> make_asio_chain(int depth) {
  return std::make_unique<owned_asio_chain>(depth);
}

std::unique_ptr<asio_fib_service> make_asio_fib_service() { return std::make_unique<asio_fib>(); }

}  // namespace testbed::workloads
