"""The cost of one W1 call, split into parts (issue 17): instructions per call (callgrind)
of every W1 row as

- call and body: the synchronous row (role synchronous_limit: the cheapest one of the
  compiler, in instructions): a virtual call running the same counter;
- coroutine machinery: the measuring device with role placement_limit and the row's start
  (ideal_placement, or its eager form for the eager rows: frames from a bump pointer with
  no checks) less the synchronous row: the coroutine's ramp, resume, final suspension and
  destroy, with placement at almost no cost;
- the strategy's own bookkeeping: the row less the device less its allocator share;
- the allocator: allocator_instructions_per_call (scripts/py/measure.py: callgrind's
  inclusive cost of the calls into malloc/free, operator new/delete, a std::pmr resource,
  mimalloc or Rust's global allocator), the difference of two run lengths like the total.

The parts add up to the row's total by construction (bookkeeping is what is left), so the
check is on what a stacked bar draws: no part may be negative by more than the tolerance
(a row cheaper than the device, or an allocator share larger than what the row spends
above the device, would make the bar lie), and the allocator's share is never negative.
A compiler without a device row (the Rust rows) gets three parts: call and body, the
machinery and bookkeeping together, the allocator; so does a row cheaper than the device
by more than the tolerance (a task protocol of its own, cheaper than the one the device
measures: the device bounds the project's task, not every task). Rows whose frame the compiler removed,
and baselines, are listed but not split (SPLIT_KINDS). Rows and metrics come from the run's
manifest (rows.py), never by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import rows as roles
from .plots import MIN_FRAMES_PER_CALL, machine_line, plt, provenance, rows_in_order, save
from .results import Cell, Run, read_json, split_name

INSTRUCTIONS = "instructions_per_call"
ALLOCATOR = "allocator_instructions_per_call"
# The parts may miss the row's total, as a stacked bar draws them (negative parts at 0),
# by at most this share of it (issue 17: "within 2%").
TOLERANCE = 0.02
CALL, MACHINERY, BOOKKEEPING, MACHINERY_AND_BOOKKEEPING, ALLOCATOR_PART = (
    "call_and_body", "machinery", "bookkeeping", "machinery_and_bookkeeping", "allocator")
LABELS = {CALL: "call and body (synchronous row)",
          MACHINERY: "coroutine machinery (device less synchronous row)",
          BOOKKEEPING: "strategy bookkeeping (row less device less allocator)",
          MACHINERY_AND_BOOKKEEPING: "machinery and bookkeeping (row less synchronous row less allocator; no device)",
          ALLOCATOR_PART: "allocator (malloc/free, operator new/delete, pool functions)"}
HEADERS = {CALL: "call+body", MACHINERY: "machinery", BOOKKEEPING: "bookkeeping",
           MACHINERY_AND_BOOKKEEPING: "machinery+bookkeeping", ALLOCATOR_PART: "allocator"}
COLOURS = {CALL: "#4c72b0", MACHINERY: "#8da0cb", BOOKKEEPING: "#e6ab02",
           MACHINERY_AND_BOOKKEEPING: "#a6a6a6", ALLOCATOR_PART: "#c44e52"}
# glibc's tcache serves requests up to 1,032 bytes (64 bins 16 bytes apart: malloc.c's
# MAX_TCACHE_SIZE); a larger frame takes _int_malloc's bins on every call.
GLIBC_TCACHE_MAX_BYTES = 1032
# The kinds of rows split: a call through the virtual function placing a frame. Baselines
# are not: the synchronous and poll rows make no coroutine call, and the visible or
# devirtualized coroutines are calls the compiler sees through, whose machinery is not the
# device's (a row cheaper than the device would fail the check for that reason alone).
SPLIT_KINDS = (roles.STRATEGY, roles.PEER, roles.DEVICE)
SECTION_TITLE = "Where a W1 call's instructions go"
INTRO = ("Instructions per call (callgrind) of every W1 row, split into the call and body (the "
         "synchronous row with the fewest instructions), the coroutine machinery (the "
         "`ideal_placement` measuring device of the same start, frames from a bump pointer with "
         "no checks, less the synchronous row), the strategy's own "
         "bookkeeping (the row less the device less its allocator share) and the allocator "
         "(callgrind's inclusive cost of the calls into malloc/free, operator new/delete, std::pmr "
         "resources, mimalloc or Rust's global allocator; `scripts/py/measure.py`). Bookkeeping is "
         "what is left, so the parts add up to the total by construction; the check column says "
         f"whether the bar drawn from them (negative parts at 0) is within {TOLERANCE:.0%} of the "
         "total and the allocator's share is not negative. Rows whose frame the compiler removed "
         "place no frame, and baselines are no call through the virtual function: neither is "
         "split. The suspending workload's call and body is the ready "
         "workload's synchronous row: its machinery includes the executor's round trips.")


@dataclass
class Split:
    """One row's instructions per call in parts (keys of LABELS, in drawing order)."""
    cell: Cell
    total: float
    parts: dict[str, float] = field(default_factory=dict)
    note: str = ""  # why the row is not split, if it is not

    @property
    def split(self) -> bool:
        return bool(self.parts)


def problems(s: Split, tolerance: float = TOLERANCE) -> list[str]:
    """What is wrong with a split, as sentences; [] when its bar is true to its total."""
    if not s.split:
        return []
    out = []
    allocator = s.parts.get(ALLOCATOR_PART)
    if allocator is not None and allocator < 0:
        out.append(f"allocator share negative ({allocator:.1f})")
    exact = sum(s.parts.values())
    if abs(exact - s.total) > tolerance * abs(s.total):
        out.append(f"parts add up to {exact:.1f}, not {s.total:.1f}")
    drawn = sum(max(v, 0.0) for v in s.parts.values())
    if abs(drawn - s.total) > tolerance * abs(s.total):
        negative = ", ".join(f"{HEADERS[k]} {v:.1f}" for k, v in s.parts.items() if v < 0)
        out.append(f"the bar adds up to {drawn:.1f}, not {s.total:.1f} (below zero: {negative})")
    return out


def split_of(cell: Cell, total: float, sync: float, device: float | None,
             allocator: float | None) -> Split:
    """The parts of one row from its total, the synchronous row's, the device's (None: no
    device) and its allocator share (None: not measured, counted as 0 with a note)."""
    s = Split(cell, total)
    alloc = allocator if allocator is not None else 0.0
    s.parts[CALL] = sync
    notes = []
    below_device = device is not None and total - device - alloc < -TOLERANCE * abs(total)
    if device is not None and not below_device:
        s.parts[MACHINERY] = device - sync
        s.parts[BOOKKEEPING] = total - device - alloc
    else:
        s.parts[MACHINERY_AND_BOOKKEEPING] = total - sync - alloc
    if below_device:
        # The device bounds the project's task protocol (ramp, resume, final suspension,
        # destroy); a row with a cheaper protocol of its own (its frame ending itself at the
        # final suspension, say) goes below it, and then the device says nothing of it.
        notes.append(f"below the device ({device:.1f}): a cheaper task protocol than the "
                     "device's, so machinery and bookkeeping are given together")
    s.parts[ALLOCATOR_PART] = alloc
    if allocator is None:
        notes.append("allocator share not measured (counted as 0)")
    s.note = "; ".join(notes)
    return s


def _instructions(c: Cell | None) -> float | None:
    return c.counter(INSTRUCTIONS) if c is not None and c.measured else None


def _frame_removed(c: Cell) -> bool:
    """The compiler removed the cell's frame (any kind of row: the eager device's too)."""
    frames = c.counter("frames_per_call")
    return frames is not None and frames < MIN_FRAMES_PER_CALL


def breakdown_workloads(run: Run) -> list[str]:
    """The workloads with a placement_limit device (W1, ready and suspending)."""
    devices = set(run.rows.with_role(roles.PLACEMENT_LIMIT))
    return sorted({c.workload for c in run.cells.values() if c.row in devices})


def sync_cell(run: Run, workload: str, compiler: str, workloads: list[str]) -> Cell | None:
    """The synchronous row of a compiler (fewest instructions): the workload's own, else the
    one of the other breakdown workloads (the suspending workload has none)."""
    limits = set(run.rows.with_role(roles.SYNCHRONOUS_LIMIT))
    for candidates in ([workload], workloads):
        found = [c for c in run.cells.values() if c.workload in candidates and c.compiler == compiler
                 and c.row in limits and _instructions(c) is not None]
        if found:
            return min(found, key=_instructions)
    return None


def device_cell(run: Run, workload: str, args: str, compiler: str, start: str = roles.LAZY) -> Cell | None:
    """The placement_limit device of the same start (an eager row's machinery is the eager
    device's: no initial suspension), else the lazy one; never one whose frame the compiler
    removed (clang removes the eager device's in the ready loop)."""
    devices = run.rows.with_role(roles.PLACEMENT_LIMIT)
    for wanted in (start or roles.LAZY, roles.LAZY):
        for row in devices:
            c = run.cells.get((workload, row, args, compiler))
            if run.rows.info(row).start == wanted and _instructions(c) is not None \
                    and not _frame_removed(c):
                return c
    return None


def splits(run: Run, workload: str, compiler: str) -> list[Split]:
    """Every row of the workload under compiler with instructions per call, in the report's
    row order: split, or with a note saying why not."""
    workloads = breakdown_workloads(run)
    cells = [c for c in run.cells_of(workload) if c.compiler == compiler and _instructions(c) is not None]
    sync = sync_cell(run, workload, compiler, workloads)
    out = []
    for row in rows_in_order(run, cells):
        c = next(x for x in cells if x.row == row)
        total = _instructions(c)
        info = run.rows.get(row)
        if info is None or info.kind not in SPLIT_KINDS:
            out.append(Split(c, total, note="a baseline: not split (" + (
                "no coroutine call" if info is not None and info.role in (
                    roles.SYNCHRONOUS_LIMIT, roles.POLL_LIMIT) else "the compiler sees the callee") + ")"))
        elif _frame_removed(c):
            out.append(Split(c, total, note="the compiler removed the frame: no placement to split"))
        elif sync is None:
            out.append(Split(c, total, note="no synchronous row with instructions in this run"))
        else:
            device = device_cell(run, workload, c.args, compiler, info.start)
            out.append(split_of(c, total, _instructions(sync), _instructions(device), c.counter(ALLOCATOR)))
    return out


def _fmt(v: float | None) -> str:
    return "" if v is None else f"{v:.1f}"


def _bytes(v: float | None) -> str:
    return "n/a" if v is None else f"{v:,.0f}"


def table(run: Run, workload: str, compiler: str, items: list[Split] | None = None) -> list[str]:
    items = splits(run, workload, compiler) if items is None else items
    keys = [k for k in LABELS if any(k in s.parts for s in items)]
    lines = ["| row | kind | instr/call | " + " | ".join(HEADERS[k] for k in keys) + " | allocs/call | check |",
             "|---|---|---:|" + "---:|" * len(keys) + "---:|---|"]
    for s in items:
        allocs = s.cell.counter("allocs_per_call")
        found = problems(s)
        check = "; ".join(found) if found else ("ok" if s.split else "")
        if s.note:
            check = f"{check}; {s.note}" if check else s.note
        lines.append(f"| {s.cell.row} | {s.cell.kind} | {s.total:.1f} | "
                     + " | ".join(_fmt(s.parts.get(k)) for k in keys)
                     + f" | {'' if allocs is None else f'{allocs:.3f}'} | {check} |")
    return lines


# ----------------------------------------------------------------------------- plots
def plot(run: Run, compiler: str, out_dir: Path) -> Path | None:
    """Stacked horizontal bars, one per split row, a panel per breakdown workload: the parts of
    instructions per call under one compiler."""
    workloads = [w for w in breakdown_workloads(run)
                 if any(s.split for s in splits(run, w, compiler))]
    if not workloads:
        return None
    panels = {w: [s for s in splits(run, w, compiler) if s.split] for w in workloads}
    tallest = max(len(v) for v in panels.values())
    height = 2.2 + 0.28 * tallest
    fig, axes = plt.subplots(1, len(workloads), figsize=(6.2 * len(workloads), height), squeeze=False)
    keys_used: list[str] = []
    for ax, w in zip(axes[0], workloads):
        items = panels[w]
        ys = range(len(items))
        left = [0.0] * len(items)
        for key in LABELS:
            values = [max(s.parts.get(key, 0.0), 0.0) for s in items]
            if not any(key in s.parts for s in items):
                continue
            if key not in keys_used:
                keys_used.append(key)
            ax.barh(list(ys), values, left=left, color=COLOURS[key], edgecolor="white", linewidth=0.4)
            left = [a + b for a, b in zip(left, values)]
        for y, s in zip(ys, items):
            ax.text(left[y] + 3, y, f"{s.total:.0f}", va="center", fontsize=7)
        ax.set_yticks(list(ys))
        ax.set_yticklabels([s.cell.row + ("" if not problems(s) else " (!)") for s in items], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, max(left) * 1.12 if left else 1)
        ax.set_xlabel("instructions per call (callgrind)")
        ax.set_title(f"{w} ({', '.join(sorted({s.cell.args for s in items}))})", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLOURS[k]) for k in keys_used]
    fig.legend(handles, [LABELS[k] for k in keys_used], loc="lower center", ncol=2, fontsize=7,
               bbox_to_anchor=(0.5, 0.035))
    fig.suptitle(f"Where a W1 call's instructions go, {compiler} ({run.language(compiler)})\n"
                 f"{machine_line(run)}\n(numbers: the row's total; parts below zero drawn at 0; "
                 f"(!): the parts miss the total by more than {TOLERANCE:.0%}, see the table)", fontsize=9)
    fig.text(0.01, 0.005, provenance(run), fontsize=6, va="bottom", ha="left", color="dimgray")
    fig.tight_layout(rect=(0, 1.1 / height, 1, 1))
    path = out_dir / f"breakdown_{compiler}.png"
    save(fig, path, dpi=100)
    plt.close(fig)
    return path


# ----------------------------------------------------------------------------- explaining
@dataclass
class Prepared:
    """What the report's section needs besides the run: the plots (compiler -> file name) and
    the allocator's functions of each cell (raw/<compiler>/*.callgrind.json,
    "allocator_functions": function -> instructions per call)."""
    plots: dict[str, str] = field(default_factory=dict)
    functions: dict[tuple[str, str, str, str], dict[str, float]] = field(default_factory=dict)


def allocator_functions(run_dir: Path) -> dict[tuple[str, str, str, str], dict[str, float]]:
    out = {}
    for path in sorted((run_dir / "raw").glob("*/*.callgrind.json")):
        compiler = path.parent.name
        data = read_json(path)
        for name, cell in (data.get("cells") or {}).items():
            if isinstance(cell, dict) and isinstance(cell.get("allocator_functions"), dict):
                workload, row, args = split_name(name)
                out[(workload, row, args, compiler)] = cell["allocator_functions"]
    return out


def prepare(run: Run, run_dir: Path, out_dir: Path) -> Prepared:
    """The plots (written into out_dir) and the allocator functions of the run in run_dir."""
    prepared = Prepared(functions=allocator_functions(run_dir))
    for compiler in run.compilers():
        path = plot(run, compiler, out_dir)
        if path is not None:
            prepared.plots[compiler] = path.name
    return prepared


def _functions_text(functions: dict[str, float] | None, limit: int = 3) -> str:
    if not functions:
        return ""
    top = sorted(functions.items(), key=lambda kv: -kv[1])[:limit]
    return ", ".join(f"`{name.split('(')[0]}` {value:.0f}" for name, value in top)


def outliers(run: Run, prepared: Prepared | None = None) -> list[str]:
    """Rows of the breakdown workloads costing more than the reference row (box) of the same
    start, workload and compiler: which part makes the difference, and the allocator's
    functions behind it when the callgrind files name them."""
    functions = prepared.functions if prepared else {}
    lines = []
    for compiler in run.compilers():
        for w in breakdown_workloads(run):
            items = {s.cell.row: s for s in splits(run, w, compiler) if s.split}
            for row, s in items.items():
                ref = items.get(run.rows.reference_for(row) or "")
                if ref is None or ref is s or s.total <= ref.total or not s.cell.is_strategy:
                    continue
                diffs = {k: s.parts.get(k, 0.0) - ref.parts.get(k, 0.0) for k in s.parts}
                worst = max(diffs, key=diffs.get)
                mine = _functions_text(functions.get(s.cell.key))
                theirs = _functions_text(functions.get(ref.cell.key))
                lines.append(
                    f"- **{row}** ({w}, {compiler}): {s.total:.0f} instructions per call against "
                    f"{ref.cell.row}'s {ref.total:.0f}; most of the {s.total - ref.total:.0f} more is "
                    f"{HEADERS[worst]} ({s.parts[worst]:.0f} against {ref.parts.get(worst, 0.0):.0f})"
                    + (f"; allocator functions, instructions per call: {mine}" if mine else "")
                    + (f" (against {theirs})" if mine and theirs else "") + ".")
    return lines


PMR_EXPLAINED = (
    "How to read the std::pmr rows: libstdc++ 12's pool resources do in their own functions what "
    "glibc's tcache does in a push and a pop of a per-size list: `do_allocate` and "
    "`do_deallocate` each look up the pool for the size (a search over the pool sizes), "
    "allocate then scans a chunk's bitmap for a free block and deallocate finds the chunk that "
    "owns the pointer and clears its bit; the synchronized resource also takes a shared lock and "
    "looks up the calling thread's pools. The bookkeeping part of these rows is the testbed "
    "strategy's own code around the resource (the thread-local resource lookup on both paths, "
    "the owner trailer of the Local form).")


def heap_path_wins(run: Run, prepared: Prepared | None = None) -> list[str]:
    """Cells of any workload where a strategy sending every frame to the heap (heap fallbacks
    per call >= 0.5) costs fewer instructions than the reference row (box) on the same cell:
    both allocator shares and their functions, which say where the difference is."""
    functions = prepared.functions if prepared else {}
    lines = []
    for c in sorted(run.cells.values(), key=lambda c: c.key):
        fallbacks = c.counter("heap_fallbacks_per_call")
        if not c.is_strategy or fallbacks is None or fallbacks < 0.5 or _instructions(c) is None:
            continue
        ref = run.cells.get((c.workload, run.rows.reference_for(c.row), c.args, c.compiler))
        if _instructions(ref) is None or _instructions(c) >= _instructions(ref) * (1 - TOLERANCE):
            continue
        a, b = c.counter(ALLOCATOR), ref.counter(ALLOCATOR)
        mine, theirs = _functions_text(functions.get(c.key)), _functions_text(functions.get(ref.key))
        why = ""
        gap = _instructions(ref) - _instructions(c)
        sizes = [c.counter("frame_bytes"), ref.counter("frame_bytes")]
        if a is not None and b is not None and b - a >= gap / 2 and all(
                x is not None and x > GLIBC_TCACHE_MAX_BYTES for x in sizes):
            share = (f"{b - a:.0f} fewer, more than the whole difference of {gap:.0f}" if b - a >= gap
                     else f"{b - a:.0f} fewer, most of the difference of {gap:.0f}")
            why = (f" The allocator accounts for it ({share}): both frames are above glibc's "
                   f"tcache ({GLIBC_TCACHE_MAX_BYTES:,} bytes), so every call of both rows takes "
                   "`_int_malloc`'s bins, whose cost depends on the free chunks the cells run before "
                   "it left in the same process's heap; the row's own code is not what is cheaper "
                   f"(the rest: {_instructions(c) - a:.0f} against {_instructions(ref) - b:.0f}).")
        lines.append(
            f"- {c.workload} ({c.args}), {c.compiler}: {c.row} {_instructions(c):.0f} against "
            f"{ref.row} {_instructions(ref):.0f} instructions per call, heap frames of "
            f"{_bytes(c.counter('frame_bytes'))} against {_bytes(ref.counter('frame_bytes'))} bytes; "
            f"allocator {_fmt(a)} against {_fmt(b)}"
            + (f" ({mine} against {theirs})" if mine and theirs else "")
            + (f"; the rest {_instructions(c) - a:.0f} against {_instructions(ref) - b:.0f}"
               if a is not None and b is not None and not why else "") + "." + why)
    return lines


def section(run: Run, prepared: Prepared | None = None) -> list[str]:
    """The report's section body ([] when the run has no device cell)."""
    workloads = breakdown_workloads(run)
    if not workloads:
        return []
    lines = []
    for compiler in run.compilers():
        tables = [(w, splits(run, w, compiler)) for w in workloads]
        tables = [(w, items) for w, items in tables if items]
        if not tables:
            continue
        lines += [f"### {compiler} ({run.language(compiler)})", ""]
        for w, items in tables:
            lines += [f"{w}:", "", *table(run, w, compiler, items), ""]
        if prepared and compiler in prepared.plots:
            title = f"Where a W1 call's instructions go ({compiler})"
            lines += [f"![{title}]({prepared.plots[compiler]})", ""]
    found = outliers(run, prepared)
    if found:
        lines += ["### Rows above the reference row, and why", "",
                  "The part that grows most against the reference row (box, of the same start) "
                  "in the same workload and compiler; the allocator's functions are those "
                  "callgrind saw called from outside the allocator, with their inclusive "
                  "instructions per call.", "", *found, ""]
        if any("std::pmr" in line for line in found):
            lines += [PMR_EXPLAINED, ""]
    wins = heap_path_wins(run, prepared)
    if wins:
        lines += ["### Heap paths cheaper than box", "",
                  "Cells where a strategy sends its frames to the heap and still costs fewer "
                  "instructions than box: the allocator's share and functions on both sides "
                  "say where the difference is.", "", *wins, ""]
    return lines
