#!/usr/bin/env bash
# Builds the Rust W5 benchmark (bench_escaping_futures_rust), timing and counting builds,
# and with --test runs W5's Rust tests: harness/rust/build_bench.sh does it (see there, or
# --help, for the options).
#
#   workloads/escaping_futures/rust/build.sh [--jobs N] [--test] [--cargo-dir D] <timing-dir> [<counting-dir>]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../../../harness/rust/build_bench.sh" --bench "$here/bench" --binary bench_escaping_futures_rust \
  --test-crate escaping_futures_rust_impl "$@"
