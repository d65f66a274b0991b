"""Loading runs to judge them: a run folder (its raw/) or a results.json turned back into a
Run, and the verdicts of several runs at once (used by scripts/verdicts and scripts/stability).
A run made before the binaries wrote a row manifest is described by another run's."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from . import claims, merged
from .results import NoManifest, ResultsError, Run, load_run, rows_from_path
from .rows import Rows


@dataclass
class Judged:
    name: str
    machine: str
    verdicts: list[claims.Verdict]
    source: str  # "raw/" or "results.json"


def load(path: Path, rows_from: Rows | None = None) -> tuple[str, Run, str]:
    """(run name, Run, where the cells came from) of a run folder or a results.json. A run
    folder's raw/ is preferred (every repetition and context); a results.json without a
    raw/ beside it is turned back into a Run. rows_from describes the rows of a run made
    before the binaries wrote a row manifest."""
    if path.is_dir():
        if (path / "raw").is_dir():
            return path.name, load_run(path, rows_from), "raw/"
        path = path / "results.json"
        if not path.exists():
            raise ResultsError(f"{path.parent}: neither a raw/ folder nor a results.json")
    if not path.exists():
        raise ResultsError(f"{path}: no such run folder or results file")
    if path.parent.joinpath("raw").is_dir():
        return path.parent.name, load_run(path.parent, rows_from), "raw/"
    data = merged.read_results_file(path)
    return (str(data["run"].get("name") or path.parent.name), merged.run_from_results(data, rows_from),
            "results.json")


def judge_all(paths: list[Path], rows_from: Path | None = None) -> list[Judged]:
    """Judges every run; a run without a row manifest (made before the binaries wrote one)
    is described by --rows-from, or else by the manifests of the other runs given."""
    loaded: dict[int, tuple[str, Run, str]] = {}
    old: list[int] = []
    described = rows_from_path(rows_from) if rows_from is not None else None
    for i, path in enumerate(paths):
        try:
            loaded[i] = load(path, described)
        except NoManifest:
            old.append(i)
    if old:
        if described is None:
            described = Rows()
            for _, run, _ in loaded.values():
                described = described.merged_with(run.rows)
        if not described:
            raise ResultsError(f"{paths[old[0]]}: no row manifest (made before the binaries wrote "
                               "one), and no other run to describe its rows: add --rows-from NEWER_RUN")
        for i in old:
            print(f"verdicts: note: {paths[i]} has no row manifest; its rows are described by the "
                  "other runs' manifests", file=sys.stderr)
            loaded[i] = load(paths[i], described)
    return [Judged(name, claims.machine_of(run), claims.check_all(run), source)
            for name, run, source in (loaded[i] for i in range(len(paths)))]
