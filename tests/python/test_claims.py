"""Tests of the claim checks on synthetic runs: each verdict follows the numbers, both
ways, and a claim without evidence says "not measured" instead of guessing."""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "py"))

from testbed import claims  # noqa: E402
from testbed.results import Cell, Run  # noqa: E402


def cell(workload, row, ns=None, args="items:1000", compiler="gcc", status=None, **counters):
    c = Cell(workload, row, args, compiler, status=status)
    if ns is not None:
        c.ns_per_call = [ns, ns]
    c.counters = {k: [float(v)] for k, v in counters.items()}
    return c


def run_of(*cells, overhead="box:0:0,inline_local:376:0,callee_cache_local:8:0"):
    return Run(cells={c.key: c for c in cells}, contexts={"gcc": {"testbed_overhead": overhead}})


class Claims(unittest.TestCase):
    def test_c1_confirmed_when_box_allocates_once_and_is_clearly_slower(self):
        run = run_of(cell("async_iterator", "box", 20, allocs_per_call=1),
                     cell("async_iterator", "inline_local", 10, allocs_per_call=0))
        self.assertEqual(claims.c1(run).verdict, claims.CONFIRMED)

    def test_c1_partly_when_box_is_not_noticeably_slower(self):
        run = run_of(cell("async_iterator", "box", 10.5, allocs_per_call=1),
                     cell("async_iterator", "inline_local", 10, allocs_per_call=0))
        self.assertEqual(claims.c1(run).verdict, claims.PARTLY)

    def test_not_measured_without_evidence(self):
        run = run_of(cell("async_iterator", "box", 20, allocs_per_call=1))
        for check in (claims.c5, claims.c6, claims.c9, claims.c10, claims.c11):
            self.assertEqual(check(run).verdict, claims.NOT_MEASURED, check.__name__)

    def test_c3_needs_the_unsupported_concurrent_cell(self):
        unsupported = cell("concurrent_calls", "inline_local", status="unsupported: one call")
        self.assertEqual(claims.c3(run_of(unsupported)).verdict, claims.CONFIRMED)
        working = cell("concurrent_calls", "inline_local", 10)
        self.assertEqual(claims.c3(run_of(working)).verdict, claims.PARTLY)

    def test_c6_follows_the_fallback_rate_across_distributions(self):
        run = run_of(cell("mixed_frames", "fallback_local", 20, args="dist:0", heap_fallbacks_per_call=0.9),
                     cell("mixed_frames", "fallback_local", 12, args="dist:1", heap_fallbacks_per_call=0.1))
        self.assertEqual(claims.c6(run).verdict, claims.CONFIRMED)
        flat = run_of(cell("mixed_frames", "fallback_local", 20, args="dist:0", heap_fallbacks_per_call=0.5),
                      cell("mixed_frames", "fallback_local", 12, args="dist:1", heap_fallbacks_per_call=0.5))
        self.assertEqual(claims.c6(flat).verdict, claims.REFUTED)

    def test_c9_compares_async_depth_with_the_sync_overflow(self):
        run = run_of(cell("recursion", "sync_virtual", 1, args="mode:overflow", overflow_depth=100000),
                     cell("recursion", "box", 30, args="depth:1000000", depth=1000000))
        self.assertEqual(claims.c9(run).verdict, claims.CONFIRMED)

    def test_c10_side_stack_against_box_per_level(self):
        cheaper = run_of(cell("recursion", "box", 30, args="depth:1000"),
                         cell("recursion", "side_stack", 15, args="depth:1000"))
        self.assertEqual(claims.c10(cheaper).verdict, claims.CONFIRMED)
        dearer = run_of(cell("recursion", "box", 30, args="depth:1000"),
                        cell("recursion", "side_stack", 31, args="depth:1000"))
        self.assertEqual(claims.c10(dearer).verdict, claims.REFUTED)

    def test_c13_a_cache_that_loses_or_ties_on_one_compiler_confirms_can_lose(self):
        def cells(compiler, allocator_ns, cache_ns):
            return [cell("async_iterator", "box_mimalloc", allocator_ns, compiler=compiler),
                    cell("async_iterator", "recycling", cache_ns, compiler=compiler)]
        mixed = run_of(*cells("gcc", 16.5, 16.0), *cells("clang", 13.0, 10.0))
        v = claims.c13(mixed)
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertIn("some compilers, not all", v.evidence[-1])
        caches_win = run_of(*cells("gcc", 16.5, 12.0), *cells("clang", 13.0, 10.0))
        self.assertEqual(claims.c13(caches_win).verdict, claims.REFUTED)

    def test_c10_compares_equal_depths_and_lets_instruction_counts_decide(self):
        # Depth 16 measured by callgrind: the side stack is cheaper. Depth 1048576 has no
        # instruction count and a page-fault-ridden time: listed, not deciding. A box cell
        # at another depth is never paired with the side stack's.
        run = run_of(cell("recursion_chain", "box", 22, args="depth:16", instructions_per_call=290),
                     cell("recursion_chain", "side_stack", 12, args="depth:16", instructions_per_call=142),
                     cell("recursion_chain", "box", 26, args="depth:1048576"),
                     cell("recursion_chain", "side_stack", 49, args="depth:1048576"),
                     cell("recursion_chain", "box", 5, args="depth:256"))
        v = claims.c10(run)
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertEqual(v.evidence, ["recursion_chain (gcc), side_stack vs box: depth:16 12.0 vs 22.0 ns, "
                                      "142 vs 290 instructions (timed only: depth:1048576 49.0 vs 26.0 ns)"])

    def test_every_check_returns_a_verdict_with_an_id(self):
        run = run_of(cell("async_iterator", "box", 20, allocs_per_call=1))
        verdicts = claims.check_all(run)
        self.assertEqual([v.claim for v in verdicts], [f"C{i}" for i in range(1, 16)])
        for v in verdicts:
            self.assertIn(v.verdict, (claims.CONFIRMED, claims.REFUTED, claims.PARTLY, claims.NOT_MEASURED))


if __name__ == "__main__":
    unittest.main()
