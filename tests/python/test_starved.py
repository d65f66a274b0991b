"""scripts/py/starved.py: a cell whose every repetition ran 1 iteration although it is fast
is found, its filter matches only it, and a rerun replaces exactly its entries."""

from __future__ import annotations

import json
import re
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "py"))
import starved  # noqa: E402


def entry(name: str, iterations: int, ns: float, run_type: str = "iteration") -> dict:
    return {"name": name, "run_name": name, "run_type": run_type, "iterations": iterations,
            "real_time": ns, "time_unit": "ns"}


def timing_file() -> dict:
    return {"context": {"testbed_mode": "quick"}, "benchmarks": [
        # starved: 1 iteration per repetition, 2 us each: 0.01 s holds 5000
        entry("w/side_stack/depth:16/real_time", 1, 12e6), entry("w/side_stack/depth:16/real_time", 1, 2000.0),
        entry("w/side_stack/depth:16/real_time", 1, 2000.0, run_type="aggregate"),
        # a prefix of another cell's name, healthy
        entry("w/side_stack/depth:1600/real_time", 5000, 2000.0),
        # legitimately slow: 1 iteration of 20 ms each
        entry("w/box/depth:1048576/real_time", 1, 2e7), entry("w/box/depth:1048576/real_time", 1, 2.1e7),
    ]}


class Starved(unittest.TestCase):
    def test_finds_only_the_fast_cell_that_ran_one_iteration(self):
        self.assertEqual(starved.starved_cells(timing_file(), 0.01), ["w/side_stack/depth:16/real_time"])

    def test_the_filter_matches_the_cell_and_not_a_longer_name(self):
        regex = re.compile(starved.filter_regex(["w/side_stack/depth:16/real_time"]))
        self.assertTrue(regex.search("w/side_stack/depth:16/real_time"))
        self.assertFalse(regex.search("w/side_stack/depth:1600/real_time"))

    def test_merge_replaces_every_entry_of_the_rerun_cells_only(self):
        data = timing_file()
        rerun = {"context": {}, "benchmarks": [entry("w/side_stack/depth:16/real_time", 5000, 2100.0)] * 2}
        self.assertEqual(starved.merge(data, rerun), ["w/side_stack/depth:16/real_time"])
        cell = [e for e in data["benchmarks"] if e["name"] == "w/side_stack/depth:16/real_time"]
        self.assertEqual([e["iterations"] for e in cell], [5000, 5000])
        self.assertEqual(len(data["benchmarks"]), 5)
        self.assertEqual(data["context"]["testbed_rerun_cells"], "w/side_stack/depth:16/real_time")
        self.assertEqual(starved.starved_cells(data, 0.01), [])

    def test_cli_lists_then_merges_in_place(self):
        with tempfile.TemporaryDirectory() as tmp:
            timing, rerun = Path(tmp) / "t.json", Path(tmp) / "r.json"
            timing.write_text(json.dumps(timing_file()))
            rerun.write_text(json.dumps({"benchmarks": [entry("w/side_stack/depth:16/real_time", 900, 2e3)]}))
            self.assertEqual(starved.main(["merge", str(timing), str(rerun)]), 0)
            self.assertEqual(starved.starved_cells(json.loads(timing.read_text()), 0.01), [])

    def test_a_broken_file_is_a_clear_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            broken = Path(tmp) / "t.json"
            broken.write_text("{\"benchmarks\": [")
            with self.assertRaises(SystemExit) as exit_:
                starved.main(["list", str(broken), "--min-time", "0.01"])
            self.assertIn("cannot read", str(exit_.exception.code))


if __name__ == "__main__":
    unittest.main()
