"""The one rule every comparison that decides a verdict or names a winner goes through.

Two cells of one run differ only when
  1. their repetitions say so: a two-sided Mann-Whitney U test on the ns-per-call
     repetitions gives p < ALPHA, and
  2. the difference of their medians is beyond the margin of their workload: the 90th
     percentile of that workload's run-to-run spread, measured by scripts/stability and
     kept in docs/measured-spread.json (never below MIN_MARGIN).
Otherwise they tie. Instruction counts (callgrind), where both cells have them, are shown
beside the times and never decide on their own: a difference in instructions that the
clock cannot see is reported as such ("decided by" says what decided).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .results import Cell
from .stats import mann_whitney_u

# Significance level of the U test. With 5 repetitions per cell the smallest two-sided
# p-value the exact test can give is 2/252 = 0.008, so 0.05 leaves room for one swapped pair.
ALPHA = 0.05
# The smallest margin, whatever the spread file says: two medians of one run 3% apart
# are inside the noise of a shared 2-core machine (docs/measured-spread.md, W1 median).
MIN_MARGIN = 0.03
# The margin of a workload the spread file does not know (a new workload): the 90th
# percentile over all cells of the reference spread runs, rounded up.
DEFAULT_MARGIN = 0.25
# Instructions per call are repeatable to the instruction (0.000% spread across runs);
# a difference below 2% is layout, not work.
INSTRUCTION_MARGIN = 0.02

LESS, GREATER, TIE = "less", "greater", "tie"

SPREAD_FILE = Path(__file__).resolve().parents[3] / "docs" / "measured-spread.json"


def load_margins(path: Path = SPREAD_FILE) -> dict[str, float]:
    """workload -> margin (a fraction), from the spread file scripts/stability writes;
    {} when there is none (every workload then gets DEFAULT_MARGIN)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    workloads = data.get("workloads", {}) if isinstance(data, dict) else {}
    return {w: float(v["p90"]) for w, v in workloads.items()
            if isinstance(v, dict) and isinstance(v.get("p90"), (int, float))}


_MARGINS: dict[str, float] | None = None


def margin_for(workload: str, margins: dict[str, float] | None = None) -> float:
    """The margin two medians of `workload` must differ by (a fraction of the larger)."""
    global _MARGINS
    if margins is None:
        if _MARGINS is None:
            _MARGINS = load_margins()
        margins = _MARGINS
    return max(MIN_MARGIN, margins.get(workload, DEFAULT_MARGIN))


@dataclass(frozen=True)
class Comparison:
    """a against b. outcome: LESS (a is faster), GREATER (a is slower) or TIE."""
    a: Cell
    b: Cell
    outcome: str
    ratio: float            # median of a / median of b
    p_value: float
    margin: float
    instr_ratio: float | None   # instructions of a / of b, when both have them
    decided_by: str         # "time", "tie (p=..)", "tie (inside the margin)"

    @property
    def differ(self) -> bool:
        return self.outcome != TIE

    @property
    def instr_outcome(self) -> str | None:
        if self.instr_ratio is None:
            return None
        if self.instr_ratio < 1 - INSTRUCTION_MARGIN:
            return LESS
        if self.instr_ratio > 1 + INSTRUCTION_MARGIN:
            return GREATER
        return TIE

    def describe(self) -> str:
        """'a 12.3 ns vs b 14.1 ns (0.87x, p=0.008, margin 9%; 120 vs 255 instructions): a faster'."""
        a, b = self.a, self.b
        text = (f"{a.row} {a.median_ns:.2f} ns vs {b.row} {b.median_ns:.2f} ns "
                f"({self.ratio:.2f}x, p={self.p_value:.3f}, margin {self.margin:.0%}")
        if self.instr_ratio is not None:
            text += (f"; {a.counter('instructions_per_call'):.0f} vs "
                     f"{b.counter('instructions_per_call'):.0f} instructions")
        text += ")"
        if self.outcome == LESS:
            return text + f": {a.row} faster"
        if self.outcome == GREATER:
            return text + f": {b.row} faster"
        return text + f": tie, {self.decided_by}"


def compare(a: Cell, b: Cell, margins: dict[str, float] | None = None,
            alpha: float = ALPHA) -> Comparison:
    """Compares two measured cells of one run under the rule above."""
    if not a.measured or not b.measured:
        raise ValueError(f"compare needs two measured cells ({a.key}, {b.key})")
    ratio = a.median_ns / b.median_ns
    _, p = mann_whitney_u(a.ns_per_call, b.ns_per_call)
    margin = max(margin_for(a.workload, margins), margin_for(b.workload, margins))
    ia, ib = a.counter("instructions_per_call"), b.counter("instructions_per_call")
    instr_ratio = ia / ib if ia and ib else None
    if p >= alpha:
        outcome, decided = TIE, f"the repetitions overlap (p={p:.3f})"
    elif abs(ratio - 1) <= margin:
        outcome, decided = TIE, f"inside the {margin:.0%} margin"
    else:
        outcome, decided = (LESS if ratio < 1 else GREATER), "time"
    return Comparison(a, b, outcome, ratio, p, margin, instr_ratio, decided)


def fastest(cells: list[Cell], margins: dict[str, float] | None = None) -> tuple[list[Cell], list[Comparison]]:
    """The rows that tie for fastest: the cell with the lowest median, and every other cell
    the rule cannot tell from it. Returns (winners, comparisons of the best to each other)."""
    measured = [c for c in cells if c.measured]
    if not measured:
        return [], []
    best = min(measured, key=lambda c: c.median_ns)
    comparisons = [compare(best, c, margins) for c in measured if c is not best]
    winners = [best] + [cmp.b for cmp in comparisons if not cmp.differ]
    return winners, comparisons
