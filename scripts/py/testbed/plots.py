"""Plots of a run: ns per call by row (strategy or baseline) and compiler, per workload,
with units and provenance (machine, compilers, revision, date) on every figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

from .results import BASELINE_STATIC, BASELINE_SYNC, Run  # noqa: E402


def rows_in_order(cells) -> list[str]:
    """The lower bound first, then the visible coroutine, box (the reference row), and
    the other strategies by name."""
    fixed = [BASELINE_SYNC, BASELINE_STATIC, "box"]
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
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
