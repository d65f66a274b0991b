"""Command line: compare two runs cell by cell, in the spirit of Google Benchmark's
tools/compare.py: the change of the median ns per call and of instructions per call, and
a difference is significant under the one rule of testbed/rule.py: a Mann-Whitney U test on
the repetitions (p < alpha) and a change beyond the workload's measured run-to-run margin
(docs/measured-spread.json), so that a noisy machine does not call every cell a regression."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testbed import merged, rule  # noqa: E402
from testbed.results import ResultsError  # noqa: E402
from testbed.stats import mann_whitney_u  # noqa: E402


def load(path: Path) -> dict:
    """A run folder (its results.json) or a results.json file."""
    file = path / "results.json" if path.is_dir() else path
    if not file.exists():
        raise ResultsError(f"{path}: no results.json (run scripts/report on the run folder first)")
    try:
        data = json.loads(file.read_text())
    except json.JSONDecodeError as e:
        raise ResultsError(f"{file}: not valid JSON ({e.msg} at line {e.lineno})") from None
    try:
        merged.validate(data)
    except ResultsError as e:
        raise ResultsError(f"{file}: {e}") from None
    return data


def key(cell: dict) -> tuple[str, str, str, str]:
    return (cell["workload"], cell["row"], cell["args"], cell["compiler"])


def compare(old: dict, new: dict, alpha: float) -> tuple[list[dict], list[str]]:
    olds = {key(c): c for c in old["cells"]}
    news = {key(c): c for c in new["cells"]}
    rows, notes = [], []
    for k in sorted(set(olds) | set(news)):
        a, b = olds.get(k), news.get(k)
        name = "/".join(k[:3]) + f" [{k[3]}]"
        if a is None or b is None:
            notes.append(f"{name}: only in the {'new' if a is None else 'old'} run")
            continue
        if a["status"] != "measured" or b["status"] != "measured":
            if a["status"] != b["status"]:
                notes.append(f"{name}: status changed from '{a['status']}' to '{b['status']}'")
            continue
        ra, rb = a["ns_per_call"]["repetitions"], b["ns_per_call"]["repetitions"]
        _, p = mann_whitney_u(ra, rb)
        ma, mb = a["ns_per_call"]["median"], b["ns_per_call"]["median"]
        change = (mb - ma) / ma if ma else 0.0
        margin = rule.margin_for(k[0])
        row = {"cell": name, "old_ns": ma, "new_ns": mb, "time_change": change, "p_value": p,
               "margin": margin, "significant": p < alpha and abs(change) > margin}
        ia, ib = a.get("instructions_per_call"), b.get("instructions_per_call")
        if ia and ib:
            row["instr_change"] = (ib - ia) / ia
        rows.append(row)
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/compare",
        description="Compare two runs cell by cell: change of the median ns per call, "
        "significant when a Mann-Whitney U test on the repetitions says so and the change is "
        "beyond the workload's measured run-to-run margin (docs/measured-spread.json), and "
        "change of instructions per call.")
    parser.add_argument("old", type=Path, help="the baseline run folder (or its results.json)")
    parser.add_argument("new", type=Path, help="the run to compare with it")
    parser.add_argument("--alpha", type=float, default=0.05,
                        help="significance level for the U test (default 0.05)")
    parser.add_argument("--threshold", type=float, default=0.05,
                        help="a significant slowdown larger than this fraction is a regression "
                        "(default 0.05)")
    parser.add_argument("--fail-on-regression", action="store_true",
                        help="exit 1 when any cell regressed")
    args = parser.parse_args(argv)
    try:
        old, new = load(args.old), load(args.new)
    except ResultsError as e:
        print(f"compare: error: {e}", file=sys.stderr)
        return 2
    rows, notes = compare(old, new, args.alpha)
    width = max([len(r["cell"]) for r in rows] + [4])
    print(f"{'cell':<{width}}  {'old ns':>9} {'new ns':>9} {'time':>8} {'p-value':>8} {'margin':>7} {'instr':>8}")
    regressions = 0
    for r in rows:
        instr = f"{r['instr_change']:+.1%}" if "instr_change" in r else "n/a"
        flag = ""
        if r["significant"] and r["time_change"] > args.threshold:
            flag, regressions = "  REGRESSION", regressions + 1
        elif r["significant"] and r["time_change"] < -args.threshold:
            flag = "  improvement"
        print(f"{r['cell']:<{width}}  {r['old_ns']:>9.2f} {r['new_ns']:>9.2f} "
              f"{r['time_change']:>+8.1%} {r['p_value']:>8.4f} {r['margin']:>7.1%} {instr:>8}{flag}")
    for n in notes:
        print(f"note: {n}")
    print(f"{len(rows)} cells compared, {regressions} significant regression(s) over "
          f"{args.threshold:.0%} (alpha {args.alpha} and beyond each workload's margin)")
    return 1 if (regressions and args.fail_on_regression) else 0


if __name__ == "__main__":
    sys.exit(main())
