// The middleware layers and the leaf, written once and instantiated for every strategy;
// their own translation unit.
#include <vector>

#include "strategies/strategy_list.hpp"
#include "workloads/middleware_chain/middleware.hpp"

namespace testbed::workloads {

namespace {

template <frame_strategy S>
class leaf final : public service<S> {
 public:
  task<response, S> call(caller_storage_t<S>&, request r) override {
    co_return response{r.id, r.hops, 2L * r.id};
  }
};

template <frame_strategy S>
class layer final : public service<S> {
 public:
  explicit layer(service<S>& inner) : inner_(inner) {}
  task<response, S> call(caller_storage_t<S>&, request r) override {
    caller_storage_t<S> inner_storage{};  // the inner call's storage, in this layer's frame
    ++r.hops;
    response out = co_await inner_.call(inner_storage, r);
    out.checksum += 1;  // every layer stamps the response on the way out
    co_return out;
  }

 private:
  service<S>& inner_;
};

template <frame_strategy S>
class owned_stack final : public service_stack<S> {
 public:
  explicit owned_stack(int layers) {
    services_.push_back(std::make_unique<leaf<S>>());
    for (int i = 0; i < layers; ++i) services_.push_back(std::make_unique<layer<S>>(*services_.back()));
  }
  service<S>& top() override { return *services_.back(); }

 private:
  std::vector<std::unique_ptr<service<S>>> services_;
};

}  // namespace

template <frame_strategy S>
std::unique_ptr<service_stack<S>> make_service_stack(int layers) {
  return std::make_unique<owned_stack<S>>(layers);
}

#define TESTBED_INSTANTIATE_STACK(S) \
  template std::unique_ptr<service_stack<S>> make_service_stack<S>(int);
TESTBED_FOR_EACH_STRATEGY(TESTBED_INSTANTIATE_STACK)
#undef TESTBED_INSTANTIATE_STACK

}  // namespace testbed::workloads
