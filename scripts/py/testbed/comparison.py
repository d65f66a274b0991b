"""Two runs compared cell by cell (scripts/compare): the change of the median ns per call,
significant when a Mann-Whitney U test on the repetitions says so and the change is beyond
the workload's measured margin (rule.py), the change of instructions per call, and the
change of p99 latency (the latency pass: one figure per run, so a change beyond the margin
is noted, with no U test)."""

from __future__ import annotations

from . import rule
from .stats import mann_whitney_u


def key(cell: dict) -> tuple[str, str, str, str]:
    return (cell["workload"], cell["row"], cell["args"], cell["compiler"])


def _p99(cell: dict) -> float | None:
    value = (cell.get("latency_ns") or {}).get("p99")
    return float(value) if isinstance(value, (int, float)) else None


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
        pa, pb = _p99(a), _p99(b)
        if pa and pb:
            row["old_p99_ns"], row["new_p99_ns"] = pa, pb
            row["p99_change"] = (pb - pa) / pa
            row["p99_beyond_margin"] = abs(row["p99_change"]) > margin
            if row["p99_beyond_margin"]:
                notes.append(f"{name}: p99 {pa:.1f} -> {pb:.1f} ns ({row['p99_change']:+.1%}, beyond "
                             f"the {margin:.0%} margin; one latency pass per run, no U test)")
        rows.append(row)
    return rows, notes
