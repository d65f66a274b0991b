// W8 a realistic chain: a request through N layers of virtual async middleware (in the
// style of tower services) to a leaf service; every layer awaits the next through the
// interface, with the inner call's caller storage in its own frame.
#pragma once

#include <memory>

#include "harness/capabilities.hpp"
#include "harness/latency_probe.hpp"
#include "harness/task.hpp"
#include "strategies/root_task.hpp"

namespace testbed::workloads {

struct request {
  int id;
  int hops;  // incremented by every layer on the way in
};

struct response {
  int id;
  int hops;
  long checksum;  // what the leaf computed, adjusted by every layer on the way out
};

template <frame_strategy S>
class service : public object_state_t<S> {
 public:
  virtual ~service() = default;
  virtual task<response, S> call(caller_storage_t<S>& storage, request r) = 0;
};

// A stack of `layers` middlewares (each: count the hop, forward, check and stamp the
// response) over a leaf that answers from the request.
template <frame_strategy S>
class service_stack {
 public:
  virtual ~service_stack() = default;
  virtual service<S>& top() = 0;
};

template <frame_strategy S>
std::unique_ptr<service_stack<S>> make_service_stack(int layers);

// What the stack answers to request id (with `layers` layers).
inline constexpr long expected_checksum(int id, int layers) { return 2L * id + layers; }

// Probe: no_probe (the bare call) or latency_probe timing each request, the whole chain
// under it (harness/latency_probe.hpp).
template <frame_strategy S, class More, class Probe = no_probe>
root_task<long> serve_requests(service_stack<S>& stack, More more, Probe probe = {}) {
  caller_storage_t<S> storage{};
  long sum = 0;
  int id = 0;
  while (more()) {
    const response r =
        co_await probe.await([&] { return stack.top().call(storage, request{id++ % 4096, 0}); });
    sum += r.checksum;
  }
  co_return sum;
}

// Each layer's frame holds the next layer's caller storage; one call per object; LIFO.
inline constexpr workload_needs chain_of_services_needs{.frame_holds_caller_storage = true};

}  // namespace testbed::workloads
