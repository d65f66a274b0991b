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
    """Bar chart of median ns per call (min-max whiskers), one bar per compiler."""
    cells = run.cells_of(workload)
    rows = rows_in_order(cells)
    compilers = run.compilers()
    width = 0.8 / max(len(compilers), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(rows) + 2), 4.8))
    for i, compiler in enumerate(compilers):
        xs, medians, lo, hi = [], [], [], []
        for j, row in enumerate(rows):
            match = [c for c in cells if c.row == row and c.compiler == compiler]
            if not match:
                continue
            c = match[0]
            xs.append(j + (i - (len(compilers) - 1) / 2) * width)
            medians.append(c.median_ns)
            lo.append(c.median_ns - c.min_ns)
            hi.append(c.max_ns - c.median_ns)
        bars = ax.bar(xs, medians, width, yerr=[lo, hi], capsize=3, label=compiler)
        ax.bar_label(bars, fmt="%.1f", fontsize=7, padding=2)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(rows, rotation=20, ha="right")
    ax.set_ylabel("ns per call (median; whiskers: min-max over repetitions)")
    args = sorted({c.args for c in cells})
    ax.set_title(f"{workload} ({', '.join(args)}): time per call by strategy")
    ax.legend(title="compiler")
    ax.grid(axis="y", alpha=0.3)
    fig.text(0.01, 0.01, provenance(run), fontsize=6, va="bottom", ha="left", color="dimgray")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    path = out_dir / f"{workload}_ns_per_call.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
