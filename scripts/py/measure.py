"""Valgrind passes of the matrix: instructions per call (callgrind) and peak heap
(massif) for every cell of one benchmark binary.

- callgrind: the binary runs twice under callgrind with --collect-atstart=no, with every
  cell fixed at N1 and then N2 iterations (TESTBED_ITERATIONS). The harness collects
  instructions only inside each cell's measured loop and dumps once per cell, so
  instructions per call = (I(N2) - I(N1)) / ((N2 - N1) * calls per iteration): the
  difference of two run lengths cancels any fixed cost of the loop.
- massif: each cell runs alone under massif (N1 iterations); its peak heap is the largest
  mem_heap_B + mem_heap_extra_B snapshot, minus the peak of a run that selects no cell
  (the benchmark framework's own heap).

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

ITERATION_SUFFIX = re.compile(r"/iterations:\d+$")

# Cells left out of the valgrind passes: the synchronous overflow search forks children by
# design, and recursions of 65,536 levels and more would take minutes under valgrind
# (their per-call instructions are those of the shallower depths).
VALGRIND_EXCLUDE = re.compile(r"^recursion_sync/|/depth:(65536|1048576)$")


class MeasureError(Exception):
    pass


def cell_name(run_name: str) -> str:
    return ITERATION_SUFFIX.sub("", run_name)


def run(cmd: list[str], env_extra: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, **env_extra)
    env.pop("LD_PRELOAD", None)
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def benchmark_entries(json_path: Path) -> list[dict]:
    data = json.loads(json_path.read_text())
    return [b for b in data.get("benchmarks", []) if b.get("run_type", "iteration") == "iteration"]


def callgrind_run(binary: Path, iterations: int, filter_re: str | None, tmp: Path) -> list[tuple[str, int, dict]]:
    """One callgrind run: (cell name, instructions, benchmark entry) per executed cell."""
    out = tmp / f"cg.{iterations}"
    bench_json = tmp / f"bench.{iterations}.json"
    cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", f"--callgrind-out-file={out}",
           str(binary), "--benchmark_repetitions=1", f"--benchmark_out={bench_json}",
           "--benchmark_out_format=json"]
    names = [n for n in list_cells(binary, filter_re, tmp) if not VALGRIND_EXCLUDE.search(n)]
    if not names:
        return []
    cmd.append("--benchmark_filter=^(" + "|".join(re.escape(n) for n in names) + ")(/iterations:[0-9]+)?$")
    proc = run(cmd, {"TESTBED_ITERATIONS": str(iterations)}, tmp)
    if proc.returncode != 0:
        raise MeasureError(f"callgrind run of {binary.name} failed:\n{proc.stderr[-2000:]}")
    entries = benchmark_entries(bench_json)
    dumps = sorted(tmp.glob(f"cg.{iterations}.*"), key=lambda p: int(p.suffix[1:]))
    if len(dumps) != len(entries):
        raise MeasureError(
            f"{binary.name}: {len(entries)} cells ran but callgrind wrote {len(dumps)} dumps")
    results = []
    for entry, dump in zip(entries, dumps):
        text = dump.read_text(errors="replace")
        desc = re.search(r"^desc: Trigger: Client Request: (.*)$", text, re.M)
        total = re.search(r"^summary: (\d+)", text, re.M) or re.search(r"^totals: (\d+)", text, re.M)
        name = cell_name(entry.get("run_name", entry["name"]))
        if not desc or not name.startswith(desc.group(1)):
            raise MeasureError(f"{binary.name}: dump {dump.name} does not belong to cell {name}")
        results.append((name, int(total.group(1)) if total else 0, entry))
    return results


def callgrind_pass(binary: Path, n1: int, n2: int, filter_re: str | None) -> dict:
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        short = {name: (count, e) for name, count, e in callgrind_run(binary, n1, filter_re, tmp)}
        long = callgrind_run(binary, n2, filter_re, tmp)
    cells = {}
    for name, count2, entry in long:
        if entry.get("error_occurred") or name not in short:
            continue
        count1 = short[name][0]
        calls = entry.get("calls_per_iter")
        if not calls or count2 == 0:
            continue  # the cell has no measured loop (no call_meter)
        cells[name] = {
            "instructions_per_call": (count2 - count1) / ((n2 - n1) * calls),
            "instructions": [count1, count2],
        }
    return {"testbed_pass": "callgrind", "iterations": [n1, n2], "cells": cells}


def massif_peak(out_file: Path) -> int:
    text = out_file.read_text()
    heap = [int(x) for x in re.findall(r"^mem_heap_B=(\d+)", text, re.M)]
    extra = [int(x) for x in re.findall(r"^mem_heap_extra_B=(\d+)", text, re.M)]
    return max((h + e for h, e in zip(heap, extra)), default=0)


def massif_cell(binary: Path, name: str | None, iterations: int, tmp: Path) -> tuple[int, dict | None]:
    tag = re.sub(r"[^A-Za-z0-9]+", "_", name or "baseline")
    out = tmp / f"massif.{tag}"
    bench_json = tmp / f"massif.{tag}.json"
    # A filter that selects no cell gives the framework's own heap (the baseline).
    filter_re = ("^" + re.escape(name) + "(/iterations:[0-9]+)?$") if name else "^no cell has this name$"
    cmd = ["valgrind", "--tool=massif", f"--massif-out-file={out}", str(binary),
           "--benchmark_repetitions=1", f"--benchmark_filter={filter_re}",
           f"--benchmark_out={bench_json}", "--benchmark_out_format=json"]
    proc = run(cmd, {"TESTBED_ITERATIONS": str(iterations)}, tmp)
    if name and proc.returncode != 0:
        raise MeasureError(f"massif run of {binary.name} {name} failed:\n{proc.stderr[-2000:]}")
    if name is None:  # no cell ran: the JSON file is empty
        return massif_peak(out), None
    entries = benchmark_entries(bench_json)
    return massif_peak(out), (entries[0] if entries else None)


def list_cells(binary: Path, filter_re: str | None, tmp: Path) -> list[str]:
    cmd = [str(binary), "--benchmark_list_tests=true"]
    if filter_re:
        cmd.append(f"--benchmark_filter={filter_re}")
    proc = run(cmd, {"TESTBED_ITERATIONS": "1"}, tmp)
    if proc.returncode != 0:
        raise MeasureError(f"{binary.name} --benchmark_list_tests failed:\n{proc.stderr[-2000:]}")
    return [cell_name(line.strip()) for line in proc.stdout.splitlines() if line.strip()]


def massif_pass(binary: Path, iterations: int, filter_re: str | None, jobs: int) -> dict:
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        names = [n for n in list_cells(binary, filter_re, tmp) if not VALGRIND_EXCLUDE.search(n)]
        baseline, _ = massif_cell(binary, None, iterations, tmp)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(lambda n: (n, *massif_cell(binary, n, iterations, tmp)), names))
    cells = {}
    for name, peak, entry in results:
        if entry is None or entry.get("error_occurred"):
            continue
        cells[name] = {"peak_heap_bytes": max(peak - baseline, 0), "peak_heap_bytes_raw": peak}
    return {"testbed_pass": "massif", "iterations": iterations, "baseline_peak_bytes": baseline,
            "cells": cells}


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
    parser.add_argument("--jobs", type=int, default=2, help="massif runs in parallel")
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
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        for name in args.passes.split(","):
            result = (callgrind_pass(args.binary, n1, n2, args.filter) if name == "callgrind"
                      else massif_pass(args.binary, n1, args.filter, args.jobs))
            target = args.out / f"{args.binary.name}.{name}.json"
            target.write_text(json.dumps(result, indent=1) + "\n")
    except MeasureError as e:
        print(f"measure: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
