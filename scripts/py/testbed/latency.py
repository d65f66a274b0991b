"""Latency distributions (issue 18): the latency pass's percentiles of a cell, as
results.json's `latency_ns` object, and what the report says about them: the rows whose
tail is far from their median and the counted events of the same cell beside them, and the
rows whose tails differ while their medians tie under the rule (rule.py).

The metrics are the manifest's (pass "latency", harness/metrics.hpp); a metric's field in
`latency_ns` is its name without the "latency_" prefix and the "_ns" suffix (p50, p90, p99,
p999, max, samples, timer_overhead, batch_calls).

Which path a far tail's slow calls took comes from the counting pass of the same cell (the
counting build runs the same loop with the split probe, harness/latency_events.hpp: every
sample sorted by whether operator new was called or a frame went to the heap during it):
the slow_path_* metrics, counting metrics of the manifest whose names start with SPLIT."""

from __future__ import annotations

from dataclasses import dataclass

from . import rule
from . import rows as roles
from .results import Cell, Run

PASS = "latency"
# The points of the percentile curve, in order: (field, percentile; None for the max).
POINTS = (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p999", 99.9), ("max", None))
# A tail "far" from the median: p99 more than this many times p50 (both less the timer's
# share), where a slow path taken by 1% or more of the calls shows.
FAR_TAIL = 3.0
# The fewest samples whose p99 says something: 1,000 samples put 10 above the p99 (a deep
# recursion's cell has one sample per top-level call: a handful, whose "p99" is its max).
MIN_SAMPLES = 1000
# The counted events (counting pass, same cell) that name the path slow calls took.
TAIL_EVENTS = ("heap_fallbacks_per_call", "allocs_per_call", "frames_per_call")
# The counting pass's split of its samples (harness/metrics.hpp): the metrics whose names
# start with SPLIT or FAST; the latency section shows them, the table of every cell not.
SPLIT = "slow_path_"
FAST = "fast_path_"
# A far tail is explained by the slow path when at least this share of the samples above
# the counting pass's p99 took it (and some, not all, samples did): most of the tail is
# the counted path.
EXPLAINED = 0.5
# Every sample took the slow path (box: an allocation per call): no path separates the tail.
ALL_SLOW = 0.99
# Fewer slow-path samples than this share (a first call's miss among 10^5 samples) cannot
# make a p99.
RARE = 0.001


def is_split_metric(name: str) -> bool:
    return name.startswith((SPLIT, FAST))


def field_of(metric: str) -> str:
    """latency_p50_ns -> p50, latency_batch_calls -> batch_calls."""
    name = metric[len("latency_"):] if metric.startswith("latency_") else metric
    return name[: -len("_ns")] if name.endswith("_ns") else name


def latency_object(run: Run, cell: Cell) -> dict[str, float] | None:
    """The cell's `latency_ns` object, or None when the latency pass did not measure it."""
    out = {}
    for metric in run.rows.metrics_of(PASS):
        value = cell.counter(metric)
        if value is not None:
            out[field_of(metric)] = value
    return out or None


def counters_from_object(run: Run, obj: dict) -> dict[str, list[float]]:
    """The cell counters a `latency_ns` object stands for (results file back into a Run)."""
    out = {}
    for metric in run.rows.metrics_of(PASS):
        value = obj.get(field_of(metric)) if isinstance(obj, dict) else None
        if isinstance(value, (int, float)):
            out[metric] = [float(value)]
    return out


def point(run: Run, cell: Cell, name: str) -> float | None:
    obj = latency_object(run, cell)
    return None if obj is None else obj.get(name)


def net(run: Run, cell: Cell, name: str) -> float | None:
    """A percentile less the timer's share of each sample (never below 0)."""
    value, overhead = point(run, cell, name), point(run, cell, "timer_overhead")
    if value is None:
        return None
    return max(0.0, value - (overhead or 0.0))


@dataclass(frozen=True)
class Tail:
    """A row whose p99 is far from its p50, with the counted events of the same cell."""
    cell: Cell
    p50: float
    p99: float
    events: dict[str, float]  # TAIL_EVENTS the counting pass measured for the cell
    split: dict[str, float] | None = None  # the counting pass's slow_path_* metrics of the cell

    @property
    def ratio(self) -> float:
        return self.p99 / self.p50 if self.p50 > 0 else float("inf")

    def path(self) -> str:
        """The slow path the counted events name."""
        fallbacks = self.events.get("heap_fallbacks_per_call")
        if fallbacks is not None and fallbacks > 0:
            return "the heap fallback"
        return "an allocation (a cache miss, a segment grown, a first call)"

    @property
    def explained(self) -> bool:
        """Whether the counting pass's split shows the tail is the counted slow path."""
        sp = self.split or {}
        share, above = sp.get(SPLIT + "share"), sp.get(SPLIT + "above_p99")
        return (share is not None and 0 < share < ALL_SLOW and above is not None
                and above >= EXPLAINED)

    def explanation(self) -> str:
        """What the counted events say about the path of the slow calls: the counting
        pass's split of the same cell's samples when the run has it, else the per-call
        counts."""
        sp = self.split or {}
        share = sp.get(SPLIT + "share")
        if share is not None:
            return self._from_split(sp, share)
        return "per-call counts only (no split in this run): " + self._from_counts()

    def _from_split(self, sp: dict[str, float], share: float) -> str:
        above, slowest = sp.get(SPLIT + "above_p99"), sp.get(SPLIT + "in_slowest")
        slow_p50, fast_p50 = sp.get(SPLIT + "p50_ns"), sp.get(FAST + "p50_ns")
        medians = (f"; their p50 {slow_p50:.1f} ns against {fast_p50:.1f} ns for the others"
                   if slow_p50 is not None and fast_p50 is not None else "")
        above_text = (f"{above:.0%} of the samples above that pass's p99 took it"
                      if above is not None else "the slowest 1% share the p99's bucket")
        if share >= ALL_SLOW:
            return (f"every sample allocated ({share:.1%} of them; "
                    f"{self.events.get('allocs_per_call', 0):.2f} allocations per call): no path "
                    "separates the tail, it is the allocator's (or the machine's) own variance")
        slow = sp.get(SPLIT + "samples") or 0
        if share < RARE:
            first = (f" ({slow:.0f} sample{'s' if slow != 1 else ''}, the first call's cache miss "
                     f"or set-up: {slow_p50:.0f} ns)" if slow and slow_p50 is not None else "")
            return (f"almost no sample of the counting pass allocated or fell back to the heap"
                    f"{first}: the tail is not a placement path (suspension, scheduling, the machine)")
        ranked = (f", {slowest:.0%} of its slowest {share:.1%}" if slowest is not None else "")
        if self.explained:
            return (f"**{self.path()}**: {share:.1%} of the samples took it in the counting pass "
                    f"of the same cell (the same loop timed, the counters read around each "
                    f"sample); {above_text}{ranked}{medians}")
        return (f"not the counted path: {share:.1%} of the samples took {self.path()}, but "
                f"{above_text}{ranked}{medians}: the tail is something else (suspension, "
                "scheduling, the machine)")

    def _from_counts(self) -> str:
        fallbacks = self.events.get("heap_fallbacks_per_call")
        allocs = self.events.get("allocs_per_call")
        frames = self.events.get("frames_per_call")
        if fallbacks is not None and fallbacks >= 0.01:
            return (f"{fallbacks:.1%} of the calls sent their frame to the heap: the slow calls "
                    "took the heap fallback")
        if allocs is not None and frames is not None and frames > 0 and 0.01 <= allocs < 0.99 * frames:
            return (f"{allocs:.3f} allocations per call for {frames:.3f} frames: the calls that "
                    "allocate (a cache miss, a segment grown) are the slow ones")
        if allocs is not None and allocs >= 0.99:
            return (f"every call allocates ({allocs:.2f} per call): the tail is the allocator's "
                    "own slow path")
        if frames is not None and frames < 0.5:
            return "no frame per call: the tail is not a placement (suspension, scheduling, the machine)"
        return "no counted event explains it: not a placement path (suspension, scheduling, the machine)"


def request_percentiles(run: Run, cell: Cell | None) -> str:
    """A loopback request's p50 / p99 / p99.9 in us (as wrk reports them), or n/a."""
    values = [point(run, cell, f) for f in ("p50", "p99", "p999")] if cell else [None]
    if any(v is None for v in values):
        return "n/a"
    return " / ".join(f"{v / 1000:.1f}" for v in values)


def split_metrics(run: Run) -> tuple[str, ...]:
    """The counting pass's slow_path_* metrics the run's manifest declares."""
    return tuple(m for m in run.rows.metrics_of("counting") if is_split_metric(m))


def enough_samples(run: Run, cell: Cell) -> bool:
    return (point(run, cell, "samples") or 0) >= MIN_SAMPLES


def far_tails(run: Run, cells: list[Cell], factor: float = FAR_TAIL) -> list[Tail]:
    """The cells with enough samples whose p99 exceeds factor x p50 (each less the timer's
    share)."""
    out = []
    for c in cells:
        if not c.measured or not enough_samples(run, c):
            continue
        p50, p99 = net(run, c, "p50"), net(run, c, "p99")
        if p50 is None or p99 is None or p50 <= 0 or p99 <= factor * p50:
            continue
        events = {e: v for e in TAIL_EVENTS if (v := c.counter(e)) is not None}
        split = {m: v for m in split_metrics(run) if (v := c.counter(m)) is not None}
        out.append(Tail(c, p50, p99, events, split))
    return out


def _fmt(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def far_tail_lines(tails: list[Tail]) -> list[str]:
    """The report's far-tails table: each far tail beside the counted events of the same
    cell (per call, and the counting pass's split of its samples), the path they name, and
    a line saying how many tails the counted slow path explains."""
    if not tails:
        return []
    lines = ["", f"### Far tails (p99 more than {FAR_TAIL:g}x p50, the timer's share taken off both; "
             f"cells with {MIN_SAMPLES:,} samples or more)", "",
             "Which path the slow calls took, from the counting pass of the same cell: the counting "
             "build runs the same loop with the same probe and reads the allocation and heap-fallback "
             "counters (every thread) before and after each sample, so that each sample is known to "
             "have allocated or not (`slow_path_*` in results.json; its times include the "
             "bookkeeping, so only its split and ranks are compared here, not its ns). "
             f"A tail is explained when {EXPLAINED:.0%} or more of that pass's samples above its p99 "
             "took the slow path.", "",
             "| row | compiler | args | p50 ns | p99 ns | heap fallbacks/call | allocs/call | "
             "slow-path samples | slow above p99 | slow in slowest | slow / fast p50 ns | the slow calls |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for t in tails:
        c, sp = t.cell, t.split or {}
        medians = (f"{_fmt(sp.get(SPLIT + 'p50_ns'), 1)} / {_fmt(sp.get(FAST + 'p50_ns'), 1)}"
                   if sp else "n/a")
        share = sp.get(SPLIT + "share")
        lines.append(f"| {c.row} | {c.compiler} | {c.args} | {t.p50:.1f} | {t.p99:.1f} | "
                     f"{_fmt(t.events.get('heap_fallbacks_per_call'), 3)} | "
                     f"{_fmt(t.events.get('allocs_per_call'), 3)} | "
                     f"{'n/a' if share is None else f'{share:.1%}'} | "
                     f"{_fmt(sp.get(SPLIT + 'above_p99'), 2)} | {_fmt(sp.get(SPLIT + 'in_slowest'), 2)} | "
                     f"{medians} | {t.explanation()} |")
    explained = [t for t in tails if t.explained]
    lines += ["", f"{len(explained)} of {len(tails)} far tails explained by a counted slow path"
              + (": " + "; ".join(f"{t.cell.row} ({t.cell.compiler}, {t.cell.args}): {t.path()}, "
                                   f"{t.split[SPLIT + 'share']:.1%} of the samples, "
                                   f"{t.split[SPLIT + 'above_p99']:.0%} of those above p99"
                                   for t in explained[:8])
                 + (f"; and {len(explained) - 8} more" if len(explained) > 8 else "") + "."
                 if explained else ".")]
    return lines


# Issue 18's check of the method: on the synchronous limit, p50 less the timer's share is
# within this factor of the timing pass's mean ns per call.
TIMER_CHECK = 2.0


@dataclass(frozen=True)
class TimerCheck:
    """The synchronous limit's p50 (the timer's share off) against its mean, one cell."""
    cell: Cell
    empty_region_ns: float  # the timer's cost on an empty region (one sample's share)
    net_p50: float
    mean: float

    @property
    def ratio(self) -> float:
        return self.net_p50 / self.mean if self.mean > 0 else float("inf")

    @property
    def holds(self) -> bool:
        return 1 / TIMER_CHECK <= self.ratio <= TIMER_CHECK


def timer_checks(run: Run, cells: list[Cell]) -> list[TimerCheck]:
    """Every measured cell of a synchronous-limit row with a latency pass."""
    limits = set(run.rows.with_role(roles.SYNCHRONOUS_LIMIT))
    out = []
    for c in cells:
        if c.row not in limits or not c.measured:
            continue
        p50, overhead, batch = (point(run, c, f) for f in ("p50", "timer_overhead", "batch_calls"))
        if p50 is None or overhead is None:
            continue
        out.append(TimerCheck(c, overhead * (batch or 1), net(run, c, "p50"), c.median_ns))
    return out


def timer_lines(run: Run, cells: list[Cell]) -> list[str]:
    """What the timer costs (an empty region, per compiler) and the check of the method on
    the synchronous limit: its p50 less the timer's share against its mean ns per call."""
    by_compiler: dict[str, set[float]] = {}
    for c in cells:
        overhead, batch = point(run, c, "timer_overhead"), point(run, c, "batch_calls")
        if overhead is not None:
            by_compiler.setdefault(c.compiler, set()).add(round(overhead * (batch or 1), 1))
    if not by_compiler:
        return []
    lines = ["", "The timer (`harness/cycle_timer.hpp`): an empty timed region costs "
             + ", ".join(f"{'/'.join(f'{v:.1f}' for v in sorted(vs))} ns ({comp})"
                         for comp, vs in sorted(by_compiler.items()))
             + " (the median of 10,000, measured once per process), shared by the calls of a sample."]
    checks = timer_checks(run, cells)
    if checks:
        lines.append("")
        lines.append(f"The method's check on the synchronous limit (p50 less the timer's share within "
                     f"{TIMER_CHECK:g}x of the timing pass's mean): "
                     + "; ".join(f"{k.cell.row} {k.cell.compiler} {k.cell.args}: {k.net_p50:.2f} ns "
                                 f"against {k.mean:.2f} ns ({k.ratio:.2f}x, "
                                 f"{'holds' if k.holds else '**does not hold**'}; fastest repetition "
                                 f"{k.cell.min_ns:.2f} ns)" for k in checks)
                     + ". A mean absorbs every preemption of its repetition, a median of samples "
                       "does not: on a loaded machine the mean grows and the check fails on the "
                       "mean's side (compare the fastest repetition).")
    return lines


# The slow path is "the slowest calls" of a cell when at least this share of the slowest
# slow_path_share of its counting-pass samples took it.
SEPARATED = 0.8


def slow_path_cells(run: Run, cells: list[Cell]) -> list[Cell]:
    """Cells whose counting pass split the samples (some, not all, took the slow path),
    with enough samples to rank them."""
    out = []
    for c in cells:
        share = c.counter(SPLIT + "share")
        if (c.measured and share is not None and 0.001 <= share < ALL_SLOW
                and c.counter(SPLIT + "in_slowest") is not None
                and (point(run, c, "samples") or 0) >= MIN_SAMPLES):
            out.append(c)
    return out


def slow_path_lines(run: Run, cells: list[Cell]) -> list[str]:
    """Where the slow path sits in each distribution that has one: the share of samples
    that took it, the share of the slowest that many that were its, the two medians, and
    the latency pass's percentiles beside (is the upper part of the curve the slow path?)."""
    split = slow_path_cells(run, cells)
    if not split:
        return []
    lines = ["", "### The slow path in the distribution", "",
             "Cells where some, not all, samples of the counting pass took the slow path (an "
             "`operator new` or a heap fallback counted during the sample), with the latency "
             "pass's percentiles of the same cell beside them: when the slowest "
             "`slow-path share` of the samples are nearly all slow-path ones (`slow in slowest`), "
             "the upper percentiles of the curve are that path. The counting build's slow path also "
             "carries the counting `operator new`'s bookkeeping (a few atomic adds), so the split "
             "ranks are a little sharper there than in the timing build.", "",
             "| row | compiler | args | heap fallbacks/call | allocs/call | slow-path share | "
             "slow in slowest | slow / fast p50 ns (counting) | p50 / p90 / p99 ns (latency pass) | "
             "the slowest calls |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    separated = 0
    for c in split:
        share, slowest = c.counter(SPLIT + "share"), c.counter(SPLIT + "in_slowest")
        fallbacks = c.counter("heap_fallbacks_per_call")
        path = ("the heap fallback" if fallbacks else
                "an allocation (a cache miss, a segment grown, a first call)")
        is_it = slowest >= SEPARATED
        separated += is_it
        percentiles = " / ".join(_fmt(net(run, c, f), 1) for f in ("p50", "p90", "p99"))
        lines.append(f"| {c.row} | {c.compiler} | {c.args} | {_fmt(fallbacks, 3)} | "
                     f"{_fmt(c.counter('allocs_per_call'), 3)} | {share:.1%} | {slowest:.2f} | "
                     f"{_fmt(c.counter(SPLIT + 'p50_ns'), 1)} / {_fmt(c.counter(FAST + 'p50_ns'), 1)} | "
                     f"{percentiles} | "
                     + (f"**{path}**: the slowest {share:.1%} are {slowest:.0%} its" if is_it else
                        f"not only {path}: the slowest {share:.1%} are {slowest:.0%} its") + " |")
    lines += ["", f"In {separated} of {len(split)} such cells the slowest calls are the counted slow "
              f"path ({SEPARATED:.0%} or more of them; the latency pass's p50/p90/p99 less the timer's share)."]
    return lines


def tail_lines(run: Run, cells: list[Cell]) -> list[str]:
    """Everything the latency section says beyond its table: the timer and its check, the
    slow path in the distributions, the far tails and what explains them."""
    return (timer_lines(run, cells) + slow_path_lines(run, cells)
            + far_tail_lines(far_tails(run, cells)))


@dataclass(frozen=True)
class TailDifference:
    """Two rows of one workload, args and compiler whose medians tie under the rule while
    their p99 differ by more than the workload's margin."""
    a: Cell
    b: Cell
    median: rule.Comparison
    p99_a: float
    p99_b: float

    @property
    def p99_ratio(self) -> float:
        return self.p99_a / self.p99_b if self.p99_b > 0 else float("inf")


def tails_not_means(run: Run, cells: list[Cell], margins: dict[str, float] | None = None
                    ) -> list[TailDifference]:
    """Pairs of measured cells (same args and compiler, enough samples each) that tie in ns
    per call under the rule but whose p99 (one latency pass each: a difference beyond the margin, no U test)
    differ by more than the workload's margin."""
    out = []
    usable = [c for c in cells if c.measured and point(run, c, "p99") is not None
              and enough_samples(run, c)]
    for i, a in enumerate(usable):
        for b in usable[i + 1:]:
            if (a.workload, a.args, a.compiler) != (b.workload, b.args, b.compiler):
                continue
            cmp = rule.compare(a, b, margins)
            if cmp.differ:
                continue
            pa, pb = point(run, a, "p99"), point(run, b, "p99")
            if not pa or not pb:
                continue
            if abs(max(pa, pb) / min(pa, pb) - 1) <= cmp.margin:
                continue
            lo, hi = (a, b) if pa <= pb else (b, a)
            out.append(TailDifference(lo, hi, cmp, min(pa, pb), max(pa, pb)))
    return out
