"""The section on what moved between two versions of one compiler
(scripts/py/testbed/compilers.py): which compilers pair, which cells moved, which are new."""

from __future__ import annotations

import sys
import unittest

from manifest_support import ROOT

sys.path.insert(0, str(ROOT / "scripts" / "py"))

from testbed import compilers  # noqa: E402
from testbed.results import Cell, CompilerInfo, Provenance, Run  # noqa: E402

W, ARGS = "async_iterator", "items:1000"


def cell(row: str, compiler: str, instructions: float | None = None, frames: float = 1.0,
         allocs: float = 1.0, status: str | None = None) -> Cell:
    counters = {"frames_per_call": [frames], "allocs_per_call": [allocs]}
    if instructions is not None:
        counters["instructions_per_call"] = [instructions]
    return Cell(W, row, ARGS, compiler, [] if status else [10.0, 10.1, 10.2], counters, status=status)


def run_of(*cells: Cell) -> Run:
    run = Run(cells={c.key: c for c in cells}, contexts={})
    run.provenance = Provenance(compilers={
        "a": CompilerInfo("Clang 19.1.7"), "b": CompilerInfo("Clang 22.1.8"),
        "g": CompilerInfo("GNU 12.2.0"), "r": CompilerInfo("unknown")})
    return run


class Compilers(unittest.TestCase):
    def test_only_versions_of_one_compiler_pair_older_first(self):
        run = run_of(cell("x", "a", 10), cell("x", "b", 10), cell("x", "g", 10), cell("x", "r", 10))
        self.assertEqual(compilers.version_pairs(run), [("a", "b")])

    def test_moves_beyond_the_margins_and_counts(self):
        run = run_of(cell("same", "a", 100), cell("same", "b", 102),         # within 2 instructions
                     cell("big", "a", 1000), cell("big", "b", 1015),         # within 2%
                     cell("slower", "a", 61, frames=0), cell("slower", "b", 235, frames=1),
                     cell("elided", "a", 227), cell("elided", "b", 79, frames=0, allocs=0),
                     cell("framed", "a", 61, frames=0), cell("framed", "b", 62, frames=1),
                     cell("new", "a", status="unsupported: needs clang >= 20"), cell("new", "b", 71, 0, 0))
        moved, compared, only_new = compilers.moves(run, "a", "b")
        self.assertEqual([m.new.row for m in moved], ["elided", "framed", "slower"])
        self.assertEqual(compared, 5)
        self.assertEqual([c.row for c in only_new], ["new"])
        text = "\n".join(compilers.section(run))
        self.assertIn("5 cells measured under both; 3 moved.", text)
        self.assertIn("| async_iterator/slower/items:1000 | 61.0 → 235.0 | +174.0 | 0.00 → 1.00 |", text)
        self.assertIn("async_iterator/new/items:1000: 71.0 instructions, 0.00 allocations per call under b; "
                      "a: unsupported: needs clang >= 20", text)

    def test_no_section_without_a_pair(self):
        self.assertEqual(compilers.section(run_of(cell("x", "a", 10), cell("x", "g", 12))), [])


if __name__ == "__main__":
    unittest.main()
