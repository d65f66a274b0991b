"""The cost breakdown of issue 17: the allocator's share read from callgrind's call graph
(scripts/py/measure.py, on the fixture dumps in fixtures/breakdown/) and the split of every
W1 row (scripts/py/testbed/breakdown.py), whose check fails when the parts do not add up."""

from __future__ import annotations

import sys
import tempfile
import unittest
from pathlib import Path

from manifest_support import ROOT, describe

sys.path.insert(0, str(ROOT / "scripts" / "py"))

import measure  # noqa: E402
from testbed import breakdown  # noqa: E402
from testbed import rows as roles  # noqa: E402
from testbed.results import Cell, Run  # noqa: E402
from testbed.rows import RowInfo  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "breakdown"
W = "async_iterator"
ARGS = "items:1000"


class MassifCells(unittest.TestCase):
    def test_quick_mode_measures_each_rows_first_cell_as_the_memory_figures_order_them(self):
        names = ["frame_size/box/local_bytes:512", "frame_size/box/local_bytes:64",
                 "frame_size/box/local_bytes:2048", "frame_size/inline_local/local_bytes:4096",
                 "recursion_fib/box/n:20", "async_iterator/box/items:1000",
                 "async_iterator_suspending/box/items:1000/every:16",
                 "async_iterator_suspending/box/items:1000/every:4"]
        self.assertEqual(measure.first_cell_per_row(names),
                         ["frame_size/box/local_bytes:64", "frame_size/inline_local/local_bytes:4096",
                          "recursion_fib/box/n:20", "async_iterator/box/items:1000",
                          "async_iterator_suspending/box/items:1000/every:4"])


class AllocatorInstructions(unittest.TestCase):
    def test_allocator_functions_called_from_outside_count_inclusive(self):
        names = measure.CallgrindNames()
        first = measure.allocator_instructions((FIXTURES / "callgrind.1").read_text(), names)
        # operator new and delete from the coroutine; malloc and free inside them are not
        # counted again, nor _int_malloc inside malloc.
        self.assertEqual(first, {"operator new(unsigned long)": 540,
                                 "operator delete(void*, unsigned long)": 940})
        second = measure.allocator_instructions((FIXTURES / "callgrind.2").read_text(), names)
        # The pool's functions, and operator new called by the coroutine (named in the first
        # dump: the run's one name table); not operator new inside do_allocate, nor the
        # strategy's own thread-local lookup.
        self.assertEqual(second, {
            "std::pmr::unsynchronized_pool_resource::do_allocate(unsigned long, unsigned long)": 1650,
            "std::pmr::unsynchronized_pool_resource::do_deallocate(void*, unsigned long, unsigned long)": 1410,
            "operator new(unsigned long)": 60})

    def test_a_name_used_before_it_is_defined_is_an_error(self):
        with self.assertRaises(measure.MeasureError):
            measure.allocator_instructions((FIXTURES / "callgrind.2").read_text(), measure.CallgrindNames())

    def test_allocator_names(self):
        for name in ("malloc", "free", "operator delete(void*, unsigned long)", "_int_free'2",
                     "std::pmr::synchronized_pool_resource::do_allocate(unsigned long, unsigned long)",
                     "mi_free", "__rust_alloc",
                     "<harness::alloc_counter::CountingAlloc as core::alloc::global::GlobalAlloc>::alloc"):
            self.assertTrue(measure.is_allocator_function(name), name)
        for name in ("testbed::detail::pmr_impl::this_thread_unsynchronized()", "free_list_pop",
                     "testbed::side_stack::allocate(testbed::frame_request<testbed::side_stack> const&)"):
            self.assertFalse(measure.is_allocator_function(name), name)


def cell(row: str, instructions: float, allocator: float | None = None, workload: str = W,
         args: str = ARGS, compiler: str = "gcc", frames: float = 1.0) -> Cell:
    counters = {"instructions_per_call": [instructions], "frames_per_call": [frames]}
    if allocator is not None:
        counters["allocator_instructions_per_call"] = [allocator]
    return Cell(workload, row, args, compiler, [10.0, 10.1, 10.2], counters)


def run_of(*cells: Cell, device: str = "device") -> Run:
    """A synthetic run with the fixture manifest, plus a placement_limit device row."""
    run = Run(cells={c.key: c for c in cells},
              contexts={c.compiler: {"testbed_cpu_model": "Test CPU", "num_cpus": 2} for c in cells})
    run.load = {}
    run = describe(run)
    run.rows.rows[device] = RowInfo(name=device, kind=roles.DEVICE, family=device, start="lazy",
                                    role=roles.PLACEMENT_LIMIT)
    run.describe_cells()
    return run


def first_with_role(role: str) -> str:
    from manifest_support import fixture_rows
    return fixture_rows().with_role(role)[0]


SYNC = first_with_role(roles.SYNCHRONOUS_LIMIT)
BOX = first_with_role(roles.REFERENCE)


class Split(unittest.TestCase):
    def test_parts_of_a_row(self):
        run = run_of(cell(SYNC, 27), cell("device", 133, 0), cell(BOX, 282, 148), cell("pool", 489, 306))
        items = {s.cell.row: s for s in breakdown.splits(run, W, "gcc")}
        box = items[BOX]
        self.assertEqual(box.parts, {breakdown.CALL: 27, breakdown.MACHINERY: 106,
                                     breakdown.BOOKKEEPING: 1, breakdown.ALLOCATOR_PART: 148})
        self.assertEqual(sum(box.parts.values()), 282)
        self.assertEqual(breakdown.problems(box), [])
        self.assertEqual(items["pool"].parts[breakdown.BOOKKEEPING], 50)
        self.assertFalse(items[SYNC].split)  # the synchronous row itself is not split

    def test_the_check_fails_when_the_bar_does_not_add_up(self):
        # A row cheaper than the synchronous row: machinery and bookkeeping -7, a bar of 27
        # for a total of 20.
        run = run_of(cell(SYNC, 27), cell("device", 133, 0), cell("cheap", 20, 0))
        cheap = next(s for s in breakdown.splits(run, W, "gcc") if s.cell.row == "cheap")
        found = breakdown.problems(cheap)
        self.assertEqual(len(found), 1)
        self.assertIn("the bar adds up to 27.0, not 20.0", found[0])
        # Within the tolerance: a row 1 instruction cheaper than the device is split against it.
        run = run_of(cell(SYNC, 27), cell("device", 133, 0), cell("close", 132, 0))
        close = next(s for s in breakdown.splits(run, W, "gcc") if s.cell.row == "close")
        self.assertEqual(breakdown.problems(close), [])
        self.assertEqual(close.parts[breakdown.BOOKKEEPING], -1)

    def test_a_row_below_the_device_is_not_split_against_it(self):
        # Far cheaper than the device (a task protocol of its own): the device does not bound
        # it, so its machinery and bookkeeping are one part, and the note says why.
        run = run_of(cell(SYNC, 27), cell("device", 133, 0), cell("cheap", 100, 0))
        cheap = next(s for s in breakdown.splits(run, W, "gcc") if s.cell.row == "cheap")
        self.assertEqual(cheap.parts, {breakdown.CALL: 27, breakdown.MACHINERY_AND_BOOKKEEPING: 73,
                                       breakdown.ALLOCATOR_PART: 0})
        self.assertEqual(breakdown.problems(cheap), [])
        self.assertIn("below the device (133.0)", cheap.note)

    def test_negative_allocator_share_and_parts_that_miss_the_total(self):
        s = breakdown.split_of(cell("x", 200), 200, 27, 133, -5)
        self.assertIn("allocator share negative (-5.0)", breakdown.problems(s))
        s.parts[breakdown.BOOKKEEPING] += 10  # parts no longer the row's total
        self.assertTrue(any("parts add up to 210.0, not 200.0" in p for p in breakdown.problems(s)))

    def test_without_a_device_three_parts(self):
        run = run_of(cell(SYNC, 16, compiler="rustc"), cell(BOX, 150, 90, compiler="rustc"),
                     cell(SYNC, 27), cell("device", 133, 0))
        box = next(s for s in breakdown.splits(run, W, "rustc") if s.cell.row == BOX)
        self.assertEqual(box.parts, {breakdown.CALL: 16, breakdown.MACHINERY_AND_BOOKKEEPING: 44,
                                     breakdown.ALLOCATOR_PART: 90})

    def test_suspending_workload_takes_the_ready_synchronous_row(self):
        suspending = "async_iterator_suspending"
        args = "items:1000/every:16"
        run = run_of(cell(SYNC, 27), cell("device", 133, 0),
                     cell("device", 150, 0, workload=suspending, args=args),
                     cell(BOX, 299, 148, workload=suspending, args=args))
        box = next(s for s in breakdown.splits(run, suspending, "gcc") if s.cell.row == BOX)
        self.assertEqual(box.parts[breakdown.CALL], 27)
        self.assertEqual(box.parts[breakdown.MACHINERY], 123)

    def test_eager_rows_are_split_against_the_eager_device_and_baselines_not_at_all(self):
        run = run_of(cell(SYNC, 22), cell("device", 133, 0), cell("device_eager", 88, 0),
                     cell("mine_eager", 99, 0), cell(first_with_role(roles.VISIBLE_COROUTINE), 275, 148))
        run.rows.rows["device_eager"] = RowInfo(name="device_eager", kind=roles.DEVICE, family="device",
                                                start=roles.EAGER, role=roles.PLACEMENT_LIMIT)
        run.rows.rows["mine_eager"] = RowInfo(name="mine_eager", kind=roles.STRATEGY, family="mine",
                                              start=roles.EAGER)
        run.describe_cells()
        items = {s.cell.row: s for s in breakdown.splits(run, W, "gcc")}
        self.assertEqual(items["mine_eager"].parts[breakdown.MACHINERY], 66)
        self.assertEqual(items["mine_eager"].parts[breakdown.BOOKKEEPING], 11)
        # An eager device whose frame the compiler removed is not the machinery: the lazy one
        # is, and a row below it is given machinery and bookkeeping together.
        run.cells[(W, "device_eager", ARGS, "gcc")].counters["frames_per_call"] = [0.0]
        items = {s.cell.row: s for s in breakdown.splits(run, W, "gcc")}
        self.assertEqual(items["mine_eager"].parts[breakdown.MACHINERY_AND_BOOKKEEPING], 77)
        self.assertIn("below the device (133.0)", items["mine_eager"].note)
        self.assertIn("removed the frame", items["device_eager"].note)
        visible = items[first_with_role(roles.VISIBLE_COROUTINE)]
        self.assertFalse(visible.split)
        self.assertIn("the compiler sees the callee", visible.note)

    def test_removed_frame_is_not_split(self):
        run = run_of(cell(SYNC, 20), cell("device", 100, 0), cell("eager", 61, 0, frames=0.0))
        eager = next(s for s in breakdown.splits(run, W, "gcc") if s.cell.row == "eager")
        self.assertFalse(eager.split)
        self.assertIn("removed the frame", eager.note)

    def test_section_table_plot_and_outliers(self):
        run = run_of(cell(SYNC, 27), cell("device", 133, 0), cell(BOX, 282, 148), cell("pool", 489, 306))
        functions = {("async_iterator", "pool", ARGS, "gcc"): {"std::pmr::x::do_allocate(unsigned long)": 165.0}}
        with tempfile.TemporaryDirectory() as t:
            path = breakdown.plot(run, "gcc", Path(t))
            self.assertTrue(path.is_file() and path.with_suffix(".svg").is_file())
            text = "\n".join(breakdown.section(run, breakdown.Prepared({"gcc": path.name}, functions)))
        self.assertIn(f"| {BOX} | strategy | 282.0 | 27.0 | 106.0 | 1.0 | 148.0 |  | ok |", text)
        self.assertIn(f"![Where a W1 call's instructions go (gcc)]({path.name})", text)
        self.assertIn("- **pool** (async_iterator, gcc): 489 instructions per call against "
                      f"{BOX}'s 282; most of the 207 more is allocator (306 against 148); "
                      "allocator functions, instructions per call: `std::pmr::x::do_allocate` 165.", text)

    def test_heap_path_cheaper_than_box_is_explained_by_the_allocator(self):
        fallback = "fallback"
        w, args = "frame_size", "local_bytes:2048"
        mine = cell(fallback, 580, 475, workload=w, args=args)
        mine.counters.update(heap_fallbacks_per_call=[1.0], frame_bytes=[2208.0])
        ref = cell(BOX, 601, 505, workload=w, args=args)
        ref.counters.update(frame_bytes=[2176.0])
        run = run_of(cell(SYNC, 27), cell("device", 133, 0), mine, ref)
        functions = {mine.key: {"operator new(unsigned long)": 312.0}, ref.key: {"operator new(unsigned long)": 342.0}}
        lines = breakdown.heap_path_wins(run, breakdown.Prepared({}, functions))
        self.assertEqual(len(lines), 1)
        self.assertIn(f"frame_size (local_bytes:2048), gcc: fallback 580 against {BOX} 601", lines[0])
        self.assertIn("(`operator new` 312 against `operator new` 342)", lines[0])
        self.assertIn("heap frames of 2,208 against 2,176 bytes", lines[0])
        self.assertIn("The allocator accounts for it (30 fewer, more than the whole difference of 21)", lines[0])
        self.assertIn("(the rest: 105 against 96)", lines[0])
        # Frames inside the tcache: no such explanation.
        mine.counters["frame_bytes"] = [512.0]
        self.assertNotIn("tcache", breakdown.heap_path_wins(run)[0])

    def test_no_device_no_section(self):
        run = run_of(cell(SYNC, 27), cell(BOX, 282, 148))
        self.assertEqual(breakdown.section(run), [])


if __name__ == "__main__":
    unittest.main()
