"""Plots of a run: ns per call by row (strategy or baseline) and compiler, per workload,
with units and provenance (machine, compilers, revision, date) on every figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

from .results import BASELINE_FINAL, BASELINE_POLL, BASELINE_STATIC, BASELINE_SYNC, BASELINES, Run, numeric_args  # noqa: E402


def save(fig, path: Path, dpi: int) -> None:
    """Every figure as PNG (for REPORT.md) and SVG (scalable, for papers)."""
    fig.savefig(path, dpi=dpi)
    fig.savefig(path.with_suffix(".svg"))


def rows_in_order(cells) -> list[str]:
    """The lower bound first, then the visible coroutine, box (the reference row), and
    the other strategies by name."""
    fixed = [BASELINE_SYNC, BASELINE_STATIC, BASELINE_FINAL, BASELINE_POLL, "box"]
    rows = {c.row for c in cells}
    return [r for r in fixed if r in rows] + sorted(rows - set(fixed))


def provenance(run: Run) -> str:
    """One or two lines naming the machine, compilers, flags, revision and date."""
    parts = []
    any_ctx = next(iter(run.contexts.values()), {})
    cpu = any_ctx.get("testbed_cpu_model", "unknown CPU")
    cpus = any_ctx.get("num_cpus", "?")
    host = any_ctx.get("host_name", "unknown host")
    parts.append(f"{host}: {cpu}, {cpus} CPUs")
    for compiler, ctx in sorted(run.contexts.items()):
        parts.append(
            f"{compiler}: {ctx.get('testbed_compiler', '?')} {ctx.get('testbed_cxx_flags', '')}"
        )
    line2 = (
        f"rev {any_ctx.get('testbed_git_revision', any_ctx.get('testbed_git_revision_at_build', '?'))}, "
        f"{any_ctx.get('testbed_date_utc', any_ctx.get('date', '?'))}"
    )
    return "; ".join(parts) + "\n" + line2


def plot_ns_per_call(run: Run, workload: str, out_dir: Path) -> Path:
    """Horizontal bars, one row per strategy or baseline and one bar per compiler: median
    ns per call with min-max whiskers (left), allocations per call (right)."""
    cells = run.cells_of(workload)
    rows = rows_in_order(cells)
    compilers = run.compilers()
    height = 0.8 / max(len(compilers), 1)
    fig, (ax_time, ax_alloc) = plt.subplots(
        1, 2, figsize=(12, 1.2 + 0.42 * len(rows) * max(len(compilers), 1) / 1.6),
        sharey=True, gridspec_kw={"width_ratios": [3, 1]},
    )
    for i, compiler in enumerate(compilers):
        ys, medians, lo, hi, allocs = [], [], [], [], []
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
        color = f"C{i}"
        bars = ax_time.barh(ys, medians, height, xerr=[lo, hi], capsize=2, label=compiler,
                            color=color, error_kw={"elinewidth": 0.8})
        ax_time.bar_label(bars, fmt="%.1f", fontsize=7, padding=3)
        abars = ax_alloc.barh(ys, allocs, height, color=color)
        ax_alloc.bar_label(abars, fmt="%.2f", fontsize=7, padding=2)
    unsupported = {c.row for c in cells if not c.measured}
    ax_time.set_yticks(range(len(rows)))
    ax_time.set_yticklabels([f"{r} (unsupported)" if r in unsupported else r for r in rows])
    ax_time.invert_yaxis()
    ax_time.set_xlabel("ns per call (median over repetitions; whiskers: min-max)")
    ax_time.grid(axis="x", alpha=0.3)
    ax_time.legend(title="compiler", loc="lower right")
    ax_alloc.set_xlabel("global allocations per call")
    ax_alloc.grid(axis="x", alpha=0.3)
    args = sorted({c.args for c in cells})
    fig.suptitle(f"{workload} ({', '.join(args)}): cost of one call through a virtual function")
    fig.text(0.01, 0.005, provenance(run), fontsize=6.5, va="bottom", ha="left", color="dimgray")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    path = out_dir / f"{workload}_ns_per_call.png"
    save(fig, path, dpi=110)
    plt.close(fig)
    return path


def plot_heatmap(run: Run, compiler: str, out_dir: Path) -> Path | None:
    """Strategy x workload: median ns per call relative to box in the same cell column
    (same workload and arguments); unsupported cells marked with their status."""
    columns = sorted({(c.workload, c.args) for c in run.cells.values() if c.compiler == compiler})
    rows = [r for r in rows_in_order(run.cells.values()) if r not in BASELINES]
    if not columns or not rows:
        return None
    import numpy as np  # noqa: PLC0415 (matplotlib depends on it)

    grid = np.full((len(rows), len(columns)), np.nan)
    labels = [["" for _ in columns] for _ in rows]
    for j, (workload, args) in enumerate(columns):
        box = run.cells.get((workload, "box", args, compiler))
        for i, row in enumerate(rows):
            c = run.cells.get((workload, row, args, compiler))
            if c is None:
                continue
            if not c.measured:
                labels[i][j] = "x" if (c.status or "").startswith("unsupported") else "fail"
            elif box is not None and box.measured and box.median_ns > 0:
                grid[i, j] = c.median_ns / box.median_ns
                labels[i][j] = f"{grid[i, j]:.2f}"
    fig, ax = plt.subplots(figsize=(2.0 + 1.1 * len(columns), 1.5 + 0.36 * len(rows)))
    image = ax.imshow(np.log2(grid), cmap="RdYlGn_r", vmin=-2, vmax=2, aspect="auto")
    for i in range(len(rows)):
        for j in range(len(columns)):
            ax.text(j, i, labels[i][j], ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels([f"{w}\n{a}" for w, a in columns], rotation=35, ha="right", fontsize=7)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows, fontsize=8)
    bar = fig.colorbar(image, ax=ax, shrink=0.7)
    bar.set_label("log2(ns per call / box's), same workload; x = unsupported")
    ax.set_title(f"ns per call relative to box, by strategy and workload ({compiler})")
    fig.text(0.01, 0.005, provenance(run), fontsize=6, va="bottom", ha="left", color="dimgray")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    path = out_dir / f"heatmap_{compiler}.png"
    save(fig, path, dpi=110)
    plt.close(fig)
    return path


def plot_compilers(run: Run, out_dir: Path) -> Path | None:
    """g++ against clang-19: each cell measured with both, as clang's time over g++'s."""
    if not {"gcc", "clang"} <= set(run.compilers()):
        return None
    pairs = []
    for (workload, row, args, compiler), c in run.cells.items():
        if compiler != "gcc" or not c.measured:
            continue
        other = run.cells.get((workload, row, args, "clang"))
        if other is not None and other.measured:
            pairs.append((f"{workload}/{row}", c.median_ns, other.median_ns))
    if not pairs:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 6))
    xs = [p[1] for p in pairs]
    ys = [p[2] for p in pairs]
    ax.scatter(xs, ys, s=12, alpha=0.7)
    top = max(xs + ys) * 1.1
    ax.plot([0.5, top], [0.5, top], color="gray", linewidth=0.8, label="same time")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("g++ 12: ns per call (median)")
    ax.set_ylabel("clang-19: ns per call (median)")
    ax.set_title("The compiler as a dimension: every cell built with both")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3, which="both")
    fig.text(0.01, 0.005, provenance(run), fontsize=6, va="bottom", ha="left", color="dimgray")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    path = out_dir / "compilers.png"
    save(fig, path, dpi=110)
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


def plot_sweep(run: Run, workload: str, arg: str, out_dir: Path) -> Path:
    """ns per call against one argument, a line per strategy and compiler."""
    fig, ax = plt.subplots(figsize=(8, 5))
    cells = [c for c in run.cells_of(workload) if c.measured]
    for compiler_index, compiler in enumerate(run.compilers()):
        for row in rows_in_order(cells):
            points = sorted((numeric_args(c.args)[arg], c.median_ns) for c in cells
                            if c.row == row and c.compiler == compiler and arg in numeric_args(c.args))
            if len(points) >= 2:
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3,
                        linestyle="-" if compiler_index == 0 else "--", label=f"{row} ({compiler})")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel(arg)
    ax.set_ylabel("ns per call (median)")
    ax.set_title(f"{workload}: cost against {arg}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=6, ncol=2, loc="best")
    fig.text(0.01, 0.005, provenance(run), fontsize=6, va="bottom", ha="left", color="dimgray")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    path = out_dir / f"sweep_{workload}_{arg}.png"
    save(fig, path, dpi=110)
    plt.close(fig)
    return path


def plot_memory(run: Run, out_dir: Path) -> Path | None:
    """Memory by strategy: frame bytes, native stack high-water and peak heap, for the
    workload where they differ most (the deepest one measured), one panel each."""
    metrics = (("frame_bytes", "frame bytes (mean)"),
               ("stack_high_water_bytes", "native stack high-water (bytes)"),
               ("peak_heap_bytes", "peak heap beyond baseline (bytes)"))
    workloads = [w for w in run.workloads()
                 if any(c.counter("peak_heap_bytes") for c in run.cells_of(w))]
    if not workloads:
        return None
    fig, axes = plt.subplots(len(workloads), 3, figsize=(13, 0.6 + 3.2 * len(workloads)), squeeze=False)
    for wi, workload in enumerate(workloads):
        cells = [c for c in run.cells_of(workload) if c.measured]
        rows = rows_in_order(cells)
        for mi, (metric, label) in enumerate(metrics):
            ax = axes[wi][mi]
            for ci, compiler in enumerate(run.compilers()):
                values = []
                for row in rows:
                    match = [c for c in cells if c.row == row and c.compiler == compiler]
                    values.append(match[0].counter(metric) or 0 if match else 0)
                ys = [j + (ci - 0.5) * 0.4 for j in range(len(rows))]
                ax.barh(ys, values, 0.4, label=compiler, color=f"C{ci}")
            ax.set_yticks(range(len(rows)))
            ax.set_yticklabels(rows if mi == 0 else [""] * len(rows), fontsize=6)
            ax.invert_yaxis()
            ax.set_xlabel(label, fontsize=7)
            ax.tick_params(axis="x", labelsize=6)
            if mi == 1:
                ax.set_title(workload, fontsize=8)
        axes[wi][0].legend(fontsize=6)
    fig.suptitle("Memory by strategy and workload")
    fig.text(0.01, 0.002, provenance(run), fontsize=6, va="bottom", ha="left", color="dimgray")
    fig.tight_layout(rect=(0, 0.03, 1, 0.98))
    path = out_dir / "memory.png"
    save(fig, path, dpi=100)
    plt.close(fig)
    return path
