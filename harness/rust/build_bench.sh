#!/usr/bin/env bash
# Builds one Rust benchmark crate (workloads/<name>/rust/bench) twice, like the C++
# benchmarks (docs/methodology.md "Two builds"): the timing build (no counting allocator)
# and the counting build (feature `counting`: the counting global allocator and the
# per-call future records), and copies each binary to the top of its folder:
#
#   <timing-dir>/<binary>     the timing build
#   <counting-dir>/<binary>   the counting build
#
# With --test it also runs every Rust test of the crates the bench depends on (counting
# build, with the doc tests' compile-time refusals). std only: --offline --locked, no
# downloads. Every workloads/<name>/rust/build.sh is a call of this script with its bench
# folder, its binary and its library crates.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: harness/rust/build_bench.sh --bench <bench-dir> --binary <name> [--test-crate <crate>]...
         [--jobs N] [--test] [--cargo-dir <dir>] <timing-dir> [<counting-dir>]
(as workloads/<name>/rust/build.sh [--jobs N] [--test] [--cargo-dir <dir>] <timing-dir> [<counting-dir>])

  <timing-dir>       where the timing build goes
  <counting-dir>     where the counting build goes (default: <timing-dir>/counting)
  --jobs N           cargo's parallel jobs (default: cargo's, the number of cores)
  --test             also run the Rust tests (cargo test, counting build)
  --cargo-dir <dir>  cargo's target folder for both builds (default: <timing-dir>/cargo
                     and <counting-dir>/cargo); one folder shared by every workload's
                     build compiles the harness and strategy crates once for all of them
USAGE
}

jobs=()
test=0
dirs=()
bench=""
binary=""
cargo_dir=""
crates=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bench) bench="${2:?--bench needs a folder}"; shift ;;
    --binary) binary="${2:?--binary needs a name}"; shift ;;
    --test-crate) crates+=(-p "${2:?--test-crate needs a crate}"); shift ;;
    --jobs) jobs=(-j "${2:?--jobs needs a value}"); shift ;;
    --cargo-dir) cargo_dir="${2:?--cargo-dir needs a folder}"; shift ;;
    --test) test=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; echo "build_bench.sh: unknown option '$1'" >&2; exit 2 ;;
    *) dirs+=("$1") ;;
  esac
  shift
done
[ -n "$bench" ] && [ -n "$binary" ] || { usage >&2; exit 2; }
[ "${#dirs[@]}" -ge 1 ] && [ "${#dirs[@]}" -le 2 ] || { usage >&2; exit 2; }
timing="$(mkdir -p "${dirs[0]}" && cd "${dirs[0]}" && pwd)"
counting_arg="${dirs[1]:-${dirs[0]}/counting}"
counting="$(mkdir -p "$counting_arg" && cd "$counting_arg" && pwd)"
if [ -n "$cargo_dir" ]; then
  cargo_dir="$(mkdir -p "$cargo_dir" && cd "$cargo_dir" && pwd)"
  timing_cargo="$cargo_dir"
  counting_cargo="$cargo_dir"
else
  timing_cargo="$timing/cargo"
  counting_cargo="$counting/cargo"
fi
bench="$(cd "$bench" && pwd)"
command -v cargo >/dev/null || { echo "build_bench.sh: cargo not found (rustc and cargo 1.87 or newer are needed)" >&2; exit 2; }

cd "$bench"
# The binary is copied right after each build: with a shared --cargo-dir the two builds
# (and every workload) write the same target folder.
cargo build --release --offline --locked "${jobs[@]}" --target-dir "$timing_cargo"
cp "$timing_cargo/release/$binary" "$timing/$binary"
cargo build --release --offline --locked "${jobs[@]}" --features counting --target-dir "$counting_cargo"
cp "$counting_cargo/release/$binary" "$counting/$binary"
if [ "$test" = 1 ]; then
  # The library crates are path dependencies of the bench crate (not workspace members):
  # their tests run through it, with the counting feature it forwards to all of them.
  # One test at a time: the counting allocator counts every thread of the process (a
  # cell's calls may cross threads), so a test running beside another would count the
  # other's allocations as its own.
  cargo test --offline --locked "${jobs[@]}" --features counting --target-dir "$counting_cargo" \
    "${crates[@]}" -p "$binary" -- --test-threads=1
fi
echo "timing build:   $timing/$binary"
echo "counting build: $counting/$binary"
