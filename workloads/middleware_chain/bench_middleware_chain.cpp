// Benchmarks of W8: one request through 1, 4 or 16 middleware layers to the leaf, in memory
// (one iteration = one request = layers + 1 calls through the interface) and over a
// loopback TCP connection (one iteration = one request, a round trip: "calls" are requests).
#include <benchmark/benchmark.h>

#include <array>

#include "harness/bench_latency.hpp"
#include "harness/bench_support.hpp"
#include "harness/sync_wait.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/middleware_chain/loopback.hpp"
#include "workloads/middleware_chain/middleware.hpp"
#include "workloads/middleware_chain/middleware_asio.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

constexpr std::string_view workload = "middleware_chain";
constexpr std::string_view loopback_workload = "middleware_chain_loopback";
// The depth sweep of the chain: a thin service, a typical stack, a deep one.
constexpr std::array<int, 3> layer_counts{1, 4, 16};

// W8's own metric (harness/metrics.hpp has the common ones).
const workload_metric requests_per_second{
    {"requests_per_second", "requests/s", 0, "requests/s", measurement_pass::timing,
     "requests answered per second over loopback, as wrk reports them"}};

template <frame_strategy S>
void bm_chain(benchmark::State& state) {
  const int layers = static_cast<int>(state.range(0));
  auto stack = make_service_stack<S>(layers);
  // Latency pass: one sample per request, a batch of layers + 1 calls (its mean per call).
  bench::with_probe(state, [&](auto probe) {
    auto root = serve_requests(*stack, [&state] { return state.KeepRunning(); }, probe);
    bench::call_meter meter;
    meter.start();
    benchmark::DoNotOptimize(sync_wait(std::move(root)));
    meter.stop(state, layers + 1);
  }, 1, static_cast<std::uint64_t>(layers + 1));
}

void bm_asio_chain(benchmark::State& state) {
  const int layers = static_cast<int>(state.range(0));
  auto stack = make_asio_service_stack(layers);
  bench::with_probe(state, [&](auto probe) {
    peers::asio_root<long> root(
        asio_serve_requests(*stack, [&state] { return state.KeepRunning(); }, probe));
    bench::call_meter meter;
    meter.start();
    benchmark::DoNotOptimize(root.run());
    meter.stop(state, layers + 1);
  }, 1, static_cast<std::uint64_t>(layers + 1));
}

// The client side of the loopback cells: requests one at a time, every answer checked.
// The chain runs on the server thread; the meter counts every thread (server and client
// together: the allocations of a request's whole round trip). The latency pass times each
// round trip alone (the probe, as in the workload's loops: harness/latency_probe.hpp).
template <class Probe>
void drive_requests(benchmark::State& state, loopback_connection& connection, int layers,
                    Probe probe) {
  int id = 0;
  long wrong = 0;
  bench::call_meter meter;
  meter.start();
  for (auto _ : state) {
    const int key = id++ % 4096;
    if (probe.call([&] { return connection.call(request{key, 0}); }).checksum !=
        expected_checksum(key, layers))
      ++wrong;
  }
  meter.stop(state, 1);
  connection.finish();
  if (wrong != 0) state.SkipWithError("failed: wrong responses over loopback");
  bench::set_counter(state, requests_per_second,
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate));
}

template <frame_strategy S>
void bm_loopback(benchmark::State& state) {
  const int layers = static_cast<int>(state.range(0));
  auto stack = make_service_stack<S>(layers);
  loopback_connection connection([&stack](tcp::socket& socket) { sync_wait(serve_connection(*stack, socket)); });
  bench::with_probe(state, [&](auto probe) { drive_requests(state, connection, layers, probe); });
}

void bm_asio_loopback(benchmark::State& state) {
  const int layers = static_cast<int>(state.range(0));
  auto stack = make_asio_service_stack(layers);
  loopback_connection connection([&stack](tcp::socket& socket) {
    peers::run_awaitable(asio_serve_connection(*stack, socket));
  });
  bench::with_probe(state, [&](auto probe) { drive_requests(state, connection, layers, probe); });
}

const bool registered = [] {
  for_each_type(all_strategies{}, []<class S>() {
    for (int layers : layer_counts) {
      bench::register_strategy_cell<S>(workload, chain_of_services_needs, bm_chain<S>)
          ->ArgName("layers")
          ->Arg(layers);
    }
    bench::register_strategy_cell<S>(loopback_workload, loopback_needs, bm_loopback<S>)
        ->ArgName("layers")
        ->Arg(4);
  });
  for (int layers : layer_counts) {
    bench::register_cell(workload, peers::asio_awaitable_row, bm_asio_chain)->ArgName("layers")->Arg(layers);
  }
  bench::register_cell(loopback_workload, peers::asio_awaitable_row, bm_asio_loopback)->ArgName("layers")->Arg(4);
  return true;
}();

}  // namespace
