"""Plots of a run, readable at page width: ns per call by row and compiler per workload,
heatmaps split into workload groups, sweeps as small multiples (a panel per strategy
family), the compiler scatter and memory. One colour per strategy family in every figure
(the family each row's manifest declares, rows.py); units on every axis; machine and
compiler on every figure; the latency percentile curves (issue 18). Cells whose frame the compiler removed (no_frame) are not
frame-placement results: the heatmaps leave them out and the bar plots mark them."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator  # noqa: E402

from . import rows as row_roles  # noqa: E402
from .results import Cell, Run, args_order, numeric_args  # noqa: E402
# A cell placing fewer frames than this per call had its frame removed by the compiler.
MIN_FRAMES_PER_CALL = 0.5
# Heatmap columns per figure: about 8 columns of (workload, args) fit a page width.
HEATMAP_COLUMNS = 8
# Units of the swept arguments (x axes).
ARG_UNITS = {"local_bytes": "bytes of frame-local state", "depth": "recursion levels",
             "outstanding": "outstanding calls", "layers": "middleware layers",
             "threads": "pool threads", "mix": "frame-size mix (index)",
             "state_bytes": "bytes of plugin state", "items": "items"}
# Line styles and markers of a family's forms inside one panel.
_STYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D")
# Plain numbers on log axes (10, 20, 40 rather than 4x10^1); minor ticks 2, 3, 5 only.
_PLAIN = FuncFormatter(lambda v, _: f"{v:g}")
_PLAIN_MINOR = FuncFormatter(lambda v, _: f"{v:g}" if f"{v:.1e}"[0] in "235" else "")
# Minor ticks of a narrow log axis: 2, 3 and 5 in each decade (the values _PLAIN_MINOR
# labels), not all of 2..9: a tick is five artists (two marks, a grid line, two labels), and
# building and drawing the ticks of log axes was a large share of the report's time.
_MINOR_SUBS = (2.0, 3.0, 5.0)
# A log axis spanning fewer decades than this has labelled minor ticks (2, 3, 5); a wider one
# has the powers of ten only: its minor labels would crowd a panel 1.7 in tall, and its
# minor ticks cost about a quarter of drawing a latency figure.
_MINOR_LABEL_DECADES = 2.0
# _TITLE_FIXED: a panel title given y=1.0 sits just above the panel (its x tick labels are
# below) without matplotlib's automatic placement, which measures the panel's y axis (all
# its tick labels) for every title on every draw.
# Inches between a figure's top edge and its suptitle: the layouts below (_grid_layout,
# _row_layout) leave a fixed top margin in inches for it, while the default (y=0.98, a
# fraction) would sink into the panels of a tall figure.
_SUPTITLE_GAP = 0.08
# Hatches telling compilers apart in bar plots (colour is the family's).
_HATCHES = ("", "///", "..", "xx")


# Whether figures are also written as SVG (scalable, for papers); scripts/report
# --png-only (the quick matrix: drawing the SVG doubles the report's time) leaves it out.
WRITE_SVG = True


class _InViewLogLocator(LogLocator):
    """A LogLocator returning only the ticks inside the view limits: matplotlib's also
    returns a decade or two beyond them on each side, and builds a tick (two lines, two
    texts) for each before leaving it undrawn."""

    def tick_values(self, vmin, vmax):
        locs = super().tick_values(vmin, vmax)
        lo, hi = sorted((vmin, vmax))
        slack = 1e-9 * hi  # the limits themselves count as inside
        return locs[(locs >= lo - slack) & (locs <= hi + slack)]


def _log_y_ticks(ax) -> None:
    """The y ticks of a log panel (call after its data is plotted): powers of ten as plain
    numbers; minor ticks (labelled, with grid lines) at 2, 3, 5 of each decade only when the
    axis spans under _MINOR_LABEL_DECADES decades. Shared axes share their locators: one
    call serves all."""
    import math  # noqa: PLC0415

    lo, hi = sorted(ax.get_ylim())
    ax.yaxis.set_major_locator(_InViewLogLocator(base=10))
    ax.yaxis.set_major_formatter(_PLAIN)
    if lo > 0 and math.log10(hi / lo) < _MINOR_LABEL_DECADES:
        ax.yaxis.set_minor_locator(_InViewLogLocator(base=10, subs=_MINOR_SUBS))
        ax.yaxis.set_minor_formatter(_PLAIN_MINOR)
    else:  # the powers of ten and their grid lines only
        ax.yaxis.set_minor_locator(NullLocator())


def _tick_label_chars(axis) -> int:
    """The length of the longest tick label the axis will draw (major and minor)."""
    lo, hi = sorted(axis.get_view_interval())
    chars = 0
    for ticker in (axis.major, axis.minor):
        locs = [v for v in ticker.locator() if lo <= v <= hi]
        chars = max([chars] + [len(t) for t in ticker.formatter.format_ticks(locs)])
    return chars


def _suptitle_y(fig) -> float:
    """The suptitle's y: _SUPTITLE_GAP inches below the figure's top edge."""
    return 1 - _SUPTITLE_GAP / fig.get_figheight()


def _grid_layout(fig, axes, used: int) -> None:
    """Places a grid of shared-axis panels by fixed margins in inches instead of
    fig.tight_layout (which measures every tick label of every panel, twice the cost of
    drawing the figure): the y tick labels' width (from their longest label) and the y
    label at the left, the suptitle (two lines) and the first row's titles at the top, the
    x tick labels, x label and provenance (two lines) at the bottom; between rows, each
    panel's title, and the tick labels and x label of a short column's bottom panel where
    the first `used` panels leave one (_label_bottom_panels)."""
    width, height = fig.get_size_inches()
    nrows, ncols = len(axes), len(axes[0])
    # 0.35 in: a panel title; 0.75 in: also a short column's tick labels and x label
    hspace = 0.75 if used % ncols and nrows > 1 else 0.35
    # 7 pt tick labels: a digit is 0.64 em wide in DejaVu Sans; plus the tick (3.5 pt), its
    # pad (3.5 pt), the 8 pt y label with its pad and 0.1 in of paper
    left = 0.1 + (8 + 4 + 7 + _tick_label_chars(axes[0][0].yaxis) * 7 * 0.64) / 72
    right = 0.25  # half an x tick label past the last column's right edge
    top = 0.75  # the two-line 10 pt suptitle and a 9 pt panel title
    bottom = 0.9  # 7 pt x tick labels, the 8 pt x label, the two 6 pt provenance lines
    wspace = 0.15  # shared y: the inner panels have no tick labels
    panel_w = (width - left - right - wspace * (ncols - 1)) / ncols
    panel_h = (height - top - bottom - hspace * (nrows - 1)) / nrows
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height, wspace=wspace / panel_w, hspace=hspace / panel_h)


def _label_bottom_panels(axes, used: int, label: str) -> None:
    """The x label under the last panel of every column of a grid whose first `used`
    panels are drawn: the bottom row's, and in a short column (the last row not full) the
    panel above the empty one, which also gets the tick labels sharex hid."""
    nrows, ncols = len(axes), len(axes[0])
    for k in range(nrows * ncols - ncols, nrows * ncols):
        if k < used:
            axes[k // ncols][k % ncols].set_xlabel(label, fontsize=8)
        elif k - ncols >= 0:
            above = axes[(k - ncols) // ncols][(k - ncols) % ncols]
            above.set_xlabel(label, fontsize=8)
            above.xaxis.set_tick_params(labelbottom=True)


def _text_width(fig, texts, fontsize: float) -> float:
    """The width in inches of the widest of the texts in the default font at fontsize."""
    from matplotlib.font_manager import FontProperties  # noqa: PLC0415

    renderer = fig.canvas.get_renderer()
    prop = FontProperties(size=fontsize)
    return max((renderer.get_text_width_height_descent(t, prop, ismath=False)[0] for t in texts),
               default=0.0) / fig.dpi


def _row_layout(fig, ylabels, fontsize: float, bottom: float, top: float, wspace: float,
                right: float) -> None:
    """Places one row of panels sharing a y axis of named rows by margins in inches
    instead of fig.tight_layout (which measures every artist of every panel, as much as
    drawing the figure): at the left the widest row name (fontsize) with its tick and pad
    (7 pt) and 0.1 in of paper; bottom, top, wspace between the panels, right as given."""
    width, height = fig.get_size_inches()
    left = 0.1 + _text_width(fig, ylabels, fontsize) + 7 / 72
    ncols = len(fig.axes)
    panels_w = width - left - right - wspace * (ncols - 1)
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height, wspace=wspace * ncols / panels_w)


def save(fig, path: Path, dpi: int) -> None:
    """Every figure as PNG (for REPORT.md) and, unless WRITE_SVG is off, SVG."""
    fig.savefig(path, dpi=dpi)
    if WRITE_SVG:
        fig.savefig(path.with_suffix(".svg"))


def no_frame(c: Cell) -> bool:
    """A strategy cell whose frame the compiler removed (frames placed per call < 0.5):
    not a frame-placement result."""
    frames = c.counter("frames_per_call")
    return c.is_strategy and c.measured and frames is not None and frames < MIN_FRAMES_PER_CALL


class Colours:
    """One colour per strategy family, the same in every figure of a run: strategy
    families in name order over a qualitative palette; the other rows (baselines, peers,
    devices) in greys."""

    def __init__(self, run: Run):
        self.rows = run.rows
        present = {c.row for c in run.cells.values()}
        fams = sorted({self.rows.family(r) for r in present if self.rows.is_strategy(r)})
        # tab10 without its grey (the baselines' colour), then Dark2: every one readable on white
        palette = [plt.get_cmap("tab10")(i) for i in (0, 1, 2, 3, 4, 5, 6, 8, 9)] + [
            "#1b9e77", "#7570b3", "#e6ab02", "#a6761d", "#e7298a", "#66a61e"]
        self.by_family = {f: palette[i % len(palette)] for i, f in enumerate(fams)}
        greys = ("black", "dimgray", "gray", "darkgray", "silver", "saddlebrown")
        others = sorted(r for r in present if not self.rows.is_strategy(r))
        for i, r in enumerate(others):
            self.by_family.setdefault(r, greys[i % len(greys)])

    def __call__(self, row: str):
        return self.by_family.get(self.rows.family(row), self.by_family.get(row, "gray"))


def colours_of(run: Run) -> Colours:
    return Colours(run)


def rows_in_order(run: Run, cells) -> list[str]:
    """The synchronous limits first, then the visible coroutine, the devirtualized call, the
    poll limit, the reference row (box), and the other rows: strategies by family and name,
    then peers and devices."""
    rows = {c.row for c in cells}
    fixed = [r for role in (row_roles.SYNCHRONOUS_LIMIT, row_roles.VISIBLE_COROUTINE,
                            row_roles.DEVIRTUALIZED, row_roles.POLL_LIMIT, row_roles.REFERENCE)
             for r in run.rows.with_role(role) if r in rows]
    kind_order = {row_roles.STRATEGY: 0, row_roles.BASELINE: 1, row_roles.PEER: 2, row_roles.DEVICE: 3}
    rest = sorted(rows - set(fixed), key=lambda r: (
        kind_order.get(run.rows.get(r).kind if run.rows.get(r) else "", 4), run.rows.family(r), r))
    return fixed + rest


def machine_line(run: Run) -> str:
    pv = run.provenance
    return f"{pv.host}: {pv.cpu_model}, {pv.num_cpus} CPUs"


def provenance(run: Run) -> str:
    """One or two lines naming the machine, compilers, flags, revision and date."""
    pv = run.provenance
    parts = [machine_line(run)] + [f"{name}: {c.compiler} {c.cxx_flags}"
                                   for name, c in sorted(pv.compilers.items())]
    line2 = f"rev {pv.git_revision}, {pv.date_utc}"
    return "; ".join(parts) + "\n" + line2


def _compiler_legend(ax, compilers, loc="lower right", title="compiler (hatch)"):
    handles = [Patch(facecolor="white", edgecolor="black", hatch=_HATCHES[i % len(_HATCHES)], label=c)
               for i, c in enumerate(compilers)]
    ax.legend(handles=handles, title=title, loc=loc, fontsize=8)


def plot_ns_per_call(run: Run, workload: str, out_dir: Path, colours: Colours | None = None) -> Path:
    """Horizontal bars, one row per strategy or baseline and one bar per compiler (colour:
    the family; hatch: the compiler): median ns per call with min-max whiskers (left),
    allocations per call (right). Rows whose frame a compiler removed say so."""
    colours = colours or colours_of(run)
    cells = run.cells_of(workload)
    rows = rows_in_order(run, cells)
    compilers = run.compilers()
    height = 0.8 / max(len(compilers), 1)
    fig_height = 1.6 + 0.42 * len(rows) * max(len(compilers), 1) / 1.6
    fig, (ax_time, ax_alloc) = plt.subplots(
        1, 2, figsize=(11, fig_height),
        sharey=True, gridspec_kw={"width_ratios": [3, 1]},
    )
    for i, compiler in enumerate(compilers):
        ys, medians, lo, hi, allocs, cols = [], [], [], [], [], []
        for j, row in enumerate(rows):
            match = [c for c in cells if c.row == row and c.compiler == compiler and c.measured]
            if not match:
                continue
            c = match[0]
            ys.append(j + (i - (len(compilers) - 1) / 2) * height)
            medians.append(c.median_ns)
            lo.append(c.median_ns - c.min_ns)
            hi.append(c.max_ns - c.median_ns)
            allocs.append(c.counter("allocs_per_call") or 0.0)
            cols.append(colours(row))
        hatch = _HATCHES[i % len(_HATCHES)]
        bars = ax_time.barh(ys, medians, height, xerr=[lo, hi], capsize=2, color=cols,
                            hatch=hatch, edgecolor="white" if not hatch else "black",
                            linewidth=0.3, error_kw={"elinewidth": 0.8})
        ax_time.bar_label(bars, fmt="%.1f", fontsize=7, padding=3)
        abars = ax_alloc.barh(ys, allocs, height, color=cols, hatch=hatch, edgecolor="black",
                              linewidth=0.3)
        ax_alloc.bar_label(abars, fmt="%.2f", fontsize=7, padding=2)
    unsupported = {c.row for c in cells if not c.measured}
    removed = {}
    for c in cells:
        if no_frame(c):
            removed.setdefault(c.row, []).append(c.compiler)

    def label(r: str) -> str:
        if r in unsupported:
            return f"{r} (unsupported)"
        if r in removed:
            return f"{r} (no frame: {', '.join(sorted(set(removed[r])))})"
        return r

    ax_time.set_yticks(range(len(rows)))
    ylabels = [label(r) for r in rows]
    ax_time.set_yticklabels(ylabels, fontsize=8)
    ax_time.invert_yaxis()
    ax_time.set_xlabel("ns per call (median over repetitions; whiskers: min-max)")
    ax_time.grid(axis="x", alpha=0.3)
    _compiler_legend(ax_time, compilers)
    ax_alloc.set_xlabel("global allocations per call")
    ax_alloc.grid(axis="x", alpha=0.3)
    args = sorted({c.args for c in cells})
    shown = ", ".join(args) if len(args) <= 4 else f"{len(args)} argument sets, first of each row"
    fig.suptitle(f"{workload} ({shown}): cost of one call through a virtual function\n"
                 f"{machine_line(run)}; compilers: {', '.join(compilers)}", fontsize=10,
                 y=_suptitle_y(fig))
    fig.text(0.01, 0.005, provenance(run), fontsize=6.5, va="bottom", ha="left", color="dimgray")
    # bottom: the provenance (0.3 in), 10 pt x tick labels and x label; top: the two-line
    # suptitle; wspace and right: room for the value labels past the longest bars
    _row_layout(fig, ylabels, 8, bottom=0.9, top=0.6, wspace=0.5, right=0.4)
    path = out_dir / f"{workload}_ns_per_call.png"
    save(fig, path, dpi=100)
    plt.close(fig)
    return path


def heatmap_groups(run: Run, compiler: str, per_figure: int = HEATMAP_COLUMNS) -> list[list[tuple[str, str]]]:
    """The heatmap's columns (workload, args) with strategy cells, split into groups of at
    most per_figure columns; a workload is never split unless it alone is wider."""
    columns = {}
    for c in run.cells.values():
        if c.compiler == compiler and c.is_strategy:
            columns.setdefault(c.workload, set()).add(c.args)
    groups: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for workload in sorted(columns):
        cols = [(workload, a) for a in sorted(columns[workload],
                                              key=args_order)]
        if current and len(current) + len(cols) > per_figure:
            groups.append(current)
            current = []
        while len(cols) > per_figure:
            groups.append(cols[:per_figure])
            cols = cols[per_figure:]
        current += cols
    if current:
        groups.append(current)
    return groups


def heatmap_grid(run: Run, compiler: str, columns: list[tuple[str, str]]):
    """(rows, ratios, labels) of one heatmap: the strategy rows with a cell in the columns,
    each cell's median over its reference box's (NaN where there is none), and the text of
    each cell: the ratio, "x" (unsupported), "fail", or "nf" (frame removed: left out)."""
    import numpy as np  # noqa: PLC0415 (matplotlib depends on it)

    keys = set(columns)
    present = [c for c in run.cells.values()
               if c.compiler == compiler and c.is_strategy and (c.workload, c.args) in keys]
    rows = rows_in_order(run, present)
    grid = np.full((len(rows), len(columns)), np.nan)
    labels = [["" for _ in columns] for _ in rows]
    for j, (workload, args) in enumerate(columns):
        for i, row in enumerate(rows):
            c = run.cells.get((workload, row, args, compiler))
            if c is None:
                continue
            box = run.cells.get((workload, run.rows.reference_for(row), args, compiler))
            if not c.measured:
                labels[i][j] = "x" if (c.status or "").startswith("unsupported") else "fail"
            elif no_frame(c):
                labels[i][j] = "nf"
            elif box is not None and box.measured and not no_frame(box) and box.median_ns > 0:
                grid[i, j] = c.median_ns / box.median_ns
                labels[i][j] = f"{grid[i, j]:.2f}"
    return rows, grid, labels


def plot_heatmaps(run: Run, compiler: str, out_dir: Path) -> list[tuple[Path, list[str]]]:
    """Strategy x (workload, args), one figure per workload group: median ns per call
    relative to the box row of the same form in the same column (eager rows: box_eager).
    Unsupported cells are marked x; cells whose frame was removed are left out ("nf").
    Returns (path, workloads shown) per figure."""
    import numpy as np  # noqa: PLC0415 (matplotlib depends on it)

    out = []
    colours = colours_of(run)
    for index, columns in enumerate(heatmap_groups(run, compiler), start=1):
        rows, grid, labels = heatmap_grid(run, compiler, columns)
        fig, ax = plt.subplots(figsize=(3.2 + 0.85 * len(columns), 1.9 + 0.3 * len(rows)))
        cmap = plt.get_cmap("RdYlGn_r").copy()
        cmap.set_bad("#eeeeee")
        image = ax.imshow(np.log2(grid), cmap=cmap, vmin=-2, vmax=2, aspect="auto")
        for i in range(len(rows)):
            for j in range(len(columns)):
                # in_layout=False: inside its cell, nothing for tight_layout to measure
                ax.text(j, i, labels[i][j], ha="center", va="center", fontsize=8, in_layout=False)
        ax.set_xticks(range(len(columns)))
        ax.set_xticklabels([f"{w}\n{a}" for w, a in columns], rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(rows, fontsize=8)
        for i, row in enumerate(rows):
            ax.get_yticklabels()[i].set_color(colours(row))
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label("log2(ns per call / box's) in the same column\n(eager rows: / box_eager's)",
                      fontsize=8)
        workloads = sorted({w for w, _ in columns})
        ax.set_title(f"ns per call relative to box ({compiler}), group {index}: {', '.join(workloads)}\n"
                     f"x = unsupported, nf = frame removed by the compiler (not a placement result)",
                     fontsize=9)
        fig.text(0.01, 0.005, provenance(run), fontsize=6, va="bottom", ha="left", color="dimgray")
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        path = out_dir / f"heatmap_{compiler}_{index}.png"
        save(fig, path, dpi=100)
        plt.close(fig)
        out.append((path, workloads))
    return out


def plot_compilers(run: Run, out_dir: Path, colours: Colours | None = None) -> Path | None:
    """g++ against clang-19: each cell measured with both, as clang's time over g++'s,
    coloured by family."""
    if not {"gcc", "clang"} <= set(run.compilers()):
        return None
    colours = colours or colours_of(run)
    pairs = []
    for (workload, row, args, compiler), c in run.cells.items():
        if compiler != "gcc" or not c.measured:
            continue
        other = run.cells.get((workload, row, args, "clang"))
        if other is not None and other.measured:
            pairs.append((row, c.median_ns, other.median_ns))
    if not pairs:
        return None
    fig, ax = plt.subplots(figsize=(8, 6.5))
    families = sorted({run.rows.family(p[0]) for p in pairs})
    for fam in families:
        mine = [p for p in pairs if run.rows.family(p[0]) == fam]
        ax.scatter([p[1] for p in mine], [p[2] for p in mine], s=12, alpha=0.75,
                   color=colours(mine[0][0]), label=fam)
    xs = [p[1] for p in pairs]
    ys = [p[2] for p in pairs]
    low = min(xs + ys) * 0.8
    top = max(xs + ys) * 1.2
    ax.plot([low, top], [low, top], color="gray", linewidth=0.8, label="same time")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("g++ 12: ns per call (median)")
    ax.set_ylabel("clang-19: ns per call (median)")
    ax.set_title(f"The compiler as a dimension: every cell built with both\n{machine_line(run)}",
                 fontsize=10)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7, title="family")
    ax.grid(alpha=0.3, which="both")
    fig.text(0.01, 0.005, provenance(run), fontsize=6, va="bottom", ha="left", color="dimgray")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    path = out_dir / "compilers.png"
    save(fig, path, dpi=100)
    plt.close(fig)
    return path


def find_sweeps(run: Run) -> list[tuple[str, str]]:
    """(workload, argument) pairs where the workload's cells vary in exactly that argument."""
    sweeps = []
    for workload in run.workloads():
        argsets = [numeric_args(a) for a in {c.args for c in run.cells_of(workload)}]
        if len(argsets) < 3:
            continue
        names = set().union(*argsets)
        varying = [n for n in names if len({a.get(n) for a in argsets}) >= 3]
        if len(varying) == 1:
            sweeps.append((workload, varying[0]))
    return sweeps


def sweep_panels(run: Run, workload: str, arg: str, compiler: str) -> dict[str, dict[str, list]]:
    """family -> row -> [(x, median ns)] of the strategy rows of a sweep under one
    compiler (two or more points each; cells whose frame was removed left out)."""
    out: dict[str, dict[str, list]] = {}
    cells = [c for c in run.cells_of(workload)
             if c.measured and c.compiler == compiler and c.is_strategy and not no_frame(c)]
    for row in rows_in_order(run, cells):
        points = sorted((numeric_args(c.args)[arg], c.median_ns) for c in cells
                        if c.row == row and arg in numeric_args(c.args))
        if len(points) >= 2:
            out.setdefault(run.rows.family(row), {})[row] = points
    return out


def plot_sweep(run: Run, workload: str, arg: str, out_dir: Path,
               colours: Colours | None = None) -> list[Path]:
    """ns per call against one argument as small multiples: one figure per compiler, a
    panel per strategy family (its forms told apart by line style), box in every panel as
    a thin grey reference, shared axes. Returns the figures' paths."""
    colours = colours or colours_of(run)
    paths = []
    for compiler in run.compilers():
        panels = sweep_panels(run, workload, arg, compiler)
        if not panels:
            continue
        reference_row = run.rows.reference()
        reference = panels.get(run.rows.family(reference_row), {}).get(reference_row)
        families = sorted(panels)
        ncols = min(4, len(families))
        nrows = -(-len(families) // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(2.9 * ncols + 0.6, 2.3 * nrows + 1.1),
                                 sharex=True, sharey=True, squeeze=False)
        xs = [x for fam in panels.values() for pts in fam.values() for x, _ in pts]
        log_x = min(xs) > 0 and max(xs) / min(xs) >= 8
        for k, fam in enumerate(families):
            ax = axes[k // ncols][k % ncols]
            if reference is not None and fam != run.rows.family(reference_row):
                ax.plot([p[0] for p in reference], [p[1] for p in reference], color="lightgray",
                        linewidth=2, label=f"{reference_row} (reference)")
            for n, (row, points) in enumerate(sorted(panels[fam].items())):
                ax.plot([p[0] for p in points], [p[1] for p in points], color=colours(row),
                        linestyle=_STYLES[n % len(_STYLES)], marker=_MARKERS[n % len(_MARKERS)],
                        markersize=3.5, linewidth=1.4, label=row)
            ax.set_title(fam, fontsize=9, color=colours(fam), y=1.0)  # y: _TITLE_FIXED
            ax.legend(fontsize=6.5, loc="best")
            ax.grid(alpha=0.3, which="both")
            if log_x:
                ax.set_xscale("log", base=2)
                ax.xaxis.set_major_locator(_InViewLogLocator(base=2))
            ax.set_yscale("log")
            ax.tick_params(labelsize=7)
            ax.tick_params(which="minor", labelsize=6)
        _log_y_ticks(axes[0][0])
        for k in range(len(families), nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        unit = ARG_UNITS.get(arg, arg)
        _label_bottom_panels(axes, len(families), f"{arg} ({unit})" if unit != arg else arg)
        for row_axes in axes:
            row_axes[0].set_ylabel("ns per call (median)", fontsize=8)
        _grid_layout(fig, axes, len(families))
        paths.append(finish_panels(
            fig, run, f"{workload}: ns per call against {arg}, {compiler}, one panel per strategy family",
            out_dir / f"sweep_{workload}_{arg}_{compiler}.png"))
    return paths


def finish_panels(fig, run: Run, title: str, path: Path) -> Path:
    """A figure of small multiples, its panels placed (_grid_layout): its title over the
    machine, the provenance at the bottom, saved as PNG and SVG and closed."""
    fig.suptitle(f"{title}\n{machine_line(run)}", fontsize=10,
                 y=_suptitle_y(fig))
    fig.text(0.01, 0.005, provenance(run), fontsize=6, va="bottom", ha="left", color="dimgray")
    save(fig, path, dpi=100)
    plt.close(fig)
    return path


def memory_workloads(run: Run) -> list[str]:
    """The workloads massif measured (a peak heap figure on some cell)."""
    return [w for w in run.workloads() if any(c.counter("peak_heap_bytes") for c in run.cells_of(w))]


def plot_memory(run: Run, workload: str, out_dir: Path, colours: Colours | None = None) -> Path | None:
    """Memory by row on one workload (its first argument set per row): frame bytes, native
    stack high-water and peak heap, a panel each (colour: family; hatch: compiler)."""
    colours = colours or colours_of(run)
    metrics = (("frame_bytes", "frame bytes (mean)"),
               ("stack_high_water_bytes", "native stack high-water (bytes)"),
               ("peak_heap_bytes", "peak heap beyond the child's start (bytes)"))
    cells = [c for c in run.cells_of(workload) if c.measured]
    if not cells:
        return None
    compilers = run.compilers()
    rows = rows_in_order(run, cells)
    height = 1.6 + 0.32 * len(rows) * max(len(compilers), 1) / 1.6
    fig, axes = plt.subplots(1, 3, figsize=(12, height), sharey=True, squeeze=False)
    width = 0.8 / max(len(compilers), 1)
    for mi, (metric, label) in enumerate(metrics):
        ax = axes[0][mi]
        for ci, compiler in enumerate(compilers):
            values = []
            for row in rows:
                match = sorted((c for c in cells if c.row == row and c.compiler == compiler),
                               key=lambda c: args_order(c.args))
                values.append((match[0].counter(metric) or 0) if match else 0)
            ys = [j + (ci - (len(compilers) - 1) / 2) * width for j in range(len(rows))]
            ax.barh(ys, values, width, color=[colours(r) for r in rows],
                    hatch=_HATCHES[ci % len(_HATCHES)], edgecolor="black", linewidth=0.2)
        if mi == 0:  # the panels share their y axis: its ticks and labels, set once
            ax.set_yticks(range(len(rows)))
            ax.set_yticklabels(rows, fontsize=8)
            ax.invert_yaxis()
        ax.set_xlabel(label, fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    _compiler_legend(axes[0][2], compilers, loc="lower right")
    args = sorted({c.args for c in cells}, key=args_order)
    fig.suptitle(f"{workload} ({args[0]}{', the first of each row' if len(args) > 1 else ''}): memory by row\n"
                 f"{machine_line(run)}; compilers: {', '.join(compilers)}", fontsize=10,
                 y=_suptitle_y(fig))
    fig.text(0.01, 0.005, provenance(run), fontsize=6, va="bottom", ha="left", color="dimgray")
    # bottom: the provenance (0.3 in), 7 pt x tick labels and the 8 pt x labels; top: the
    # two-line suptitle; wspace and right: half an x tick label each side
    _row_layout(fig, rows, 8, bottom=0.8, top=0.6, wspace=0.3, right=0.3)
    path = out_dir / f"memory_{workload}.png"
    save(fig, path, dpi=100)
    plt.close(fig)
    return path


# ------------------------------------------------------------------ latency (issue 18)

def latency_args(run: Run, workload: str) -> str | None:
    """The args whose cells the latency figure shows: the only ones, or the middle of the
    workload's args in numeric order (one figure must stay readable)."""
    from . import latency
    args = sorted({c.args for c in run.cells_of(workload) if c.measured and latency.latency_object(run, c)},
                  key=args_order)
    return args[len(args) // 2] if args else None


def plot_latency(run: Run, workload: str, out_dir: Path, colours: Colours | None = None) -> list[Path]:
    """The percentile curve of each row (the latency pass gives percentiles, not a full
    CDF): x is the percentile on a "nines" axis (50, 90, 99, 99.9, then max), y the ns per
    call of that percentile (log). One figure per compiler, a panel per family (its forms
    told apart by line style), the reference row (box) as a thin grey line in every panel,
    shared axes. Returns the figures' paths."""
    from . import latency
    colours = colours or colours_of(run)
    args = latency_args(run, workload)
    if args is None:
        return []
    xs = list(range(len(latency.POINTS)))
    labels = [("max" if q is None else f"p{q:g}") for _, q in latency.POINTS]
    paths = []
    for compiler in run.compilers():
        curves: dict[str, dict[str, list[float]]] = {}
        for c in run.cells_of(workload):
            if c.compiler != compiler or c.args != args or not c.measured:
                continue
            obj = latency.latency_object(run, c)
            if not obj or any(obj.get(name) is None for name, _ in latency.POINTS):
                continue
            family = run.rows.family(c.row) if run.rows.is_strategy(c.row) else "baselines and peers"
            curves.setdefault(family, {})[c.row] = [max(obj[name], 0.1) for name, _ in latency.POINTS]
        if not curves:
            continue
        reference_row = run.rows.reference()
        reference = next((fam[reference_row] for fam in curves.values() if reference_row in fam), None)
        families = sorted(curves)
        ncols = min(4, len(families))
        nrows = -(-len(families) // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(2.9 * ncols + 0.6, 2.3 * nrows + 1.2),
                                 sharex=True, sharey=True, squeeze=False)
        for k, fam in enumerate(families):
            ax = axes[k // ncols][k % ncols]
            if reference is not None and reference_row not in curves[fam]:
                ax.plot(xs, reference, color="lightgray", linewidth=2, label=f"{reference_row} (reference)")
            for n, (row, ys) in enumerate(sorted(curves[fam].items())):
                ax.plot(xs, ys, color=colours(row), linestyle=_STYLES[n % len(_STYLES)],
                        marker=_MARKERS[n % len(_MARKERS)], markersize=3.5, linewidth=1.4, label=row)
            ax.set_title(fam, fontsize=9, color=colours(fam) if fam in colours.by_family else "black",
                         y=1.0)  # y: _TITLE_FIXED
            ax.legend(fontsize=6.5, loc="upper left")
            ax.grid(alpha=0.3, which="both")
            ax.set_yscale("log")
            ax.set_xticks(xs, labels)
            ax.tick_params(labelsize=7)
            ax.tick_params(which="minor", labelsize=6)
        _log_y_ticks(axes[0][0])
        for k in range(len(families), nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        _label_bottom_panels(axes, len(families), "percentile of the calls (nines)")
        for row_axes in axes:
            row_axes[0].set_ylabel("ns per call (log)", fontsize=8)
        _grid_layout(fig, axes, len(families))
        paths.append(finish_panels(
            fig, run, f"{workload} ({args}): latency percentiles, {compiler}, one panel per family "
            "(timer's share included)", out_dir / f"latency_{workload}_{compiler}.png"))
    return paths
