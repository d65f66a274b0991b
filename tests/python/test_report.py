"""Tests of the report code on a small fixture run: cell summaries, ratios, the written
report and plot, and clear errors (with nothing overwritten) on broken input."""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
import tempfile
import unittest
from contextlib import redirect_stderr
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "py"))

import report as report_cli  # noqa: E402
from testbed import merged, plots, report  # noqa: E402
from testbed import results as results_module  # noqa: E402
from testbed.results import Cell, ResultsError, Run, load_run  # noqa: E402
from manifest_support import describe, fixture_rows, manifest_text  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "run_small"


def rep(name: str, ns: float, calls: float = 1.0, **counters) -> dict:
    """One repetition of a benchmark, as Google Benchmark writes it."""
    return {"name": name, "run_name": name, "run_type": "iteration", "iterations": 10,
            "real_time": ns, "time_unit": "ns", "calls_per_iter": calls, **counters}


def cell(workload: str, row: str, args: str, compiler: str, ns: float, spread: float = 0.01,
         **counters) -> Cell:
    """A measured cell with five repetitions around ns (+- spread, a fraction)."""
    reps = [ns * (1 + spread * k) for k in (-2, -1, 0, 1, 2)]
    return Cell(workload, row, args, compiler, reps, {k: [float(v)] for k, v in counters.items()})


def make_run(*cells: Cell) -> Run:
    run = Run(cells={c.key: c for c in cells},
              contexts={c.compiler: {"testbed_cpu_model": "Test CPU", "num_cpus": 2} for c in cells})
    run.load = {}
    return describe(run)


# Margins of the synthetic workloads: 5% everywhere (the rule never goes below 3%).
MARGINS = {"w": 0.05, "async_iterator": 0.05, "threads": 0.05}


class FixtureRun(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        self.run_dir = self.tmp / "run_small"
        shutil.copytree(FIXTURE, self.run_dir)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def raw_file(self) -> Path:
        return self.run_dir / "raw" / "gcc" / "bench_async_iterator.json"

    def report_with(self, file_name: str, benchmarks: list[dict]) -> str:
        """Writes raw/gcc/<file_name> and returns the REPORT.md generated from the run."""
        (self.run_dir / "raw" / "gcc" / file_name).write_text(
            json.dumps({"context": {"testbed_manifest": manifest_text()}, "benchmarks": benchmarks}))
        with redirect_stderr(io.StringIO()):
            self.assertEqual(report_cli.main([str(self.run_dir), "--run-name", "fixture-run"]), 0)
        return (self.run_dir / "REPORT.md").read_text()


class LoadRun(FixtureRun):
    def test_median_min_max_ns_per_call_from_repetitions(self):
        run = load_run(self.run_dir)
        box = run.cells[("async_iterator", "box", "1000", "gcc")]
        # 20.02 us and 40040 ns per iteration of 1001 calls: 20 and 40 ns per call
        self.assertEqual(sorted(box.ns_per_call), [20.0, 40.0])
        self.assertAlmostEqual(box.median_ns, 30.0)
        self.assertAlmostEqual(box.min_ns, 20.0)
        self.assertAlmostEqual(box.max_ns, 40.0)
        self.assertEqual(box.counter("allocs_per_call"), 1.0)

    def test_aggregates_are_ignored(self):
        run = load_run(self.run_dir)
        box = run.cells[("async_iterator", "box", "1000", "gcc")]
        self.assertEqual(len(box.ns_per_call), 2)

    def test_ratio_to_sync_uses_medians_of_the_same_run(self):
        run = load_run(self.run_dir)
        box = run.cells[("async_iterator", "box", "1000", "gcc")]
        self.assertAlmostEqual(run.ratio_to_sync(box), 30.0 / 3.0)

    def test_measurement_passes_are_merged_into_timed_cells_only(self):
        run = load_run(self.run_dir)
        box = run.cells[("async_iterator", "box", "1000", "gcc")]
        self.assertEqual(box.counter("instructions_per_call"), 277.0)
        self.assertEqual(box.counter("peak_heap_bytes"), 4096.0)
        self.assertEqual(box.counter("stack_high_water_bytes"), 512.0)
        self.assertEqual(len(box.ns_per_call), 2, "the stack pass adds no timing")
        self.assertNotIn(("async_iterator", "not_in_timing", "1000", "gcc"), run.cells)

    def test_broken_pass_file_is_reported(self):
        (self.run_dir / "raw" / "gcc" / "bench_async_iterator.massif.json").write_text("{\"cells\": 3}")
        with self.assertRaises(ResultsError) as ctx:
            load_run(self.run_dir)
        self.assertIn("not a measurement pass file", str(ctx.exception))

    def test_unknown_fields_are_ignored(self):
        run = load_run(self.run_dir)
        self.assertIn("a_field_the_report_does_not_know", run.contexts["gcc"])


class WriteReport(FixtureRun):
    def test_writes_report_and_png(self):
        with redirect_stderr(io.StringIO()):
            self.assertEqual(report_cli.main([str(self.run_dir), "--run-name", "fixture-run"]), 0)
        text = (self.run_dir / "REPORT.md").read_text()
        page = (self.run_dir / "workloads" / "async_iterator.md").read_text()
        self.assertIn("fixture-run", text)
        self.assertIn(
            "| box | gcc | 1000 | 30.00 | 20.00 | 40.00 | 2 | 10.00 | 277.0 | 1.000 | 1.000 | 72.0 | 1.000 | "
            "72 | 72 | 512 | 4096 |", page)
        self.assertIn("instr/call: instructions (callgrind pass)", page)
        self.assertIn("ratio of **10.00x**", page)
        self.assertIn("Fixture CPU", text)
        self.assertIn("the compiler elided the frame allocation", page)
        png = self.run_dir / "async_iterator_ns_per_call.png"
        self.assertEqual(png.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual([p.name for p in self.run_dir.glob(".report-*")], [])


class ReliabilityFigures(FixtureRun):
    """The report lists what the reliability pass exercised, and every failure by name."""

    def report(self) -> str:
        with redirect_stderr(io.StringIO()):
            self.assertEqual(report_cli.main([str(self.run_dir), "--run-name", "fixture-run"]), 0)
        return (self.run_dir / "REPORT.md").read_text()

    def test_counts_schedules_faults_and_misuse_cases(self):
        self.assertIn("| gcc | 3 | 1000 | 99000 | 37 | 1 | 0 |", self.report())
        data = json.loads((self.run_dir / "results.json").read_text())
        self.assertEqual(data["reliability"]["gcc"]["faults_injected"], 37)

    def test_a_failed_test_is_named(self):
        path = self.run_dir / "raw" / "gcc" / "reliability.json"
        data = json.loads(path.read_text())
        data["testsuites"][1]["testsuite"][0]["failures"] = [{"failure": "leak"}]
        path.write_text(json.dumps(data))
        self.assertIn("**1**: fault_injection/box.every_allocation_failing_in_turn_leaves_the_strategy_usable",
                      self.report())

    def test_a_broken_reliability_file_is_a_clear_error(self):
        (self.run_dir / "raw" / "gcc" / "reliability.json").write_text('{"tests": 1}')
        with self.assertRaisesRegex(ResultsError, "not a GoogleTest JSON file"):
            load_run(self.run_dir)


class PeersAndLoopback(FixtureRun):
    """The peer comparison and W8 over loopback, from a small middleware file."""

    def setUp(self):
        super().setUp()
        benchmarks = []
        for ns in (50.0, 60.0):  # two repetitions of each cell; in memory 5 calls per request
            benchmarks += [rep("middleware_chain/box/layers:4", ns, 5, allocs_per_call=1.0),
                           rep("middleware_chain/recycling/layers:4", ns / 2, 5, allocs_per_call=0.0),
                           rep("middleware_chain/asio_awaitable/layers:4", ns * 2, 5, allocs_per_call=0.8)]
        for rate in (20000.0, 30000.0):
            benchmarks += [rep("middleware_chain_loopback/box/layers:4", 1e9 / rate, 1, requests_per_second=rate),
                           rep("middleware_chain_loopback/recycling/layers:4", 2e9 / rate, 1,
                               requests_per_second=rate / 2)]
        self.text = self.report_with("bench_middleware_chain.json", benchmarks)

    def test_the_best_strategy_against_the_peer(self):
        # best testbed row: recycling, median (25 + 30) / 2 / 5 = 5.5 ns; peer: 22 ns, 4x; with two
        # repetitions each the U test cannot reach p < 0.05, so box ties with recycling and the
        # peer ties with the best
        self.assertIn("| middleware_chain | layers:4 | gcc | recycling, box | 5.50 | 0.000 | asio_awaitable | "
                      "22.00 | 0.800 | 4.00x | tie | n/a |", self.text)

    def test_loopback_requests_per_second_beside_the_in_memory_cost(self):
        self.assertIn("| box | 25000 (20000-30000) | 55.00 |", self.text)
        self.assertIn("| recycling | 12500 (10000-15000) | 27.50 |", self.text)
        # in memory the rows differ by 27.5 ns per request; the round trip (median of the
        # rows' medians, the upper of two) is 83.3 us; the medians are 100% apart: noise
        self.assertIn("- gcc: in memory the rows differ by at most 28 ns per request, 0.03% of a 83.3 us "
                      "round trip over loopback; the rows' requests/s medians span 12500 to 25000 (100% "
                      "apart), far more than the strategies' in-memory difference can explain", self.text)


class NearFreeCall(FixtureRun):
    """The ratio of the best coroutine row to the synchronous virtual call on W1, and the
    best row that still places a frame."""

    def setUp(self):
        super().setUp()
        benchmarks = []
        for ns in (2.0, 4.0):  # two repetitions of each row
            benchmarks += [rep("async_iterator/sync_virtual/items:1000", ns / 2 * 1.0),
                           rep("async_iterator/poll_next/items:1000", ns * 1.5),
                           rep("async_iterator/box_eager/items:1000", ns * 2.0, frames_per_call=0.0,
                               allocs_per_call=0.0),
                           rep("async_iterator/fallback_local/items:1000", ns * 3.0, frames_per_call=1.0,
                               allocs_per_call=0.0),
                           rep("async_iterator/asio_awaitable/items:1000", ns * 0.5, frames_per_call=0.0)]
        self.text = self.report_with("bench_async_iterator.json", benchmarks)

    def test_best_row_and_best_row_placing_a_frame_against_the_synchronous_call(self):
        # sync 1.5 ns; poll 4.5 (3x); box_eager 6 (4x, no frame: its own group); fallback_local 9
        # (6x, the only row placing a frame); the peer (1.5 ns) is not a testbed row
        self.assertIn("| gcc | sync_virtual (1.50) | 4.50 (3.00x) | fallback_local | 9.00 | **6.00x** | 0.000 | "
                      "box_eager | 6.00 | 4.00x |", self.text)


class MergedResults(FixtureRun):
    """results.json follows docs/results-format.md."""

    def write(self) -> dict:
        with redirect_stderr(io.StringIO()):
            self.assertEqual(report_cli.main([str(self.run_dir), "--run-name", "fixture-run"]), 0)
        return json.loads((self.run_dir / "results.json").read_text())

    def test_holds_metadata_and_every_metric_of_a_cell(self):
        data = self.write()
        merged.validate(data)
        self.assertEqual(data["format"], "async-dispatch-testbed-results")
        self.assertEqual(data["run"]["name"], "fixture-run")
        self.assertEqual(data["run"]["git_revision"], "abc123")
        self.assertEqual(data["run"]["command"], "scripts/matrix --repetitions 2")
        self.assertEqual(data["machine"]["cpu_model"], "Fixture CPU")
        self.assertEqual(data["machine"]["num_cpus"], 2)
        self.assertEqual(data["compilers"]["gcc"]["compiler"], "GNU 12.2.0")
        box = next(c for c in data["cells"] if c["row"] == "box")
        self.assertEqual(box["status"], "measured")
        self.assertEqual(box["ns_per_call"]["median"], 30.0)
        self.assertEqual(sorted(box["ns_per_call"]["repetitions"]), [20.0, 40.0])
        self.assertEqual(box["ratio_to_sync_virtual"], 10.0)
        self.assertEqual(box["instructions_per_call"], 277.0)
        self.assertEqual(box["allocs_per_call"], 1.0)
        self.assertEqual(box["peak_heap_bytes"], 4096.0)
        self.assertEqual(box["stack_high_water_bytes"], 512.0)

    def test_the_format_document_names_exactly_the_fields_written(self):
        data = self.write()
        doc = (ROOT / "docs" / "results-format.md").read_text()
        documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", doc, re.M))
        written = set(data) | set(data["run"]) | set(data["machine"])
        written |= {k for c in data["compilers"].values() for k in c}
        written |= {k for c in data["cells"] for k in c}
        written |= {k for r in data["reliability"].values() for k in r}
        written |= set(data["manifest"])
        self.assertEqual(written - documented, set(), "written but not documented")
        # every metric the binaries declare (the manifest) is documented, and nothing else is
        every_metric = set(fixture_rows().metrics)
        self.assertEqual(every_metric - documented, set(), "declared by a binary but not documented")
        self.assertEqual(documented - written - every_metric, set(), "documented but never written")

    def test_consumers_ignore_unknown_fields(self):
        data = self.write()
        data["a_future_field"] = {"x": 1}
        data["cells"][0]["another_future_metric"] = 3
        merged.validate(data)

    def test_validation_names_what_is_missing(self):
        data = self.write()
        del data["cells"][0]["ns_per_call"]
        data["cells"][0]["status"] = "measured"
        with self.assertRaises(ResultsError) as ctx:
            merged.validate(data)
        self.assertIn("ns_per_call", str(ctx.exception))
        with self.assertRaises(ResultsError):
            merged.validate({"format": "something else"})
        with self.assertRaises(ResultsError):
            merged.validate(dict(data, version=99))


class UnsupportedCells(FixtureRun):
    def test_unsupported_cell_is_a_result_with_its_reason(self):
        data = json.loads(self.raw_file().read_text())
        data["benchmarks"].append({
            "name": "async_iterator/inline_local/1000", "run_name": "async_iterator/inline_local/1000",
            "run_type": "iteration", "repetitions": 2, "repetition_index": 0, "iterations": 0,
            "real_time": 0, "cpu_time": 0, "time_unit": "ns", "error_occurred": True,
            "error_message": "unsupported: frames up to 256 bytes; the workload's reach about 4096",
        })
        self.raw_file().write_text(json.dumps(data))
        run = load_run(self.run_dir)
        cell = run.cells[("async_iterator", "inline_local", "1000", "gcc")]
        self.assertFalse(cell.measured)
        self.assertIsNone(run.ratio_to_sync(cell))
        with redirect_stderr(io.StringIO()):
            self.assertEqual(report_cli.main([str(self.run_dir)]), 0)
        text = (self.run_dir / "workloads" / "async_iterator.md").read_text()
        self.assertIn("| inline_local | gcc | 1000 | unsupported: frames up to 256 bytes", text)


class BadInput(FixtureRun):
    def assert_fails_cleanly(self, message_part: str):
        (self.run_dir / "REPORT.md").write_text("earlier report\n")
        err = io.StringIO()
        with redirect_stderr(err):
            self.assertEqual(report_cli.main([str(self.run_dir)]), 2)
        self.assertIn(message_part, err.getvalue())
        self.assertEqual((self.run_dir / "REPORT.md").read_text(), "earlier report\n")
        self.assertFalse((self.run_dir / "async_iterator_ns_per_call.png").exists())

    def test_truncated_json(self):
        text = self.raw_file().read_text()
        self.raw_file().write_text(text[: len(text) // 2])
        self.assert_fails_cleanly("not valid JSON")

    def test_not_a_benchmark_file(self):
        self.raw_file().write_text(json.dumps({"hello": 1}))
        self.assert_fails_cleanly("not a Google Benchmark JSON file")

    def test_missing_calls_counter(self):
        data = json.loads(self.raw_file().read_text())
        del data["benchmarks"][0]["calls_per_iter"]
        self.raw_file().write_text(json.dumps(data))
        self.assert_fails_cleanly("calls_per_iter")

    def test_missing_run_folder(self):
        with self.assertRaises(ResultsError) as ctx:
            load_run(self.tmp / "no_such_run")
        self.assertIn("no such run folder", str(ctx.exception))

    def test_no_json_files(self):
        self.raw_file().unlink()
        self.assert_fails_cleanly("no benchmark JSON files")


class WinnersUnderTheRule(unittest.TestCase):
    """"Which strategy when" names a winner only when rule.fastest gives one row."""

    def test_a_winner_only_beyond_the_rule(self):
        run = make_run(cell("w", "box", "n:1", "gcc", 20.0), cell("w", "recycling", "n:1", "gcc", 10.0),
                       cell("w", "fallback_local", "n:1", "gcc", 15.0))
        line = "\n".join(report.which_strategy(run, MARGINS, strict={}))
        self.assertIn("**w (n:1), gcc**: **recycling** 10.00 ns/call, faster than every other row", line)
        self.assertIn("2.00x faster than box (20.00 ns)", line)

    def test_rows_inside_the_margin_are_listed_as_a_tie(self):
        # 10.0 and 10.3: the U test separates them (p = 0.008) but 3% is inside the 5% margin
        run = make_run(cell("w", "box", "n:1", "gcc", 20.0), cell("w", "recycling", "n:1", "gcc", 10.0),
                       cell("w", "fallback_local", "n:1", "gcc", 10.3))
        line = "\n".join(report.which_strategy(run, MARGINS, strict={}))
        self.assertIn("tie for fastest (2 rows the rule cannot tell apart, margin 5%): recycling 10.00, "
                      "fallback_local 10.30 ns/call", line)
        self.assertNotIn("faster than every other row", line)

    def test_overlapping_repetitions_are_a_tie(self):
        run = make_run(cell("w", "box", "n:1", "gcc", 20.0), cell("w", "recycling", "n:1", "gcc", 10.0, 0.3),
                       cell("w", "fallback_local", "n:1", "gcc", 11.0, 0.3))
        self.assertIn("tie for fastest", "\n".join(report.which_strategy(run, MARGINS, strict={})))

    def test_a_workload_whose_rows_all_tie_says_no_difference_beyond_noise(self):
        run = make_run(*(cell("w", row, f"n:{n}", "gcc", 10.0 + 0.1 * i, 0.02)
                         for n in (1, 2) for i, row in enumerate(("box", "recycling", "inline_local"))))
        lines = report.which_strategy(run, MARGINS, strict={})
        self.assertEqual(len(lines), 1)
        self.assertIn("**w (n:1, n:2), gcc**: no difference beyond noise: the 3 rows tie", lines[0])

    def test_a_timed_only_workload_is_judged_against_its_largest_spread(self):
        # threads-like: no cell has instruction counts; 50% apart, far beyond the p90 margin
        # (5%) but inside the largest spread measured (200%)
        cells = [cell("threads", "box", "threads:1", "gcc", 9000.0),
                 cell("threads", "recycling", "threads:1", "gcc", 6000.0)]
        lines = report.which_strategy(make_run(*cells), MARGINS, strict={"threads": 2.0})
        self.assertIn("no difference beyond noise", lines[0])
        self.assertIn("the largest spread measured: timed only", lines[0])
        # the same cells with instruction counts are judged on the p90 margin: a winner
        counted = [cell("threads", c.row, c.args, "gcc", c.median_ns, instructions_per_call=300)
                   for c in cells]
        lines = report.which_strategy(make_run(*counted), MARGINS, strict={"threads": 2.0})
        self.assertIn("**recycling** 6000.00 ns/call, faster than every other row", lines[0])


class NoFrameCells(unittest.TestCase):
    """Cells whose frame the compiler removed are no frame-placement result."""

    def run_with_eager(self) -> Run:
        return make_run(
            cell("async_iterator", "box", "items:1000", "clang", 14.0, frames_per_call=1),
            cell("async_iterator", "fallback_local", "items:1000", "clang", 9.0, frames_per_call=1),
            cell("async_iterator", "box_eager", "items:1000", "clang", 3.5, frames_per_call=0),
            cell("async_iterator", "side_stack_eager", "items:1000", "clang", 3.0, frames_per_call=0),
            cell("async_iterator", "recycling_eager", "items:1000", "clang", 8.0, frames_per_call=1),
            cell("async_iterator", "sync_virtual", "items:1000", "clang", 1.4, frames_per_call=0),
            cell("async_iterator", "asio_awaitable", "items:1000", "clang", 16.0, frames_per_call=0))

    def test_left_out_of_winners_and_named(self):
        line = "\n".join(report.which_strategy(self.run_with_eager(), MARGINS, strict={}))
        self.assertIn("**recycling_eager** 8.00 ns/call", line)
        self.assertIn("left out, no frame: box_eager, side_stack_eager", line)
        self.assertNotIn("**side_stack_eager**", line)

    def test_eager_rows_are_compared_with_box_eager(self):
        run = self.run_with_eager()
        self.assertEqual(run.rows.reference_for("fallback_local_eager"), "box_eager")
        self.assertEqual(run.rows.reference_for("fallback_local"), "box")
        run.cells[("async_iterator", "box_eager", "items:1000", "clang")] = cell(
            "async_iterator", "box_eager", "items:1000", "clang", 12.0, frames_per_call=1)
        line = "\n".join(report.which_strategy(run, MARGINS, strict={}))
        self.assertIn("1.50x faster than box_eager (12.00 ns)", line)

    def test_left_out_of_the_peer_table(self):
        table = "\n".join(report.against_peers(self.run_with_eager(), MARGINS))
        self.assertIn("| async_iterator | items:1000 | clang | recycling_eager | 8.00 |", table)
        self.assertNotIn("side_stack_eager", table)

    def test_left_out_of_the_heatmaps(self):
        run = self.run_with_eager()
        rows, grid, labels = plots.heatmap_grid(run, "clang", [("async_iterator", "items:1000")])
        self.assertNotIn("sync_virtual", rows)
        self.assertNotIn("asio_awaitable", rows)
        i = rows.index("side_stack_eager")
        self.assertEqual(labels[i][0], "nf")
        self.assertNotEqual(grid[i][0], grid[i][0], "a no-frame cell has no colour (NaN)")
        self.assertEqual(labels[rows.index("fallback_local")][0], f"{9.0 / 14.0:.2f}")

    def test_in_their_own_group_of_the_limit_table(self):
        table = "\n".join(report.near_free_call(self.run_with_eager(), margins=MARGINS))
        self.assertIn("| clang | sync_virtual (1.40) | n/a | recycling_eager | 8.00 | **5.71x** | n/a | "
                      "side_stack_eager | 3.00 | 2.14x |", table)


class FastestSyncRow(unittest.TestCase):
    @unittest.skipUnless(hasattr(results_module, "SYNC_ROWS"), "results.SYNC_ROWS not there yet")
    def test_x_sync_is_taken_against_the_fastest_synchronous_row(self):
        optional = results_module.SYNC_ROWS[-1]
        run = make_run(cell("async_iterator", "sync_virtual", "items:1000", "gcc", 2.0),
                       cell("async_iterator", optional, "items:1000", "gcc", 8.0),
                       cell("async_iterator", "box", "items:1000", "gcc", 16.0, frames_per_call=1))
        self.assertIn("| gcc | sync_virtual (2.00) |", "\n".join(report.near_free_call(run, margins=MARGINS)))
        self.assertIn("| box | gcc | items:1000 | 16.00 | 15.68 | 16.32 | 8.00 |",
                      "\n".join(report.workload_table(run, "async_iterator")))


class SlowPath(unittest.TestCase):
    """The instructions per call where a strategy falls back to the heap, next to box's."""

    def run_with_fallbacks(self) -> Run:
        return make_run(
            cell("recursion_chain", "box", "depth:16", "clang", 20.0, instructions_per_call=290,
                 heap_fallbacks_per_call=0),
            cell("recursion_chain", "fallback_local", "depth:16", "clang", 30.0, instructions_per_call=721,
                 heap_fallbacks_per_call=1),
            cell("frame_size", "box", "local_bytes:1024", "clang", 20.0, instructions_per_call=600,
                 heap_fallbacks_per_call=0),
            cell("frame_size", "fallback_local", "local_bytes:1024", "clang", 20.0, instructions_per_call=630,
                 heap_fallbacks_per_call=1),
            cell("frame_size", "fallback_local", "local_bytes:64", "clang", 9.0, instructions_per_call=100,
                 heap_fallbacks_per_call=0),
            cell("frame_size", "recycling", "local_bytes:64", "clang", 9.0, instructions_per_call=100,
                 heap_fallbacks_per_call=0.4))

    def test_cells_that_fall_back_with_box_beside_them(self):
        run = self.run_with_fallbacks()
        slow = report.slow_path_cells(run)
        self.assertEqual([(s.cell.workload, s.cell.row, s.cell.args) for s in slow],
                         [("frame_size", "fallback_local", "local_bytes:1024"),
                          ("recursion_chain", "fallback_local", "depth:16")])
        table = "\n".join(report.slow_path_table(run))
        self.assertIn("| fallback_local | clang | recursion_chain | depth:16 | 1.000 | 721 | 290 | 2.49x |", table)

    def test_the_design_table_column(self):
        table = "\n".join(report.design_table(self.run_with_fallbacks()))
        # median of 2.49x and 1.05x, and the worst cell
        self.assertIn("clang: 1.77x box (worst 2.49x: 721 vs 290, recursion_chain depth:16)", table)
        self.assertIn("| recycling |", table)
        self.assertIn("never falls back here", table)

    def test_box_at_the_same_frame_size_beside_box(self):
        """A device that declares it places box's frames at fallback's size (role
        sized_reference, sized_like the family) is shown beside box: the strategy's own slow
        path apart from what the allocator charges for its larger blocks."""
        run = self.run_with_fallbacks()
        run.cells[("recursion_chain", "box_fallback_sized", "depth:16", "clang")] = cell(
            "recursion_chain", "box_fallback_sized", "depth:16", "clang", 28.0, instructions_per_call=700)
        run.describe_cells()
        self.assertEqual(run.rows.info("box_fallback_sized").kind, "device")
        table = "\n".join(report.slow_path_table(run))
        self.assertIn("| 721 | 290 | 2.49x | 700 (box_fallback_sized) | 1.03x |", table)
        summary = "\n".join(report.design_table(run))
        self.assertIn("1.03x box at the same frame size (box_fallback_sized)", summary)


class NoisyRun(unittest.TestCase):
    """The report records how quiet the machine was and warns when it was not."""

    def quiet_run(self) -> Run:
        return make_run(cell("async_iterator", "sync_virtual", "items:1000", "gcc", 2.0, 0.005),
                        cell("w", "box", "n:1", "gcc", 20.0, 0.005))

    def test_a_quiet_run_has_no_warning(self):
        run = self.quiet_run()
        run.load = {"gcc": {"bench_w": {"before": 1.1, "after": 1.3, "cpus": 2}}}
        found = report.noise(run, {"gcc": {"bench_w": ["w"]}}, MARGINS)
        self.assertEqual(found.warnings, [])
        self.assertIn("| gcc | bench_w | 1.10 | 1.30 | 2 | 0.15 | w |", "\n".join(found.lines))

    def test_load_beyond_the_benchmark_names_the_binary_and_its_workloads(self):
        run = self.quiet_run()
        run.load = {"gcc": {"bench_w": {"before": 1.2, "after": 3.4, "cpus": 2}}}
        found = report.noise(run, {"gcc": {"bench_w": ["w", "w_other"]}}, MARGINS)
        self.assertEqual(len(found.warnings), 1)
        self.assertIn("bench_w (gcc) ran beside 1.20 other runnable tasks per CPU", found.warnings[0])
        self.assertIn("w, w_other", found.warnings[0])

    def test_a_wide_control_cell_warns(self):
        run = make_run(cell("async_iterator", "sync_virtual", "items:1000", "gcc", 2.0, 0.05))
        found = report.noise(run, {}, MARGINS)  # (max - min) / median = 20% > 5%
        self.assertEqual(len(found.warnings), 1)
        self.assertIn("async_iterator/sync_virtual (gcc) spread 20%", found.warnings[0])

    def test_the_warning_is_near_the_top_of_the_report(self):
        run = make_run(cell("async_iterator", "sync_virtual", "items:1000", "gcc", 2.0, 0.3),
                       cell("async_iterator", "box", "items:1000", "gcc", 20.0, frames_per_call=1))
        text = report.render(run, "noisy")
        self.assertLess(text.index("> **Noisy run**"), text.index("## The design table"))
        self.assertNotIn("Noisy run", report.render(self.quiet_run(), "quiet"))


class Families(unittest.TestCase):
    def test_one_colour_per_family(self):
        rows = ["box", "box_eager", "fallback_local", "fallback_sendable", "fallback_local_eager",
                "recycling", "sync_virtual"]
        run = make_run(*(cell("w", r, "", "gcc", 10.0) for r in rows))
        # the family is the manifest's, declared by the C++ rows (not guessed from the name)
        self.assertEqual(run.rows.family("fallback_local_eager"), "fallback")
        self.assertEqual(run.rows.family("box"), "box")
        colours = plots.Colours(run)
        self.assertEqual(colours("fallback_local"), colours("fallback_local_eager"))
        self.assertEqual(colours("box"), colours("box_eager"))
        self.assertEqual(len({colours("box"), colours("fallback_local"), colours("recycling"),
                              colours("sync_virtual")}), 4)


class WorkloadPages(FixtureRun):
    """Each workload's detail is on its own page, linked from REPORT.md; written atomically."""

    def test_written_and_linked(self):
        with redirect_stderr(io.StringIO()):
            self.assertEqual(report_cli.main([str(self.run_dir), "--run-name", "fixture-run"]), 0)
        text = (self.run_dir / "REPORT.md").read_text()
        page = self.run_dir / "workloads" / "async_iterator.md"
        self.assertIn("[async_iterator](workloads/async_iterator.md)", text)
        self.assertTrue(page.is_file())
        page_text = page.read_text()
        self.assertIn("[REPORT.md](../REPORT.md)", page_text)
        for link in re.findall(r"\]\((\.\./[^)]+)\)", page_text):
            self.assertTrue((page.parent / link).resolve().is_file(), link)
        self.assertNotIn("## async_iterator", text, "the workload's table is on its page")
        self.assertEqual([p.name for p in self.run_dir.glob(".report-*")], [])

    def test_first_screen_order(self):
        with redirect_stderr(io.StringIO()):
            self.assertEqual(report_cli.main([str(self.run_dir), "--run-name", "fixture-run"]), 0)
        text = (self.run_dir / "REPORT.md").read_text()
        order = ["**Found on Fixture CPU:**", "## The design table, measured", "## Verdicts (judged on Fixture CPU)",
                 "## Where to look next", "## Which strategy should I use when", "## Provenance"]
        self.assertEqual([text.index(h) for h in order], sorted(text.index(h) for h in order))
        self.assertIn("| claim | verdict | decided by | figure | judged on |", text)


if __name__ == "__main__":
    unittest.main()


class NewRowFromTheManifest(unittest.TestCase):
    """A strategy the scripts never heard of, declared only by its manifest entry, reaches
    the design table, its design-post group and the claims' inputs: adding a strategy
    changes nothing under scripts/."""

    def run_with_new_row(self):
        from testbed import claims
        from testbed.rows import RowInfo
        run = make_run(cell("async_iterator", "sync_virtual", "items:1000", "gcc", 2.0),
                       cell("async_iterator", "box", "items:1000", "gcc", 20.0, frames_per_call=1,
                            allocs_per_call=1),
                       cell("async_iterator", "arena_local", "items:1000", "gcc", 5.0,
                            frames_per_call=1, allocs_per_call=0))
        run.rows.rows["arena_local"] = RowInfo(
            name="arena_local", kind="strategy", family="arena", form="local", start="lazy",
            design_key="side-stack", design_strategy="Side-stack",
            design_downside="requires cooperation from runtime and allocation",
            placement="a bump arena of the caller's task", object_bytes=0, caller_bytes=24,
            traits={"first_call_allocations": 1, "steady_allocations": 0})
        run.describe_cells()
        return run, claims

    def test_in_the_design_table_with_its_group_and_overheads(self):
        run, _ = self.run_with_new_row()
        line = next(l for l in report.design_table(run) if "| arena_local |" in l)
        self.assertIn("Side-stack", line)
        self.assertIn("a bump arena of the caller's task", line)
        self.assertIn("| 0 | 24 |", line)

    def test_in_the_claims_inputs(self):
        run, claims = self.run_with_new_row()
        self.assertIn("arena_local", claims.non_allocating(run))  # declared 0 steady allocations
        self.assertEqual(claims.row_of(run, "side-stack"), "arena_local")
        # C1 compares box with the fastest non-allocating row: the new one
        self.assertTrue(any("arena_local" in c for c in claims.c1(run).cells), claims.c1(run).cells)
