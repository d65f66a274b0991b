#!/usr/bin/env bash
# Builds the Rust W1 benchmark twice, like the C++ benchmarks (docs/methodology.md "Two
# builds"): the timing build (no counting allocator) and the counting build (feature
# `counting`: the counting global allocator and the per-call future records), each with its
# own cargo target folder, and copies each binary to the top of its folder:
#
#   <timing-dir>/bench_async_iterator_rust     the timing build
#   <counting-dir>/bench_async_iterator_rust   the counting build
#
# With --test it also runs every Rust test (the four crates, counting build, and their
# doc tests with the compile-time refusals). std only: --offline --locked, no downloads.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: workloads/async_iterator/rust/build.sh [--jobs N] [--test] <timing-dir> [<counting-dir>]

  <timing-dir>     where the timing build goes (cargo target folder <timing-dir>/cargo)
  <counting-dir>   where the counting build goes (default: <timing-dir>/counting)
  --jobs N         cargo's parallel jobs (default: cargo's, the number of cores)
  --test           also run the Rust tests (cargo test, counting build) in <counting-dir>/cargo
USAGE
}

jobs=()
test=0
dirs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs=(-j "${2:?--jobs needs a value}"); shift ;;
    --test) test=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; echo "build.sh: unknown option '$1'" >&2; exit 2 ;;
    *) dirs+=("$1") ;;
  esac
  shift
done
[ "${#dirs[@]}" -ge 1 ] && [ "${#dirs[@]}" -le 2 ] || { usage >&2; exit 2; }
timing="$(mkdir -p "${dirs[0]}" && cd "${dirs[0]}" && pwd)"
counting_arg="${dirs[1]:-${dirs[0]}/counting}"
counting="$(mkdir -p "$counting_arg" && cd "$counting_arg" && pwd)"
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")/bench" && pwd)"
binary=bench_async_iterator_rust
command -v cargo >/dev/null || { echo "build.sh: cargo not found (rustc and cargo 1.87 or newer are needed)" >&2; exit 2; }

cd "$bench"
cargo build --release --offline --locked "${jobs[@]}" --target-dir "$timing/cargo"
cp "$timing/cargo/release/$binary" "$timing/$binary"
cargo build --release --offline --locked "${jobs[@]}" --features counting --target-dir "$counting/cargo"
cp "$counting/cargo/release/$binary" "$counting/$binary"
if [ "$test" = 1 ]; then
  # The library crates are path dependencies of the bench crate (not workspace members):
  # their tests run through it, with the counting feature it forwards to all of them.
  cargo test --offline --locked "${jobs[@]}" --features counting --target-dir "$counting/cargo" \
    -p testbed_harness -p testbed_strategies -p async_iterator_rust_impl -p "$binary"
fi
echo "timing build:   $timing/$binary"
echo "counting build: $counting/$binary"
