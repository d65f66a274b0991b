#!/usr/bin/env bash
# Builds the Rust W1 benchmark (bench_async_iterator_rust), timing and counting builds,
# and with --test runs the Rust tests of the harness, the strategies and W1:
# harness/rust/build_bench.sh does it (see there, or --help, for the options).
#
#   workloads/async_iterator/rust/build.sh [--jobs N] [--test] [--cargo-dir D] <timing-dir> [<counting-dir>]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../../../harness/rust/build_bench.sh" --bench "$here/bench" --binary bench_async_iterator_rust \
  --test-crate testbed_harness --test-crate testbed_strategies --test-crate async_iterator_rust_impl "$@"
