#!/usr/bin/env bash
# Builds the Rust W3 benchmark (bench_concurrent_calls_rust), timing and counting builds,
# and with --test runs W3's Rust tests: harness/rust/build_bench.sh does it (see there, or
# --help, for the options).
#
#   workloads/concurrent_calls/rust/build.sh [--jobs N] [--test] [--cargo-dir D] <timing-dir> [<counting-dir>]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../../../harness/rust/build_bench.sh" --bench "$here/bench" --binary bench_concurrent_calls_rust \
  --test-crate concurrent_calls_rust_impl "$@"
