"""Writes a run's report from its cells: REPORT.md opens with one screen a reader can act on
(what was found, a noisy-run warning, the design table with measured columns and the slow
path, the verdicts, the limit table, where to look next), then the summaries (which
strategy when, slow path, how quiet the machine was, the claims' evidence, reliability,
peers, loopback, plots, provenance); each workload gets its own page
(workloads/<workload>.md: its table, findings, winners and plots).

Every winner the report names goes through rule.fastest / rule.compare; rows that the rule
cannot tell apart are listed as a tie. Cells whose frame the compiler removed are left out
of winners, the peer table and the heatmaps (plots.no_frame), and eager rows are compared
with the eager box row (Rows.reference_for). Rows are known by what the run's manifest
declares (rows.py: kind, family, start, role, design-post entry), never by name."""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from . import breakdown, compilers, languages, latency, results, rule
from . import rows as roles
from .claims import check_all, verdict_text
from .plots import no_frame, rows_in_order
from .results import Cell, Run

# The control cell of the quiet-machine check: the fastest synchronous row of W1 (the
# synchronous virtual call), the cheapest and most repeatable cell of every run.
CONTROL_WORKLOAD = "async_iterator"
# A binary's run was noisy when the 1-minute load average, less the benchmark's own
# thread, was above this many runnable tasks per CPU before or after it.
NOISY_LOAD_PER_CPU = 0.5
BENCHMARK_OWN_LOAD = 1.0
# A strategy falls back to the heap on a cell when at least this many frames per call go
# to the heap (issue 14's slow path).
SLOW_PATH_FALLBACKS = 0.5
WORKLOAD_DIR = "workloads"

def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def slug(title: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^a-z0-9 _-]", "", title.lower()).replace(" ", "-")


def cell_name(c: Cell) -> str:
    return f"{c.workload} ({c.args}), {c.compiler}"


def control_cell(run: Run, compiler: str) -> Cell | None:
    """The control cell of the quiet-machine check: W1's fastest synchronous row."""
    found = [c for c in run.cells_of(CONTROL_WORKLOAD) if c.compiler == compiler and c.measured
             and c.row in run.rows.with_role(roles.SYNCHRONOUS_LIMIT)]
    return min(found, key=lambda c: c.median_ns) if found else None


def reference_cell(run: Run, c: Cell) -> Cell | None:
    ref = run.cells.get((c.workload, run.rows.reference_for(c.row), c.args, c.compiler))
    return ref if ref is not None and ref.measured and not no_frame(ref) else None


def provenance_lines(run: Run, run_name: str) -> list[str]:
    pv = run.provenance
    lines = [f"- run: `{run_name}`",
             f"- machine: {pv.host}, {pv.cpu_model}, {pv.num_cpus} CPUs at {pv.mhz_per_cpu} MHz, {pv.kernel}"]
    for name, c in sorted(pv.compilers.items()):
        lines.append(f"- {name}: {c.compiler}, flags `{c.cxx_flags}`, build type {c.build_type}"
                     + (f", process allocator {c.process_allocator}" if c.process_allocator != "unknown" else ""))
    lines.append(f"- revision: {pv.git_revision}; date (UTC): {pv.date_utc}")
    if pv.command != "unknown":
        lines.append(f"- command: `{pv.command}`")
    return lines


def cpu_of(run: Run) -> str:
    return run.provenance.cpu_model if run.provenance.cpu_models else "unknown CPU"


# ------------------------------------------------------------------ which strategy when

@dataclass
class Choice:
    """The fastest rows of one (workload, args, compiler) under the rule."""
    workload: str
    args: str
    compiler: str
    candidates: list[Cell]
    winners: list[Cell]
    comparisons: list  # rule.Comparison of the best against every other candidate
    left_out: list[Cell] = field(default_factory=list)  # no frame
    margin: float = 0.0
    timed_only: bool = False

    @property
    def all_tie(self) -> bool:
        return len(self.candidates) >= 2 and len(self.winners) == len(self.candidates)


def timed_only(run: Run, workload: str) -> bool:
    """A workload no cell of which has instruction counts (its calls run on other threads
    or over sockets): timed only, with nothing repeatable behind the clock."""
    measured = [c for c in run.cells_of(workload) if c.measured]
    return bool(measured) and not any(c.counter("instructions_per_call") for c in measured)


def largest_spreads(path: Path = rule.SPREAD_FILE) -> dict[str, float]:
    """workload -> the largest run-to-run spread measured (docs/measured-spread.json)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    return {w: float(v["max"]) for w, v in data.get("workloads", {}).items()
            if isinstance(v, dict) and isinstance(v.get("max"), (int, float))}


def choose(run: Run, workload: str, args: str, compiler: str,
           margins: dict[str, float] | None = None,
           strict: dict[str, float] | None = None) -> Choice | None:
    """The rows that tie for fastest on one cell column, strategies only, cells without a
    frame left out. A timed-only workload is judged against its largest measured spread
    (strict) instead of the 90th percentile: only a difference beyond any run-to-run
    swing names a winner there."""
    cells = [c for c in run.cells_of(workload)
             if c.args == args and c.compiler == compiler and c.measured and c.is_strategy]
    left_out = [c for c in cells if no_frame(c)]
    candidates = [c for c in cells if not no_frame(c)]
    if not candidates:
        return None
    only_time = False  # judged against the largest spread (a timed-only workload the file knows)
    used = margins
    if timed_only(run, workload):
        strict = largest_spreads() if strict is None else strict
        if workload in strict:
            used = dict(margins or {}, **{workload: strict[workload]})
            only_time = True
    if used is None:
        margin = rule.margin_for(workload)
    else:
        margin = rule.margin_for(workload, used)
    winners, comparisons = rule.fastest(candidates, used)
    return Choice(workload, args, compiler, candidates, winners, comparisons, left_out,
                  margin, only_time)


def choices_of(run: Run, workload: str, margins=None, strict=None) -> list[Choice]:
    out = []
    for args in sorted({c.args for c in run.cells_of(workload)}, key=results.args_order):
        for compiler in run.compilers():
            ch = choose(run, workload, args, compiler, margins, strict)
            if ch is not None:
                out.append(ch)
    return out


def _vs_reference(run: Run, c: Cell) -> str:
    ref = reference_cell(run, c)
    if ref is None or ref.row == c.row:
        return ""
    return f"; {ref.median_ns / c.median_ns:.2f}x faster than {ref.row} ({ref.median_ns:.2f} ns)"


def choice_line(run: Run, ch: Choice) -> str:
    head = f"- **{ch.workload} ({ch.args}), {ch.compiler}**: "
    margin = f"margin {ch.margin:.0%}" + (", the largest spread measured: timed only" if ch.timed_only else "")
    if len(ch.candidates) == 1:
        body = f"only {ch.candidates[0].row} serves it with a frame ({ch.candidates[0].median_ns:.2f} ns/call)"
    elif ch.all_tie:
        body = (f"no difference beyond noise: all {len(ch.candidates)} rows tie under the rule "
                f"({margin}; {min(c.median_ns for c in ch.candidates):.2f} to "
                f"{max(c.median_ns for c in ch.candidates):.2f} ns/call)")
    elif len(ch.winners) == 1:
        best = ch.winners[0]
        nearest = min(ch.comparisons, key=lambda cmp: abs(cmp.ratio - 1))
        body = (f"**{best.row}** {best.median_ns:.2f} ns/call, faster than every other row under the "
                f"rule (nearest: {nearest.b.row} {nearest.b.median_ns:.2f} ns, p={nearest.p_value:.3f}, "
                f"{margin}){_vs_reference(run, best)}")
    else:
        tied = ", ".join(f"{c.row} {c.median_ns:.2f}" for c in sorted(ch.winners, key=lambda c: c.median_ns))
        body = (f"tie for fastest ({len(ch.winners)} rows the rule cannot tell apart, {margin}): "
                f"{tied} ns/call{_vs_reference(run, ch.winners[0])}")
    if ch.left_out:
        body += f"; left out, no frame: {', '.join(sorted(c.row for c in ch.left_out))}"
    return head + body + "."


def which_strategy(run: Run, margins=None, strict=None, workloads=None) -> list[str]:
    """Per workload and args and compiler: the winner when rule.fastest gives one row, the
    tied rows otherwise; a workload whose rows tie everywhere says so in one line."""
    lines = []
    for workload in workloads or run.workloads():
        choices = choices_of(run, workload, margins, strict)
        if not choices:
            continue
        unsupported = sorted({c.row for c in run.cells_of(workload)
                              if not c.measured and c.is_strategy})
        note = f" Cannot serve it: {', '.join(unsupported)}." if unsupported else ""
        contested = [ch for ch in choices if len(ch.candidates) >= 2]
        if contested and all(ch.all_tie for ch in contested):
            argsets = sorted({ch.args for ch in choices}, key=results.args_order)
            rows = {c.row for ch in contested for c in ch.candidates}
            margin = max(ch.margin for ch in contested)
            extra = ", the largest spread measured: timed only" if any(ch.timed_only for ch in contested) else ""
            left = sorted({c.row for ch in choices for c in ch.left_out})
            left_note = f" Left out, no frame: {', '.join(left)}." if left else ""
            lines.append(f"- **{workload} ({', '.join(argsets)}), {', '.join(run.compilers())}**: "
                         f"no difference beyond noise: the {len(rows)} rows tie under the rule in every "
                         f"cell (margin {margin:.0%}{extra}).{left_note}{note}")
            continue
        for ch in choices:
            lines.append(choice_line(run, ch))
        if note:
            lines.append(f"  -{note}")
    return lines


# ------------------------------------------------------------------ slow path

@dataclass
class SlowCell:
    cell: Cell
    box: Cell | None
    # box's path at this strategy's frame size (a device row that declares it is sized like
    # the strategy's family), where the workload has one: the allocator's answer to a
    # larger block apart from the strategy's own slow path.
    sized_box: Cell | None = None

    @property
    def ratio(self) -> float | None:
        return _instr_ratio(self.cell, self.box)

    @property
    def sized_ratio(self) -> float | None:
        return _instr_ratio(self.cell, self.sized_box)


def _instr_ratio(mine: Cell, theirs: Cell | None) -> float | None:
    a = mine.counter("instructions_per_call")
    b = theirs.counter("instructions_per_call") if theirs else None
    return a / b if a and b else None


def sized_reference_cell(run: Run, c: Cell) -> Cell | None:
    """The device row of the same workload, args and compiler that places box's frames at
    the size of c's family's frames (manifest: role sized_reference, sized_like)."""
    family = run.rows.family(c.row)
    for row in run.rows.with_role(roles.SIZED_REFERENCE):
        if run.rows.info(row).sized_like == family:
            found = run.cells.get((c.workload, row, c.args, c.compiler))
            if found is not None and found.measured:
                return found
    return None


def slow_path_cells(run: Run) -> list[SlowCell]:
    """Strategy cells where at least SLOW_PATH_FALLBACKS frames per call go to the heap,
    each with the box cell of the same workload, args and compiler."""
    out = []
    for c in sorted(run.cells.values(), key=lambda c: (c.row, c.compiler, c.workload, results.args_order(c.args))):
        if (c.measured and c.is_strategy and run.rows.get(c.row).role != roles.REFERENCE
                and (c.counter("heap_fallbacks_per_call") or 0.0) >= SLOW_PATH_FALLBACKS):
            out.append(SlowCell(c, reference_cell(run, c), sized_reference_cell(run, c)))
    return out


def slow_path_summary(run: Run) -> dict[str, dict[str, list[SlowCell]]]:
    """row -> compiler -> its slow-path cells."""
    out: dict[str, dict[str, list[SlowCell]]] = {}
    for s in slow_path_cells(run):
        out.setdefault(s.cell.row, {}).setdefault(s.cell.compiler, []).append(s)
    return out


def slow_path_text(cells: list[SlowCell]) -> str:
    """'1.15x (worst 2.49x: 721 vs 290, recursion_chain depth:16)' over cells with counts."""
    counted = [s for s in cells if s.ratio is not None]
    if not counted:
        return f"{len(cells)} cells, no instruction counts"
    worst = max(counted, key=lambda s: s.ratio)
    med = statistics.median(s.ratio for s in counted)
    sized = (f"; {worst.sized_ratio:.2f}x box at the same frame size ({worst.sized_box.row})"
             if worst.sized_ratio is not None else "")
    return (f"{med:.2f}x box (worst {worst.ratio:.2f}x: {worst.cell.counter('instructions_per_call'):.0f} vs "
            f"{worst.box.counter('instructions_per_call'):.0f}, {worst.cell.workload} {worst.cell.args}{sized})")


def slow_path_table(run: Run, cells: list[SlowCell] | None = None) -> list[str]:
    """Every slow-path cell: the strategy's instructions per call next to box's."""
    cells = slow_path_cells(run) if cells is None else cells
    if not cells:
        return []
    lines = ["| row | compiler | workload | args | heap fallbacks/call | instr/call | box instr/call | x box | "
             "box at the same frame size: instr/call | x that | ns/call | box ns/call |",
             "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in cells:
        c, b, z = s.cell, s.box, s.sized_box
        lines.append(
            f"| {c.row} | {c.compiler} | {c.workload} | {c.args} | {_fmt(c.counter('heap_fallbacks_per_call'), 3)} | "
            f"{_fmt(c.counter('instructions_per_call'), 0)} | "
            f"{_fmt(b.counter('instructions_per_call') if b else None, 0)} | "
            f"{_fmt(s.ratio) + 'x' if s.ratio is not None else 'n/a'} | "
            f"{_fmt(z.counter('instructions_per_call') if z else None, 0)}{f' ({z.row})' if z else ''} | "
            f"{_fmt(s.sized_ratio) + 'x' if s.sized_ratio is not None else 'n/a'} | {c.median_ns:.2f} | "
            f"{_fmt(b.median_ns if b else None)} |")
    return lines


def slow_path_summary_table(run: Run) -> list[str]:
    summary = slow_path_summary(run)
    if not summary:
        return []
    compilers = run.compilers()
    lines = ["| row | " + " | ".join(f"slow path, instr/call x box ({c})" for c in compilers) + " |",
             "|---|" + "---|" * len(compilers)]
    for row in rows_in_order(run, [s.cell for per in summary.values() for cs in per.values() for s in cs]):
        lines.append(f"| {row} | " + " | ".join(
            f"{len(summary[row].get(c, []))} cells: {slow_path_text(summary[row][c])}" if c in summary[row] else "none"
            for c in compilers) + " |")
    return lines


# ------------------------------------------------------------------ first screen

def design_table(run: Run) -> list[str]:
    """Every strategy row (eager forms apart: they are in the limit table), grouped by the
    design post's strategy: where the frame goes, W1 ns per call and x sync per compiler,
    allocations, bytes added, the slow path (instructions per call where it falls back to
    the heap, against box's) and the workloads it cannot serve."""
    compilers = run.compilers()
    slow = slow_path_summary(run)
    head = ("| strategy (design post) | where the frame goes | row |"
            + "".join(f" W1 ns/call ({c}), x sync |" for c in compilers)
            + " allocs/call | +object B | +caller B | slow path: instr/call where it falls back, vs box |"
            " cannot serve |")
    lines = [head, "|---|---|---|" + "---:|" * len(compilers) + "---:|---:|---:|---|---|"]
    rows = [r for r in rows_in_order(run, [c for c in run.cells.values() if c.is_strategy])
            if not run.rows.is_eager(r)]
    # Grouped by the design post's entry, in the order the rows first appear.
    order = list(dict.fromkeys(run.rows.info(r).design_strategy for r in rows))
    rows.sort(key=lambda r: (order.index(run.rows.info(r).design_strategy), run.rows.family(r), r))
    shown = set()
    for row in rows:
        cells = [c for c in run.cells.values() if c.row == row]
        info = run.rows.info(row)
        fam = info.family
        name = info.design_strategy or f"{fam} (not in the design post)"
        where = info.placement or "see its README"
        first, first_of_family = name not in shown, fam not in shown
        shown |= {name, fam}
        w1 = {c.compiler: c for c in cells if c.workload == CONTROL_WORKLOAD and c.measured}
        times = "".join(
            f" {w1[c].median_ns:.2f} ({_fmt(run.ratio_to_sync(w1[c]))}x) |" if c in w1 else " n/a |"
            for c in compilers)
        allocs = [w1[c].counter("allocs_per_call") for c in compilers
                  if c in w1 and w1[c].counter("allocs_per_call") is not None]
        unsupported = sorted({c.workload for c in cells if c.status and c.status.startswith("unsupported")})
        obj = "n/a" if info.object_bytes is None else info.object_bytes
        caller = "n/a" if info.caller_bytes is None else info.caller_bytes
        slow_text = "; ".join(f"{c}: {slow_path_text(slow[row][c])}" for c in compilers
                              if c in slow.get(row, {})) or "never falls back here"
        lines.append(
            f"| {name if first else ''} | {where if first_of_family else ''} | {row} |{times} "
            f"{_fmt(max(allocs) if allocs else None, 3)} | {obj} | {caller} | {slow_text} | "
            f"{', '.join(unsupported) if unsupported else 'none'} |")
    return lines


def downsides_table(run: Run) -> list[str]:
    """The design post's table in its own words, with the rows that stand for each."""
    rows = sorted({c.row for c in run.cells.values() if c.is_strategy})
    lines = ["| strategy (design post) | downside (design post) | rows |", "|---|---|---|"]
    seen: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        info = run.rows.info(r)
        if info.design_strategy:
            seen.setdefault((info.design_strategy, info.design_downside), []).append(r)
    for (name, downside), mine in seen.items():
        lines.append(f"| {name} | {downside} | {', '.join(mine)} |")
    return lines


def verdicts_table(run: Run, verdicts) -> list[str]:
    """claim, verdict, decided by, one-line figure, machine."""
    lines = ["| claim | verdict | decided by | figure | judged on |", "|---|---|---|---|---|"]
    for v in verdicts:
        figure = getattr(v, "figure", "") or (v.evidence[0] if v.evidence else "no cell of this run measures it")
        if len(figure) > 220:
            figure = figure[:217] + "..."
        decided = getattr(v, "decided_by", "") or "n/a"
        machine = getattr(v, "machine", "") or cpu_of(run)
        lines.append(f"| **{v.claim}** {v.text} | **{verdict_text(v)}** | {decided} | {figure} | {machine} |")
    return lines


def claims_section(verdicts) -> list[str]:
    """Every claim with the numbers behind it, the cells and the test that decided it."""
    lines = ["| claim | verdict | the numbers behind it | cells that decided it | test |", "|---|---|---|---|---|"]
    for v in verdicts:
        evidence = "<br>".join(v.evidence) if v.evidence else "no cell of this run measures it"
        cells = getattr(v, "cells", []) or []
        shown = "<br>".join(cells[:12]) + (f"<br>... and {len(cells) - 12} more" if len(cells) > 12 else "")
        lines.append(f"| **{v.claim}** {v.text} | **{verdict_text(v)}** | {evidence} | {shown or 'none'} | "
                     f"{getattr(v, 'test', None) or 'none'} |")
    return lines


def near_free_call(run: Run, workload: str = CONTROL_WORKLOAD, margins=None) -> list[str]:
    """How close a dynamic async call gets to the synchronous virtual call on W1 (every
    next() completes synchronously), per compiler: the fastest synchronous row, the
    poll-style limit, the rows placing a frame that tie for fastest (rule.fastest), and in
    their own group the rows whose frame the compiler removed."""
    lines = ["| compiler | fastest sync row (ns) | poll_next ns (x sync) | fastest rows placing a frame "
             "(tied under the rule) | ns/call | x sync | allocs/call | no frame: fastest row | ns/call | x sync |",
             "|---|---|---:|---|---:|---:|---:|---|---:|---:|"]
    for compiler in run.compilers():
        cells = [c for c in run.cells_of(workload) if c.compiler == compiler and c.measured]
        rows = [c for c in cells if c.is_strategy]
        if not rows:
            continue
        args = rows[0].args
        sync = run.sync_base(workload, args, compiler)
        if sync is None:
            continue
        poll = next((c for c in cells if c.row in run.rows.with_role(roles.POLL_LIMIT)), None)
        framed = [c for c in rows if not no_frame(c)]
        removed = [c for c in rows if no_frame(c)]
        winners, _ = rule.fastest(framed, margins)
        poll_text = f"{poll.median_ns:.2f} ({_fmt(run.ratio_to_sync(poll))}x)" if poll else "n/a"
        if winners:
            best = winners[0]
            names = ", ".join(c.row for c in winners)
            framed_text = (f"{names} | {best.median_ns:.2f} | **{_fmt(run.ratio_to_sync(best))}x** | "
                           f"{_fmt(best.counter('allocs_per_call'), 3)}")
        else:
            framed_text = "n/a | | | "
        fastest_removed = min(removed, key=lambda c: c.median_ns, default=None)
        removed_text = (f"{fastest_removed.row} | {fastest_removed.median_ns:.2f} | "
                        f"{_fmt(run.ratio_to_sync(fastest_removed))}x" if fastest_removed else "none | | ")
        lines.append(f"| {compiler} | {sync.row} ({sync.median_ns:.2f}) | {poll_text} | {framed_text} | "
                     f"{removed_text} |")
    return lines if len(lines) > 2 else []


# ------------------------------------------------------------------ quiet machine

@dataclass
class Noise:
    lines: list[str]        # the section's body
    warnings: list[str]     # what made the run noisy (empty: quiet)


def control_spread(c: Cell) -> float | None:
    if not c.measured or len(c.ns_per_call) < 2 or c.median_ns <= 0:
        return None
    return (c.max_ns - c.min_ns) / c.median_ns


def noise(run: Run, binaries: dict[str, dict[str, list[str]]] | None = None,
          margins: dict[str, float] | None = None) -> Noise:
    """How quiet the machine was: the load average before and after each binary
    (run.load, when recorded) and the spread of the control cell per compiler; warnings
    when a binary ran beside more than NOISY_LOAD_PER_CPU runnable tasks per CPU (beyond
    its own) or the control cell spread beyond its workload's margin."""
    binaries = binaries or {}
    load = getattr(run, "load", {}) or {}
    lines, warnings = [], []
    if load:
        lines += ["| compiler | binary | load before | load after | CPUs | beyond the benchmark, per CPU | workloads |",
                  "|---|---|---:|---:|---:|---:|---|"]
        for compiler in sorted(load):
            for binary, figures in sorted(load[compiler].items()):
                cpus = figures.get("cpus") or run.provenance.num_cpus
                cpus = cpus if isinstance(cpus, (int, float)) and cpus > 0 else 1
                worst = max(figures["before"], figures["after"])
                excess = max(0.0, worst - BENCHMARK_OWN_LOAD) / float(cpus)
                workloads = binaries.get(compiler, {}).get(binary, [])
                lines.append(f"| {compiler} | {binary} | {figures['before']:.2f} | {figures['after']:.2f} | "
                             f"{cpus} | {excess:.2f} | {', '.join(workloads) or '?'} |")
                if excess > NOISY_LOAD_PER_CPU:
                    warnings.append(
                        f"{binary} ({compiler}) ran beside {excess:.2f} other runnable tasks per CPU "
                        f"(load {figures['before']:.2f} before, {figures['after']:.2f} after): "
                        f"{', '.join(workloads) or 'its workloads'}")
    else:
        lines.append("This run recorded no load averages (raw/<compiler>/<binary>.load.json are written by "
                     "newer runs of scripts/matrix).")
    lines += ["", f"The control cell, {CONTROL_WORKLOAD}'s fastest synchronous row: the spread of its repetitions, "
                  "(max - min) / median, against its workload's margin.", "",
              "| compiler | repetitions | median ns | (max - min) / median | margin | quiet? |",
              "|---|---:|---:|---:|---:|---|"]
    margin = rule.margin_for(CONTROL_WORKLOAD, margins) if margins is not None else rule.margin_for(CONTROL_WORKLOAD)
    for compiler in run.compilers():
        control = control_cell(run, compiler)
        spread = control_spread(control) if control else None
        if control is None or spread is None:
            lines.append(f"| {compiler} | n/a | n/a | n/a | {margin:.0%} | not measured |")
            continue
        quiet = spread <= margin
        lines.append(f"| {compiler} | {len(control.ns_per_call)} | {control.median_ns:.2f} | {spread:.1%} | "
                     f"{margin:.0%} | {'yes' if quiet else '**no**'} |")
        if not quiet:
            warnings.append(f"the control cell {CONTROL_WORKLOAD}/{control.row} ({compiler}) spread "
                            f"{spread:.0%} over its repetitions, beyond the {margin:.0%} margin: every "
                            f"{compiler} timing of this run is affected")
    lines += ["", "Cells whose own repetitions spread beyond their workload's margin:", "",
              "| workload | " + " | ".join(run.compilers()) + " |", "|---|" + "---:|" * len(run.compilers())]
    for workload in run.workloads():
        wm = rule.margin_for(workload, margins) if margins is not None else rule.margin_for(workload)
        counts = []
        for compiler in run.compilers():
            mine = [c for c in run.cells_of(workload) if c.compiler == compiler and c.measured]
            wide = [c for c in mine if (control_spread(c) or 0.0) > wm]
            counts.append(f"{len(wide)} of {len(mine)}")
        lines.append(f"| {workload} (margin {wm:.0%}) | " + " | ".join(counts) + " |")
    return Noise(lines, warnings)


# ------------------------------------------------------------------ peers, loopback, reliability

def against_peers(run: Run, margins=None) -> list[str]:
    """Per workload with a peer row, per compiler and args: the testbed strategies that tie
    for fastest (no-frame cells left out), the peers, the rule's word on the two, and the
    limits (the synchronous rows, the poll-style interface)."""
    lines = ["| workload | args | compiler | fastest testbed rows (tied under the rule) | ns/call | allocs/call | "
             "peer | ns/call | allocs/call | peer / best | rule | limits (ns/call) |",
             "|---|---|---|---|---:|---:|---|---:|---:|---:|---|---|"]
    for workload in run.workloads():
        for peer in (c for c in sorted(run.cells_of(workload), key=lambda c: (c.args, c.compiler))
                     if c.kind == roles.PEER):
            same = [c for c in run.cells_of(workload)
                    if c.compiler == peer.compiler and c.args == peer.args and c.measured]
            strategies = [c for c in same if c.is_strategy and not no_frame(c)]
            winners, _ = rule.fastest(strategies, margins)
            limits = ", ".join(f"{c.row} {c.median_ns:.2f}" for c in same
                               if run.rows.get(c.row).role in (roles.SYNCHRONOUS_LIMIT, roles.POLL_LIMIT))
            if not winners or not peer.measured:
                continue
            best = winners[0]
            names = ", ".join(c.row for c in winners[:3]) + (f" (+{len(winners) - 3})" if len(winners) > 3 else "")
            cmp = rule.compare(peer, best, margins)
            word = {rule.LESS: "peer faster", rule.GREATER: "peer slower"}.get(cmp.outcome, "tie")
            lines.append(
                f"| {workload} | {peer.args} | {peer.compiler} | {names} | {best.median_ns:.2f} | "
                f"{_fmt(best.counter('allocs_per_call'), 3)} | {peer.row} | {peer.median_ns:.2f} | "
                f"{_fmt(peer.counter('allocs_per_call'), 3)} | {peer.median_ns / best.median_ns:.2f}x | {word} | "
                f"{limits or 'n/a'} |")
    return lines if len(lines) > 2 else []


def loopback_table(run: Run) -> list[str]:
    """W8 over loopback sockets: requests per second per row and compiler (median, and the
    range over repetitions), beside the in-memory cost of a request, and how much of the
    in-memory spread between rows can survive a round trip."""
    cells = [c for c in run.cells_of("middleware_chain_loopback") if c.measured]
    if not cells:
        return []
    compilers = run.compilers()
    lines = ["| row | " + " | ".join(f"requests/s ({c}): median (min-max)" for c in compilers) + " | "
             + " | ".join(f"in memory ns/request ({c})" for c in compilers) + " | "
             + " | ".join(f"request p50 / p99 / p99.9 us ({c}, latency pass)" for c in compilers) + " |",
             "|---|" + "---:|" * (3 * len(compilers))]

    def in_memory_ns_per_request(cell) -> float | None:
        inner = run.cells.get(("middleware_chain", cell.row, cell.args, cell.compiler))
        if inner is None or not inner.measured:
            return None
        # ns per call times the layers + 1 calls of one request
        return inner.median_ns * (int(cell.args.split(":")[1]) + 1)

    for row in rows_in_order(run, cells):
        rps, mem, tails = [], [], []
        for compiler in compilers:
            cell = next((c for c in cells if c.row == row and c.compiler == compiler), None)
            tails.append(latency.request_percentiles(run, cell))
            reps = cell.counters.get("requests_per_second", []) if cell else []
            rps.append(f"{cell.counter('requests_per_second'):.0f} ({min(reps):.0f}-{max(reps):.0f})"
                       if reps else "n/a")
            mem.append(_fmt(in_memory_ns_per_request(cell)) if cell else "n/a")
        lines.append(f"| {row} | " + " | ".join(rps) + " | " + " | ".join(mem) + " | " + " | ".join(tails) + " |")
    lines.append("")
    for compiler in compilers:
        mine = [c for c in cells if c.compiler == compiler]
        memory = [m for m in (in_memory_ns_per_request(c) for c in mine) if m is not None]
        rates = [r for r in (c.counter("requests_per_second") for c in mine) if r]
        if len(mine) < 2 or len(memory) < 2 or len(rates) < 2:
            continue
        round_trip = sorted(c.median_ns for c in mine)[len(mine) // 2]  # ns per request
        share = (max(memory) - min(memory)) / round_trip
        apart = max(rates) / min(rates) - 1
        verdict = (", far more than the strategies' in-memory difference can explain: the noise "
                   "of socket round trips on a shared machine" if apart > 5 * share else "")
        lines.append(
            f"- {compiler}: in memory the rows differ by at most {max(memory) - min(memory):.0f} ns per "
            f"request, {100 * share:.2f}% of a {round_trip / 1000:.1f} us round trip over loopback; "
            f"the rows' requests/s medians span {min(rates):.0f} to {max(rates):.0f} "
            f"({100 * apart:.0f}% apart){verdict}.")
    return lines


def reliability_section(run: Run) -> list[str]:
    """What the run's reliability pass exercised, per compiler, with its failures."""
    if not run.reliability:
        return ["No reliability pass in this run (`scripts/matrix --no-reliability`)."]
    lines = ["| compiler | tests | randomized schedules | schedule steps | faults injected | "
             "misuse cases | failures |", "|---|---:|---:|---:|---:|---:|---|"]
    for compiler, r in sorted(run.reliability.items()):
        failed = f"**{len(r.failures)}**: " + ", ".join(r.failures) if r.failures else "0"
        lines.append(f"| {compiler} | {r.tests} | {r.schedules} | {r.schedule_steps} | "
                     f"{r.faults_injected} | {r.misuse_cases} | {failed} |")
    return lines


# ------------------------------------------------------------------ per workload

def workload_table(run: Run, workload: str) -> list[str]:
    """Every cell of a workload: its time, then every metric the run's manifest declares
    that some cell of the workload has (header, digits and unit from the manifest)."""
    cells = run.cells_of(workload)
    shown = [m for name, m in run.rows.metrics.items()
             if name not in ("ns_per_call", "ratio_to_sync_virtual", "calls_per_iter")
             and m.pass_ != latency.PASS  # their own table (latency_section)
             and not latency.is_split_metric(name)  # beside the far tails (latency_section)
             and any(c.counter(name) is not None for c in cells)]
    lines = [
        "| row | compiler | args | ns/call median | min | max | reps | x sync | "
        + " | ".join(m.header for m in shown) + " |",
        "|---|---|---|" + "---:|" * (5 + len(shown)),
    ]
    for row in rows_in_order(run, cells):
        for c in sorted((c for c in cells if c.row == row), key=lambda c: (c.compiler, results.args_order(c.args))):
            if not c.measured:
                lines.append(f"| {c.row} | {c.compiler} | {c.args} | {c.status} |" + " |" * (4 + len(shown)))
                continue
            values = []
            for m in shown:
                text = _fmt(c.counter(m.name), m.digits)
                if m.name == "frames_per_call" and no_frame(c):
                    text += " (no frame)"
                values.append(text)
            lines.append(
                f"| {c.row} | {c.compiler} | {c.args} | {c.median_ns:.2f} | {c.min_ns:.2f} | "
                f"{c.max_ns:.2f} | {len(c.ns_per_call)} | {_fmt(run.ratio_to_sync(c))} | "
                + " | ".join(values) + " |")
    units = "; ".join(f"{m.header}: {m.unit} ({m.pass_} pass)" for m in shown)
    return lines + ["", f"Units: ns/call: ns (timing pass); {units}." if units else ""]


def find_cell(run: Run, workload: str, row: str, compiler: str):
    """The first cell of workload/row under compiler (any args), or None."""
    return next(
        (c for c in run.cells_of(workload) if c.row == row and c.compiler == compiler), None
    )


def findings(run: Run, workload: str) -> list[str]:
    """Sentences computed from the cells: box against the lower bound, elision."""
    out = []
    for compiler in run.compilers():
        box = find_cell(run, workload, run.rows.reference(), compiler)
        sync = run.sync_base(workload, box.args, compiler) if box is not None else None
        ratio = run.ratio_to_sync(box) if box else None
        if box is not None and sync is not None and ratio is not None and box.measured:
            out.append(
                f"- {compiler}: box costs {box.median_ns:.2f} ns per call against "
                f"{sync.median_ns:.2f} ns for the fastest synchronous virtual call ({sync.row}), a ratio of "
                f"**{ratio:.2f}x** (same run), with {_fmt(box.counter('allocs_per_call'), 3)} "
                f"allocations per call."
            )
        for row in run.rows.with_role(roles.VISIBLE_COROUTINE) + run.rows.with_role(roles.DEVIRTUALIZED):
            what = f"{row} ({run.rows.info(row).placement.split(':')[0]})"
            visible = find_cell(run, workload, row, compiler)
            if visible is not None and visible.measured:
                allocs = visible.counter("allocs_per_call") or 0.0
                verdict = "elided" if allocs < 0.5 else "did not elide"
                out.append(
                    f"- {compiler}: {what} makes {allocs:.3f} allocations "
                    f"per call: the compiler {verdict} the frame allocation."
                )
        removed = sorted(c.row for c in run.cells_of(workload) if c.compiler == compiler and no_frame(c))
        if removed:
            out.append(f"- {compiler}: the compiler removed the frame of {', '.join(removed)} (frames "
                       f"placed per call < 0.5): not frame-placement results, left out of winners, the "
                       f"peer table and the heatmaps; eager rows are compared with the eager reference row.")
    return out


@dataclass
class PlotSet:
    """File names (in the run folder) of the plots the report shows."""
    ns_per_call: dict[str, str] = field(default_factory=dict)   # workload -> png
    heatmaps: dict[str, list[tuple[str, list[str]]]] = field(default_factory=dict)  # compiler -> [(png, workloads)]
    compilers: str | None = None
    memory: dict[str, str] = field(default_factory=dict)  # workload -> png
    sweeps: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # workload -> [(arg, compiler, png)]
    latency: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # workload -> [(compiler, png)]
    languages: str | None = None  # fixed buffers in C++ and Rust (languages.plot_buffer_sweep)


def _without_latency(run: Run, workload: str) -> list[str]:
    """The measured cells of a workload the latency pass did not time, per compiler (every
    row, or which rows), and where the reason is written: [] when there are none."""
    measured = [c for c in run.cells_of(workload) if c.measured]
    parts = []
    for compiler in sorted({c.compiler for c in measured}):
        mine = [c for c in measured if c.compiler == compiler]
        missing = sorted({c.row for c in mine if not latency.latency_object(run, c)})
        if missing:
            has_any = len(missing) < len({c.row for c in mine})
            parts.append(f"{compiler}: {', '.join(missing) if has_any else 'every row'}")
    if not parts:
        return []
    return ["", f"Measured cells without a latency figure ({'; '.join(parts)}): the benchmark binary that "
            "runs them declares no latency workloads (`LATENCY_WORKLOADS` in its CMakeLists.txt; the Rust "
            "harness has no latency pass); the README beside that binary says why."]


def latency_section(run: Run, workload: str, margins=None,
                    plot_names: list[tuple[str, str]] = ()) -> list[str]:
    """The latency pass of a workload: p50/p99/p99.9 per row (the timer's share beside
    them), the rows whose p99 is far from their p50 with the counted events of the same
    cell (which path the slow calls took), and the rows that differ in their tails while
    their medians tie under the rule. [] when the latency pass did not measure the workload."""
    cells = [c for c in run.cells_of(workload) if c.measured and latency.latency_object(run, c)]
    if not cells:
        return []
    lines = ["## Latency", "",
             "The latency pass (one repetition on the timing build, `TESTBED_LATENCY=1`): percentiles "
             "of the ns per call of timed samples (a sample is `calls/sample` calls, recorded as their "
             "mean), with the timer's cost per sample beside them (included in every figure, not "
             "subtracted). Percentiles are within 1.6% of the samples' (log-bucketed histogram).", "",
             "| row | compiler | args | p50 ns | p99 ns | p99.9 ns | max ns | p99/p50 | timer ns | calls/sample | samples |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows_in_order(run, cells):
        for c in sorted((c for c in cells if c.row == row), key=lambda c: (c.compiler, results.args_order(c.args))):
            o = latency.latency_object(run, c)
            ratio = o["p99"] / o["p50"] if o.get("p50") and o.get("p99") else None
            lines.append(f"| {c.row} | {c.compiler} | {c.args} | {_fmt(o.get('p50'), 1)} | {_fmt(o.get('p99'), 1)} | "
                         f"{_fmt(o.get('p999'), 1)} | {_fmt(o.get('max'), 1)} | {_fmt(ratio, 1)} | "
                         f"{_fmt(o.get('timer_overhead'), 2)} | {_fmt(o.get('batch_calls'), 0)} | "
                         f"{_fmt(o.get('samples'), 0)} |")
    lines += _without_latency(run, workload)
    lines += latency.tail_lines(run, cells)
    diffs = latency.tails_not_means(run, cells, margins)
    lines += ["", "### Tails vs means", ""]
    if diffs:
        lines.append(f"Rows ({latency.MIN_SAMPLES:,} samples or more) whose medians (ns per call) tie under the rule while their p99 differ by more "
                     f"than the workload's margin ({rule.margin_for(workload, margins) if margins is not None else rule.margin_for(workload):.0%}; "
                     f"one latency pass per run, so no U test on the p99):")
        lines.append("")
        for d in diffs[:12]:
            lines.append(f"- {d.a.compiler} {d.a.args}: {d.a.row} p99 {d.p99_a:.1f} ns vs {d.b.row} "
                         f"{d.p99_b:.1f} ns ({d.p99_ratio:.2f}x) while their medians tie "
                         f"({d.median.describe()})")
        if len(diffs) > 12:
            lines.append(f"- and {len(diffs) - 12} more pairs")
    else:
        lines.append(f"No two rows ({latency.MIN_SAMPLES:,} samples or more) whose medians tie under the rule "
                     "differ in p99 by more than the workload's margin: here the tails say what the means say.")
    for compiler, name in plot_names:  # (compiler, png in the run folder): one level up
        lines += ["", f"![{workload}: latency percentiles, {compiler}](../{name})"]
    return lines


def workload_page(run: Run, workload: str, plots: PlotSet, margins=None, strict=None) -> str:
    up = "../"
    lines = [f"# {workload}", "",
             f"Part of the report of this run: [REPORT.md]({up}REPORT.md). Every cell of the workload, both "
             f"compilers; the workload's margin under the rule is {rule.margin_for(workload, margins) if margins is not None else rule.margin_for(workload):.0%}"
             f"{' (timed only: no instruction counts)' if timed_only(run, workload) else ''}.", ""]
    which = which_strategy(run, margins, strict, workloads=[workload])
    if which:
        lines += ["## Which strategy here", "", *which, ""]
    slow = [s for s in slow_path_cells(run) if s.cell.workload == workload]
    if slow:
        lines += ["## Slow path", "", "Cells where a strategy with its own storage sends frames to the heap, "
                  "its instructions per call next to box's on the same cell.", "", *slow_path_table(run, slow), ""]
    lines += ["## Every cell", "", *workload_table(run, workload)]
    section = latency_section(run, workload, margins, plots.latency.get(workload, []))
    if section:
        lines += ["", *section]
    found = findings(run, workload)
    if found:
        lines += ["", "## Findings", "", *found]
    if workload in plots.ns_per_call:
        lines += ["", "## Plots", "", f"![{workload}: ns per call]({up}{plots.ns_per_call[workload]})"]
    for arg, compiler, name in plots.sweeps.get(workload, []):
        lines += ["", f"![{workload}: ns per call against {arg}, {compiler}]({up}{name})"]
    if workload in plots.memory:
        lines += ["", f"![{workload}: memory]({up}{plots.memory[workload]})"]
    return "\n".join(lines) + "\n"


def workload_link(workload: str) -> str:
    return f"{WORKLOAD_DIR}/{workload}.md"


# ------------------------------------------------------------------ REPORT.md

def found_line(run: Run, verdicts, limit: list[str]) -> str:
    """One line on what the run found, computed from its cells and verdicts."""
    parts = []
    boxes = [(c, find_cell(run, CONTROL_WORKLOAD, run.rows.reference(), c)) for c in run.compilers()]
    boxes = [(comp, b) for comp, b in boxes if b is not None and b.measured]
    if boxes:
        parts.append("box costs " + ", ".join(
            f"{b.median_ns:.2f} ns ({comp}, {_fmt(b.counter('allocs_per_call'), 1)} allocations)" for comp, b in boxes)
            + " per call in the AsyncIterator loop")
    near = []
    for compiler in run.compilers():
        rows = [c for c in run.cells_of(CONTROL_WORKLOAD) if c.compiler == compiler and c.measured
                and c.is_strategy and not no_frame(c)]
        winners, _ = rule.fastest(rows)
        if winners and run.ratio_to_sync(winners[0]) is not None:
            near.append(f"{run.ratio_to_sync(winners[0]):.2f}x ({compiler})")
    if near:
        parts.append("the fastest rows that place a frame cost " + ", ".join(near)
                     + " the fastest synchronous virtual call")
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    order = ("confirmed", "refuted", "partly", "inconclusive", "argued", "not measured")
    if counts:
        parts.append(f"of {len(verdicts)} claims: " + ", ".join(
            f"{counts[w]} {w}" for w in sorted(counts, key=lambda w: (order.index(w) if w in order else 99, w))))
    return f"**Found on {cpu_of(run)}:** " + "; ".join(parts) + "."


def render_all(run: Run, run_name: str, plots: PlotSet,
               binaries: dict[str, dict[str, list[str]]] | None = None,
               margins: dict[str, float] | None = None,
               strict: dict[str, float] | None = None) -> dict[str, str]:
    """Every page of the report: {"REPORT.md": text, "workloads/<w>.md": text, ...}."""
    verdicts = check_all(run)
    quiet = noise(run, binaries, margins)
    limit = near_free_call(run, margins=margins)
    titles = {
        "which": "Which strategy should I use when",
        "slow": "Slow path: where a strategy falls back to the heap",
        "quiet": "How quiet the machine was",
        "claims": "The claims: evidence, cells and tests",
    }
    lines = [
        f"# Async calls through virtual dispatch: results of `{run_name}`",
        "",
        found_line(run, verdicts, limit),
        "",
    ]
    if quiet.warnings:
        lines += ["> **Noisy run**: " + "; ".join(quiet.warnings)
                  + f". Read those timings as ranges; instruction counts are unaffected "
                  f"([{titles['quiet']}](#{slug(titles['quiet'])})).", ""]
    lines += [
        "## The design table, measured",
        "",
        "W1 is the AsyncIterator loop (`async_iterator`); x sync is the ratio to the fastest synchronous "
        "row of the same compiler. The slow path is the instructions per call on the cells where the "
        "strategy sends frames to the heap (>= 0.5 per call), against box's on the same cells.",
        "",
        *design_table(run),
        "",
        f"## Verdicts (judged on {cpu_of(run)})",
        "",
        *verdicts_table(run, verdicts),
    ]
    if limit:
        lines += ["", "## How close a dynamic async call gets to a plain virtual call", "",
                  "W1 with every next() completing synchronously. Rows whose frame the compiler removed "
                  "(eager rows under clang) are in their own group: they place no frame.", "", *limit]
    lines += ["", "## Where to look next", "",
              f"- [{titles['which']}](#{slug(titles['which'])}) (per workload, args and compiler; winners only "
              "beyond the rule of `scripts/py/testbed/rule.py`), "
              f"[{titles['slow']}](#{slug(titles['slow'])}), [{titles['quiet']}](#{slug(titles['quiet'])}), "
              f"[{titles['claims']}](#{slug(titles['claims'])})",
              "- every workload on its own page: " + ", ".join(
                  f"[{w}]({workload_link(w)})" for w in run.workloads()),
              "- every figure: `results.json` ([format](../../docs/results-format.md)); how each is taken: "
              "[methodology](../../docs/methodology.md); the spread to expect: "
              "[measured spread](../../docs/measured-spread.md)",
              "", "---", ""]
    lines += [f"## {titles['which']}", "",
              "For each workload, args and compiler, the fastest strategy rows under the rule (U test on the "
              "repetitions and beyond the workload's margin): a winner only when one row is faster than every "
              "other, otherwise the rows that tie. Baselines and peers are not candidates; cells whose frame "
              "the compiler removed are left out; ratios to box are against the box row of the same form "
              f"(eager rows: the eager reference row).", "", *which_strategy(run, margins, strict)]
    slow_rows = slow_path_summary_table(run)
    lines += ["", f"## {titles['slow']}", ""]
    if slow_rows:
        lines += ["Strategies with their own storage send frames to the heap when it does not fit or is "
                  "busy: there they should cost about what box costs. Median over their slow-path cells "
                  "of instructions per call over box's on the same cell, and the worst cell; every cell is "
                  "on its workload's page.", "", *slow_rows]
    else:
        lines.append("No strategy cell of this run sends 0.5 or more frames per call to the heap.")
    lines += ["", f"## {titles['quiet']}", "", *quiet.lines]
    lines += ["", f"## {titles['claims']}", "",
              "Verdicts are computed by `scripts/py/testbed/claims.py` from this run's cells.", "",
              *claims_section(verdicts)]
    lines += ["", "## The design post's table, in its words", "", *downsides_table(run)]
    sections = (
        (languages.SECTION_TITLE,
         "The Rust rows beside the C++ rows of the same design entry, measured in this run on "
         "this machine (`scripts/py/testbed/languages.py`).", languages.section(run, verdicts, plots.languages)),
        (breakdown.SECTION_TITLE, breakdown.INTRO, breakdown.section(run, getattr(plots, "breakdown", None))),
        (compilers.SECTION_TITLE, compilers.INTRO, compilers.section(run)),
        ("Reliability",
         "The randomized schedules, fault injection and misuse tests of the conformance suite "
         "(see docs/reliability.md), run by this run's reliability pass on the same builds: a "
         "misuse case is a pattern the strategy declares it cannot serve, tried and required "
         "to fail with a clear message.", reliability_section(run)),
        ("Which would you pick: the strategies against the peers",
         "For each workload with a peer row, the testbed strategies that tie for fastest under the "
         "rule (cells without a frame left out) against the peer (Boost.Asio's `awaitable<T>` returned "
         "from virtual functions), with the limits measured in the same run.", against_peers(run, margins)),
        ("W8 over loopback sockets",
         "The 4-layer chain serving real requests over one TCP connection on 127.0.0.1 (one "
         "request in flight; the server on its own thread), beside the same chain in memory.",
         loopback_table(run)),
    )
    for title, intro, body in sections:
        if body:
            lines += ["", f"## {title}", "", intro, "", *body]
    if plots.heatmaps or plots.compilers or plots.memory:
        lines += ["", "## Plots", "",
                  "One colour per strategy family in every figure. Heatmaps: ns per call relative to box in "
                  "the same column, one figure per group of workloads; cells without a frame are left out "
                  "(nf). The sweeps are on their workloads' pages."]
    for compiler, figures in sorted(plots.heatmaps.items()):
        for name, workloads in figures:
            title = f"Strategy by workload ({compiler}): {', '.join(workloads)}"
            lines += ["", f"### {title}", "", f"![{title}]({name})"]
    if plots.compilers:
        title = "g++ 12 against clang-19"
        lines += ["", f"### {title}", "", f"![{title}]({plots.compilers})"]
    if plots.memory:
        lines += ["", "### Memory", "", "Frame bytes, native stack high-water and peak heap by row, one figure "
                  "per workload (also on the workload's page): " + ", ".join(
                      f"[{w}]({name})" for w, name in sorted(plots.memory.items())) + "."]
    lines += ["", "## Provenance", "",
              "Generated by `scripts/report` from the benchmark JSON in `raw/`; every figure comes from that "
              "data. ns/call is the wall time of one benchmark iteration divided by the interface calls it "
              "makes, as the median (with min and max) over repetitions; ratios divide medians measured in "
              "the same run. Allocations are exact counts from the replaced global operator new.", "",
              *provenance_lines(run, run_name)]
    pages = {"REPORT.md": "\n".join(lines) + "\n"}
    for workload in run.workloads():
        pages[workload_link(workload)] = workload_page(run, workload, plots, margins, strict)
    return pages


def render(run: Run, run_name: str, plots: PlotSet | None = None) -> str:
    """REPORT.md alone (the other pages: render_all)."""
    return render_all(run, run_name, plots or PlotSet())["REPORT.md"]


def binary_workloads(run_dir: Path) -> dict[str, dict[str, list[str]]]:
    """compiler -> binary -> the workloads of its timing file (raw/<compiler>/<binary>.json)."""
    out: dict[str, dict[str, list[str]]] = {}
    for path in sorted((run_dir / "raw").glob("*/*.json")):
        if path.name.count(".") != 1 or path.name == "reliability.json":
            continue  # passes (<binary>.<pass>.json) and the reliability file
        try:
            data = json.loads(path.read_text())
            names = {results.split_name(b.get("run_name", b["name"]))[0]
                     for b in data.get("benchmarks", []) if isinstance(b, dict) and "name" in b}
        except (OSError, ValueError, KeyError, results.ResultsError, AttributeError):
            continue
        out.setdefault(path.parent.name, {})[path.stem] = sorted(names)
    return out
