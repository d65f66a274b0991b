// The W8 layers and leaf behind the Asio peer's interface; their own translation unit.
#include <vector>

#include "workloads/middleware_chain/middleware_asio.hpp"

namespace testbed::workloads {

namespace {

class asio_leaf final : public asio_service {
 public:
  peers::awaitable<response> call(request r) override { co_return response{r.id, r.hops, 2L * r.id}; }
};

class asio_layer final : public asio_service {
 public:
  explicit asio_layer(asio_service& inner) : inner_(inner) {}
  peers::awaitable<response> call(request r) override {
    ++r.hops;
    response out = co_await inner_.call(r);
    out.checksum += 1;
    co_return out;
  }

 private:
  asio_service& inner_;
};

class owned_asio_stack final : public asio_service_stack {
 public:
  explicit owned_asio_stack(int layers) {
    services_.push_back(std::make_unique<asio_leaf>());
    for (int i = 0; i < layers; ++i) services_.push_back(std::make_unique<asio_layer>(*services_.back()));
  }
  asio_service& top() override { return *services_.back(); }

 private:
  std::vector<std::unique_ptr<asio_service>> services_;
};

}  // namespace

std::unique_ptr<asio_service_stack> make_asio_service_stack(int layers) {
  return std::make_unique<owned_asio_stack>(layers);
}

}  // namespace testbed::workloads
