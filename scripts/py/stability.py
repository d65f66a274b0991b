"""Command line: how repeatable are the numbers? Given several runs of the same matrix,
reports the run-to-run spread of each cell's median ns per call and the agreement of
instructions per call, as a Markdown document (docs/measured-spread.md is its output) and,
with --out, a machine-readable twin beside it (docs/measured-spread.json): the per-workload
90th percentile is the margin scripts/py/testbed/rule.py requires two cells to differ by."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testbed.comparison import key  # noqa: E402
from testbed.merged import read_results_file as load  # noqa: E402
from testbed.judging import judge_all  # noqa: E402
from testbed.results import ResultsError  # noqa: E402
from testbed.rule import INSTRUCTION_MARGIN  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def cell_spreads(runs: list[dict]) -> list[tuple[tuple, float, float | None]]:
    """For each cell measured in every run: (key, ns/call spread, instructions/call spread
    or None), a spread being (largest - smallest) / median over the runs."""
    by_run = [{key(c): c for c in r["cells"] if c["status"] == "measured"} for r in runs]
    common = set(by_run[0]).intersection(*by_run[1:])
    out = []
    for k in sorted(common):
        medians = [r[k]["ns_per_call"]["median"] for r in by_run]
        mid = statistics.median(medians)
        if mid <= 0:
            continue
        instr = [r[k].get("instructions_per_call") for r in by_run]
        instr_spread = None
        if all(isinstance(i, (int, float)) and i > 0 for i in instr):
            instr_spread = (max(instr) - min(instr)) / statistics.median(instr)
        out.append((k, (max(medians) - min(medians)) / mid, instr_spread))
    return out


def spread_table(spreads: list[tuple[tuple, float, float | None]]) -> tuple[list[str], list[tuple[str, float]]]:
    time_spread: dict[str, list[float]] = {}
    instr_spread: dict[str, list[float]] = {}
    worst: list[tuple[str, float]] = []
    for k, s, i in spreads:
        time_spread.setdefault(k[3], []).append(s)
        worst.append(("/".join(k[:3]) + f" [{k[3]}]", s))
        if i is not None:
            instr_spread.setdefault(k[3], []).append(i)
    lines = [
        "| compiler | cells | ns/call spread: median | 90th percentile | max | instructions/call spread: max |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for compiler in sorted(time_spread):
        t = time_spread[compiler]
        i = instr_spread.get(compiler, [])
        lines.append(
            f"| {compiler} | {len(t)} | {statistics.median(t):.1%} | {percentile(t, 0.9):.1%} | "
            f"{max(t):.1%} | {(f'{max(i):.3%}' if i else 'n/a')} |")
    worst.sort(key=lambda w: -w[1])
    return lines, worst[:8]


def moved_instructions(spreads: list[tuple[tuple, float, float | None]]) -> list[str]:
    """The cells whose instructions per call moved between the runs by more than the rule's
    INSTRUCTION_MARGIN (callgrind counts are otherwise repeatable to the instruction), as
    Markdown list items, the largest first; ["- none"] when there is none."""
    moved = sorted(((i, "/".join(k[:3]) + f" [{k[3]}]") for k, _, i in spreads
                    if i is not None and i > INSTRUCTION_MARGIN), reverse=True)
    return [f"- {name}: {i:.1%}" for i, name in moved] or ["- none"]


def workload_table(spreads: list[tuple[tuple, float, float | None]]) -> list[str]:
    """The same spread per workload, every compiler together: where the noise lives."""
    by_workload: dict[str, list[float]] = {}
    for k, s, _ in spreads:
        by_workload.setdefault(k[0], []).append(s)
    lines = ["| workload | cells | ns/call spread: median | 90th percentile | max |",
             "|---|---:|---:|---:|---:|"]
    for workload in sorted(by_workload):
        t = by_workload[workload]
        lines.append(f"| {workload} | {len(t)} | {statistics.median(t):.1%} | "
                     f"{percentile(t, 0.9):.1%} | {max(t):.1%} |")
    return lines


def _summary(values: list[float]) -> dict:
    return {"cells": len(values), "median": round(statistics.median(values), 5),
            "p90": round(percentile(values, 0.9), 5), "max": round(max(values), 5)}


def spread_json(spreads: list[tuple[tuple, float, float | None]], runs: list[dict]) -> dict:
    """The same numbers as the Markdown tables, as fractions (0.088 = 8.8%): per workload
    (every compiler together) and per compiler, with the runs they came from."""
    by_workload: dict[str, list[float]] = {}
    by_compiler: dict[str, list[float]] = {}
    instr: dict[str, list[float]] = {}
    for k, s, i in spreads:
        by_workload.setdefault(k[0], []).append(s)
        by_compiler.setdefault(k[3], []).append(s)
        if i is not None:
            instr.setdefault(k[3], []).append(i)
    compilers = {}
    for compiler, values in sorted(by_compiler.items()):
        compilers[compiler] = _summary(values)
        compilers[compiler]["instructions_max"] = (round(max(instr[compiler]), 6)
                                                   if instr.get(compiler) else None)
    return {
        "format": "async-dispatch-testbed-spread",
        "version": 1,
        "source": "scripts/stability",
        "runs": [r["run"]["name"] for r in runs],
        "mode": runs[0]["run"]["mode"],
        "machine": runs[0]["machine"]["cpu_model"],
        "spread": "(largest median - smallest median) / median of the medians, per cell over "
                  "the runs; fractions",
        "compilers": compilers,
        "workloads": {w: _summary(v) for w, v in sorted(by_workload.items())},
    }


def _ran_busy(path: Path) -> bool:
    """Whether a run folder's timing files say it ran with scripts/matrix --busy."""
    folder = path if path.is_dir() else path.parent
    for raw in sorted(folder.glob("raw/*/*.json")):
        try:
            context = json.loads(raw.read_text()).get("context", {})
        except (OSError, json.JSONDecodeError, AttributeError):
            continue
        if isinstance(context, dict) and "testbed_compiler_name" in context:
            return "testbed_busy" in context
    return False


def verdict_lines(paths: list[Path], runs: list[dict]) -> list[str]:
    """The verdicts of the same runs under the current claim code, and what changed between
    them (a claim that moves between confirmed and refuted is a failure of the rule; one
    that moves to or from inconclusive is noise the rule absorbed)."""
    try:
        judged = judge_all(paths)
    except ResultsError as e:
        return [f"(verdicts not recomputed: {e})", ""]
    busy = [j.name for j, path in zip(judged, paths) if _ran_busy(path)]
    head = "| claim | " + " | ".join(f"`{j.name}`{' (busy)' if j.name in busy else ''}"
                                     for j in judged) + " |"
    lines = ["Verdicts of these runs (recomputed with the current claim code; `(busy)`: run with",
             "`scripts/matrix --busy`, one core kept busy by a CPU-bound process):", "",
             head, "|---|" + "---|" * len(judged)]
    changed, flipped = [], []
    for i, first in enumerate(judged[0].verdicts):
        found = [j.verdicts[i].verdict for j in judged]
        lines.append(f"| {first.claim} | " + " | ".join(found) + " |")
        if len(set(found)) > 1:
            changed.append(f"{first.claim} ({', '.join(found)})")
            if {"confirmed", "refuted"} <= set(found):
                flipped.append(first.claim)
    lines += ["", "What changed between the runs: " + ("; ".join(changed) if changed else "nothing") + ".",
              "Between confirmed and refuted: " + (", ".join(flipped) if flipped else "no claim") + ".", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/stability",
        description="Run-to-run spread of the median ns per call, and agreement of "
        "instructions per call, over two or more runs of the same matrix (Markdown output).")
    parser.add_argument("runs", type=Path, nargs="+", help="run folders (at least two)")
    parser.add_argument("--out", type=Path, default=None,
                        help="write the Markdown here instead of stdout, and its JSON twin beside "
                        "it (same name, .json: docs/measured-spread.md -> docs/measured-spread.json)")
    args = parser.parse_args(argv)
    if len(args.runs) < 2:
        print("stability: error: give at least two runs", file=sys.stderr)
        return 2
    try:
        runs = [load(r) for r in args.runs]
    except ResultsError as e:
        print(f"stability: error: {e}", file=sys.stderr)
        return 2
    spreads = cell_spreads(runs)
    table, worst = spread_table(spreads)
    names = ", ".join(f"`{r['run']['name']}`" for r in runs)
    out = [
        "# Measured run-to-run spread",
        "",
        f"Generated by `scripts/stability` from {len(runs)} runs: {names}",
        f"(mode: {runs[0]['run']['mode']}; machine: {runs[0]['machine']['cpu_model']}, "
        f"{runs[0]['machine']['num_cpus']} CPUs). For each cell measured in every run, the",
        "spread is (largest median - smallest median) / median of the medians.",
        "",
        *table,
        "",
        "By workload (every compiler together):",
        "",
        *workload_table(spreads),
        "",
        "The cells that moved most:",
        "",
        *[f"- {name}: {s:.1%}" for name, s in worst],
        "",
        f"Instruction counts that moved by more than {INSTRUCTION_MARGIN:.0%} between the runs "
        "(callgrind counts are otherwise the same to the instruction):",
        "",
        *moved_instructions(spreads),
        "",
        *verdict_lines(args.runs, runs),
    ]
    text = "\n".join(out)
    if args.out:
        args.out.write_text(text)
        args.out.with_suffix(".json").write_text(
            json.dumps(spread_json(spreads, runs), indent=1) + "\n")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
