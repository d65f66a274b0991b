"""Valgrind passes of the matrix: instructions per call (callgrind) and peak heap
(massif) for every cell of one benchmark binary.

- callgrind: the binary runs twice under callgrind with --collect-atstart=no, with every
  cell fixed at N1 and then N2 iterations (TESTBED_ITERATIONS). The harness collects
  instructions only inside each cell's measured loop and dumps once per cell, so
  instructions per call = (I(N2) - I(N1)) / ((N2 - N1) * calls per iteration): the
  difference of two run lengths cancels any fixed cost of the loop. The same difference of
  the allocator's instructions (allocator_instructions, read from each dump's call graph:
  the inclusive cost of every call from outside the allocator into it) gives
  allocator_instructions_per_call, the allocator's share (scripts/py/testbed/breakdown.py).
- massif: one massif run per binary in which every cell runs in its own forked child (N1
  iterations); a cell's peak heap is the largest mem_heap_B + mem_heap_extra_B after the
  fork minus the heap the child inherited (a massif snapshot taken right after the fork).

Writes <out>/<binary>.callgrind.json and <out>/<binary>.massif.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from testbed.results import args_order, base_name, split_name

# What Google Benchmark appends to a cell's name, as a --benchmark_filter suffix (POSIX
# extended regex): "/iterations:N" when the iteration count is fixed, "/real_time" since
# every cell is timed by the wall clock (testbed.results.base_name removes them).
NAME_SUFFIX_RE = "(/iterations:[0-9]+)?(/real_time)?$"

# Cells left out of the valgrind passes: the synchronous overflow search forks children by
# design, and recursions of 65,536 levels and more would take minutes under valgrind
# (their per-call instructions are those of the shallower depths); recursion_reach runs
# millions of levels once, to find how deep a strategy goes, not what a call costs; the
# 1 MiB fixed buffer first fills itself with a 131,072-level chain (2.3 s per callgrind
# run; its per-call instructions are those of the 4 KiB and 64 KiB buffers).
VALGRIND_EXCLUDE = re.compile(
    r"^recursion_sync/|^recursion_reach/|/depth:(65536|1048576)$|^recursion_fixed_buffer/.*/buffer_bytes:1048576$")
# Cells whose calls run on other threads than the benchmark loop: callgrind's collection
# state is per thread, so it counts none of their calls (they report time only).
CALLGRIND_EXCLUDE = {re.compile(r"^threads(_same_thread)?/"):
                     "calls run on pool threads; callgrind collects per thread",
                     re.compile(r"^middleware_chain_loopback/"):
                     "the chain runs on the server thread; callgrind collects per thread"}


class MeasureError(Exception):
    pass


# The allocator's functions, as callgrind names them (demangled, without a "'N" recursion
# suffix): glibc's malloc family, C++'s global operator new/delete, the std::pmr resources
# (their do_allocate/do_deallocate and libstdc++'s pool internals), mimalloc's functions
# (the box_mimalloc row) and Rust's global allocator shims and GlobalAlloc impls. A call
# from any other function into one of these counts with its inclusive cost; calls between
# them (operator new into malloc, a pool into operator new) are inside that cost already.
# A pool whose fast path the compiler inlines into the strategy has no function to find:
# its instructions stay with the strategy's own bookkeeping.
ALLOCATOR_FUNCTION = re.compile(
    r"^(?:(?:__libc_)?(?:malloc|free|calloc|realloc|memalign|aligned_alloc|posix_memalign)"
    r"|_int_(?:malloc|free|memalign)|malloc_consolidate|tcache_\w+"
    r"|operator (?:new|delete)(?:\[\])?"
    r"|std::pmr::.*|.*::do_(?:de)?allocate"
    r"|_?mi_\w+"
    r"|__rust_(?:alloc|dealloc|realloc|alloc_zeroed)|__r[dg]l_\w+|.*GlobalAlloc>::\w+)"
    r"(?:\(.*)?$")


def is_allocator_function(name: str) -> bool:
    return ALLOCATOR_FUNCTION.match(re.sub(r"'\d+$", "", name)) is not None


class CallgrindNames:
    """The name compression of one callgrind run: "fn=(12) name" defines id 12, a later
    "fn=(12)" refers to it, also in the run's later dumps (callgrind keeps one table per
    run), so one instance reads a run's dumps in order."""

    def __init__(self) -> None:
        self.functions: dict[str, str] = {}

    def function(self, value: str) -> str:
        m = re.match(r"\((\d+)\)(?: (.*))?$", value)
        if not m:
            return value  # uncompressed
        if m.group(2) is not None:
            self.functions[m.group(1)] = m.group(2)
            return m.group(2)
        if m.group(1) not in self.functions:
            raise MeasureError(f"callgrind dump refers to function ({m.group(1)}) before naming it")
        return self.functions[m.group(1)]


def allocator_instructions(text: str, names: CallgrindNames) -> dict[str, int]:
    """Instructions a callgrind dump spent in the allocator, by the allocator's function
    called: the inclusive cost (Ir) of every call edge from a function that is not the
    allocator's into one that is (their sum is the allocator's share)."""
    positions, ir_column = 1, 0
    caller = callee = ""
    total: dict[str, int] = {}
    after_calls = False
    for line in text.splitlines():
        if after_calls:
            after_calls = False
            fields = line.split()
            column = positions + ir_column
            if len(fields) > column and not is_allocator_function(caller) and is_allocator_function(callee):
                name = re.sub(r"'\d+$", "", callee)
                total[name] = total.get(name, 0) + int(fields[column])
            continue
        if line.startswith("positions:"):
            positions = len(line.split()[1:])
        elif line.startswith("events:"):
            events = line.split()[1:]
            if "Ir" not in events:
                raise MeasureError("callgrind dump without the Ir event")
            ir_column = events.index("Ir")
        elif line.startswith("fn="):
            caller = names.function(line[3:])
        elif line.startswith("cfn="):
            callee = names.function(line[4:])
        elif line.startswith("calls="):
            after_calls = True  # the next line is the call's inclusive cost
    return total


# A process allocator to preload into the measured runs (--preload): the box_mimalloc row.
# callgrind does not replace malloc (memcheck and massif do), so it counts the preloaded
# allocator's instructions as it counts glibc's.
PRELOAD: dict[str, str] = {}


def run(cmd: list[str], env_extra: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, **env_extra)
    env.pop("LD_PRELOAD", None)
    env.update(PRELOAD)
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def benchmark_entries(json_path: Path) -> list[dict]:
    data = json.loads(json_path.read_text())
    return [b for b in data.get("benchmarks", []) if b.get("run_type", "iteration") == "iteration"]


def callgrind_run(binary: Path, iterations: int, filter_re: str | None,
                  tmp: Path) -> list[tuple[str, int, dict, int]]:
    """One callgrind run: (cell name, instructions, benchmark entry, allocator instructions)
    per executed cell."""
    out = tmp / f"cg.{iterations}"
    bench_json = tmp / f"bench.{iterations}.json"
    cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", f"--callgrind-out-file={out}",
           str(binary), "--benchmark_repetitions=1", f"--benchmark_out={bench_json}",
           "--benchmark_out_format=json"]
    names = [n for n in list_cells(binary, filter_re, tmp)
             if not VALGRIND_EXCLUDE.search(n) and not any(p.search(n) for p in CALLGRIND_EXCLUDE)]
    if not names:
        return []
    cmd.append("--benchmark_filter=^(" + "|".join(re.escape(n) for n in names) + ")" + NAME_SUFFIX_RE)
    proc = run(cmd, {"TESTBED_ITERATIONS": str(iterations)}, tmp)
    if proc.returncode != 0:
        raise MeasureError(f"callgrind run of {binary.name} failed:\n{proc.stderr[-2000:]}")
    entries = benchmark_entries(bench_json)
    dumps = sorted(tmp.glob(f"cg.{iterations}.*"), key=lambda p: int(p.suffix[1:]))
    if len(dumps) != len(entries):
        raise MeasureError(
            f"{binary.name}: {len(entries)} cells ran but callgrind wrote {len(dumps)} dumps")
    results = []
    names = CallgrindNames()
    for entry, dump in zip(entries, dumps):
        text = dump.read_text(errors="replace")
        desc = re.search(r"^desc: Trigger: Client Request: (.*)$", text, re.M)
        total = re.search(r"^summary: (\d+)", text, re.M) or re.search(r"^totals: (\d+)", text, re.M)
        name = base_name(entry.get("run_name", entry["name"]))
        if not desc or not name.startswith(desc.group(1)):
            raise MeasureError(f"{binary.name}: dump {dump.name} does not belong to cell {name}")
        results.append((name, int(total.group(1)) if total else 0, entry,
                        allocator_instructions(text, names)))
    return results


def callgrind_pass(binary: Path, n1: int, n2: int, filter_re: str | None, jobs: int) -> dict:
    with tempfile.TemporaryDirectory() as t, ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        tmp = Path(t)
        # The two run lengths are independent processes: run them side by side.
        short_run = pool.submit(callgrind_run, binary, n1, filter_re, tmp)
        long = callgrind_run(binary, n2, filter_re, tmp)
        short = {name: (count, alloc) for name, count, _, alloc in short_run.result()}
    cells = {}
    for name, count2, entry, alloc2 in long:
        if entry.get("error_occurred") or name not in short:
            continue
        count1, alloc1 = short[name]
        calls = entry.get("calls_per_iter")
        if not calls or count2 == 0:
            continue  # the cell has no measured loop (no call_meter)
        per_call = (n2 - n1) * calls
        functions = {f: (alloc2.get(f, 0) - alloc1.get(f, 0)) / per_call for f in set(alloc1) | set(alloc2)}
        cells[name] = {
            "instructions_per_call": (count2 - count1) / per_call,
            "instructions": [count1, count2],
            "allocator_instructions_per_call": (sum(alloc2.values()) - sum(alloc1.values())) / per_call,
            "allocator_instructions": [sum(alloc1.values()), sum(alloc2.values())],
            # Where the allocator's share goes: the allocator's functions called from outside
            # it, instructions per call each (inclusive), those above 0.5 per call.
            "allocator_functions": {f: round(v, 1) for f, v in sorted(functions.items(), key=lambda kv: -kv[1])
                                    if v >= 0.5},
        }
    return {"testbed_pass": "callgrind", "iterations": [n1, n2], "cells": cells,
            "not_measured": {p.pattern: reason for p, reason in CALLGRIND_EXCLUDE.items()}}


def list_cells(binary: Path, filter_re: str | None, tmp: Path) -> list[str]:
    cmd = [str(binary), "--benchmark_list_tests=true"]
    if filter_re:
        cmd.append(f"--benchmark_filter={filter_re}")
    proc = run(cmd, {"TESTBED_ITERATIONS": "1"}, tmp)
    if proc.returncode != 0:
        raise MeasureError(f"{binary.name} --benchmark_list_tests failed:\n{proc.stderr[-2000:]}")
    return [base_name(line.strip()) for line in proc.stdout.splitlines() if line.strip()]


def massif_snapshots(text: str) -> list[tuple[int, int, bool]]:
    """(time, heap + extra bytes, is the peak snapshot) for every snapshot of a massif file."""
    snapshots = []
    for block in re.split(r"^snapshot=\d+$", text, flags=re.M)[1:]:
        time = re.search(r"^time=(\d+)", block, re.M)
        heap = re.search(r"^mem_heap_B=(\d+)", block, re.M)
        extra = re.search(r"^mem_heap_extra_B=(\d+)", block, re.M)
        if time and heap:
            snapshots.append((int(time.group(1)), int(heap.group(1)) + int(extra.group(1) if extra else 0),
                              re.search(r"^heap_tree=peak", block, re.M) is not None))
    return snapshots


def massif_cell_peak(massif_file: Path, before_file: Path) -> dict:
    """A forked cell's peak heap beyond the heap it held right after the fork.

    The child's massif file also holds the parent's history; the harness allocates a
    ballast in the child before its "before" snapshot so that the child's peak exceeds
    any earlier one. massif's peak snapshot (exact with --peak-inaccuracy=0) must then
    come at or after the fork; if it does not, the ballast was too small and the figure
    is the largest later snapshot, marked inexact.
    """
    before = massif_snapshots(before_file.read_text())
    if not before:
        raise MeasureError(f"{before_file.name}: no snapshot in massif's output")
    fork_time, at_start, _ = before[0]
    snapshots = massif_snapshots(massif_file.read_text())
    peaks = [b for t, b, peak in snapshots if peak and b >= at_start]
    exact = bool(peaks)
    top = max(peaks) if exact else max((b for t, b, _ in snapshots if t >= fork_time), default=at_start)
    return {"peak_heap_bytes": max(top - at_start, 0), "peak_heap_exact": exact}


def first_cell_per_row(names: list[str]) -> list[str]:
    """Of each row of each workload, the cell with the smallest arguments, in the order the
    memory figures take them (testbed/plots.py plot_memory shows each row's first cell)."""
    first: dict[tuple[str, str], tuple[tuple, str]] = {}
    for name in names:
        workload, row, args = split_name(name)
        key = args_order(args)
        if (workload, row) not in first or key < first[(workload, row)][0]:
            first[(workload, row)] = (key, name)
    return [n for n in names if first[split_name(n)[:2]][1] == n]


def massif_pass(binary: Path, iterations: int, filter_re: str | None, first_only: bool = False) -> dict:
    """One massif run for all cells of a binary (or, first_only, each row's first cell):
    the harness forks a child per cell (TESTBED_MASSIF_DIR, see harness/bench_support.hpp)
    and massif writes one file per child."""
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        names = [n for n in list_cells(binary, filter_re, tmp) if not VALGRIND_EXCLUDE.search(n)]
        if first_only:
            names = first_cell_per_row(names)
        if not names:
            return {"testbed_pass": "massif", "iterations": iterations, "cells": {}}
        cmd = ["valgrind", "--tool=massif", "--peak-inaccuracy=0.0", f"--massif-out-file={tmp}/massif.%p", str(binary),
               "--benchmark_repetitions=1", f"--benchmark_out={tmp}/bench.json",
               "--benchmark_out_format=json",
               "--benchmark_filter=^(" + "|".join(re.escape(n) for n in names) + ")" + NAME_SUFFIX_RE]
        proc = run(cmd, {"TESTBED_ITERATIONS": str(iterations), "TESTBED_MASSIF_DIR": str(tmp)}, tmp)
        if proc.returncode != 0:
            raise MeasureError(f"massif run of {binary.name} failed:\n{proc.stderr[-2000:]}")
        entries = benchmark_entries(tmp / "bench.json")
        cells = {}
        markers = list(tmp.glob("cell.*"))
        if len(markers) != len(entries):
            raise MeasureError(f"{binary.name}: {len(entries)} cells ran but {len(markers)} ran in a "
                               "massif child (is the binary built with this testbed's harness?)")
        for marker in markers:
            pid = marker.suffix[1:]
            lines = marker.read_text().splitlines()
            if len(lines) < 3 or not lines[0].isdigit() or int(lines[0]) >= len(entries):
                raise MeasureError(f"{binary.name}: malformed massif cell marker {marker.name}")
            entry = entries[int(lines[0])]
            name = base_name(entry.get("run_name", entry["name"]))
            if not name.startswith(lines[1]):
                raise MeasureError(f"{binary.name}: massif child {pid} ran {lines[1]}, not {name}")
            if lines[2] != "ok" or entry.get("error_occurred"):
                continue  # unsupported or failed cells have no heap figure
            massif_file, before_file = tmp / f"massif.{pid}", tmp / f"before.{pid}"
            if not massif_file.is_file() or not before_file.is_file():
                raise MeasureError(f"{binary.name}: massif wrote no output for cell {name}")
            cells[name] = massif_cell_peak(massif_file, before_file)
    return {"testbed_pass": "massif", "iterations": iterations, "cells": cells}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/py/measure.py",
        description="Run the valgrind passes (callgrind instructions per call, massif peak heap) "
        "over every cell of one benchmark binary; used by scripts/matrix.")
    parser.add_argument("binary", type=Path, help="a benchmark binary built by the testbed")
    parser.add_argument("--out", type=Path, required=True, help="folder for <binary>.<pass>.json")
    parser.add_argument("--passes", default="callgrind,massif", help="comma list: callgrind, massif")
    parser.add_argument("--filter", default=None, help="only cells matching this regex")
    parser.add_argument("--iterations", type=int, nargs=2, default=[3, 9], metavar=("N1", "N2"),
                        help="the two run lengths for callgrind (massif uses N1)")
    parser.add_argument("--jobs", type=int, default=2, help="valgrind runs in parallel (the passes)")
    parser.add_argument("--massif-first-cell-per-row", action="store_true",
                        help="massif measures each row's first cell only (the one the memory figures "
                        "show): a forked child per cell costs 25 to 45 ms under valgrind (quick mode)")
    parser.add_argument("--preload", type=Path, default=None, metavar="LIB",
                        help="run with this mimalloc library preloaded (the box_mimalloc row; "
                        "callgrind only) and write <binary>.mimalloc.<pass>.json")
    args = parser.parse_args(argv)
    if not args.binary.is_file():
        print(f"measure: error: {args.binary}: no such benchmark binary", file=sys.stderr)
        return 2
    unknown = set(args.passes.split(",")) - {"callgrind", "massif"}
    if unknown:
        print(f"measure: error: unknown pass(es) {sorted(unknown)} (known: callgrind, massif)", file=sys.stderr)
        return 2
    args.binary = args.binary.resolve()  # the runs happen in a temporary folder
    n1, n2 = args.iterations
    if not 0 < n1 < n2:
        print("measure: error: --iterations needs 0 < N1 < N2", file=sys.stderr)
        return 2
    infix = ""
    if args.preload is not None:
        if not args.preload.is_file():
            print(f"measure: error: {args.preload}: no such library", file=sys.stderr)
            return 2
        if args.passes != "callgrind":
            print("measure: error: --preload serves the callgrind pass only (massif replaces "
                  "malloc itself)", file=sys.stderr)
            return 2
        # The allocator's name is the library's ("libmimalloc.so.2" -> mimalloc): the binary
        # checks it is loaded and names the rows after it.
        allocator = args.preload.name.split(".")[0].removeprefix("lib")
        PRELOAD.update(LD_PRELOAD=str(args.preload), TESTBED_PROCESS_ALLOCATOR=allocator)
        infix = f".{allocator}"
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        for name in args.passes.split(","):
            result = (callgrind_pass(args.binary, n1, n2, args.filter, args.jobs) if name == "callgrind"
                      else massif_pass(args.binary, n1, args.filter, args.massif_first_cell_per_row))
            target = args.out / f"{args.binary.name}{infix}.{name}.json"
            target.write_text(json.dumps(result, indent=1) + "\n")
    except MeasureError as e:
        print(f"measure: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
