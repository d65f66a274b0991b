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

# Maps a compiler name to the C++ compiler command: gcc -> g++, clang -> clang++-19.
cxx_for() {
  case "$1" in
    gcc) echo g++ ;;
    clang) echo clang++-19 ;;
    *) die "unknown compiler '$1' (known: gcc, clang, all)" ;;
  esac
}

# Expands "all" to the list of compilers.
expand_compilers() {
  case "$1" in
    all) echo "gcc clang" ;;
    gcc|clang) echo "$1" ;;
    *) die "unknown compiler '$1' (known: gcc, clang, all)" ;;
  esac
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
