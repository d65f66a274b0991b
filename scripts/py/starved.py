"""Finds and replaces the starved cells of a timing pass.

Google Benchmark 1.7 sizes a cell once, in its first repetition, by doubling the iteration
count until one run lasts --benchmark_min_time, and reuses that count for every later
repetition. A stall of the shared machine longer than min_time during that first, single
iteration (a preempted vCPU: 10 ms and more were seen) ends the sizing at 1 iteration, and
then every repetition of the cell measures one cold iteration. Such a cell is "starved":
its repetitions ran far fewer iterations than its own per-iteration time allows.

  starved.py list <timing.json> --min-time S     prints a --benchmark_filter regex for the
                                                 starved cells (nothing when none)
  starved.py merge <timing.json> <rerun.json>    replaces those cells' entries with the
                                                 rerun's, and names them in the context
                                                 (testbed_rerun_cells)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

# A cell is starved when its repetitions ran fewer than this many iterations although its
# fastest repetition shows that min_time holds at least this many: ten iterations are
# enough to amortize a cold first one, and a cell legitimately this slow is left alone.
ENOUGH_ITERATIONS = 10


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        sys.exit(f"starved.py: cannot read {path}: {error}")
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        sys.exit(f"starved.py: {path} is not Google Benchmark JSON (no 'benchmarks' list)")
    return data


def _seconds(entry: dict) -> float:
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[entry.get("time_unit", "ns")]
    return float(entry["real_time"]) * scale


def starved_cells(data: dict, min_time: float) -> list[str]:
    """The run_names of the starved cells, in order of first appearance."""
    runs: dict[str, list[dict]] = {}
    for entry in data["benchmarks"]:
        if entry.get("run_type") == "iteration" and "error_occurred" not in entry:
            runs.setdefault(entry.get("run_name", entry["name"]), []).append(entry)
    starved = []
    for name, reps in runs.items():
        if max(int(r["iterations"]) for r in reps) >= ENOUGH_ITERATIONS:
            continue
        fastest = min(_seconds(r) for r in reps)  # seconds per iteration
        if fastest * ENOUGH_ITERATIONS < min_time:
            starved.append(name)
    return starved


def filter_regex(names: list[str]) -> str:
    """A --benchmark_filter regex matching exactly these cells (and their suffixes)."""
    return "^(" + "|".join(re.escape(n) for n in names) + ")(/|$)"


def merge(data: dict, rerun: dict) -> list[str]:
    """Replaces data's entries of every cell the rerun measured; returns their names."""
    replaced = sorted({e.get("run_name", e["name"]) for e in rerun["benchmarks"]})
    kept = [e for e in data["benchmarks"] if e.get("run_name", e["name"]) not in replaced]
    data["benchmarks"] = kept + rerun["benchmarks"]
    data.setdefault("context", {})["testbed_rerun_cells"] = ", ".join(replaced)
    return replaced


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="print a filter regex for the starved cells")
    listing.add_argument("timing", type=Path)
    listing.add_argument("--min-time", type=float, required=True,
                         help="the --benchmark_min_time of the timing pass, in seconds")
    merging = sub.add_parser("merge", help="replace starved cells with a rerun's entries")
    merging.add_argument("timing", type=Path)
    merging.add_argument("rerun", type=Path)
    args = parser.parse_args(argv)

    if args.command == "list" and args.timing.exists() and not args.timing.read_text().strip():
        return 0  # the filter left no cell in this binary: Google Benchmark wrote nothing
    data = _load(args.timing)
    if args.command == "list":
        names = starved_cells(data, args.min_time)
        if names:
            print(filter_regex(names))
        return 0
    replaced = merge(data, _load(args.rerun))
    # Written beside and renamed, so an interrupted merge never leaves half a file.
    tmp = args.timing.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(args.timing)
    print(", ".join(replaced))
    return 0


if __name__ == "__main__":
    sys.exit(main())
