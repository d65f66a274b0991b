"""Tests of the claim checks on synthetic runs: each verdict follows the numbers under the
rule (U test and margin), both ways; a tie is inconclusive, never a loss; each claim is
judged on the cells it is about (exact workload names, 2 or more outstanding calls, frames
the compiler kept); and a claim without evidence says "not measured" instead of guessing.
Each finding of issue 13 has a test here that fails if it comes back."""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "py"))

from testbed import claims, rule  # noqa: E402
from testbed.results import Cell, Run  # noqa: E402
from manifest_support import describe, fixture_rows  # noqa: E402

# Every workload's margin in these tests: 10%, whatever docs/measured-spread.json says.
MARGIN = 0.10


class _FlatMargins(dict):
    def get(self, key, default=None):
        return MARGIN


_saved_margins = None


def setUpModule():
    global _saved_margins
    _saved_margins = rule._MARGINS
    rule._MARGINS = _FlatMargins()


def tearDownModule():
    rule._MARGINS = _saved_margins


def cell(workload, row, ns=None, args="items:1000", compiler="gcc", status=None, **counters):
    """A cell of 5 repetitions within 0.4% of ns (two cells a few % apart separate fully:
    p = 0.008 < 0.05, so the margin decides)."""
    c = Cell(workload, row, args, compiler, status=status)
    if ns is not None:
        c.ns_per_call = [ns * (1 + 0.001 * (i - 2)) for i in range(5)]
    c.counters = {k: [float(v)] for k, v in counters.items()}
    return c


OVERHEAD = {"box": (0, 0), "inline_local": (376, 0), "callee_cache_local": (8, 0)}


def run_of(*cells, overhead=OVERHEAD, cpu="Test CPU"):
    return describe(Run(cells={c.key: c for c in cells}, contexts={"gcc": {"testbed_cpu_model": cpu}}),
                    overhead)


def unsupported(workload, row, args, compiler="gcc"):
    return cell(workload, row, args=args, compiler=compiler, status="unsupported: declared")


class Rule(unittest.TestCase):
    def test_differ_only_with_both_the_u_test_and_the_margin(self):
        a, b = cell("w", "a", 10), cell("w", "b", 20)
        self.assertEqual(rule.compare(a, b).outcome, rule.LESS)
        self.assertEqual(rule.compare(b, a).outcome, rule.GREATER)
        inside = rule.compare(cell("w", "a", 10), cell("w", "b", 10.5))  # p = 0.008, 5% apart
        self.assertEqual(inside.outcome, rule.TIE)
        self.assertIn("margin", inside.decided_by)
        overlapping = cell("w", "b", 20)
        overlapping.ns_per_call = [5, 40, 6, 35, 20]
        self.assertEqual(rule.compare(a, overlapping).outcome, rule.TIE)

    def test_fastest_lists_every_row_that_ties_with_the_best(self):
        winners, _ = rule.fastest([cell("w", "a", 10), cell("w", "b", 10.4), cell("w", "c", 15)])
        self.assertEqual([c.row for c in winners], ["a", "b"])


class Verdicts(unittest.TestCase):
    def test_every_check_returns_a_verdict_with_its_machine_and_what_decided_it(self):
        run = run_of(cell("async_iterator", "box", 20, allocs_per_call=1))
        verdicts = claims.check_all(run)
        self.assertEqual([v.claim for v in verdicts], [f"C{i}" for i in range(1, 16)])
        for v in verdicts:
            self.assertIn(v.verdict, claims.VERDICTS)
            self.assertEqual(v.machine, "Test CPU")
            self.assertTrue(v.decided_by, v.claim)

    def test_not_measured_without_evidence(self):
        run = run_of(cell("async_iterator", "box", 20, allocs_per_call=1))
        for check in (claims.c5, claims.c6, claims.c8, claims.c9, claims.c10,
                      claims.c11, claims.c12, claims.c13, claims.c14):
            self.assertEqual(check(run).verdict, claims.NOT_MEASURED, check.__name__)

    def test_a_part_not_measured_keeps_a_claim_at_partly(self):
        # The object size is known (benchmark context), the concurrent cells are not.
        v = claims.c3(run_of(cell("async_iterator", "box", 20)))
        self.assertEqual(v.verdict, claims.PARTLY)
        self.assertIn("not measured: cannot serve two outstanding calls", v.evidence[-1])

    def test_cells_are_looked_up_by_exact_workload_name(self):
        # Only async_iterator_suspending cells: W1 (async_iterator) claims have no evidence.
        run = run_of(cell("async_iterator_suspending", "box", 30, args="items:1000/every:16",
                          allocs_per_call=1),
                     cell("async_iterator_suspending", "inline_local", 10, args="items:1000/every:16"))
        self.assertEqual(claims.c1(run).verdict, claims.NOT_MEASURED)
        self.assertEqual(claims.c15(run).verdict, claims.NOT_MEASURED)


class C1(unittest.TestCase):
    def test_confirmed_when_box_allocates_once_and_is_slower_under_the_rule(self):
        run = run_of(cell("async_iterator", "box", 20, allocs_per_call=1),
                     cell("async_iterator", "inline_local", 10, allocs_per_call=0))
        v = claims.c1(run)
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertIn("async_iterator/box/items:1000 [gcc]", v.cells)

    def test_inconclusive_when_box_is_slower_only_inside_the_noise(self):
        run = run_of(cell("async_iterator", "box", 10.5, allocs_per_call=1),
                     cell("async_iterator", "inline_local", 10, allocs_per_call=0))
        v = claims.c1(run)
        self.assertEqual(v.verdict, claims.INCONCLUSIVE)
        self.assertIn("inside the noise", v.evidence[-1])

    def test_a_cell_without_a_frame_is_no_winner(self):
        # clang removed inline's frame (3 ns, 0 frames): box is judged against max_space.
        run = run_of(cell("async_iterator", "box", 20, allocs_per_call=1, frames_per_call=1),
                     cell("async_iterator", "inline_local", 3, frames_per_call=0),
                     cell("async_iterator", "max_space_local", 19.5, frames_per_call=1))
        v = claims.c1(run)
        self.assertEqual(v.verdict, claims.INCONCLUSIVE)
        self.assertTrue(any("removed their frame" in e and "inline_local" in e for e in v.evidence))
        self.assertNotIn("async_iterator/inline_local/items:1000 [gcc]", v.cells)


class C3AndC8(unittest.TestCase):
    def test_c3_counts_only_two_or_more_outstanding_calls(self):
        one = cell("concurrent_calls", "inline_local", 60, args="outstanding:1")
        run = run_of(one, unsupported("concurrent_calls", "inline_local", "outstanding:2"),
                     unsupported("concurrent_calls", "inline_local", "outstanding:16"))
        v = claims.c3(run)
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertNotIn(claims.label(one), v.cells)
        self.assertIn("outstanding_calls_on_one_object_as_declared", v.test)
        served = run_of(one, cell("concurrent_calls", "inline_local", 60, args="outstanding:2"))
        self.assertEqual(claims.c3(served).verdict, claims.PARTLY)

    def fifo(self):
        return [cell("concurrent_calls", "side_stack", 60, args="outstanding:1"),
                unsupported("concurrent_calls", "side_stack", "outstanding:2"),
                unsupported("concurrent_calls", "side_stack", "outstanding:8"),
                unsupported("escaping_futures", "side_stack", "batch:8")]

    def test_c8_confirmed_when_the_side_stack_fails_exactly_where_frames_die_out_of_order(self):
        lifo = [cell("concurrent_calls_lifo", "side_stack", 60, args="outstanding:2"),
                cell("concurrent_calls_lifo", "side_stack", 60, args="outstanding:8"),
                cell("escaping_futures_lifo", "side_stack", 60, args="batch:8")]
        v = claims.c8(run_of(*self.fifo(), *lifo))
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertIn("non_lifo_release_as_declared", v.test)
        self.assertIn("concurrent_calls_lifo/side_stack/outstanding:8 [gcc]", v.cells)

    def test_c8_partly_when_the_lifo_variant_fails_too_or_is_not_measured(self):
        lifo_fails = [unsupported("concurrent_calls_lifo", "side_stack", "outstanding:2")]
        self.assertEqual(claims.c8(run_of(*self.fifo(), *lifo_fails)).verdict, claims.PARTLY)
        v = claims.c8(run_of(*self.fifo()))
        self.assertEqual(v.verdict, claims.PARTLY)
        self.assertIn("not measured: served where the same futures die in LIFO order", v.evidence[-1])

    def test_c8_one_outstanding_call_does_not_count_against_it(self):
        served_fifo = self.fifo() + [cell("concurrent_calls", "side_stack", 60, args="outstanding:4")]
        lifo = [cell("concurrent_calls_lifo", "side_stack", 60, args="outstanding:2")]
        self.assertEqual(claims.c8(run_of(*served_fifo, *lifo)).verdict, claims.PARTLY)
        self.assertEqual(claims.c8(run_of(*self.fifo(), *lifo)).verdict, claims.CONFIRMED)


class C4C7C9C11(unittest.TestCase):
    def test_c4_cites_the_conformance_test_of_the_block_lifetime(self):
        v = claims.c4(run_of(cell("async_iterator", "callee_cache_local", 10, allocs_per_call=0)))
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertEqual(v.test, "conformance/<typed suite>.callee_cache_block_freed_with_object")

    def test_c7_is_argued_and_keeps_frame_sizes_per_workload(self):
        run = run_of(cell("async_iterator", "box", 20, frame_bytes=80),
                     cell("async_iterator_suspending", "box", 30, args="items:1000/every:16",
                          frame_bytes=96))
        v = claims.c7(run)
        self.assertEqual(v.verdict, claims.ARGUED)
        self.assertEqual(v.decided_by, claims.BY_CONSTRUCTION)
        sizes = [e for e in v.evidence if "known only at run time" in e]
        self.assertEqual(len(sizes), 2)
        self.assertIn("async_iterator box 80 B (gcc)", sizes[0])
        self.assertIn("async_iterator_suspending box 96 B (gcc)", sizes[1])

    def sync(self):
        return cell("recursion_sync", "sync_virtual", 1e9, args="stack_mib:8", overflow_depth=524047)

    def test_c9_confirmed_far_beyond_the_native_depth(self):
        run = run_of(self.sync(), cell("recursion_reach", "box", 30, args="depth:16777216",
                                       depth=16777216))
        v = claims.c9(run)
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertIn("32.0x", v.figure)

    def test_c9_partly_at_twice_the_native_depth(self):
        run = run_of(self.sync(), cell("recursion_chain", "box", 30, args="depth:1048576",
                                       depth=1048576))
        v = claims.c9(run)
        self.assertEqual(v.verdict, claims.PARTLY)
        self.assertIn("recursion_reach is not in this run", v.evidence[0])

    def test_c9_refuted_when_box_overflows_the_native_stack_first(self):
        # Rust's box: each future polls the one it awaits on the native stack, so its own
        # overflow search (beside the synchronous one) is how deep it goes.
        run = run_of(self.sync(), cell("recursion_sync", "box", 1e9, args="stack_mib:8",
                                       overflow_depth=174676),
                     cell("recursion_chain", "box", 30, args="depth:65536", depth=65536))
        v = claims.c9(run)
        self.assertEqual(v.verdict, claims.REFUTED)
        self.assertIn("0.3x", v.figure)
        self.assertIn("174,676 levels (its own overflow search", v.evidence[0])

    def test_c11_depth_reached_is_buffer_over_frame_size(self):
        chain = [unsupported("recursion_chain", "max_space_local", "depth:16"),
                 cell("recursion_chain", "inline_local", 20, args="depth:16")]
        exact = [cell("recursion_fixed_buffer", "max_space_local", 5, args=f"buffer_bytes:{b}",
                      depth_reached=b // 112, frame_bytes=112) for b in (512, 4096, 65536)]
        v = claims.c11(run_of(*chain, *exact))
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertTrue(any("one slot per object" in e for e in v.evidence))
        off = exact[:2] + [cell("recursion_fixed_buffer", "max_space_local", 5,
                                args="buffer_bytes:65536", depth_reached=300, frame_bytes=112)]
        self.assertEqual(claims.c11(run_of(*chain, *off)).verdict, claims.PARTLY)
        self.assertEqual(claims.c11(run_of(*chain)).verdict, claims.PARTLY)  # depth not measured


class C10(unittest.TestCase):
    def test_judged_at_every_depth_the_deepest_included(self):
        cheaper = [cell("recursion_chain", "box", 30, args=f"depth:{d}", instructions_per_call=300)
                   for d in (16, 1048576)] + \
                  [cell("recursion_chain", "side_stack", 15, args=f"depth:{d}", instructions_per_call=150)
                   for d in (16, 1048576)]
        v = claims.c10(run_of(*cheaper))
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertIn("150 vs 300 instructions", v.evidence[0])
        deep_dearer = cheaper[:3] + [cell("recursion_chain", "side_stack", 45, args="depth:1048576")]
        self.assertEqual(claims.c10(run_of(*deep_dearer)).verdict, claims.PARTLY)
        deep_tie = cheaper[:3] + [cell("recursion_chain", "side_stack", 29, args="depth:1048576")]
        self.assertEqual(claims.c10(run_of(*deep_tie)).verdict, claims.INCONCLUSIVE)

    def test_never_pairs_different_depths(self):
        run = run_of(cell("recursion_chain", "box", 5, args="depth:256"),
                     cell("recursion_chain", "side_stack", 15, args="depth:16"))
        self.assertEqual(claims.c10(run).verdict, claims.NOT_MEASURED)


def pairs(compiler, local_ns, sendable_ns):
    """Every Local/Sendable pair the manifest declares (families with both forms)."""
    return [c for local, sendable in fixture_rows().pairs_of_forms() for c in (
        cell("async_iterator", local, local_ns, compiler=compiler, instructions_per_call=150),
        cell("async_iterator", sendable, sendable_ns, compiler=compiler, instructions_per_call=150))]


def threads_cells():
    return [unsupported("threads", "inline_local", "threads:2"),
            cell("threads", "inline_sendable", 500, args="threads:2")]


class C12(unittest.TestCase):
    def test_confirmed_when_every_sendable_form_costs_more_beyond_the_noise(self):
        v = claims.c12(run_of(*pairs("gcc", 10, 17), *threads_cells()))
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertIn("gcc +7.00 ns (6 of 6 pairs differ)", v.figure)
        self.assertIn("crossing_serves_what_it_declares", v.test)

    def test_inconclusive_when_the_forms_tie(self):
        v = claims.c12(run_of(*pairs("gcc", 10, 10.3), *threads_cells()))
        self.assertEqual(v.verdict, claims.INCONCLUSIVE)
        self.assertIn("gcc +0.30 ns (0 of 6 pairs differ)", v.figure)
        self.assertIn("Local cheaper than Sendable", v.evidence[-1])

    def test_partly_when_local_survives_crossing_threads(self):
        crossing = [cell("threads", "inline_local", 500, args="threads:2")]
        self.assertEqual(claims.c12(run_of(*pairs("gcc", 10, 17), *crossing)).verdict, claims.PARTLY)


def c13_cells(compiler, box_ns, mimalloc_ns, cache_ns, whole_ns=None):
    out = [cell("async_iterator", "box", box_ns, compiler=compiler),
           cell("async_iterator", "recycling", cache_ns, compiler=compiler),
           cell("async_iterator", "caller_cache_local", cache_ns, compiler=compiler)]
    if mimalloc_ns is not None:
        out.append(cell("async_iterator", "mimalloc", mimalloc_ns, compiler=compiler))
    if whole_ns is not None:
        out.append(cell("async_iterator", "box_mimalloc", whole_ns, compiler=compiler))
    return out


class C13(unittest.TestCase):
    def test_a_tie_is_not_a_loss(self):
        v = claims.c13(run_of(*c13_cells("gcc", 20, 16.2, 16.0), *c13_cells("clang", 20, 13.0, 12.8)))
        self.assertEqual(v.verdict, claims.INCONCLUSIVE)

    def test_one_compiler_where_a_cache_is_slower_confirms_can_lose(self):
        v = claims.c13(run_of(*c13_cells("gcc", 20, 13.0, 16.0), *c13_cells("clang", 20, 13.0, 10.0)))
        self.assertEqual(v.verdict, claims.CONFIRMED)

    def test_refuted_when_every_cache_beats_every_allocator_everywhere(self):
        v = claims.c13(run_of(*c13_cells("gcc", 20, 16.0, 12.0), *c13_cells("clang", 20, 13.0, 10.0)))
        self.assertEqual(v.verdict, claims.REFUTED)

    def test_in_process_mimalloc_decides_and_the_preloaded_row_is_listed(self):
        # The preloaded row (another process) is fast, the in-process one is not: caches win.
        v = claims.c13(run_of(*c13_cells("gcc", 20, 16.0, 12.0, whole_ns=11.0)))
        self.assertEqual(v.verdict, claims.REFUTED)
        self.assertTrue(any("box_mimalloc 11.00 ns (listed, not deciding)" in e for e in v.evidence))
        # Without the in-process row, the preloaded one stands in and says so.
        v = claims.c13(run_of(*c13_cells("gcc", 20, None, 12.0, whole_ns=10.0)))
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertTrue(any("stands in" in e for e in v.evidence))


def c14_cells(fallback_over_box_ns, instructions=(330, 295)):
    """W1 (fits), and a frame-size sweep where the 112-byte buffer fits at 0 and not above,
    where max-space fails at 1024, and a recursion chain that never fits."""
    out = [cell("async_iterator", "box", 18), cell("async_iterator", "max_space_local", 14.7),
           cell("async_iterator", "fallback_local", 15.0, heap_fallbacks_per_call=0)]
    out += [cell("frame_size", "box", 18, args="local_bytes:0"),
            cell("frame_size", "max_space_local", 12, args="local_bytes:0"),
            cell("frame_size", "fallback_local", 11, args="local_bytes:0", heap_fallbacks_per_call=0)]
    for size in (256, 1024):
        out += [cell("frame_size", "box", 18, args=f"local_bytes:{size}",
                     instructions_per_call=instructions[1]),
                cell("frame_size", "fallback_local", 18 + fallback_over_box_ns,
                     args=f"local_bytes:{size}", heap_fallbacks_per_call=1,
                     instructions_per_call=instructions[0])]
    out += [cell("frame_size", "max_space_local", 12, args="local_bytes:256"),
            unsupported("frame_size", "max_space_local", "local_bytes:1024"),
            cell("recursion_chain", "box", 24, args="depth:256"),
            cell("recursion_chain", "fallback_local", 24 + fallback_over_box_ns, args="depth:256",
                 heap_fallbacks_per_call=1),
            unsupported("recursion_chain", "max_space_local", "depth:256")]
    return out


class C14(unittest.TestCase):
    def test_confirmed_when_fallback_costs_about_box_where_the_buffer_does_not_fit(self):
        v = claims.c14(run_of(*c14_cells(0.5)))
        self.assertEqual(v.verdict, claims.CONFIRMED)
        self.assertIn("frame_size/fallback_local/local_bytes:1024 [gcc]", v.cells)

    def test_partly_when_fallback_costs_more_than_box(self):
        v = claims.c14(run_of(*c14_cells(20, instructions=(900, 300))))
        self.assertEqual(v.verdict, claims.PARTLY)
        self.assertIn("costs about what box costs where the buffer does not fit", v.evidence[-1])

    def test_instruction_counts_within_ten_percent_count_as_about_box(self):
        # Slower on the clock in frame_size, but 1.05x the instructions there (recursion
        # has no counts and is slower: still partly, from recursion alone).
        v = claims.c14(run_of(*c14_cells(3, instructions=(310, 295))))
        about = next(e for e in v.evidence if e.startswith("where the buffer does not fit"))
        self.assertIn("about box in 2 of 3 cells", about)

    def test_not_decided_on_w1_alone(self):
        w1 = c14_cells(0)[:3]
        self.assertNotEqual(claims.c14(run_of(*w1)).verdict, claims.CONFIRMED)


class C1AndC15(unittest.TestCase):
    def test_c15_follows_the_rule(self):
        faster = run_of(cell("async_iterator", "box", 20), cell("async_iterator", "max_space_local", 14))
        self.assertEqual(claims.c15(faster).verdict, claims.CONFIRMED)
        tied = run_of(cell("async_iterator", "box", 20), cell("async_iterator", "max_space_local", 19.5))
        self.assertEqual(claims.c15(tied).verdict, claims.INCONCLUSIVE)
        slower = run_of(cell("async_iterator", "box", 20), cell("async_iterator", "max_space_local", 30))
        self.assertEqual(claims.c15(slower).verdict, claims.REFUTED)

    def test_c15_leaves_out_a_frame_the_compiler_removed(self):
        run = run_of(cell("async_iterator", "box", 20, frames_per_call=1),
                     cell("async_iterator", "max_space_local", 3, frames_per_call=0))
        self.assertEqual(claims.c15(run).verdict, claims.NOT_MEASURED)


class Combine(unittest.TestCase):
    def test_parts(self):
        C, R, I, N = claims.CONFIRMED, claims.REFUTED, claims.INCONCLUSIVE, claims.NOT_MEASURED
        self.assertEqual(claims.combine([("a", C), ("b", C)])[0], C)
        self.assertEqual(claims.combine([("a", C), ("b", R)])[0], claims.PARTLY)
        self.assertEqual(claims.combine([("a", R), ("b", R)])[0], R)
        self.assertEqual(claims.combine([("a", C), ("b", I)])[0], I)
        self.assertEqual(claims.combine([("a", C), ("b", N)])[0], claims.PARTLY)
        self.assertEqual(claims.combine([("a", N), ("b", N)])[0], N)
        self.assertEqual(claims.combine([("a", claims.ARGUED)])[0], C)


if __name__ == "__main__":
    unittest.main()
