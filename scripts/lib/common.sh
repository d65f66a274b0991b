# Shared shell helpers for scripts/*: repository paths, logging, the interpreter that has
# matplotlib, and compiler names. Sourced, not run.

TESTBED_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$(basename "$0")" "$*" >&2; exit 2; }

# Prints the first interpreter that can import matplotlib. Debian's python3-matplotlib
# belongs to /usr/bin/python3; the python3 first on PATH may be a separate build without it.
find_python() {
  local candidate
  for candidate in /usr/bin/python3 "$(command -v python3 2>/dev/null)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    if "$candidate" -c 'import matplotlib' >/dev/null 2>&1; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

# The C++ compilers of the matrix, in the order runs and reports list them: g++ 12,
# clang-19 and clang-22 (the first clang with [[clang::coro_await_elidable]], issue 17).
CXX_COMPILERS="gcc clang clang22"

# Maps a compiler name to the C++ compiler command.
cxx_for() {
  case "$1" in
    gcc) echo g++ ;;
    clang) echo clang++-19 ;;
    clang22) echo clang++-22 ;;
    *) die "unknown C++ compiler '$1' (known: $CXX_COMPILERS)" ;;
  esac
}

# quick_workloads <compiler>: the workloads quick mode limits a compiler to, as a
# --filter regex ("" = every workload). clang-22 differs from clang-19 where a compiler
# can place the frame itself (the HALO rows of W1, issue 17); the full mode runs it on
# everything, and so does scripts/test's smoke pass only on these (the CI budget).
quick_workloads() {
  case "$1" in
    clang22) echo '^async_iterator(_suspending)?/' ;;
    *) echo "" ;;
  esac
}

# The workloads that have Rust rows: every workloads/<name>/rust/build.sh.
rust_workloads() {
  local script
  for script in "$TESTBED_ROOT"/workloads/*/rust/build.sh; do
    [ -e "$script" ] && basename "$(dirname "$(dirname "$script")")"
  done
  return 0
}

# Expands a --compiler value to a list of compilers: "all" is the C++ compilers, and rustc
# (the Rust rows) when a workload has Rust rows; a comma-separated list names several.
expand_compilers() {
  local name list=""
  if [ "$1" = all ]; then
    echo "$CXX_COMPILERS$([ -n "$(rust_workloads)" ] && echo " rustc")"
    return 0
  fi
  for name in ${1//,/ }; do
    case " $CXX_COMPILERS rustc " in
      *" $name "*) list="$list $name" ;;
      *) die "unknown compiler '$name' (known: $CXX_COMPILERS rustc, all, or a comma-separated list)" ;;
    esac
  done
  [ -n "$list" ] || die "--compiler needs a compiler name"
  echo "${list# }"
}

# The cargo target folder every Rust build shares (timing, counting and test builds of
# every workload): the harness and strategy crates compile once for all of them.
rust_cargo_dir() { echo "$TESTBED_ROOT/build/rust-cargo"; }

# build_rust <jobs>: builds the Rust rows of every workload that has them, the timing
# build in build/timing-rustc/<workload>/ and the counting build in
# build/release-rustc/<workload>/, and lists their binaries with the workloads their cells
# register in build/release-rustc/benchmarks.txt (the format of the C++ builds' list).
build_rust() {
  local jobs="$1" w binary workloads
  command -v cargo >/dev/null || die "cargo not found: the Rust rows need rustc and cargo (1.87 or newer)"
  mkdir -p "$(release_build_dir rustc)"
  : >"$(release_build_dir rustc)/benchmarks.txt"
  for w in $(rust_workloads); do
    "$TESTBED_ROOT/workloads/$w/rust/build.sh" --jobs "$jobs" --cargo-dir "$(rust_cargo_dir)" \
      "$(timing_build_dir rustc)/$w" "$(release_build_dir rustc)/$w" >/dev/null
    for binary in "$(release_build_dir rustc)/$w"/bench_*; do
      [ -x "$binary" ] || continue
      workloads="$("$binary" --benchmark_list_tests | cut -d/ -f1 | sort -u | tr '\n' ' ')"
      echo "$(basename "$binary") $workloads" >>"$(release_build_dir rustc)/benchmarks.txt"
    done
  done
}

# The Release build of compiler $1, shared by scripts/test and scripts/matrix (same
# configuration, so whichever runs second rebuilds nothing): build/release-<compiler>/.
release_build_dir() { echo "$TESTBED_ROOT/build/release-$1"; }

# The timing build of compiler $1 (benchmarks only, bookkeeping compiled out; see
# harness/build_mode.hpp): build/timing-<compiler>/.
timing_build_dir() { echo "$TESTBED_ROOT/build/timing-$1"; }

# configure_timing <compiler> <python>: configures that build (warnings as errors).
configure_timing() {
  cmake -S "$TESTBED_ROOT" -B "$(timing_build_dir "$1")" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="$(cxx_for "$1")" -DTESTBED_WERROR=ON -DTESTBED_TIMING_BUILD=ON \
    -DTESTBED_PYTHON="$2" >/dev/null
}

# configure_release <compiler> <python>: configures that build (warnings as errors).
configure_release() {
  cmake -S "$TESTBED_ROOT" -B "$(release_build_dir "$1")" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="$(cxx_for "$1")" -DTESTBED_WERROR=ON -DTESTBED_PYTHON="$2" >/dev/null
}

# binary_path <build dir> <binary>: the executable of that name in a build, the one nearest
# the build's top: a Rust build keeps cargo's own copy deeper down (and an older layout's
# cargo folders may still hold stale ones), CMake puts each binary in its workload's folder.
binary_path() {
  find "$1" -type f -name "$2" -perm -u+x -printf '%d %p\n' 2>/dev/null | sort -n -k1,1 | head -1 | cut -d' ' -f2-
}

# benchmark_binaries <build dir> [filter]: the benchmark binaries of a build
# (benchmarks.txt: "<binary> <workload>..."), or with a --filter regex those whose cells it
# may match. A cell is "<workload>/<row>/<args>" and Google Benchmark searches the regex
# anywhere in it: when the filter's part before its first "/" is a regex of its own, a
# binary is kept if that part matches the end of one of its workload names; any other
# filter (no "/", or one that starts with "/") keeps every binary.
benchmark_binaries() {
  local list="$1/benchmarks.txt" filter="${2:-}" head binary workloads w
  local regex='^\^?([^/]+)/'
  head=""
  if [ -n "$filter" ] && [[ "$filter" =~ $regex ]]; then head="${BASH_REMATCH[1]}"; fi
  while read -r binary workloads; do
    [ -n "$binary" ] || continue
    if [ -z "$head" ]; then echo "$binary"; continue; fi
    for w in $workloads; do
      # An invalid regex (status 2) keeps the binary: better built than missed.
      local status=0
      [[ "$w" =~ ($head)$ ]] || status=$?
      if [ "$status" -ne 1 ]; then echo "$binary"; break; fi
    done
  done <"$list"
}

# workload_folders <filter>: the workloads/<folder> names a filter of workloads (such as
# quick_workloads prints, "^name(_variant)?/") selects: the folders whose name its part
# before the first "/" matches. The ctest label of their tests is the folder's name
# (CMakeLists.txt testbed_folder_label).
workload_folders() {
  local regex='^\^?([^/]+)/' head dir
  [[ "$1" =~ $regex ]] || die "not a filter of workloads: '$1'"
  head="${BASH_REMATCH[1]}"
  for dir in "$TESTBED_ROOT"/workloads/*/; do
    dir="$(basename "$dir")"
    if [[ "$dir" =~ ^($head)$ ]]; then echo "$dir"; fi
  done
  return 0
}
