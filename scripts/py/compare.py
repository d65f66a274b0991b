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

from testbed.comparison import compare  # noqa: E402
from testbed.merged import read_results_file  # noqa: E402
from testbed.results import ResultsError  # noqa: E402


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
        old, new = read_results_file(args.old), read_results_file(args.new)
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
