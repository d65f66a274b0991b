"""Checks each claim of the design discussion (C1 to C15 of the brief) against a run's
cells. Every verdict is computed here from the data, on the cells the claim is about (looked
up by exact workload name), with the numbers behind it. Every comparison that decides a
verdict or names a winner goes through the one rule of rule.py (Mann-Whitney U on the
repetitions and the workload's measured run-to-run margin); a difference inside the noise
is a tie and makes a claim "inconclusive", never a loss. A claim whose evidence is missing
from the run says so instead of guessing. Each verdict names what decided it, the cells,
the test that shows a declared failure, and the machine it was judged on."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from . import languages, rule
from .rows import LAZY, REFERENCE, SYNCHRONOUS_LIMIT
from .results import CPP, Cell, Run, numeric_args

CONFIRMED, REFUTED, PARTLY = "confirmed", "refuted", "partly"
INCONCLUSIVE, ARGUED, NOT_MEASURED = "inconclusive", "argued", "not measured"
VERDICTS = (CONFIRMED, REFUTED, PARTLY, INCONCLUSIVE, ARGUED, NOT_MEASURED)

# What decided a verdict (Verdict.decided_by).
BY_TIME = "time (U test p<0.05 and beyond the workload's margin)"
BY_CONSTRUCTION = "by construction"
BY_ALLOCATIONS = "allocation counts"

# The rows a claim is about come from the run's manifest (rows.py): the non-allocating rows
# are the strategies that declare 0 steady allocations per call, the Local/Sendable pairs
# are the families with both forms, the general-purpose allocators declare one allocation
# per call, and the whole-process allocator rows are the reference row run on another
# process allocator. The strategies a claim names are the design post's entries (their ids
# in harness/design_post.hpp, row_of). C13's "recycled box" is the caller and callee caches
# and a custom allocator that allocates once and then recycles (declared: one allocation on
# the first call, none after).
CACHE_ENTRIES = ("caller-cache", "callee-cache")


def non_allocating(run: Run) -> list[str]:
    """Strategies whose frame storage is not the global heap per call (declared 0 steady
    allocations), one form per family (Local), lazily started."""
    return run.rows.strategies(steady_allocations=0)


def allocators(run: Run) -> list[str]:
    """General-purpose allocators called per frame, in the same process (declared one
    allocation per call): box and mimalloc's API."""
    return run.rows.strategies(steady_allocations=1)


def whole_process_allocators(run: Run) -> list[str]:
    """The reference row run on another process allocator (box_mimalloc, preloaded):
    another process than the caches'."""
    return sorted(r.name for r in run.rows.rows.values()
                  if r.role == REFERENCE and r.allocator and r.start == LAZY)


def row_of(run: Run, design_key: str) -> str:
    """The row a claim means when it names one of the design post's strategies (its id in
    harness/design_post.hpp): the lazily started row on the default allocator that stands
    for it, its Local form where it has forms (the manifest's)."""
    found = run.rows.of_design(design_key)
    return found[0] if found else f"(no row for {design_key})"


def caches(run: Run) -> list[str]:
    """C13's "recycled box": the caches (Local form) and the custom allocators that recycle
    one block per call after the first."""
    recycled = [r for r in run.rows.of_design("custom-allocator")
                if run.rows.info(r).trait("first_call_allocations") == 1
                and run.rows.info(r).trait("steady_allocations") == 0]
    return sorted([r for k in CACHE_ENTRIES for r in run.rows.of_design(k)] + recycled)
RECURSION = ("recursion_chain", "recursion_fib")
# A cell whose compiler removed the coroutine frame places fewer frames than this per call:
# it measures no frame placement at all (clang's eager rows often have 0 frames).
MIN_FRAMES_PER_CALL = 0.5
# C9: "far deeper" must beat what configuring a bigger native stack gives for free: raising
# the default 8 MiB stack to 64 MiB (ulimit -s, a thread attribute) is routine, so heap
# frames must reach more than 8x the native overflow depth.
FAR_DEEPER = 8.0
# C14: fallback "costs about what box costs" where its buffer does not fit when the rule
# ties them, or when callgrind counts at most 10% more instructions (the heap call dominates).
ABOUT_BOX_INSTRUCTIONS = 1.10
# C3: the inline buffer of the inline rows (strategies/inline: N bytes of frame storage).
INLINE_BYTES = 256

# Tests that show the failures a strategy declares (the timing cells are only "unsupported").
TEST_ONE_CALL_PER_OBJECT = "conformance/<typed suite>.outstanding_calls_on_one_object_as_declared"
TEST_NON_LIFO = "conformance/<typed suite>.non_lifo_release_as_declared"
TEST_OUTSIDE_TASK = "conformance/<typed suite>.call_outside_any_task_as_declared"
TEST_TOO_BIG = "conformance/<typed suite>.frame_larger_than_declared_maximum_is_refused_with_both_sizes"
TEST_CROSSING = ("threads/<typed suite>.crossing_serves_what_it_declares_and_fails_loudly_otherwise, "
                 "conformance/<typed suite>.frame_freed_on_another_thread_as_declared")
TEST_CALLEE_BLOCK = "conformance/<typed suite>.callee_cache_block_freed_with_object"
TEST_ALLOCATION_PROFILE = "conformance/<typed suite>.allocation_profile_matches_the_declared_traits"


@dataclass
class Verdict:
    claim: str
    text: str
    verdict: str
    evidence: list[str] = field(default_factory=list)
    decided_by: str = ""
    # "workload/row/args [compiler]" of every cell that decided the verdict
    cells: list[str] = field(default_factory=list)
    test: str | None = None  # the test that shows what the cells only declare
    machine: str = "unknown"  # the CPU model the verdict was judged on
    figure: str = ""  # the one number that explains the verdict (for a cross-machine table)
    # language -> the verdict on that language's rows alone (check_all); verdict combines them
    languages: dict[str, str] = field(default_factory=dict)
    # Set when the run has several languages and the claim was judged on one language's rows.
    only_language: str = ""


# ---------------------------------------------------------------------------- lookups

def label(c: Cell) -> str:
    return f"{c.workload}/{c.row}/{c.args} [{c.compiler}]"


def _cells(run: Run, workload: str, row: str | None = None, compiler: str | None = None) -> list[Cell]:
    """The cells of exactly `workload` (never a prefix match), sorted."""
    found = [c for c in run.cells.values() if c.workload == workload
             and (row is None or c.row == row) and (compiler is None or c.compiler == compiler)]
    return sorted(found, key=lambda c: (c.compiler, c.row, sorted(numeric_args(c.args).items()), c.args))


def _w1(run: Run, row: str, compiler: str) -> Cell | None:
    """The measured async_iterator cell of row under compiler (W1 has one argument set)."""
    found = [c for c in _cells(run, "async_iterator", row, compiler) if c.measured]
    if len(found) > 1:
        raise ValueError(f"async_iterator/{row} ({compiler}) has {len(found)} cells; compare by args")
    return found[0] if found else None


def has_frame(c: Cell) -> bool:
    """False for a cell whose compiler removed the frame: not a frame-placement result."""
    frames = c.counter("frames_per_call")
    return frames is None or frames >= MIN_FRAMES_PER_CALL


def _outstanding(c: Cell) -> float:
    return numeric_args(c.args).get("outstanding", 0)


def _ns(c: Cell | None) -> str:
    return "n/a" if c is None or not c.measured else f"{c.median_ns:.2f} ns"


def machine_of(run: Run) -> str:
    return run.provenance.cpu_model


def overheads(run: Run) -> dict[str, tuple[int, int]]:
    """strategy row -> (bytes added to each object, bytes added to each caller), measured
    with sizeof by the binaries (the row manifest); rows without the figures are left out."""
    return {r.name: (r.object_bytes, r.caller_bytes) for r in run.rows.rows.values()
            if r.object_bytes is not None and r.caller_bytes is not None}


def _status_summary(cells: list[Cell]) -> str:
    return "; ".join(sorted({c.status or "measured" for c in cells}))


def _without_frames(v: Verdict, cells: list[Cell]) -> list[Cell]:
    """The cells that place a frame; the others are named in the evidence and left out."""
    gone = [c for c in cells if c.measured and not has_frame(c)]
    if gone:
        v.evidence.append("left out, the compiler removed their frame (frames per call < "
                          f"{MIN_FRAMES_PER_CALL}): " + ", ".join(label(c) for c in gone))
    return [c for c in cells if c not in gone]


# ------------------------------------------------------------------ parts of a claim

def tally(good: int, bad: int, tied: int) -> str:
    """A part judged over several comparisons: confirmed when every one goes the claim's
    way, refuted when none does and some go against it, partly when they split, and
    inconclusive when the rest tie (inside the noise)."""
    if good + bad + tied == 0:
        return NOT_MEASURED
    if bad and good:
        return PARTLY
    if bad:
        return REFUTED
    if tied:
        return INCONCLUSIVE
    return CONFIRMED


def combine(parts: list[tuple[str, str]]) -> tuple[str, str]:
    """(verdict, note) of a claim made of named parts, each CONFIRMED, REFUTED, PARTLY,
    INCONCLUSIVE, ARGUED (counts as confirmed) or NOT_MEASURED. A part that fails makes the
    claim partly (or refuted when nothing holds); a part inside the noise makes it
    inconclusive; a part not measured keeps a claim whose other parts hold at partly."""
    measured = [(n, s) for n, s in parts if s != NOT_MEASURED]
    missing = [n for n, s in parts if s == NOT_MEASURED]
    if not measured:
        return NOT_MEASURED, ""
    held = [n for n, s in measured if s in (CONFIRMED, ARGUED)]
    failed = [n for n, s in measured if s in (REFUTED, PARTLY)]
    noisy = [n for n, s in measured if s == INCONCLUSIVE]
    notes = []
    if failed:
        notes.append("fails: " + "; ".join(f"{n} ({s})" for n, s in measured if n in failed))
    if noisy:
        notes.append("inside the noise: " + "; ".join(noisy))
    if missing:
        notes.append("not measured: " + "; ".join(missing))
    note = ". ".join(notes)
    if failed:
        all_refuted = not held and all(s == REFUTED for n, s in measured if n in failed)
        return (REFUTED if all_refuted and not noisy else PARTLY), note
    if noisy:
        return INCONCLUSIVE, note
    if missing:
        return PARTLY, note
    return CONFIRMED, note


def _conclude(v: Verdict, parts: list[tuple[str, str]]) -> None:
    v.verdict, note = combine(parts)
    if note:
        v.evidence.append(note)


# ------------------------------------------------------------------------- the claims

def c1(run: Run) -> Verdict:
    v = Verdict("C1", "box costs one allocation per call and is noticeably slower than the "
                "non-allocating strategies in a tight loop", NOT_MEASURED,
                decided_by=f"{BY_ALLOCATIONS} and {BY_TIME}")
    allocs_ok, good, bad, tied, gaps = [], 0, 0, 0, []
    for compiler in run.compilers():
        box = _w1(run, row_of(run, "box-it"), compiler)
        others = [c for r in non_allocating(run) if (c := _w1(run, r, compiler))]
        others = _without_frames(v, others)
        if box is None or not others:
            continue
        allocs = box.counter("allocs_per_call") or 0
        allocs_ok.append(abs(allocs - 1) < 0.01)
        # Against the row one would use instead: the fastest non-allocating one (and the
        # rows the rule cannot tell from it); every other row is counted beside.
        winners, _ = rule.fastest(others)
        cmp = rule.compare(box, winners[0])
        good += cmp.outcome == rule.GREATER
        bad += cmp.outcome == rule.LESS
        tied += cmp.outcome == rule.TIE
        slower = sum(rule.compare(box, c).outcome == rule.GREATER for c in others)
        v.cells += [label(box)] + [label(c) for c in winners]
        gaps.append(f"{compiler} {cmp.ratio:.2f}x")
        v.evidence.append(
            f"{compiler}: box {_ns(box)} with {allocs:.3f} allocations per call; fastest "
            f"non-allocating row{'s (tied under the rule)' if len(winners) > 1 else ''}: "
            f"{', '.join(f'{c.row} {_ns(c)}' for c in winners)}; {cmp.describe()}; box is slower "
            f"than {slower} of {len(others)} non-allocating rows under the rule")
    if allocs_ok:
        v.figure = "box / fastest non-allocating row: " + ", ".join(gaps)
        _conclude(v, [("one allocation per call", CONFIRMED if all(allocs_ok) else REFUTED),
                      ("noticeably slower than the non-allocating rows", tally(good, bad, tied))])
    return v


def c2(run: Run) -> Verdict:
    v = Verdict("C2", "caller cache allocates on the first call only (amortized to zero)",
                NOT_MEASURED, decided_by=BY_ALLOCATIONS, test=TEST_ALLOCATION_PROFILE)
    rows = [c for c in _cells(run, "async_iterator") if c.row in run.rows.of_design("caller-cache", every_form=True) and c.measured]
    rows = _without_frames(v, rows)
    if rows:
        worst = max(c.counter("allocs_per_call") or 0 for c in rows)
        v.cells = [label(c) for c in rows]
        v.verdict = CONFIRMED if worst < 0.001 else REFUTED
        v.figure = f"at most {worst:.2e} allocations per call"
        v.evidence.append(f"caller_cache rows on async_iterator: at most {worst:.2e} allocations per "
                          "call over millions of calls (the first call's allocation, amortized); "
                          "the conformance suite counts exactly 1 on the first call and 0 after")
    return v


def c3(run: Run) -> Verdict:
    v = Verdict("C3", "inline adds N bytes to the object and cannot serve two outstanding calls on "
                "one object", NOT_MEASURED, test=TEST_ONE_CALL_PER_OBJECT,
                decided_by="object size (sizeof, from the benchmark context); declared trait "
                f"(one call per object), the failure is shown by test {TEST_ONE_CALL_PER_OBJECT}")
    over = overheads(run)
    size_part = NOT_MEASURED
    inline = row_of(run, "inline-it")
    if inline in over:
        size_part = CONFIRMED if over[inline][0] >= INLINE_BYTES else REFUTED
        v.evidence.append(f"{inline} adds {over[inline][0]} bytes to every object "
                          f"(N = {INLINE_BYTES} plus its flag and cache-line alignment)")
    # One outstanding call is what inline allows: only 2 or more are about the claim.
    concurrent = [c for c in _cells(run, "concurrent_calls", row_of(run, "inline-it")) if _outstanding(c) >= 2]
    calls_part = NOT_MEASURED
    if concurrent:
        served = [c for c in concurrent if c.measured]
        calls_part = REFUTED if served else CONFIRMED
        v.cells = [label(c) for c in concurrent]
        v.evidence.append(f"2 or more outstanding calls on one object ({len(concurrent)} cells): "
                          f"{_status_summary(concurrent)}")
    one = [c for c in _cells(run, "concurrent_calls", row_of(run, "inline-it")) if _outstanding(c) == 1]
    if one:
        v.evidence.append(f"one outstanding call (allowed by the claim): {_status_summary(one)}")
    _conclude(v, [("adds N bytes to the object", size_part),
                  ("cannot serve two outstanding calls", calls_part)])
    return v


def c4(run: Run) -> Verdict:
    v = Verdict("C4", "callee cache adds a pointer to the object and keeps the cached memory alive "
                "until the object dies", NOT_MEASURED, test=TEST_CALLEE_BLOCK,
                decided_by=f"object size (sizeof) and {BY_ALLOCATIONS}; the block's lifetime is "
                f"shown by test {TEST_CALLEE_BLOCK}")
    over = overheads(run)
    rows = _without_frames(v, [c for c in _cells(run, "async_iterator", row_of(run, "callee-cache")) if c.measured])
    pointer = NOT_MEASURED
    if row_of(run, "callee-cache") in over:
        obj = over[row_of(run, "callee-cache")][0]
        pointer = CONFIRMED if obj == 8 else REFUTED
        v.evidence.append(f"callee_cache adds {obj} bytes to every object")
    kept = NOT_MEASURED
    if rows:
        allocs = max(c.counter("allocs_per_call") or 0 for c in rows)
        kept = CONFIRMED if allocs < 0.001 else REFUTED
        v.cells = [label(c) for c in rows]
        v.evidence.append(f"async_iterator: {allocs:.2e} allocations per call: the block is kept "
                          f"between calls; freed exactly when the object dies ({TEST_CALLEE_BLOCK}, "
                          "counted)")
    _conclude(v, [("adds a pointer", pointer), ("keeps the block until the object dies", kept)])
    return v


def c5(run: Run) -> Verdict:
    v = Verdict("C5", "max-space cannot be sized for separately compiled code (a plugin with a "
                "bigger frame) nor for recursion", NOT_MEASURED, test=TEST_TOO_BIG,
                decided_by=f"declared trait (the largest frame it holds); the failure is shown by "
                f"test {TEST_TOO_BIG}")
    plugin = _cells(run, "plugin", row_of(run, "maximal-space"))
    recursion = [c for w in RECURSION for c in _cells(run, w, row_of(run, "maximal-space"))]
    if plugin:
        v.evidence.append(f"plugin: {_status_summary(plugin)}")
    if recursion:
        v.evidence.append(f"recursion: {_status_summary(recursion)}")
    v.cells = [label(c) for c in plugin + recursion if not c.measured]
    plugin_part = (NOT_MEASURED if not plugin else
                   CONFIRMED if any(not c.measured for c in plugin) else REFUTED)
    recursion_part = (NOT_MEASURED if not recursion else
                      CONFIRMED if all(not c.measured for c in recursion) else REFUTED)
    _conclude(v, [("a plugin with a bigger frame", plugin_part), ("recursion", recursion_part)])
    return v


def c6(run: Run) -> Verdict:
    v = Verdict("C6", "fallback's allocation rate depends on the buffer size versus the "
                "distribution of frame sizes", NOT_MEASURED,
                decided_by="heap fallback counts per call (exact counts, no noise)")
    rates: dict[str, list[float]] = {}
    # Every fallback row of the run (a language may have several buffer sizes): the rate
    # then depends on the buffer at one distribution too.
    fallbacks = run.rows.of_design("some-space-fallback")
    for row in fallbacks:
        for c in _cells(run, "mixed_frames", row):
            if c.measured:
                key = f"{c.row} {c.args}" if len(fallbacks) > 1 else c.args
                rates.setdefault(key, []).append(c.counter("heap_fallbacks_per_call") or 0.0)
                v.cells.append(label(c))
    for args, r in sorted(rates.items()):
        v.evidence.append(f"mixed_frames {args}: {statistics.median(r):.3f} heap fallbacks per call")
    if len(rates) >= 2:
        values = [statistics.median(r) for r in rates.values()]
        v.verdict = CONFIRMED if max(values) - min(values) > 0.05 else REFUTED
        v.figure = f"heap fallbacks per call from {min(values):.2f} to {max(values):.2f}"
    return v


def c7(run: Run) -> Verdict:
    v = Verdict("C7", "caller-side alloca is incompatible with async frames", ARGUED,
                decided_by=BY_CONSTRUCTION)
    v.evidence.append("by construction: the frame size is known only inside the callee's ramp "
                      "(promise operator new), after the caller's own frame was sized; memory the "
                      "ramp could alloca dies with the ramp at the first suspension, while the "
                      "frame must live until the task is destroyed. No row can be built for it.")
    for workload in ("async_iterator", "async_iterator_suspending"):
        boxed = [c for c in _cells(run, workload, row_of(run, "box-it")) if c.measured and c.counter("frame_bytes")]
        sizes = ", ".join(f"{c.counter('frame_bytes'):.0f} B ({c.compiler})" for c in boxed)
        if sizes:
            v.evidence.append(f"the same source gives frames of different sizes per compiler, "
                              f"known only at run time: {workload} box {sizes}")
    return v


def c8(run: Run) -> Verdict:
    v = Verdict("C8", "side stack needs runtime support and fails (or must fall back) when frames "
                "do not die in LIFO order: escaping or concurrent futures", NOT_MEASURED,
                test=f"{TEST_NON_LIFO}, {TEST_OUTSIDE_TASK}",
                decided_by="declared trait (LIFO release only, needs a task runtime); the failure "
                f"is shown by tests {TEST_NON_LIFO} and {TEST_OUTSIDE_TASK}; served cells measured")
    # Futures destroyed in creation order (vector::clear): out of LIFO order.
    fifo = ([c for c in _cells(run, "concurrent_calls", row_of(run, "side-stack")) if _outstanding(c) >= 2]
            + _cells(run, "escaping_futures", row_of(run, "side-stack")))
    # The same calls with their futures destroyed newest first: in LIFO order.
    lifo = ([c for c in _cells(run, "concurrent_calls_lifo", row_of(run, "side-stack")) if _outstanding(c) >= 2]
            + _cells(run, "escaping_futures_lifo", row_of(run, "side-stack")))
    for compiler in run.compilers():
        loop = _w1(run, row_of(run, "side-stack"), compiler)
        if loop is not None:
            v.evidence.append(f"one call at a time (async_iterator, {compiler}): measured, {_ns(loop)}")
    fails_part = served_part = NOT_MEASURED
    if fifo:
        v.evidence.append(f"futures destroyed oldest first ({len(fifo)} cells): {_status_summary(fifo)}")
        fails_part = REFUTED if any(c.measured for c in fifo) else CONFIRMED
    if lifo:
        v.evidence.append(f"the same futures destroyed newest first ({len(lifo)} cells): "
                          f"{_status_summary(lifo)}")
        served_part = CONFIRMED if all(c.measured for c in lifo) else REFUTED
    else:
        v.evidence.append("concurrent_calls_lifo / escaping_futures_lifo are not in this run: "
                          "whether the side stack serves concurrent futures that die newest "
                          "first is not measured")
    v.cells = [label(c) for c in fifo + lifo]
    v.figure = (f"{sum(not c.measured for c in fifo)}/{len(fifo)} out-of-order cells fail, "
                f"{sum(c.measured for c in lifo)}/{len(lifo)} LIFO cells served")
    _conclude(v, [("fails where futures die out of LIFO order", fails_part),
                  ("served where the same futures die in LIFO order", served_part)])
    return v


def c9(run: Run) -> Verdict:
    v = Verdict("C9", "heap-allocated frames let recursion go far deeper than the native stack "
                "allows, at a cost per call", NOT_MEASURED,
                decided_by=f"depth counters: box's reached depth over the native overflow depth "
                f"(> {FAR_DEEPER:.0f}x is far deeper)")
    synchronous = run.rows.with_role(SYNCHRONOUS_LIMIT)
    sync = {c.compiler: c for c in _cells(run, "recursion_sync")
            if c.counter("overflow_depth") and c.row in synchronous}
    reach = [c for c in _cells(run, "recursion_reach", row_of(run, "box-it")) if c.measured and c.counter("depth")]
    source = "recursion_reach"
    # A box whose calls nest on the native stack (Rust: a future polls the one it awaits)
    # has an overflow search of its own beside the synchronous one: how deep it goes is
    # where it overflows.
    own = {c.compiler: c for c in _cells(run, "recursion_sync", row_of(run, "box-it"))
           if c.counter("overflow_depth")}
    if not reach and own:
        source = "its own overflow search (recursion_sync): its calls nest on the native stack"
        reach = list(own.values())
    if not reach:
        # Older runs: the deepest cell of the recursion sweep, which stops where the sweep does.
        source = "the recursion sweep's deepest cell (recursion_reach is not in this run)"
        deepest: dict[str, Cell] = {}
        for w in RECURSION:
            for c in _cells(run, w, row_of(run, "box-it")):
                if c.measured and c.counter("depth") and (
                        c.compiler not in deepest or c.counter("depth") > deepest[c.compiler].counter("depth")):
                    deepest[c.compiler] = c
        reach = list(deepest.values())
    multiples = []
    for box in reach:
        native = sync.get(box.compiler) or next(iter(sync.values()), None)
        if native is None:
            continue
        searched = box.workload == "recursion_sync"  # a search, not a timed recursion
        depth = box.counter("overflow_depth") if searched else box.counter("depth")
        overflow = native.counter("overflow_depth")
        multiples.append(depth / overflow)
        v.cells += [label(box), label(native)]
        v.evidence.append(f"{box.compiler}: box reaches {depth:,.0f} levels ({source}), "
                          f"{depth / overflow:.1f}x the synchronous overflow depth of an 8 MiB "
                          f"stack ({overflow:,.0f} levels)" + ("" if searched else f"; {_ns(box)} per level"))
    if multiples:
        v.figure = "box depth / native overflow depth: " + ", ".join(f"{m:.1f}x" for m in multiples)
        v.verdict = (CONFIRMED if all(m > FAR_DEEPER for m in multiples) else
                     PARTLY if all(m > 1 for m in multiples) else REFUTED)
        if v.verdict == PARTLY:
            v.evidence.append(f"deeper than the native stack, but not more than {FAR_DEEPER:.0f}x "
                              "(what a bigger native stack would give) in this run")
    return v


def c10(run: Run) -> Verdict:
    """Judged at every depth under the rule; instruction counts shown beside where callgrind
    measured them (they never decide on their own)."""
    v = Verdict("C10", "a bump/LIFO side stack makes recursive async calls cheaper than boxing "
                "each frame", NOT_MEASURED, decided_by=f"{BY_TIME}; instruction counts shown")
    good = bad = tied = 0
    ratios = []
    for compiler in run.compilers():
        for workload in RECURSION:
            boxes = {c.args: c for c in _cells(run, workload, row_of(run, "box-it"), compiler) if c.measured}
            sides = {c.args: c for c in _cells(run, workload, row_of(run, "side-stack"), compiler) if c.measured}
            common = sorted(set(boxes) & set(sides), key=lambda a: sorted(numeric_args(a).items()))
            texts = []
            for args in common:
                cmp = rule.compare(sides[args], boxes[args])
                good += cmp.outcome == rule.LESS
                bad += cmp.outcome == rule.GREATER
                tied += cmp.outcome == rule.TIE
                ratios.append(cmp.ratio)
                v.cells += [label(sides[args]), label(boxes[args])]
                texts.append(f"{args}: {cmp.describe()}")
            if texts:
                v.evidence.append(f"{workload} ({compiler}): " + "; ".join(texts))
    if ratios:
        v.figure = (f"side_stack / box from {min(ratios):.2f}x to {max(ratios):.2f}x; cheaper in "
                    f"{good} of {len(ratios)} cells")
        v.verdict = tally(good, bad, tied)
        if v.verdict == PARTLY:
            v.evidence.append(f"cheaper in {good} cells, dearer in {bad}, tied in {tied}")
    return v


def c11(run: Run) -> Verdict:
    v = Verdict("C11", "no fixed-size buffer can serve recursion through dynamic dispatch: the "
                "depth it reaches is buffer / frame size", NOT_MEASURED, test=TEST_TOO_BIG,
                decided_by="declared trait (the buffer's size) for the sweep; depth counters of "
                "recursion_fixed_buffer for the depth reached")
    fixed = [c for w in RECURSION for c in _cells(run, w, row_of(run, "maximal-space"))]
    for workload in RECURSION:
        for row in (row_of(run, "maximal-space"), row_of(run, "inline-it")):
            cells = _cells(run, workload, row)
            if cells:
                v.evidence.append(f"{workload} / {row}: {_status_summary(cells)}")
    if any(c.row == row_of(run, "inline-it") for w in RECURSION for c in _cells(run, w)):
        v.evidence.append("inline is no fixed buffer for the chain: it keeps one slot per object, "
                          "and each level of the chain calls another object, so the storage grows "
                          "with the objects (it fails only where one object is re-entered: "
                          "recursion_fib)")
    serve_part = (NOT_MEASURED if not fixed else
                  REFUTED if any(c.measured for c in fixed) else CONFIRMED)
    v.cells = [label(c) for c in fixed]
    depth_part = NOT_MEASURED
    reached = [c for c in _cells(run, "recursion_fixed_buffer") if c.measured]
    results = []
    for c in reached:
        buffer = numeric_args(c.args).get("buffer_bytes")
        depth, frame = c.counter("depth_reached"), c.counter("frame_bytes")
        if buffer is None or depth is None or not frame:
            continue
        expected = buffer / frame
        results.append(abs(depth - expected) <= 1)
        v.cells.append(label(c))
        v.evidence.append(f"{c.row} {c.args} ({c.compiler}): reached {depth:.0f} levels; buffer / "
                          f"frame = {buffer:.0f} / {frame:.0f} = {expected:.1f}")
    if results:
        depth_part = CONFIRMED if all(results) else PARTLY if any(results) else REFUTED
        v.figure = f"depth = buffer / frame size within one frame in {sum(results)} of {len(results)} cells"
    else:
        v.evidence.append("recursion_fixed_buffer is not in this run: the depth a fixed buffer "
                          "reaches is not measured")
    _conclude(v, [("no fixed buffer serves the recursion", serve_part),
                  ("the depth reached is buffer / frame size", depth_part)])
    return v


def c12(run: Run) -> Verdict:
    v = Verdict("C12", "the thread-local (Local) form of a strategy is cheaper than its "
                "thread-safe (Sendable) form, and only the latter survives futures that move "
                "between threads", NOT_MEASURED, test=TEST_CROSSING,
                decided_by=f"{BY_TIME} for the cost, instruction counts shown; declared trait for "
                f"crossing threads, the failure is shown by tests {TEST_CROSSING}")
    good = bad = tied = 0
    diffs, instr = [], []
    per_compiler = []
    for compiler in run.compilers():
        mine, differ = [], 0
        for local_row, sendable_row in run.rows.pairs_of_forms():
            base = run.rows.family(local_row)
            local, send = _w1(run, local_row, compiler), _w1(run, sendable_row, compiler)
            if local is None or send is None:
                continue
            if not (has_frame(local) and has_frame(send)):
                _without_frames(v, [local, send])
                continue
            cmp = rule.compare(send, local)
            good += cmp.outcome == rule.GREATER
            bad += cmp.outcome == rule.LESS
            tied += cmp.outcome == rule.TIE
            differ += cmp.differ
            mine.append(send.median_ns - local.median_ns)
            if cmp.instr_ratio is not None:
                instr.append(send.counter("instructions_per_call") - local.counter("instructions_per_call"))
            v.cells += [label(local), label(send)]
            v.evidence.append(f"{base} ({compiler}): {cmp.describe()}")
        if mine:
            diffs += mine
            per_compiler.append(f"{compiler} {statistics.median(mine):+.2f} ns ({differ} of "
                                f"{len(mine)} pairs differ)")
    cost_part = tally(good, bad, tied)
    if diffs:
        text = "Sendable - Local, median: " + ", ".join(per_compiler)
        if instr:
            text += (f"; instructions Sendable - Local from {min(instr):+.0f} to {max(instr):+.0f} "
                     f"(median {statistics.median(instr):+.0f})")
        v.figure = text
        v.evidence.append(f"{text}; {good + bad} of {len(diffs)} pairs differ under the rule, "
                          f"median {statistics.median(diffs):+.2f} ns (the cost of the atomic "
                          "read-modify-write the Sendable form pays, where the clock sees it)")
    crossing = [c for c in _cells(run, "threads") if run.rows.get(c.row) and run.rows.get(c.row).form == "local"]
    cross_part = NOT_MEASURED
    if crossing:
        failing = [c for c in crossing if not c.measured]
        cross_part = CONFIRMED if len(failing) == len(crossing) else REFUTED
        v.evidence.append(f"threads: {len(failing)} of {len(crossing)} Local-form cells unsupported "
                          f"({failing[0].status if failing else 'all measured'}); declared, shown "
                          f"by {TEST_CROSSING}")
    _conclude(v, [("Local cheaper than Sendable", cost_part),
                  ("only Sendable crosses threads (declared)", cross_part)])
    return v


def c13(run: Run) -> Verdict:
    v = Verdict("C13", "a cache can lose to a good general-purpose allocator (Rust: about 13 ns "
                "per boxed call with glibc vs 14 ns with a recycled box)", NOT_MEASURED,
                decided_by=f"{BY_TIME}; one compiler where a cache is slower than an allocator "
                "confirms 'can'")
    loses = beats = ties = 0
    figures = []
    for compiler in run.compilers():
        in_process = [c for r in allocators(run) if (c := _w1(run, r, compiler))]
        wholes = [c for r in whole_process_allocators(run) if (c := _w1(run, r, compiler))]
        others_than_box = [c for c in in_process if run.rows.get(c.row).role != REFERENCE]
        for whole in wholes:
            if not others_than_box:
                in_process.append(whole)
                v.evidence.append(f"{compiler}: no in-process custom allocator row in this run; the "
                                  f"preloaded {whole.row} (another process) stands in for it")
            else:
                v.evidence.append(f"{compiler}: whole-process {whole.row} {_ns(whole)} "
                                  "(listed, not deciding)")
        allocator_cells = _without_frames(v, in_process)
        cache_cells = _without_frames(v, [c for r in caches(run) if (c := _w1(run, r, compiler))])
        if not allocator_cells or not cache_cells:
            continue
        lines = []
        for cache in cache_cells:
            for alloc in allocator_cells:
                cmp = rule.compare(cache, alloc)
                loses += cmp.outcome == rule.GREATER
                beats += cmp.outcome == rule.LESS
                ties += cmp.outcome == rule.TIE
                lines.append(cmp.describe())
        v.cells += [label(c) for c in cache_cells + allocator_cells]
        best_cache = min(cache_cells, key=lambda c: c.median_ns)
        best_alloc = min(allocator_cells, key=lambda c: c.median_ns)
        figures.append(f"{compiler}: best cache {best_cache.row} {_ns(best_cache)} vs best "
                       f"allocator {best_alloc.row} {_ns(best_alloc)} "
                       f"({best_cache.median_ns / best_alloc.median_ns:.2f}x)")
        v.evidence.append(f"{compiler}: " + "; ".join(lines))
    if loses + beats + ties:
        v.figure = "; ".join(figures) + (f"; pairs: {loses} cache slower, {ties} tied, "
                                          f"{beats} cache faster")
        v.evidence.append(f"{loses} cache/allocator pairs where the cache is slower, {ties} tied, "
                          f"{beats} where the cache is faster")
        v.verdict = CONFIRMED if loses else REFUTED if not ties else INCONCLUSIVE
    return v


def _fits(c: Cell) -> bool:
    """fallback_local placed its frame in the caller's buffer (no heap fallback)."""
    return (c.counter("heap_fallbacks_per_call") or 0) < 0.5


def _max_space(run: Run, workload: str, args: str, compiler: str) -> Cell | None:
    """The max-space cell a fallback is held against: the one max-space row's, or where a
    language has several (buffers of several sizes), the fastest measured one under the
    rule, or an unsupported one when none is measured."""
    found = [c for r in run.rows.of_design("maximal-space")
             if (c := run.cells.get((workload, r, args, compiler))) is not None]
    measured = [c for c in found if c.measured]
    if measured:
        return rule.fastest(measured)[0][0] if len(measured) > 1 else measured[0]
    return found[0] if found else None


def c14(run: Run) -> Verdict:
    v = Verdict("C14", "'caller provides scratch space, box as fallback' captures most of the "
                "benefit of max-space without its failure mode", NOT_MEASURED,
                decided_by=f"{BY_TIME}; instruction counts within {ABOUT_BOX_INSTRUCTIONS:.1f}x "
                "of box also count as 'about box'; declared trait where max-space fails")
    gain_good = gain_bad = gain_tied = 0
    box_good = box_bad = 0
    gain_lines, box_lines, serve = [], [], []
    fallbacks = run.rows.of_design("some-space-fallback")
    for compiler in run.compilers():
        for workload in ("async_iterator", "frame_size", "plugin") + RECURSION:
            cells = [c for row in fallbacks for c in _cells(run, workload, row, compiler)]
            # Where a language has several fallback rows (buffers of several sizes), the gain
            # is judged on the fastest that fits, under the rule: the one a caller would pick.
            best: dict[str, Cell] = {}
            for args in {c.args for c in cells}:
                fitting = [c for c in cells if c.args == args and c.measured and _fits(c)]
                if fitting:
                    best[args] = rule.fastest(fitting)[0][0] if len(fitting) > 1 else fitting[0]
            for fb in cells:
                ms = _max_space(run, workload, fb.args, compiler)
                box = run.cells.get((workload, row_of(run, "box-it"), fb.args, compiler))
                if not fb.measured:
                    if ms is not None and not ms.measured:
                        serve.append((fb, False))
                    continue
                if ms is not None and not ms.measured:
                    serve.append((fb, True))
                if _fits(fb) and ms is not None and ms.measured and best.get(fb.args) is fb:
                    # Where the frame fits: the benefit of max-space, kept?
                    cmp = rule.compare(fb, ms)
                    gain_good += cmp.outcome == rule.LESS
                    gain_bad += cmp.outcome == rule.GREATER
                    gain_tied += cmp.outcome == rule.TIE
                    gain_lines.append(f"{workload} {fb.args} ({compiler}): {cmp.describe()}")
                    v.cells += [label(fb), label(ms)]
                elif not _fits(fb) and box is not None and box.measured:
                    # Where the buffer does not fit: fallback must cost about what box costs.
                    cmp = rule.compare(fb, box)
                    about = cmp.outcome != rule.GREATER or (
                        cmp.instr_ratio is not None and cmp.instr_ratio <= ABOUT_BOX_INSTRUCTIONS)
                    box_good += about
                    box_bad += not about
                    box_lines.append(f"{workload} {fb.args} ({compiler}): {cmp.describe()}"
                                     + ("" if about else " -- costs more than box"))
                    v.cells += [label(fb), label(box)]
    # A tie with max-space keeps its benefit: only a fallback slower than max-space loses it.
    gain_part = tally(gain_good + gain_tied, gain_bad, 0)
    box_part = tally(box_good, box_bad, 0)
    serve_part = (NOT_MEASURED if not serve else
                  CONFIRMED if all(ok for _, ok in serve) else REFUTED if not any(ok for _, ok in serve) else PARTLY)
    if gain_lines:
        v.evidence.append(f"where the frame fits the buffer, fallback vs max-space (kept in "
                          f"{gain_good + gain_tied} of {len(gain_lines)} cells): " + "; ".join(gain_lines))
    if serve:
        v.evidence.append(f"where max-space fails, fallback serves {sum(ok for _, ok in serve)} of "
                          f"{len(serve)} cells: " + ", ".join(label(c) for c, _ in serve))
    if box_lines:
        v.evidence.append(f"where the buffer does not fit, fallback vs box (about box in {box_good} of "
                          f"{len(box_lines)} cells): " + "; ".join(box_lines))
        v.figure = f"fallback costs about box in {box_good} of {box_good + box_bad} cells that do not fit"
    _conclude(v, [("keeps max-space's gain where the frame fits", gain_part),
                  ("serves where max-space fails", serve_part),
                  ("costs about what box costs where the buffer does not fit", box_part)])
    return v


def _sized_for_the_future(run: Run, rows: list[str], compiler: str) -> set[str]:
    """Of several max-space rows, the ones sized as the claim means them: per placement (in
    the caller's storage or in the returned value, declared), the smallest declared buffer
    that serves W1. A single row is always the one."""
    if len(rows) <= 1:
        return set(rows)
    smallest: dict[bool, tuple[int, str]] = {}
    for row in rows:
        if _w1(run, row, compiler) is None:
            continue
        info = run.rows.info(row)
        where = bool(info.trait("frames_in_caller_storage"))
        size = info.trait("max_frame_bytes") or 0
        if where not in smallest or (size, row) < smallest[where]:
            smallest[where] = (size, row)
    return {row for _, row in smallest.values()}


def c15(run: Run) -> Verdict:
    v = Verdict("C15", "max-space storage is worth it in tight inner loops where allocation cost "
                "matters (stackfuture's claim)", NOT_MEASURED, decided_by=BY_TIME)
    good = bad = tied = 0
    gains = []
    # Every max-space row (one in C++; Rust has stackfuture's buffers of several sizes and
    # the in-place slot) against box: the smallest buffer of each placement that holds the
    # future decides, the larger ones are listed.
    max_space = run.rows.of_design("maximal-space")
    for compiler in run.compilers():
        deciding = _sized_for_the_future(run, max_space, compiler)
        for row in max_space:
            box, ms = _w1(run, row_of(run, "box-it"), compiler), _w1(run, row, compiler)
            if box is None or ms is None:
                continue
            if row not in deciding:
                cmp = rule.compare(ms, box)
                v.evidence.append(f"{compiler}: {cmp.describe()} (a larger buffer than the future "
                                  "needs: listed, not deciding)")
                continue
            if not (has_frame(box) and has_frame(ms)):
                _without_frames(v, [box, ms])
                continue
            cmp = rule.compare(ms, box)
            good += cmp.outcome == rule.LESS
            bad += cmp.outcome == rule.GREATER
            tied += cmp.outcome == rule.TIE
            gains.append(f"{compiler} {box.median_ns / ms.median_ns:.2f}x"
                         + (f" ({ms.row})" if len(max_space) > 1 else ""))
            v.cells += [label(ms), label(box)]
            v.evidence.append(f"{compiler}: {cmp.describe()}; {ms.row} makes "
                              f"{ms.counter('allocs_per_call') or 0:.3f} allocations per call")
    if gains:
        v.figure = "box / max-space row: " + ", ".join(gains)
        v.verdict = tally(good, bad, tied)
    return v


CHECKS = (c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15)
# The claims the sources make about Rust (issue 16): judged on each language's rows alone
# when the run has cells in more than one language. The others are about C++ coroutines
# (or argued) and are judged on the C++ rows.
PER_LANGUAGE = ("C1", "C2", "C6", "C9", "C10", "C14", "C15")


def verdict_text(v: Verdict) -> str:
    """The verdict as the report prints it: with the language each part holds in when the
    claim was judged in more than one ("confirmed (C++), inconclusive (Rust)")."""
    per_language = getattr(v, "languages", None) or {}
    if len(per_language) > 1:
        return ", ".join(f"{s} ({lang})" for lang, s in per_language.items())
    if getattr(v, "only_language", ""):
        return f"{v.verdict} ({v.only_language} only)"
    return v.verdict


def combine_languages(per_language: dict[str, str]) -> str:
    """One verdict for a claim judged per language: a language with no cells for it is left
    out; the same verdict everywhere is that verdict; a claim that fails in one language
    and holds in another is partly; otherwise the parts combine as a claim's parts do."""
    measured = {lang: s for lang, s in per_language.items() if s != NOT_MEASURED}
    if not measured:
        return NOT_MEASURED
    if len(set(measured.values())) == 1:
        return next(iter(measured.values()))
    return combine(list(measured.items()))[0]


def _merge(claim: str, per_language: dict[str, Verdict]) -> Verdict:
    first = next(iter(per_language.values()))
    v = Verdict(claim, first.text, NOT_MEASURED, decided_by=first.decided_by, test=first.test)
    figures = []
    for lang, part in per_language.items():
        v.languages[lang] = part.verdict
        if part.verdict == NOT_MEASURED:
            v.evidence.append(f"{lang}: not measured: this run has no {lang} cells this claim is about.")
            continue
        v.evidence += [f"{lang}: {line}" for line in part.evidence]
        v.cells += part.cells
        if part.figure:
            figures.append(f"{lang}: {part.figure}")
    v.verdict = combine_languages(v.languages)
    v.figure = "; ".join(figures)
    return v


def check_all(run: Run) -> list[Verdict]:
    machine = machine_of(run)
    present = run.languages_present()
    home = CPP if CPP in present else (present[0] if present else CPP)
    views = {lang: languages.view(run, lang) for lang in present}
    verdicts = []
    for check in CHECKS:
        v = check(views.get(home, run))
        if len(present) > 1 and v.claim in PER_LANGUAGE:
            v = _merge(v.claim, {lang: (v if lang == home else check(views[lang])) for lang in present})
        else:
            v.languages = {home: v.verdict}
            if len(present) > 1:
                v.only_language = home
                v.evidence.append(f"judged on the {home} rows only (the claims judged in every "
                                  f"language are {', '.join(PER_LANGUAGE)})")
        v.machine = machine
        verdicts.append(v)
    return verdicts
