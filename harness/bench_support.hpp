// What a benchmark file of a workload includes: registration of its cells
// (bench_registration.hpp), the meter of its calls (bench_meter.hpp) and the measurement
// passes around them (bench_passes.hpp).
#pragma once

#include "harness/bench_meter.hpp"
#include "harness/bench_passes.hpp"
#include "harness/bench_registration.hpp"
