// W2 mixed frame sizes: objects whose call frames range from about 100 B to 4 KiB, called
// in a configurable mix; and one size at a time, for the cost-against-frame-size sweep.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <vector>

#include "harness/capabilities.hpp"
#include "harness/latency_probe.hpp"
#include "harness/task.hpp"
#include "strategies/root_task.hpp"

namespace testbed::workloads {

template <frame_strategy S>
class frame_source : public object_state_t<S> {
 public:
  virtual ~frame_source() = default;
  virtual task<int, S> call(caller_storage_t<S>& storage) = 0;
};

// Bytes of locals each implementation keeps across a suspension point: its frame is this
// much larger than the smallest (the compiler adds its own bookkeeping on top).
inline constexpr std::array<std::size_t, 8> local_sizes{0, 64, 128, 256, 512, 1024, 2048, 3584};

// The implementation whose call keeps local_sizes[size_index] bytes in its frame.
template <frame_strategy S>
std::unique_ptr<frame_source<S>> make_frame_source(std::size_t size_index);

// Which implementation each call goes to: 0 "small" (only the two smallest sizes),
// 1 "skewed" (mostly small, a tail of large frames), 2 "uniform" (every size equally).
inline constexpr int distribution_count = 3;
std::vector<std::size_t> call_sequence(int distribution, std::size_t length);

// The frame sizes the compiler chose, measured once per size (a boxed call each).
std::size_t measured_frame_bytes(std::size_t size_index);

// A mix's needs: its largest frame, measured at run time (frame sizes are the compiler's).
inline workload_needs mixed_needs(int distribution) {
  std::size_t largest = 0;
  for (std::size_t i : call_sequence(distribution, 4096)) {
    largest = std::max(largest, measured_frame_bytes(i));
  }
  return workload_needs{.largest_frame = largest};
}

// Probe: no_probe (the bare call) or latency_probe timing the calls (harness/latency_probe.hpp).
template <frame_strategy S, class More, class Probe = no_probe>
root_task<long> mixed_passes(std::vector<std::unique_ptr<frame_source<S>>>& sources,
                        const std::vector<std::size_t>& sequence, More more, Probe probe = {}) {
  caller_storage_t<S> storage{};
  long sum = 0;
  while (more()) {
    for (std::size_t i : sequence) sum += co_await probe.await([&] { return sources[i]->call(storage); });
  }
  co_return sum;
}

template <frame_strategy S>
std::vector<std::unique_ptr<frame_source<S>>> make_all_sources() {
  std::vector<std::unique_ptr<frame_source<S>>> out;
  for (std::size_t i = 0; i < local_sizes.size(); ++i) out.push_back(make_frame_source<S>(i));
  return out;
}

}  // namespace testbed::workloads
