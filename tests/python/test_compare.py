"""Tests of scripts/compare and its U test on a fixture pair: the fixture run and a copy
whose box cell is slower in every repetition."""

from __future__ import annotations

import io
import json
import shutil
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "py"))

import compare as compare_cli  # noqa: E402
import stability as stability_cli  # noqa: E402
import report as report_cli  # noqa: E402
from testbed.stats import mann_whitney_u  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "run_small"


class UTest(unittest.TestCase):
    def test_exact_p_values_match_published_tables(self):
        # Completely separated samples of 5 and 5: p = 2/252 (two-sided).
        self.assertAlmostEqual(mann_whitney_u([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])[1], 2 / 252)
        # Interleaved samples: no evidence of a difference.
        self.assertGreater(mann_whitney_u([1, 2, 3, 4, 5], [1.5, 2.5, 3.5, 4.5, 5.5])[1], 0.5)

    def test_ties_use_the_normal_approximation(self):
        u, p = mann_whitney_u([1, 1, 2, 2], [3, 3, 4, 4])
        self.assertEqual(u, 0)
        self.assertLess(p, 0.05)


class PairFixture(unittest.TestCase):
    """The fixture run (old) and a copy whose box cell is twice as slow (new)."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.old = self.tmp / "old"
        self.new = self.tmp / "new"
        shutil.copytree(FIXTURE, self.old)
        shutil.copytree(FIXTURE, self.new)
        raw = self.new / "raw" / "gcc" / "bench_async_iterator.json"
        data = json.loads(raw.read_text())
        for b in data["benchmarks"]:
            if b["name"] == "async_iterator/box/1000":
                b["real_time"] = float(b["real_time"]) * 2  # every repetition twice as slow
        # three more repetitions each, so the U test can reach significance
        extra = [dict(b, repetition_index=i + 2) for i in range(3) for b in data["benchmarks"]
                 if b["name"] in ("async_iterator/box/1000", "async_iterator/sync_virtual/1000")
                 and b.get("repetition_index") == 0]
        data["benchmarks"] += extra
        raw.write_text(json.dumps(data))
        old_raw = self.old / "raw" / "gcc" / "bench_async_iterator.json"
        old_data = json.loads(old_raw.read_text())
        old_data["benchmarks"] += [dict(b, repetition_index=i + 2) for i in range(3)
                                   for b in old_data["benchmarks"]
                                   if b["name"] in ("async_iterator/box/1000",
                                                    "async_iterator/sync_virtual/1000")
                                   and b.get("repetition_index") == 0]
        old_raw.write_text(json.dumps(old_data))
        with redirect_stderr(io.StringIO()):
            self.assertEqual(report_cli.main([str(self.old)]), 0)
            self.assertEqual(report_cli.main([str(self.new)]), 0)

    def tearDown(self):
        shutil.rmtree(self.tmp)

class ComparePair(PairFixture):
    def run_compare(self, *extra) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = compare_cli.main([str(self.old), str(self.new), *extra])
        return code, out.getvalue(), err.getvalue()

    def test_prints_each_cell_with_a_p_value_and_flags_the_regression(self):
        code, out, _ = self.run_compare()
        self.assertEqual(code, 0)
        box = next(line for line in out.splitlines() if line.startswith("async_iterator/box/1000"))
        self.assertIn("+100.0%", box)
        self.assertIn("REGRESSION", box)
        sync = next(line for line in out.splitlines()
                    if line.startswith("async_iterator/sync_virtual/1000"))
        self.assertNotIn("REGRESSION", sync)
        self.assertIn("1.0000", sync)  # identical repetitions: p = 1
        self.assertIn("1 significant regression(s)", out)

    def test_fail_on_regression_sets_the_exit_code(self):
        code, _, _ = self.run_compare("--fail-on-regression")
        self.assertEqual(code, 1)

    def test_missing_or_broken_input_is_a_clear_error(self):
        (self.new / "results.json").write_text("{ broken")
        code, _, err = self.run_compare()
        self.assertEqual(code, 2)
        self.assertIn("not valid JSON", err)
        code, _, err = compare_cli_main_missing(self.tmp / "nowhere", self.old)
        self.assertEqual(code, 2)
        self.assertIn("no results.json", err)


class Stability(PairFixture):
    def test_reports_the_spread_of_medians_and_of_instructions(self):
        out = io.StringIO()
        with redirect_stdout(out):
            self.assertEqual(stability_cli.main([str(self.old), str(self.new)]), 0)
        text = out.getvalue()
        # box doubled (30 -> 60 ns: spread 30/45), sync_virtual and static unchanged
        self.assertIn("- async_iterator/box/1000 [gcc]: 66.7%", text)
        self.assertIn("| gcc | 3 | 0.0% |", text)
        self.assertIn("| 0.000% |", text)  # instructions identical in both runs
        self.assertIn("(callgrind counts are otherwise the same to the instruction):\n\n- none\n", text)

    def test_names_the_cells_whose_instructions_moved(self):
        results = self.new / "results.json"
        data = json.loads(results.read_text())
        moved = [c for c in data["cells"] if c.get("instructions_per_call")
                 and c["workload"] == "async_iterator" and c["row"] == "box"]
        self.assertTrue(moved, "the fixture's box cell has an instruction count")
        for c in moved:
            c["instructions_per_call"] *= 1.5
        results.write_text(json.dumps(data))
        out = io.StringIO()
        with redirect_stdout(out):
            self.assertEqual(stability_cli.main([str(self.old), str(self.new)]), 0)
        self.assertRegex(out.getvalue(), r"- async_iterator/box/\S+ \[gcc\]: 40\.0%")

    def test_needs_two_runs(self):
        err = io.StringIO()
        with redirect_stderr(err):
            self.assertEqual(stability_cli.main([str(self.old)]), 2)
        self.assertIn("at least two runs", err.getvalue())


def compare_cli_main_missing(old: Path, new: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = compare_cli.main([str(old), str(new)])
    return code, out.getvalue(), err.getvalue()


if __name__ == "__main__":
    unittest.main()
