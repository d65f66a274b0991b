"""C++ and Rust in one run: which language each cell is in (its compiler's, as the binaries
declare it: results.LANGUAGE_KEY), a run seen through one language's cells (the claims judge
each language on its own rows), and the report's section that puts the same strategy side
by side in both languages. Strategies are joined across languages by the design post's entry
(the manifest's design_key) and the limits by their role: never by row name."""

from __future__ import annotations

import statistics
from pathlib import Path

from . import rule
from .results import CPP, LANGUAGES, RUST, Cell, Run, args_order, numeric_args
from .rows import POLL_LIMIT, SYNCHRONOUS_LIMIT, Rows

SECTION_TITLE = "C++ and Rust, same strategy, same machine, same run"
# The workloads the side-by-side table reads: W1, ready and suspending every 16th call.
W1_WORKLOADS = ("async_iterator", "async_iterator_suspending")
# The W2 frame-size sweep (one frame size per args): where a by-value buffer's size shows.
SWEEP_WORKLOAD = "frame_size"
# A row counts as allocating per call at this many allocations per call or more.
ALLOCATING = 0.5
# The design post's entry whose rows hold the frame in a fixed buffer (max-space).
MAX_SPACE = "maximal-space"


def view(run: Run, language: str) -> Run:
    """The run seen through one language: its compilers' cells and contexts, and the rows
    that language's binaries declared (for a run that does not say, the rows its cells are
    of and the rows no cell uses). A run of one language is returned as it is."""
    if run.languages_present() == [language]:
        return run
    compilers = {c.compiler for c in run.cells.values() if run.language(c.compiler) == language}
    cells = {k: c for k, c in run.cells.items() if c.compiler in compilers}
    used = {c.row for c in run.cells.values()}
    mine = {c.row for c in cells.values()}

    def declared(name: str) -> bool:
        if name in run.row_languages:
            return language in run.row_languages[name]
        return name in mine or name not in used

    rows = Rows({n: r for n, r in run.rows.rows.items() if declared(n)}, dict(run.rows.metrics))
    out = Run(cells=cells, contexts={k: v for k, v in run.contexts.items() if k in compilers},
              reliability={k: v for k, v in run.reliability.items() if k in compilers},
              load={k: v for k, v in run.load.items() if k in compilers}, rows=rows,
              languages={k: v for k, v in run.languages.items() if k in compilers},
              row_languages={n: {language} for n in rows.rows})
    out.provenance = run.provenance
    return out


def compilers_of(run: Run, language: str) -> list[str]:
    return sorted({c.compiler for c in run.cells.values() if run.language(c.compiler) == language})


# ------------------------------------------------------------------ the side-by-side table

def _measured(run: Run, workload: str, row: str) -> list[Cell]:
    return sorted((c for c in run.cells.values() if c.workload == workload and c.row == row and c.measured),
                  key=lambda c: (c.compiler, c.args))


def _fmt(value, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _instr(c: Cell | None):
    return None if c is None else c.counter("instructions_per_call")


def _allocs(c: Cell | None):
    return None if c is None else c.counter("allocs_per_call")


def joined_entries(views: dict[str, Run]) -> list[tuple[str, str, dict[str, list[str]]]]:
    """(kind, key, {language: rows}) for every limit role and design entry that more than
    one language has rows for: the limits first (by role), then the design entries in the
    order of the reference row first."""
    out = []
    for role in (SYNCHRONOUS_LIMIT, POLL_LIMIT):
        rows = {lang: v.rows.with_role(role) for lang, v in views.items()}
        rows = {lang: r for lang, r in rows.items() if r}
        if len(rows) > 1:
            out.append(("limit", role, rows))
    keys = []
    for v in views.values():
        for r in v.rows.strategies():
            key = v.rows.info(r).design_key
            if key and key not in keys:
                keys.append(key)
    reference_keys = [v.rows.info(r).design_key for v in views.values()
                      if (r := v.rows.reference()) is not None]
    keys.sort(key=lambda k: (k not in reference_keys, k))
    for key in keys:
        rows = {lang: v.rows.of_design(key) for lang, v in views.items()}
        rows = {lang: r for lang, r in rows.items() if r}
        if len(rows) > 1:
            out.append(("design", key, rows))
    return out


def _sync_instr(view_run: Run, c: Cell):
    base = view_run.sync_base(c.workload, c.args, c.compiler)
    return _instr(base) if base is not None else None


# What a call is, by construction of each language's rows (said once, above the table).
CONSTRUCTION = {
    CPP: "each call of a coroutine row is the ramp (the virtual call itself), which places the "
         "frame; a lazy row's caller then resumes the coroutine and destroys it through the "
         "coroutine handle (indirect calls through the frame); an eager row runs the body in the "
         "ramp, and one whose frame ends itself at its final suspension "
         "makes no indirect call at all",
    RUST: "each call of a future row returns the future (boxed, by value in a buffer, or written "
          "into the caller's storage); the caller then polls it and drops it through its vtable "
          "(indirect calls); a ready future completes in its first poll",
}


def explain(view_run: Run, cells: list[Cell], language: str) -> list[str]:
    """What the numbers of one row's cells (one per compiler) say about where its cost goes:
    counted figures and declared traits, each phrase saying which."""
    out = []
    c = cells[0]
    info = view_run.rows.get(c.row)
    allocs = [a for x in cells if (a := _allocs(x)) is not None]
    if allocs and min(allocs) >= ALLOCATING:
        out.append(f"the allocator: {statistics.median(allocs):.2f} allocations per call (counted)")
    traits = (info.traits or {}) if info else {}
    buffer = traits.get("max_frame_bytes") or 0
    if language == RUST and info is not None and info.is_strategy and buffer > 0 \
            and not traits.get("frames_in_caller_storage") and info.design_key == MAX_SPACE:
        out.append(f"a by-value future in a {buffer}-byte buffer, moved into the caller's future "
                   "on .await (declared: max_frame_bytes, not in caller storage)")
    if info is not None and info.role != SYNCHRONOUS_LIMIT:
        over = [f"{x.compiler} {_instr(x) - _sync_instr(view_run, x):+.0f}" for x in cells
                if _instr(x) is not None and _sync_instr(view_run, x) is not None]
        if over:
            out.append("instructions over the language's synchronous call (callgrind): " + ", ".join(over))
    return out


def _cell_of(view_run: Run, workload: str, rows: list[str]) -> list[Cell]:
    return [c for r in rows for c in _measured(view_run, workload, r)]


def side_by_side(run: Run, views: dict[str, Run], workload: str) -> list[str]:
    """The table of one workload: a line per joined entry, language and row, its compilers'
    figures side by side."""
    lines = ["| entry | language | row | ns per call (x sync) | instructions per call | "
             "allocations per call | what the numbers say |", "|---|---|---|---|---|---|---|"]
    had = False
    for kind, key, rows in joined_entries(views):
        label = f"limit: {key}" if kind == "limit" else f"`{key}`"
        for lang in LANGUAGES:
            v = views.get(lang)
            for row in rows.get(lang, []):
                cells = _measured(v, workload, row) if v is not None else []
                if not cells:
                    continue
                had = True
                ns = ", ".join(f"{c.compiler} {c.median_ns:.2f}"
                               + (f" ({r:.2f}x)" if (r := v.ratio_to_sync(c)) is not None else "")
                               for c in cells)
                instr = ", ".join(f"{c.compiler} {_fmt(_instr(c), 0)}" for c in cells)
                allocs = sorted({_fmt(_allocs(c), 3) for c in cells})
                lines.append(f"| {label} | {lang} | {row} | {ns} | {instr} | {', '.join(allocs)} | "
                             f"{'; '.join(explain(v, cells, lang)) or '-'} |")
    return lines if had else []


def gaps(run: Run, views: dict[str, Run], workload: str) -> list[str]:
    """Per joined design entry, the instructions per call above each language's synchronous
    call: the gap between the languages with the call itself taken out (callgrind counts,
    no noise), and the timing difference judged under the rule where both are measured."""
    out = []
    for kind, key, rows in joined_entries(views):
        if kind != "design":
            continue
        per_lang = {}
        for lang, names in rows.items():
            v = views[lang]
            cells = _cell_of(v, workload, names)
            extras = [(c, _instr(c) - _sync_instr(v, c)) for c in cells
                      if _instr(c) is not None and _sync_instr(v, c) is not None]
            if extras:
                per_lang[lang] = min(extras, key=lambda x: x[1])
        if len(per_lang) < 2:
            continue
        parts = [f"{lang} {c.row} [{c.compiler}] {extra:+.0f}" for lang, (c, extra) in per_lang.items()]
        cpp, rust = per_lang.get(CPP), per_lang.get(RUST)
        judged = ""
        if cpp is not None and rust is not None:
            cmp = rule.compare(cpp[0], rust[0])
            judged = (f"; time, {cpp[0].row} [{cpp[0].compiler}] against {rust[0].row} "
                      f"[{rust[0].compiler}]: {cmp.describe()}")
        out.append(f"- `{key}`: instructions per call above the language's synchronous call, the "
                   f"cheapest row of each language: {', '.join(parts)}{judged}")
    allocator = []
    for lang, v in views.items():
        ref = v.rows.reference()
        boxes = [c for c in _measured(v, workload, ref) if _instr(c) is not None] if ref else []
        free = [c for r in v.rows.strategies(steady_allocations=0) for c in _measured(v, workload, r)
                if _instr(c) is not None]
        for box in boxes:
            same = [c for c in free if c.compiler == box.compiler]
            if same:
                best = min(same, key=_instr)
                allocator.append(f"{lang} [{box.compiler}] {_instr(box) - _instr(best):+.0f} "
                                 f"({box.row} over {best.row})")
    if allocator:
        out.append("- the allocation, as instructions per call of the reference row over the cheapest "
                   "row that declares no allocation per call: " + ", ".join(allocator))
    return out


def buffer_sweep(run: Run, views: dict[str, Run]) -> tuple[str, list[str]]:
    """The cost of a fixed buffer as its size grows: every max-space row of each language
    with its declared buffer (max_frame_bytes), a column per args, on the W2 frame-size
    sweep when the run has Rust cells there, else on W1. (workload, table lines)."""
    rust = views.get(RUST)
    workload = SWEEP_WORKLOAD if rust is not None and any(
        c.workload == SWEEP_WORKLOAD for c in rust.cells.values()) else W1_WORKLOADS[0]
    table = []
    columns: set[str] = set()
    for lang in LANGUAGES:
        v = views.get(lang)
        if v is None:
            continue
        rows = v.rows.of_design(MAX_SPACE)
        rows.sort(key=lambda r: (bool(v.rows.info(r).trait("frames_in_caller_storage")),
                                 v.rows.info(r).trait("max_frame_bytes") or 0, r))
        for r in rows:
            for compiler in compilers_of(v, lang):
                cells = {c.args: c for c in v.cells.values()
                         if c.workload == workload and c.row == r and c.compiler == compiler}
                if any(c.measured for c in cells.values()):
                    table.append((lang, r, compiler, v.rows.info(r), cells))
                    columns |= set(cells)
    if not table:
        return workload, []
    order = sorted(columns, key=args_order)
    lines = ["| language | row | buffer bytes (declared) | in caller storage (declared) | compiler | "
             + " | ".join(order) + " |", "|---|---|---|---|---|" + "---|" * len(order)]
    for lang, r, compiler, info, cells in table:
        values = []
        for args in order:
            c = cells.get(args)
            values.append("" if c is None else "unsupported" if not c.measured else
                          f"{c.median_ns:.2f} ns, {_fmt(_instr(c), 0)} instr, {_fmt(_allocs(c), 2)} alloc")
        lines.append(f"| {lang} | {r} | {info.trait('max_frame_bytes')} | "
                     f"{'yes' if info.trait('frames_in_caller_storage') else 'no'} | {compiler} | "
                     + " | ".join(values) + " |")
    return workload, lines


def growth(views: dict[str, Run], workload: str) -> list[str]:
    """How the by-value buffer's cost grows with its size: the least-squares slope of
    instructions per call over the declared buffer bytes of the language's max-space rows
    that do not hold the frame in caller storage, per args and compiler."""
    out = []
    for lang in LANGUAGES:
        v = views.get(lang)
        if v is None:
            continue
        rows = [r for r in v.rows.of_design(MAX_SPACE)
                if not v.rows.info(r).trait("frames_in_caller_storage")
                and (v.rows.info(r).trait("max_frame_bytes") or 0) > 0]
        groups: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        for r in rows:
            for c in _measured(v, workload, r):
                if _instr(c) is not None:
                    groups.setdefault((c.args, c.compiler), []).append(
                        (float(v.rows.info(r).trait("max_frame_bytes")), _instr(c), c.median_ns))
        for (args, compiler), points in sorted(groups.items(), key=lambda g: (
                sorted(numeric_args(g[0][0]).items()), g[0][1])):
            if len({p[0] for p in points}) < 2:
                continue
            xs = [p[0] for p in points]
            mx = statistics.fmean(xs)
            sxx = sum((x - mx) ** 2 for x in xs)
            slope_i = sum((x - mx) * (p[1] - statistics.fmean([q[1] for q in points])) for x, p in zip(xs, points)) / sxx
            slope_t = sum((x - mx) * (p[2] - statistics.fmean([q[2] for q in points])) for x, p in zip(xs, points)) / sxx
            lo, hi = min(points), max(points)
            out.append(f"- {lang} {workload} {args} [{compiler}]: from {lo[0]:.0f} to {hi[0]:.0f} buffer "
                       f"bytes, {lo[1]:.0f} to {hi[1]:.0f} instructions and {lo[2]:.2f} to {hi[2]:.2f} ns "
                       f"per call: {slope_i * 1024:+.0f} instructions and {slope_t * 1024:+.2f} ns per "
                       "KiB of buffer (least squares over the rows; the buffer is copied on each move)")
    return out


def section(run: Run, verdicts=None, figure: str | None = None) -> list[str]:
    """The report's side-by-side section (with the fixed-buffer figure, when drawn); empty
    for a run of one language."""
    present = run.languages_present()
    if len(present) < 2:
        return []
    views = {lang: view(run, lang) for lang in present}
    lines = ["Languages: " + "; ".join(f"{lang} ({', '.join(compilers_of(run, lang))})" for lang in present)
             + ". Strategies are joined across languages by the design post's entry each row declares "
             "(`design_key` in the manifest), the limits by their role. *What the numbers say* gives "
             "the counted figures (allocations, callgrind) and what each row's declared traits imply, "
             "each marked as such. By construction, beside them:", "",
             *[f"- {lang}: {CONSTRUCTION[lang]}." for lang in present if lang in CONSTRUCTION], ""]
    for workload in W1_WORKLOADS:
        table = side_by_side(run, views, workload)
        if table:
            lines += [f"### {workload}", "", *table, ""]
            gap = gaps(run, views, workload)
            if gap:
                lines += ["The gap with each language's synchronous call taken out:", "", *gap, ""]
    workload, sweep = buffer_sweep(run, views)
    if sweep:
        lines += [f"### Fixed buffers by size ({workload})", "",
                  "Every max-space row (the design post's `maximal-space` entry) of each language with the "
                  "buffer it declares: Rust's by-value buffers (stackfuture) are moved with the future, "
                  "the in-place slot and the C++ frame are not.", "", *sweep, ""]
        grow = growth(views, workload)
        if grow:
            lines += [*grow, ""]
        if figure:
            lines += [f"![Fixed buffers in C++ and Rust]({figure})", ""]
    if verdicts:
        per_lang = [v for v in verdicts if len(getattr(v, "languages", {}) or {}) > 1]
        if per_lang:
            lines += ["### The sources' claims, per language", "",
                      "| claim | verdict | per language |", "|---|---|---|"]
            for v in per_lang:
                lines.append(f"| {v.claim} | {v.verdict} | "
                             + ", ".join(f"{s} ({lang})" for lang, s in v.languages.items()) + " |")
            lines.append("")
    return lines


# ------------------------------------------------------------------ the figure

SWEEP_FIGURE = "buffer_sizes_by_language.png"


def plot_buffer_sweep(run: Run, out_dir: Path) -> Path | None:
    """The fixed-buffer rows of every language on one figure: ns and instructions per call
    against the W2 frame size (or, on W1, against the declared buffer), a line per row and
    compiler. None for a run of one language or without such cells."""
    import matplotlib  # here, not at import: the claims use this module without plotting
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plots import save  # here too: plots imports matplotlib

    present = run.languages_present()
    if len(present) < 2:
        return None
    views = {lang: view(run, lang) for lang in present}
    workload, table = buffer_sweep(run, views)
    if not table:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    styles = {CPP: "--", RUST: "-"}
    # W2: a line per row and compiler over the frame size; W1: a line per placement (by
    # value, in caller storage) and compiler over the declared buffer.
    series: dict[tuple, list[tuple[float, Cell]]] = {}
    for lang, v in views.items():
        for r in v.rows.of_design(MAX_SPACE):
            info = v.rows.info(r)
            where = "in caller storage" if info.trait("frames_in_caller_storage") else "by value"
            for c in _measured(v, workload, r):
                if workload == SWEEP_WORKLOAD:
                    key = (lang, f"{r} [{c.compiler}] ({info.trait('max_frame_bytes')} B, {where})")
                    x = next(iter(numeric_args(c.args).values()), 0.0)
                else:
                    rows_of = "max-space rows" if lang == CPP else f"{where} rows"
                    key = (lang, f"{rows_of} [{c.compiler}]")
                    x = float(info.trait("max_frame_bytes") or 0)
                series.setdefault(key, []).append((x, c))
    for (lang, name), pts in sorted(series.items()):
        pts.sort(key=lambda p: p[0])
        for ax, value in ((axes[0], lambda c: c.median_ns), (axes[1], _instr)):
            ys = [value(c) for _, c in pts]
            if any(y is None for y in ys):
                continue
            ax.plot([x for x, _ in pts], ys, styles.get(lang, ":"), marker="o", label=f"{lang} {name}")
    xlabel = ("frame-local bytes of the callee (W2 frame_size)" if workload == SWEEP_WORKLOAD
              else "declared buffer bytes (W1)")
    for ax, ylabel in ((axes[0], "ns per call (median)"), (axes[1], "instructions per call (callgrind)")):
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    if not handles:
        plt.close(fig)
        return None
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=7, frameon=False)
    pv = run.provenance
    fig.suptitle(f"Fixed buffers in C++ and Rust, same run ({workload})\n"
                 f"{pv.host}: {pv.cpu_model}, {pv.num_cpus} CPUs", fontsize=10)
    fig.tight_layout(rect=(0, 0.08 + 0.03 * ((len(labels) + 1) // 2), 1, 1))
    path = out_dir / SWEEP_FIGURE
    save(fig, path, dpi=110)
    plt.close(fig)
    return path
