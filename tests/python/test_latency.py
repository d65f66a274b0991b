"""Tests of the latency pass's Python side (issue 18) on synthetic runs: the merge of
<binary>.latency.json into the cells, results.json's latency_ns object (and back), the
comparison of p99 between runs, the far tails explained by the counted events of the same
cell, and the tails that differ while the medians tie."""

from __future__ import annotations

import copy
import json
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "py"))

from testbed import comparison, latency, merged, report  # noqa: E402
from testbed.results import load_run  # noqa: E402
from test_report import MARGINS, FixtureRun, cell, make_run  # noqa: E402


def with_latency(c, p50, p99, *, p90=None, p999=None, mx=None, samples=1000, overhead=0.0, batch=1):
    values = {"latency_p50_ns": p50, "latency_p90_ns": p90 or p50, "latency_p99_ns": p99,
              "latency_p999_ns": p999 or p99, "latency_max_ns": mx or p99, "latency_samples": samples,
              "latency_timer_overhead_ns": overhead, "latency_batch_calls": batch}
    c.counters.update({k: [float(v)] for k, v in values.items()})
    return c


class Merge(FixtureRun):
    def test_the_latency_file_adds_its_metrics_to_the_timed_cells(self):
        run = load_run(self.run_dir)
        box = run.cells[("async_iterator", "box", "1000", "gcc")]
        self.assertEqual(box.counter("latency_p99_ns"), 40.0)
        self.assertEqual(box.counter("latency_batch_calls"), 16.0)
        # the latency pass's own time is not a repetition of the timing pass
        self.assertEqual(sorted(box.ns_per_call), [20.0, 40.0])
        static = run.cells[("async_iterator", "static_coroutine", "1000", "gcc")]
        self.assertIsNone(static.counter("latency_p50_ns"))

    def test_a_cell_only_in_the_latency_file_is_ignored(self):
        path = self.run_dir / "raw" / "gcc" / "bench_async_iterator.latency.json"
        data = json.loads(path.read_text())
        extra = copy.deepcopy(data["benchmarks"][0])
        extra["name"] = extra["run_name"] = "async_iterator/not_timed/1000"
        data["benchmarks"].append(extra)
        path.write_text(json.dumps(data))
        run = load_run(self.run_dir)
        self.assertNotIn(("async_iterator", "not_timed", "1000", "gcc"), run.cells)

    def test_results_json_has_a_latency_ns_object_and_reads_back(self):
        run = load_run(self.run_dir)
        data = merged.build(run, "fixture-run")
        merged.validate(data)
        box = next(c for c in data["cells"] if c["row"] == "box")
        self.assertEqual(box["latency_ns"], {"p50": 29.0, "p90": 31.0, "p99": 40.0, "p999": 80.0,
                                             "max": 900.0, "samples": 6256.0, "timer_overhead": 1.9,
                                             "batch_calls": 16.0})
        self.assertNotIn("latency_p99_ns", box)  # only inside latency_ns
        static = next(c for c in data["cells"] if c["row"] == "static_coroutine")
        self.assertNotIn("latency_ns", static)
        back = merged.run_from_results(json.loads(json.dumps(data)))
        self.assertEqual(back.cells[("async_iterator", "box", "1000", "gcc")].counter("latency_p99_ns"), 40.0)


class Compare(unittest.TestCase):
    def results(self, p99: float) -> dict:
        c = {"workload": "async_iterator", "row": "box", "args": "1000", "compiler": "gcc",
             "status": "measured", "ns_per_call": {"median": 30.0, "min": 29.0, "max": 31.0,
                                                   "repetitions": [29.0, 29.5, 30.0, 30.5, 31.0]},
             "latency_ns": {"p50": 29.0, "p99": p99}}
        return {"cells": [c]}

    def test_p99_is_compared_and_a_change_beyond_the_margin_noted(self):
        rows, notes = comparison.compare(self.results(40.0), self.results(80.0), 0.05)
        self.assertEqual(rows[0]["old_p99_ns"], 40.0)
        self.assertEqual(rows[0]["new_p99_ns"], 80.0)
        self.assertAlmostEqual(rows[0]["p99_change"], 1.0)
        self.assertTrue(rows[0]["p99_beyond_margin"])
        self.assertTrue(any("p99 40.0 -> 80.0 ns" in n for n in notes))

    def test_p99_inside_the_margin_is_not_noted(self):
        rows, notes = comparison.compare(self.results(40.0), self.results(40.4), 0.05)
        self.assertFalse(rows[0]["p99_beyond_margin"])
        self.assertEqual(notes, [])

    def test_cells_without_latency_compare_as_before(self):
        old, new = self.results(40.0), self.results(40.0)
        del old["cells"][0]["latency_ns"]
        rows, _ = comparison.compare(old, new, 0.05)
        self.assertNotIn("p99_change", rows[0])


class Tails(unittest.TestCase):
    def test_a_far_tail_is_explained_by_the_heap_fallbacks_of_the_same_cell(self):
        fb = with_latency(cell("mixed_frames", "fallback_local", "mix:1", "gcc", 12.0,
                               heap_fallbacks_per_call=0.05, allocs_per_call=0.05, frames_per_call=1.0),
                          p50=32.0, p99=160.0, overhead=30.0)
        inl = with_latency(cell("mixed_frames", "max_space_local", "mix:1", "gcc", 8.0,
                                heap_fallbacks_per_call=0.0, allocs_per_call=0.0, frames_per_call=1.0),
                           p50=35.0, p99=40.0, overhead=30.0)
        run = make_run(fb, inl)
        tails = latency.far_tails(run, [fb, inl])
        self.assertEqual([t.cell.row for t in tails], ["fallback_local"])
        self.assertAlmostEqual(tails[0].p50, 2.0)  # the timer's share off both
        self.assertAlmostEqual(tails[0].p99, 130.0)
        self.assertIn("heap fallback", tails[0].explanation())
        self.assertIn("5.0%", tails[0].explanation())
        self.assertIn("per-call counts only", tails[0].explanation())  # no split in this run
        self.assertFalse(tails[0].explained)
        text = "\n".join(report.latency_section(run, "mixed_frames", MARGINS))
        self.assertIn("| fallback_local | gcc | mix:1 | 2.0 | 130.0 | 0.050 | 0.050 | n/a |", text)
        self.assertIn("0 of 1 far tails explained by a counted slow path.", text)

    def test_measured_cells_without_a_latency_figure_are_named_with_where_the_reason_is(self):
        timed = with_latency(cell("mixed_frames", "fallback_local", "mix:1", "gcc", 12.0),
                             p50=32.0, p99=40.0, overhead=30.0)
        untimed = cell("mixed_frames", "max_space_local", "mix:1", "gcc", 8.0)
        other = cell("mixed_frames", "fallback_local", "mix:1", "clang", 9.0)
        text = "\n".join(report.latency_section(make_run(timed, untimed, other), "mixed_frames", MARGINS))
        self.assertIn("Measured cells without a latency figure (clang: every row; gcc: max_space_local)", text)
        self.assertIn("`LATENCY_WORKLOADS`", text)
        text = "\n".join(report.latency_section(make_run(timed), "mixed_frames", MARGINS))
        self.assertNotIn("without a latency figure", text)

    def split_tail(self, share, above, slowest, fallbacks=0.05):
        c = with_latency(cell("mixed_frames", "fallback_local", "mix:1", "gcc", 12.0,
                              heap_fallbacks_per_call=fallbacks, allocs_per_call=fallbacks,
                              frames_per_call=1.0, slow_path_share=share,
                              slow_path_samples=share * 20000, slow_path_p50_ns=95.0,
                              fast_path_p50_ns=12.0, slow_path_above_p99=above,
                              **({} if slowest is None else {"slow_path_in_slowest": slowest})),
                         p50=32.0, p99=160.0, overhead=30.0)
        run = make_run(c)
        (tail,) = latency.far_tails(run, [c])
        return run, tail

    def test_the_counting_pass_split_explains_a_tail_by_the_heap_fallback(self):
        run, tail = self.split_tail(0.05, 1.0, 0.98)
        self.assertTrue(tail.explained)
        text = tail.explanation()
        self.assertIn("**the heap fallback**", text)
        self.assertIn("5.0% of the samples took it", text)
        self.assertIn("100% of the samples above that pass's p99", text)
        self.assertIn("98% of its slowest 5.0%", text)
        self.assertIn("95.0 ns against 12.0 ns", text)
        page = "\n".join(report.latency_section(run, "mixed_frames", MARGINS))
        self.assertIn("| fallback_local | gcc | mix:1 | 2.0 | 130.0 | 0.050 | 0.050 | 5.0% | 1.00 | 0.98 | "
                      "95.0 / 12.0 |", page)
        self.assertIn("1 of 1 far tails explained by a counted slow path: fallback_local (gcc, mix:1): "
                      "the heap fallback, 5.0% of the samples, 100% of those above p99.", page)
        # the split is the latency section's: not a column of the table of every cell
        self.assertNotIn("slow-path share", "\n".join(report.workload_table(run, "mixed_frames")))

    def test_the_slow_path_in_the_distribution_is_shown_where_some_samples_took_it(self):
        run, _ = self.split_tail(0.5, 1.0, 0.93, fallbacks=0.5)
        text = "\n".join(report.latency_section(run, "mixed_frames", MARGINS))
        self.assertIn("### The slow path in the distribution", text)
        self.assertIn("| fallback_local | gcc | mix:1 | 0.500 | 0.500 | 50.0% | 0.93 | 95.0 / 12.0 | "
                      "2.0 / 2.0 / 130.0 | **the heap fallback**: the slowest 50.0% are 93% its |", text)
        self.assertIn("In 1 of 1 such cells the slowest calls are the counted slow path", text)
        mixed, _ = self.split_tail(0.5, 1.0, 0.6, fallbacks=0.5)
        text = "\n".join(report.latency_section(mixed, "mixed_frames", MARGINS))
        self.assertIn("not only the heap fallback: the slowest 50.0% are 60% its", text)
        self.assertIn("In 0 of 1 such cells", text)
        every, _ = self.split_tail(1.0, 1.0, None, fallbacks=0.0)
        self.assertEqual(latency.slow_path_cells(every, list(every.cells.values())), [])

    def test_a_split_whose_slow_samples_are_not_the_tail_does_not_explain_it(self):
        _, tail = self.split_tail(0.05, 0.2, 0.1)
        self.assertFalse(tail.explained)
        self.assertIn("not the counted path", tail.explanation())
        self.assertIn("20% of the samples above", tail.explanation())

    def test_every_sample_slow_or_none_explains_nothing_by_path(self):
        _, every = self.split_tail(1.0, 1.0, None, fallbacks=0.0)
        self.assertFalse(every.explained)
        self.assertIn("every sample allocated", every.explanation())
        _, none = self.split_tail(0.0, 0.0, None, fallbacks=0.0)
        self.assertFalse(none.explained)
        self.assertIn("not a placement path", none.explanation())
        _, first = self.split_tail(0.00005, 0.0, 0.0, fallbacks=0.0)  # one sample of 20,000
        self.assertFalse(first.explained)
        self.assertIn("(1 sample, the first call's cache miss or set-up: 95 ns)", first.explanation())

    def test_occasional_allocations_name_a_cache_miss(self):
        c = with_latency(cell("w", "recycling", "", "gcc", 10.0, allocs_per_call=0.02, frames_per_call=1.0),
                         p50=10.0, p99=50.0)
        run = make_run(c)
        (tail,) = latency.far_tails(run, [c])
        self.assertIn("cache miss", tail.explanation())

    def test_a_tail_no_event_explains_says_so(self):
        c = with_latency(cell("w", "inline_local", "", "gcc", 10.0, allocs_per_call=0.0,
                              heap_fallbacks_per_call=0.0, frames_per_call=1.0), p50=10.0, p99=50.0)
        run = make_run(c)
        (tail,) = latency.far_tails(run, [c])
        self.assertIn("not a placement", tail.explanation())

    def test_tails_that_differ_while_the_medians_tie(self):
        a = with_latency(cell("w", "a", "", "gcc", 10.0), p50=10.0, p99=12.0)
        b = with_latency(cell("w", "b", "", "gcc", 10.05), p50=10.0, p99=30.0)
        c = with_latency(cell("w", "c", "", "gcc", 20.0), p50=20.0, p99=60.0)  # its median differs
        run = make_run(a, b, c)
        diffs = latency.tails_not_means(run, [a, b, c], MARGINS)
        self.assertEqual([(d.a.row, d.b.row) for d in diffs], [("a", "b")])
        self.assertAlmostEqual(diffs[0].p99_ratio, 0.4)
        text = "\n".join(report.latency_section(run, "w", MARGINS))
        self.assertIn("a p99 12.0 ns vs b 30.0 ns", text)

    def test_the_percentile_plot_is_written_per_compiler(self):
        from testbed import plots
        cells = [with_latency(cell("w", r, "", comp, 10.0), p50=10.0, p99=30.0, mx=200.0)
                 for r in ("a", "b") for comp in ("gcc", "clang")]
        run = make_run(*cells)
        with tempfile.TemporaryDirectory() as tmp:
            paths = plots.plot_latency(run, "w", Path(tmp))
            self.assertEqual(sorted(p.name for p in paths), ["latency_w_clang.png", "latency_w_gcc.png"])
            self.assertTrue(all(p.stat().st_size > 0 for p in paths))

    def test_cells_with_few_samples_say_nothing_about_their_tail(self):
        a = with_latency(cell("w", "a", "", "gcc", 10.0), p50=10.0, p99=12.0, samples=3)
        b = with_latency(cell("w", "b", "", "gcc", 10.05), p50=10.0, p99=90.0, samples=3)
        run = make_run(a, b)
        self.assertEqual(latency.far_tails(run, [a, b]), [])
        self.assertEqual(latency.tails_not_means(run, [a, b], MARGINS), [])

    def test_no_latency_pass_no_section(self):
        run = make_run(cell("w", "a", "", "gcc", 10.0))
        self.assertEqual(report.latency_section(run, "w", MARGINS), [])

    def test_the_timer_is_stated_and_checked_on_the_synchronous_limit(self):
        ok = with_latency(cell("async_iterator", "sync_virtual", "1000", "gcc", 1.7),
                          p50=2.5, p99=3.0, overhead=0.5, batch=64)  # 2.0 net: 1.18x the mean
        bad = with_latency(cell("async_iterator", "sync_virtual", "1000", "clang", 1.7),
                           p50=4.0, p99=5.0, overhead=0.5, batch=64)  # 3.5 net: 2.06x
        other = with_latency(cell("async_iterator", "box", "1000", "gcc", 20.0),
                             p50=90.0, p99=95.0, overhead=0.5, batch=64)
        run = make_run(ok, bad, other)
        checks = latency.timer_checks(run, [ok, bad, other])
        self.assertEqual([(k.cell.compiler, k.holds) for k in checks], [("gcc", True), ("clang", False)])
        self.assertAlmostEqual(checks[0].ratio, 2.0 / 1.7)
        self.assertAlmostEqual(checks[0].empty_region_ns, 32.0)
        text = "\n".join(report.latency_section(run, "async_iterator", MARGINS))
        self.assertIn("an empty timed region costs 32.0 ns (clang), 32.0 ns (gcc)", text)
        self.assertIn("sync_virtual gcc 1000: 2.00 ns against 1.70 ns (1.18x, holds; fastest repetition 1.67 ns)", text)
        self.assertIn("sync_virtual clang 1000: 3.50 ns against 1.70 ns (2.06x, **does not hold**; "
                      "fastest repetition 1.67 ns)", text)

    def test_loopback_requests_per_second_beside_the_request_percentiles(self):
        lo = with_latency(cell("middleware_chain_loopback", "box", "layers:4", "gcc", 50000.0,
                               requests_per_second=20000.0), p50=20000.0, p99=45000.0, p999=90000.0)
        no = cell("middleware_chain_loopback", "recycling", "layers:4", "gcc", 50000.0,
                  requests_per_second=20000.0)
        run = make_run(lo, no)
        text = "\n".join(report.loopback_table(run))
        self.assertIn("request p50 / p99 / p99.9 us (gcc, latency pass)", text)
        self.assertIn("| 20.0 / 45.0 / 90.0 |", text)
        self.assertIn("| recycling | 20000 (20000-20000) | n/a | n/a |", text)

    def test_fields_of_the_metrics(self):
        self.assertEqual(latency.field_of("latency_p999_ns"), "p999")
        self.assertEqual(latency.field_of("latency_timer_overhead_ns"), "timer_overhead")
        self.assertEqual(latency.field_of("latency_batch_calls"), "batch_calls")
        self.assertEqual(latency.field_of("latency_samples"), "samples")


if __name__ == "__main__":
    unittest.main()
