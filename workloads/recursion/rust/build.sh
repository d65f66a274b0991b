#!/usr/bin/env bash
# Builds the Rust W4 benchmark (bench_recursion_rust), timing and counting builds, and
# with --test runs W4's Rust tests: harness/rust/build_bench.sh does it (see there, or
# --help, for the options).
#
#   workloads/recursion/rust/build.sh [--jobs N] [--test] [--cargo-dir D] <timing-dir> [<counting-dir>]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../../../harness/rust/build_bench.sh" --bench "$here/bench" --binary bench_recursion_rust \
  --test-crate recursion_rust_impl "$@"
