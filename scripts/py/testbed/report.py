"""Writes REPORT.md for a run from its cells: provenance, a table per workload (ns per
call with min/max, the ratio to the synchronous virtual call, allocations, bytes and
frame bytes per call) and the plots."""

from __future__ import annotations

from .claims import check_all, overheads
from .plots import rows_in_order
from .results import BASELINE_FINAL, BASELINE_POLL, BASELINE_STATIC, BASELINE_SYNC, PEERS, Run

# The design discussion's table: each strategy, its rows here, and the downside in its words.
DESIGN_TABLE = (
    ("Box it (default allocator)", ("box",), "requires allocation, not especially efficient"),
    ("Box it with a custom allocator", ("recycling", "pmr_pool_local", "pmr_pool_sendable", "box_mimalloc"),
     "still an allocation; allocator choice matters"),
    ("Box it, cache on caller side", ("caller_cache_local", "caller_cache_sendable"), "requires allocation"),
    ("Box it, cache on callee side", ("callee_cache_local", "callee_cache_sendable"),
     "requires allocation, adds space to the object, doesn't work for &self"),
    ("Inline it into the iterator", ("inline_local", "inline_sendable"),
     "adds space to the object, doesn't work for &self"),
    ("Allocate maximal space", ("max_space_local", "max_space_sendable"),
     "can't necessarily use that across crates, requires interprocedural analysis"),
    ("Allocate some space, fallback", ("fallback_local", "fallback_sendable"),
     "uses allocator, requires interprocedural analysis or guesswork"),
    ("Side stack", ("side_stack",), "requires cooperation from runtime and allocation"),
)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def provenance_lines(run: Run, run_name: str) -> list[str]:
    lines = [f"- run: `{run_name}`"]
    any_ctx = next(iter(run.contexts.values()), {})
    lines.append(
        f"- machine: {any_ctx.get('host_name', '?')}, {any_ctx.get('testbed_cpu_model', '?')}, "
        f"{any_ctx.get('num_cpus', '?')} CPUs at {any_ctx.get('mhz_per_cpu', '?')} MHz, "
        f"{any_ctx.get('testbed_kernel', '?')}"
    )
    for compiler, ctx in sorted(run.contexts.items()):
        lines.append(
            f"- {compiler}: {ctx.get('testbed_compiler', '?')}, flags `{ctx.get('testbed_cxx_flags', '?')}`, "
            f"build type {ctx.get('testbed_build_type', '?')}"
        )
    lines.append(
        f"- revision: {any_ctx.get('testbed_git_revision', any_ctx.get('testbed_git_revision_at_build', '?'))}; "
        f"date (UTC): {any_ctx.get('testbed_date_utc', '?')}"
    )
    if "testbed_run_command" in any_ctx:
        lines.append(f"- command: `{any_ctx['testbed_run_command']}`")
    return lines


def workload_table(run: Run, workload: str) -> list[str]:
    cells = run.cells_of(workload)
    lines = [
        "| row | compiler | args | ns/call median | min | max | x sync_virtual | instr/call | allocs/call | bytes/call | frame bytes | stack high-water B | peak heap B | reps |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows_in_order(cells):
        for c in sorted((c for c in cells if c.row == row), key=lambda c: (c.compiler, c.args)):
            if not c.measured:
                lines.append(
                    f"| {c.row} | {c.compiler} | {c.args} | {c.status} | | | | | | | | | | |"
                )
                continue
            lines.append(
                f"| {c.row} | {c.compiler} | {c.args} | {c.median_ns:.2f} | {c.min_ns:.2f} | "
                f"{c.max_ns:.2f} | {_fmt(run.ratio_to_sync(c))} | "
                f"{_fmt(c.counter('instructions_per_call'), 1)} | "
                f"{_fmt(c.counter('allocs_per_call'), 3)} | {_fmt(c.counter('bytes_per_call'), 1)} | "
                f"{_fmt(c.counter('frame_bytes'), 0)} | {_fmt(c.counter('stack_high_water_bytes'), 0)} | "
                f"{_fmt(c.counter('peak_heap_bytes'), 0)} | {len(c.ns_per_call)} |"
            )
    return lines


def find_cell(run: Run, workload: str, row: str, compiler: str):
    """The first cell of workload/row under compiler (any args), or None."""
    return next(
        (c for c in run.cells_of(workload) if c.row == row and c.compiler == compiler), None
    )


def findings(run: Run, workload: str) -> list[str]:
    """Sentences computed from the cells: box against the lower bound, elision."""
    out = []
    for compiler in run.compilers():
        box = find_cell(run, workload, "box", compiler)
        sync = find_cell(run, workload, BASELINE_SYNC, compiler)
        ratio = run.ratio_to_sync(box) if box else None
        if box is not None and sync is not None and ratio is not None and box.measured:
            out.append(
                f"- {compiler}: box costs {box.median_ns:.2f} ns per call against "
                f"{sync.median_ns:.2f} ns for the synchronous virtual call, a ratio of "
                f"**{ratio:.2f}x** (same run), with {_fmt(box.counter('allocs_per_call'), 3)} "
                f"allocations per call."
            )
        for row, what in ((BASELINE_STATIC, "the statically dispatched coroutine"),
                          (BASELINE_FINAL, "the virtual call on a `final` class the caller sees")):
            visible = find_cell(run, workload, row, compiler)
            if visible is not None and visible.measured:
                allocs = visible.counter("allocs_per_call") or 0.0
                verdict = "elided" if allocs < 0.5 else "did not elide"
                out.append(
                    f"- {compiler}: {what} makes {allocs:.3f} allocations "
                    f"per call: the compiler {verdict} the frame allocation."
                )
    return out


def design_table(run: Run) -> list[str]:
    """The design discussion's strategy / downside table with measured columns beside it."""
    compilers = run.compilers()
    over = overheads(run)
    head = ["| strategy (design post) | downside (design post) | row |"]
    head[0] += "".join(f" async_iterator ns/call ({c}) |" for c in compilers)
    head[0] += " allocs/call | +object B | +caller B | cells unsupported |"
    head.append("|---|---|---|" + "---:|" * len(compilers) + "---:|---:|---:|---|")
    lines = head
    for strategy, rows, downside in DESIGN_TABLE:
        for row in rows:
            cells = [c for c in run.cells.values() if c.row == row]
            if not cells:
                continue
            w1 = {c.compiler: c for c in cells if c.workload == "async_iterator"}
            times = "".join(
                f" {w1[c].median_ns:.2f} |" if c in w1 and w1[c].measured else " n/a |" for c in compilers)
            allocs = [w1[c].counter("allocs_per_call") for c in compilers if c in w1 and w1[c].measured]
            unsupported = sorted({c.workload for c in cells if c.status and c.status.startswith("unsupported")})
            # a row under another process allocator has its strategy's overhead (box_mimalloc: box)
            obj, caller = over.get(row, over.get(row.rsplit("_", 1)[0], ("n/a", "n/a")))
            lines.append(
                f"| {strategy} | {downside} | {row} |{times} "
                f"{_fmt(max(allocs) if allocs else None, 3)} | {obj} | {caller} | "
                f"{', '.join(unsupported) if unsupported else 'none'} |")
    return lines


def claims_section(run: Run) -> list[str]:
    lines = ["| claim | verdict | the numbers behind it |", "|---|---|---|"]
    for v in check_all(run):
        evidence = "<br>".join(v.evidence) if v.evidence else "no cell of this run measures it"
        lines.append(f"| **{v.claim}** {v.text} | **{v.verdict}** | {evidence} |")
    return lines


def which_strategy(run: Run) -> list[str]:
    """For each workload, the fastest strategy that serves it, per compiler (baselines and
    peers excluded)."""
    lines = []
    for workload in run.workloads():
        picks = []
        for compiler in run.compilers():
            cells = [c for c in run.cells_of(workload)
                     if c.compiler == compiler and c.measured and c.is_strategy]
            if not cells:
                continue
            best = min(cells, key=lambda c: c.median_ns)
            box = next((c for c in cells if c.row == "box" and c.args == best.args), None)
            vs_box = f", {box.median_ns / best.median_ns:.2f}x faster than box" if box and best.row != "box" else ""
            picks.append(f"{best.row} with {compiler} ({best.median_ns:.2f} ns/call{vs_box})")
        unsupported = sorted({c.row for c in run.cells_of(workload) if not c.measured})
        note = f"; cannot serve it: {', '.join(unsupported)}" if unsupported else ""
        if picks:
            lines.append(f"- **{workload}**: fastest {'; '.join(picks)}{note}.")
    return lines


def against_peers(run: Run) -> list[str]:
    """Per workload with a peer row, per compiler and args: the best testbed strategy, the
    peers, and the limits (the synchronous virtual call, the poll-style interface)."""
    lines = ["| workload | args | compiler | best testbed strategy | ns/call | allocs/call | "
             "peer | ns/call | allocs/call | peer / best | limits (ns/call) |",
             "|---|---|---|---|---:|---:|---|---:|---:|---:|---|"]
    for workload in run.workloads():
        for peer in (c for c in sorted(run.cells_of(workload), key=lambda c: (c.args, c.compiler))
                     if c.row in PEERS):
            same = [c for c in run.cells_of(workload)
                    if c.compiler == peer.compiler and c.args == peer.args and c.measured]
            strategies = [c for c in same if c.is_strategy]
            best = min(strategies, key=lambda c: c.median_ns, default=None)
            limits = ", ".join(f"{c.row} {c.median_ns:.2f}" for c in same
                               if c.row in (BASELINE_SYNC, BASELINE_POLL))
            if best is None or not peer.measured:
                continue
            lines.append(
                f"| {workload} | {peer.args} | {peer.compiler} | {best.row} | {best.median_ns:.2f} | "
                f"{_fmt(best.counter('allocs_per_call'), 3)} | {peer.row} | {peer.median_ns:.2f} | "
                f"{_fmt(peer.counter('allocs_per_call'), 3)} | {peer.median_ns / best.median_ns:.2f}x | "
                f"{limits or 'n/a'} |")
    return lines if len(lines) > 2 else []


def near_free_call(run: Run, workload: str = "async_iterator") -> list[str]:
    """How close a dynamic async call gets to the synchronous virtual call on W1 (every
    next() completes synchronously), per compiler: the poll-style limit, the best
    coroutine row over all (baselines and peers excluded), and the best that still places a
    frame per call (eager rows whose callee never suspends may have none: clang removes it)."""
    lines = ["| compiler | sync_virtual ns | poll_next (x sync) | best coroutine row | ns/call | "
             "x sync | allocs/call | frames placed/call | best row placing a frame | x sync |",
             "|---|---:|---:|---|---:|---:|---:|---:|---|---:|"]
    for compiler in run.compilers():
        cells = [c for c in run.cells_of(workload) if c.compiler == compiler and c.measured]
        sync = next((c for c in cells if c.row == BASELINE_SYNC), None)
        rows = [c for c in cells if c.is_strategy]
        if sync is None or not rows:
            continue
        poll = next((c for c in cells if c.row == BASELINE_POLL), None)
        best = min(rows, key=lambda c: c.median_ns)
        framed = [c for c in rows if (c.counter("frames_per_call") or 0.0) >= 0.5]
        best_framed = min(framed, key=lambda c: c.median_ns, default=None)
        poll_text = f"{poll.median_ns:.2f} ({run.ratio_to_sync(poll):.2f}x)" if poll else "n/a"
        lines.append(
            f"| {compiler} | {sync.median_ns:.2f} | {poll_text} | {best.row} | {best.median_ns:.2f} | "
            f"**{run.ratio_to_sync(best):.2f}x** | {_fmt(best.counter('allocs_per_call'), 3)} | "
            f"{_fmt(best.counter('frames_per_call'), 3)} | "
            f"{best_framed.row if best_framed else 'n/a'} | "
            f"{_fmt(run.ratio_to_sync(best_framed)) if best_framed else 'n/a'} |")
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
             + " | ".join(f"in memory ns/request ({c})" for c in compilers) + " |",
             "|---|" + "---:|" * (2 * len(compilers))]

    def in_memory_ns_per_request(cell) -> float | None:
        inner = run.cells.get(("middleware_chain", cell.row, cell.args, cell.compiler))
        if inner is None or not inner.measured:
            return None
        # ns per call times the layers + 1 calls of one request
        return inner.median_ns * (int(cell.args.split(":")[1]) + 1)

    for row in rows_in_order(cells):
        rps, mem = [], []
        for compiler in compilers:
            cell = next((c for c in cells if c.row == row and c.compiler == compiler), None)
            reps = cell.counters.get("requests_per_second", []) if cell else []
            rps.append(f"{cell.counter('requests_per_second'):.0f} ({min(reps):.0f}-{max(reps):.0f})"
                       if reps else "n/a")
            mem.append(_fmt(in_memory_ns_per_request(cell)) if cell else "n/a")
        lines.append(f"| {row} | " + " | ".join(rps) + " | " + " | ".join(mem) + " |")
    lines.append("")
    for compiler in compilers:
        mine = [c for c in cells if c.compiler == compiler]
        memory = [m for m in (in_memory_ns_per_request(c) for c in mine) if m is not None]
        if len(mine) < 2 or len(memory) < 2:
            continue
        round_trip = sorted(c.median_ns for c in mine)[len(mine) // 2]  # ns per request
        rates = [c.counter("requests_per_second") for c in mine]
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


def render(run: Run, run_name: str, plots: dict[str, str]) -> str:
    lines = [
        f"# Async calls through virtual dispatch: results of `{run_name}`",
        "",
        "Generated by `scripts/report` from the benchmark JSON in `raw/`; every figure below",
        "comes from that data. ns/call is the wall time of one benchmark iteration divided by",
        "the interface calls it makes, as the median (with min and max) over repetitions;",
        "ratios divide medians measured in the same run. Allocations are exact counts from the",
        "replaced global operator new.",
        "",
        "## Provenance",
        "",
        *provenance_lines(run, run_name),
        "",
        "## The design discussion's table, measured",
        "",
        "Each strategy of the design post with its downside in the post's words, and beside it",
        "what this run measured: ns per call in the AsyncIterator loop, global allocations per",
        "call, bytes added to each object and to each caller, and the workloads it cannot serve.",
        "",
        *design_table(run),
        "",
        "## The claims, checked",
        "",
        "Verdicts are computed by `scripts/py/testbed/claims.py` from this run's cells.",
        "",
        *claims_section(run),
        "",
        "## Which strategy should I use when",
        "",
        "Derived from this run: for each workload, the fastest strategy that serves it.",
        "",
        *which_strategy(run),
    ]
    # Sections that appear only when the run has their cells: (title, intro, body).
    sections = (
        ("How close a dynamic async call gets to a plain virtual call",
         "The AsyncIterator loop with every next() completing synchronously: ratios of medians "
         "measured in the same run. Eager rows start the callee in the call and free its frame "
         "as it completes; a callee with no suspension point then needs no frame at all, and "
         "clang removes it (frames placed/call 0, whatever the strategy), so the table also "
         "names the best row that still places a frame. The suspending variant "
         "(async_iterator_suspending) keeps a frame for every row.", near_free_call(run)),
        ("Reliability",
         "The randomized schedules, fault injection and misuse tests of the conformance suite "
         "(see docs/reliability.md), run by this run's reliability pass on the same builds: a "
         "misuse case is a pattern the strategy declares it cannot serve, tried and required "
         "to fail with a clear message.", reliability_section(run)),
        ("Which would you pick: the strategies against the peers",
         "For each workload with a peer row, the fastest testbed strategy that serves it "
         "against the peer (Boost.Asio's `awaitable<T>` returned from virtual functions), with "
         "the limits measured in the same run.", against_peers(run)),
        ("W8 over loopback sockets",
         "The 4-layer chain serving real requests over one TCP connection on 127.0.0.1 (one "
         "request in flight; the server on its own thread), beside the same chain in memory.",
         loopback_table(run)),
    )
    for title, intro, body in sections:
        if body:
            lines += ["", f"## {title}", "", intro, "", *body]
    for name, title in (("heatmap_gcc", "Strategy by workload (g++)"),
                        ("heatmap_clang", "Strategy by workload (clang-19)"),
                        ("compilers", "g++ 12 against clang-19"),
                        ("memory", "Memory")):
        if name in plots:
            lines += ["", f"### {title}", "", f"![{title}]({plots[name]})"]
    sweeps = sorted(k for k in plots if k.startswith("sweep:"))
    if sweeps:
        lines += ["", "### Sweeps", ""]
        lines += [f"![{k[6:]}]({plots[k]})" for k in sweeps]
    for workload in run.workloads():
        lines += ["", f"## {workload}", ""]
        lines += workload_table(run, workload)
        found = findings(run, workload)
        if found:
            lines += ["", *found]
        if workload in plots:
            lines += ["", f"![{workload}: ns per call]({plots[workload]})"]
    return "\n".join(lines) + "\n"
