"""Command line: turn a run folder's raw benchmark JSON into plots, REPORT.md, a page per
workload (workloads/<workload>.md) and the merged results.json (docs/results-format.md).

Everything is computed and checked before anything is written; outputs are written to
temporary names and renamed into place, so a failed report leaves the folder untouched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import json  # noqa: E402

from testbed import breakdown, languages, merged, parallel, plots  # noqa: E402
from testbed.plots import (  # noqa: E402
    colours_of,
    find_sweeps,
    memory_workloads,
    plot_compilers,
    plot_heatmaps,
    plot_latency,
    plot_memory,
    plot_ns_per_call,
    plot_sweep,
)
from testbed.report import PlotSet, binary_workloads, render_all  # noqa: E402
from testbed.results import ResultsError, load_run, rows_from_path  # noqa: E402


def write_report(run_dir: Path, run_name: str | None = None, rows_from: Path | None = None,
                 jobs: int | None = None) -> list[Path]:
    """Loads run_dir/raw, writes the plots, REPORT.md, the workload pages
    (workloads/<workload>.md) and results.json into run_dir; returns their paths. A run
    made before the binaries wrote a row manifest needs rows_from: a newer run whose
    manifest describes its rows. The figures are drawn by `jobs` processes (default:
    parallel.default_jobs())."""
    run = load_run(run_dir, rows_from_path(rows_from) if rows_from is not None else None)
    run_name = run_name or run_dir.resolve().name
    with tempfile.TemporaryDirectory(dir=run_dir, prefix=".report-") as tmp:
        tmp_dir = Path(tmp)
        colours = colours_of(run)
        plots = PlotSet()
        # Every figure is a task (drawn in parallel: parallel.run_all) and a record of what
        # it wrote into the PlotSet, in this order.
        tasks, records = [], []

        def figure(draw, record) -> None:
            tasks.append(draw)
            records.append(record)

        for w in run.workloads():
            figure(lambda w=w: plot_ns_per_call(run, w, tmp_dir, colours),
                   lambda path, w=w: plots.ns_per_call.__setitem__(w, path.name))
        for compiler in run.compilers():
            figure(lambda compiler=compiler: plot_heatmaps(run, compiler, tmp_dir),
                   lambda figures, compiler=compiler: figures and plots.heatmaps.__setitem__(
                       compiler, [(path.name, workloads) for path, workloads in figures]))
        figure(lambda: plot_compilers(run, tmp_dir, colours),
               lambda path: setattr(plots, "compilers", path and path.name))
        for workload in memory_workloads(run):
            figure(lambda workload=workload: plot_memory(run, workload, tmp_dir, colours),
                   lambda path, workload=workload: path is not None and plots.memory.__setitem__(
                       workload, path.name))
        for workload, arg in find_sweeps(run):
            def record_sweep(paths, workload=workload, arg=arg):
                for path in paths:
                    compiler = path.stem.rsplit("_", 1)[1]
                    plots.sweeps.setdefault(workload, []).append((arg, compiler, path.name))
            figure(lambda workload=workload, arg=arg: plot_sweep(run, workload, arg, tmp_dir, colours),
                   record_sweep)
        for workload in run.workloads():
            def record_latency(paths, workload=workload):
                for path in paths:
                    plots.latency.setdefault(workload, []).append((path.stem.rsplit("_", 1)[1], path.name))
            figure(lambda workload=workload: plot_latency(run, workload, tmp_dir, colours), record_latency)
        figure(lambda: languages.plot_buffer_sweep(run, tmp_dir),  # C++ beside Rust
               lambda path: setattr(plots, "languages", path and path.name))
        for result, record in zip(parallel.run_all(tasks, jobs), records):
            record(result)
        plots.breakdown = breakdown.prepare(run, run_dir, tmp_dir)  # its plots, allocator functions
        for name, text in render_all(run, run_name, plots, binary_workloads(run_dir)).items():
            (tmp_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_dir / name).write_text(text)
        results = merged.build(run, run_name)
        merged.validate(results)
        (tmp_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        written = []
        for f in sorted(p for p in tmp_dir.rglob("*") if p.is_file()):
            target = run_dir / f.relative_to(tmp_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, target)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/report",
        description="Write the plots and REPORT.md of a run folder from its raw/<compiler>/*.json "
        "(Google Benchmark JSON written by scripts/matrix).",
    )
    parser.add_argument("run_dir", type=Path, help="a run folder, e.g. results/<date>-<machine>-<rev>")
    parser.add_argument(
        "--run-name", help="name shown in the report (default: the folder's name)", default=None
    )
    parser.add_argument(
        "--rows-from", type=Path, default=None, metavar="RUN",
        help="a newer run folder, results.json or manifest file whose row manifest describes "
        "the rows of a run made before the benchmark binaries wrote one")
    parser.add_argument(
        "--jobs", type=int, default=None, metavar="N",
        help="processes drawing the figures (default: TESTBED_JOBS, else the number of CPUs)")
    parser.add_argument(
        "--png-only", action="store_true",
        help="write the figures as PNG only, without their SVG copies (half the drawing time)")
    args = parser.parse_args(argv)
    if args.png_only:
        plots.WRITE_SVG = False
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be a positive number, not {args.jobs}")
    try:
        written = write_report(args.run_dir, args.run_name, args.rows_from, args.jobs)
    except ResultsError as e:
        print(f"report: error: {e}", file=sys.stderr)
        return 2
    print(f"report: wrote {len(written)} files into {args.run_dir}: "
          f"{', '.join(str(p.relative_to(args.run_dir)) for p in written)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
