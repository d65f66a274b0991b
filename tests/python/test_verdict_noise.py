"""Shown, not asserted: verdicts survive noise. Synthetic runs are drawn from the same true
means (the medians of the committed reference run) with realistic noise (each workload's
measured run-to-run spread, docs/measured-spread.json: a log-normal shift per cell and
run, log-normal scatter per repetition, now and then an outlier repetition; 5 repetitions
per cell, as scripts/matrix runs them), over many seeds. No claim may move between
confirmed and refuted; inconclusive (and partly) are allowed, that is what they are for."""

from __future__ import annotations

import json
import math
import random
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "py"))

from testbed import claims, merged, rule  # noqa: E402
from testbed.results import Cell, NoManifest, Run, load_run  # noqa: E402
from manifest_support import fixture_rows  # noqa: E402

SEEDS = 50
REPETITIONS = 5
# The expected range of 3 draws from a normal distribution is 1.69 sigma: the median spread
# of a workload (the range of 3 runs' medians over their median) gives its sigma.
RANGE_OF_THREE = 1.69
# How often a repetition is hit by a machine stall, and how hard (the reference run has
# such repetitions: 111.6 ns among 36 ns ones).
OUTLIER_RATE = 0.03
OUTLIER_FACTOR = 2.0


def reference_run() -> Run:
    """The committed reference run, from its raw/ (every context: the overheads C3 and C4
    read) or, without one, from its results.json."""
    found = sorted(ROOT.glob("results/*/results.json"))
    if not found:
        raise unittest.SkipTest("no committed run under results/")
    # A reference run made before the row manifest is described by the fixture's.
    if (found[-1].parent / "raw").is_dir():
        try:
            return load_run(found[-1].parent)
        except NoManifest:
            return load_run(found[-1].parent, fixture_rows())
    data = json.loads(found[-1].read_text())
    return merged.run_from_results(data, None if "manifest" in data else fixture_rows())


def sigmas() -> dict[str, float]:
    data = json.loads(rule.SPREAD_FILE.read_text())
    return {w: v["median"] / RANGE_OF_THREE for w, v in data["workloads"].items()}


def noisy_run(truth: Run, sigma: dict[str, float], seed: int) -> Run:
    rng = random.Random(seed)
    default = max(sigma.values())
    cells = {}
    for key, c in truth.cells.items():
        out = Cell(c.workload, c.row, c.args, c.compiler, status=c.status, counters=c.counters)
        if c.measured:
            s = sigma.get(c.workload, default)
            true = c.median_ns * math.exp(rng.gauss(0, s))  # this run's shift of the cell
            out.ns_per_call = [true * math.exp(rng.gauss(0, s))
                               * (OUTLIER_FACTOR if rng.random() < OUTLIER_RATE else 1.0)
                               for _ in range(REPETITIONS)]
        cells[key] = out
    run = Run(cells=cells, contexts=truth.contexts, rows=truth.rows)
    run.describe_cells()
    return run


class VerdictsSurviveNoise(unittest.TestCase):
    def test_no_verdict_moves_between_confirmed_and_refuted_across_seeds(self):
        truth = reference_run()
        sigma = sigmas()
        seen: dict[str, dict[str, int]] = {}
        for seed in range(SEEDS):
            for v in claims.check_all(noisy_run(truth, sigma, seed)):
                counts = seen.setdefault(v.claim, {})
                counts[v.verdict] = counts.get(v.verdict, 0) + 1
        for claim, counts in seen.items():
            self.assertFalse(claims.CONFIRMED in counts and claims.REFUTED in counts,
                             f"{claim} flips between confirmed and refuted over {SEEDS} seeds: {counts}")
        # The noise is real: the timed claims are exercised, not constant by construction.
        timed = [c for c in ("C1", "C10", "C12", "C13", "C14", "C15") if c in seen]
        self.assertTrue(timed)
        self.assertEqual(sum(sum(seen[c].values()) for c in timed), SEEDS * len(timed))

    def test_the_same_noise_without_the_margin_does_flip_a_verdict(self):
        """The check above can fail: judged by the U test alone (no margin), a pair of rows
        whose true means tie is called faster one way in some seeds and the other way in
        others."""
        truth = reference_run()
        sigma = sigmas()
        # The two W1 rows of one compiler whose true medians are closest.
        w1 = [c for c in truth.cells.values() if c.workload == "async_iterator" and c.measured]
        pairs = [(abs(a.median_ns / b.median_ns - 1), a.key, b.key) for a in w1 for b in w1
                 if a.compiler == b.compiler and a.row < b.row]
        if not pairs:
            self.skipTest("reference run has no two W1 rows")
        _, ka, kb = min(pairs)
        saved = rule._MARGINS
        outcomes = set()
        try:
            rule._MARGINS = _NoMargin()
            saved_min = rule.MIN_MARGIN
            rule.MIN_MARGIN = 0.0
            for seed in range(SEEDS):
                run = noisy_run(truth, sigma, seed)
                outcomes.add(rule.compare(run.cells[ka], run.cells[kb]).outcome)
        finally:
            rule._MARGINS = saved
            rule.MIN_MARGIN = saved_min
        self.assertTrue({rule.LESS, rule.GREATER} <= outcomes, outcomes)


class _NoMargin(dict):
    def get(self, key, default=None):
        return 0.0


if __name__ == "__main__":
    unittest.main()
