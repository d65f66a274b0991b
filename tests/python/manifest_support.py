"""The row manifest of the tests' synthetic runs: the real binaries' (fixtures/manifest.json,
written by fixtures/make_manifest.py), plus made-up strategy rows for the made-up names some
tests use ("a", "b")."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "py"))

from testbed.results import Run  # noqa: E402
from testbed.rows import RowInfo, Rows  # noqa: E402

MANIFEST = Path(__file__).resolve().parent / "fixtures" / "manifest.json"


def fixture_rows() -> Rows:
    rows = Rows()
    rows.add(json.loads(MANIFEST.read_text()), str(MANIFEST))
    return rows


def manifest_text() -> str:
    """The manifest as a benchmark context holds it (one JSON string)."""
    return json.dumps(json.loads(MANIFEST.read_text()))


def describe(run: Run, overheads: dict[str, tuple[int, int]] | None = None) -> Run:
    """Gives a synthetic run the fixture manifest (rows it does not know become lazily
    started strategies of their own family); overheads replace the measured bytes."""
    rows = fixture_rows()
    for c in run.cells.values():
        if c.row not in rows.rows:
            rows.rows[c.row] = RowInfo(name=c.row, kind="strategy", family=c.row, start="lazy",
                                       traits={"steady_allocations": -1})
    for name, (obj, caller) in (overheads or {}).items():
        info = rows.rows[name]
        rows.rows[name] = RowInfo(**{**info.__dict__, "object_bytes": obj, "caller_bytes": caller})
    run.rows = rows
    run.describe_cells()
    return run
