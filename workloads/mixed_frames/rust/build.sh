#!/usr/bin/env bash
# Builds the Rust W2 benchmark (bench_mixed_frames_rust), timing and counting builds, and
# with --test runs W2's Rust tests: harness/rust/build_bench.sh does it (see there, or
# --help, for the options).
#
#   workloads/mixed_frames/rust/build.sh [--jobs N] [--test] [--cargo-dir D] <timing-dir> [<counting-dir>]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../../../harness/rust/build_bench.sh" --bench "$here/bench" --binary bench_mixed_frames_rust \
  --test-crate mixed_frames_rust_impl "$@"
