"""What moved between two versions of one compiler in a run (issue 17: clang-19 beside
clang-22). Compilers are paired when their build's compiler string (the provenance's
"Clang 19.1.7", "Clang 22.1.8") names the same compiler at two versions, older first; for
each pair, every cell measured under both whose instructions per call (callgrind) moved
beyond max(2 instructions, 2%), or whose frames or allocations per call moved by half a call
or more, and the cells measured under the newer version only (unsupported under the older).
Compilers, rows and cells come from the run, never by name."""

from __future__ import annotations

from dataclasses import dataclass

from .results import Cell, Run

SECTION_TITLE = "What moved between compiler versions"
INTRO = ("For each pair of this run's compilers that are two versions of one compiler, the cells "
         "measured under both whose instructions per call (callgrind) moved by more than "
         "max(2 instructions, 2%), or whose frames or allocations per call moved by half a call or "
         "more, and the cells the newer version measures and the older cannot "
         "(`scripts/py/testbed/compilers.py`).")
# Instructions per call are deterministic to about one instruction between builds of the same
# code (the loop's bookkeeping); 2 instructions or 2% is a change in the generated code.
INSTRUCTIONS_ABS = 2.0
INSTRUCTIONS_REL = 0.02
# Frames and allocations per call are exact counts per call: half a call is a change of kind
# (a frame placed or removed, an allocation elided).
COUNT_STEP = 0.5
INSTRUCTIONS, FRAMES, ALLOCS = "instructions_per_call", "frames_per_call", "allocs_per_call"


def identity(run: Run, compiler: str) -> tuple[str, tuple[int, ...]] | None:
    """("Clang", (22, 1, 8)) from the build's compiler string, or None when it has no version."""
    info = run.provenance.compilers.get(compiler)
    parts = info.compiler.split() if info is not None else []
    if len(parts) != 2:
        return None
    try:
        return parts[0], tuple(int(x) for x in parts[1].split("."))
    except ValueError:
        return None


def version_pairs(run: Run) -> list[tuple[str, str]]:
    """(older, newer) for every two compilers of the run that are versions of one compiler."""
    ids = {c: i for c in run.compilers() if (i := identity(run, c)) is not None}
    return sorted(((a, b) for a in ids for b in ids if ids[a][0] == ids[b][0] and ids[a][1] < ids[b][1]),
                  key=lambda p: (ids[p[0]], ids[p[1]]))


@dataclass
class Move:
    old: Cell
    new: Cell

    def values(self, name: str) -> tuple[float | None, float | None]:
        return self.old.counter(name), self.new.counter(name)

    @property
    def moved(self) -> bool:
        a, b = self.values(INSTRUCTIONS)
        if a is not None and b is not None and abs(b - a) > max(INSTRUCTIONS_ABS, INSTRUCTIONS_REL * a):
            return True
        for name in (FRAMES, ALLOCS):
            a, b = self.values(name)
            if a is not None and b is not None and abs(b - a) >= COUNT_STEP:
                return True
        return False


def moves(run: Run, old: str, new: str) -> tuple[list[Move], int, list[Cell]]:
    """The cells that moved from old to new, how many cells both measured, and the cells only
    new measured (old's cell unsupported or failed)."""
    pairs, only_new = [], []
    for (workload, row, args, compiler), c in sorted(run.cells.items()):
        if compiler != old:
            continue
        n = run.cells.get((workload, row, args, new))
        if n is None:
            continue
        if c.measured and n.measured:
            pairs.append(Move(c, n))
        elif n.measured and not c.measured:
            only_new.append(n)
    return [m for m in pairs if m.moved], len(pairs), only_new


def _fmt(v: float | None, digits: int) -> str:
    return "" if v is None else f"{v:.{digits}f}"


def _arrow(m: Move, name: str, digits: int) -> str:
    a, b = m.values(name)
    return "" if a is None and b is None else f"{_fmt(a, digits)} → {_fmt(b, digits)}"


def section(run: Run) -> list[str]:
    out: list[str] = []
    for old, new in version_pairs(run):
        moved, compared, only_new = moves(run, old, new)
        if not compared and not only_new:
            continue
        names = run.provenance.compilers
        out += [f"### {old} ({names[old].compiler}) → {new} ({names[new].compiler})", "",
                f"{compared} cells measured under both; {len(moved)} moved."]
        if moved:
            out += ["", "| cell | instructions per call | change | frames per call | allocations per call |",
                    "|---|---|---|---|---|"]
            for m in moved:
                a, b = m.values(INSTRUCTIONS)
                change = f"{b - a:+.1f}" if a is not None and b is not None else ""
                name = "/".join(x for x in (m.new.workload, m.new.row, m.new.args) if x)
                out.append(f"| {name} | {_arrow(m, INSTRUCTIONS, 1)} | {change} | "
                           f"{_arrow(m, FRAMES, 2)} | {_arrow(m, ALLOCS, 2)} |")
        if only_new:
            out += ["", f"Measured under {new} only ({old}: the cell's own reason):", ""]
            for n in only_new:
                o = run.cells[(n.workload, n.row, n.args, old)]
                name = "/".join(x for x in (n.workload, n.row, n.args) if x)
                out.append(f"- {name}: {_fmt(n.counter(INSTRUCTIONS), 1) or 'no'} instructions, "
                           f"{_fmt(n.counter(ALLOCS), 2) or 'no count of'} allocations per call under {new}; "
                           f"{old}: {o.status}")
        out.append("")
    return out[:-1] if out else out
