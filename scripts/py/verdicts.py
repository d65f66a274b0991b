"""Command line: the verdicts of several runs side by side, one column per run (headed by its
CPU model and run name), one row per claim. Verdicts are recomputed from each run's raw
cells with the current claim code (scripts/py/testbed/claims.py), never read from an old
REPORT.md. A claim whose verdict differs between machines is marked machine-dependent, one
that differs between runs of one machine is marked unstable, and each such claim gets the
figure that explains it (Verdict.figure: for C12 the Sendable-minus-Local cost, for C13
the best cache against the best allocator). Output: Markdown on stdout."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testbed.judging import Judged, judge_all  # noqa: E402
from testbed.results import ResultsError  # noqa: E402


def dependence(judged: list[Judged], index: int) -> str:
    """'' when every run agrees on claim `index`; 'machine-dependent' when the runs of each
    machine agree among themselves and the machines disagree; 'unstable on <machine>' when
    runs of one machine disagree."""
    by_machine: dict[str, set[str]] = {}
    for j in judged:
        by_machine.setdefault(j.machine, set()).add(j.verdicts[index].verdict)
    if len({j.verdicts[index].verdict for j in judged}) == 1:
        return ""
    unstable = [m for m, vs in by_machine.items() if len(vs) > 1]
    if unstable:
        return "unstable on " + ", ".join(unstable)
    return "machine-dependent"


def table(judged: list[Judged], explain: tuple[str, ...] = ()) -> str:
    head = "| claim | " + " | ".join(f"{j.machine}<br>`{j.name}`" for j in judged) + " | across runs |"
    lines = [head, "|---|" + "---|" * len(judged) + "---|"]
    marked = []
    for i, first in enumerate(judged[0].verdicts):
        dep = dependence(judged, i)
        if dep:
            marked.append((i, dep))
        cells = " | ".join(j.verdicts[i].verdict for j in judged)
        lines.append(f"| {first.claim} | {cells} | {('**' + dep + '**') if dep else 'same'} |")
    out = ["# Verdicts across runs", "",
           "Recomputed from each run's cells by the current `scripts/py/testbed/claims.py`.", "",
           *lines, ""]
    # Claims asked for by name are explained even where the runs agree.
    marked += [(i, "same verdict") for i, v in enumerate(judged[0].verdicts)
               if v.claim in explain and i not in {m for m, _ in marked}]
    for i, dep in sorted(marked):
        first = judged[0].verdicts[i]
        out += [f"## {first.claim} ({dep})", "", f"{first.text}. Decided by: {first.decided_by}.", ""]
        for j in judged:
            v = j.verdicts[i]
            figure = v.figure or (v.evidence[-1] if v.evidence else "no evidence")
            out.append(f"- {j.machine}, `{j.name}`: **{v.verdict}**. {figure}")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/verdicts",
        description="Put the verdicts of several runs side by side (Markdown on stdout), "
        "recomputed from each run's cells with the current claim code; marks the claims whose "
        "verdict depends on the machine, with the figure that explains each.")
    parser.add_argument("runs", type=Path, nargs="+",
                        help="run folders (with raw/) or results.json files")
    parser.add_argument("--explain", default="C12,C13",
                        help="claims whose figure is shown for every run even where the verdicts "
                        "agree (comma-separated; default C12,C13; '' for none)")
    parser.add_argument("--rows-from", type=Path, default=None, metavar="RUN",
                        help="a run whose row manifest describes runs made before the binaries "
                        "wrote one (default: the manifests of the other runs given)")
    args = parser.parse_args(argv)
    explain = tuple(c.strip() for c in args.explain.split(",") if c.strip())
    try:
        judged = judge_all(args.runs, args.rows_from)
    except ResultsError as e:
        print(f"verdicts: error: {e}", file=sys.stderr)
        return 2
    print(table(judged, explain), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
