// root_task<T>: the task of a coroutine whose frame is not what is measured: a workload's
// caller loop (sum_passes and the like, created once before the measured loop starts), a
// driver's root, a test's outer coroutine. Its frame goes to box, a plain heap frame
// recorded like any other.
//
// Why here and not as task's default strategy: harness/ defines the task and the strategy
// contract but chooses no strategy, so it includes nothing from strategies/ (a ctest keeps it
// so); which strategy a root runs on is a choice of the layer that knows the strategies.
// Why box, and not the harness's own harness_frames (per-thread cache, left out of
// frame_stats): box is what task<T> meant when box was the default, so no allocation or
// frame count of a test or a benchmark moves.
#pragma once

#include "harness/task.hpp"
#include "strategies/box/box.hpp"

namespace testbed {

template <class T>
using root_task = task<T, box>;

}  // namespace testbed
