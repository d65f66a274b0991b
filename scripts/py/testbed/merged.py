"""The one results file of a run (results.json): every cell with every metric and the
run's metadata, merged from raw/. Its format is docs/results-format.md; validate() is
what consumers rely on, and they ignore fields they do not know. Each claim's verdict
(claims.py) is written with what decided it, so a results file can be judged without its
raw folder; run_from_results() turns a results file back into a Run."""

from __future__ import annotations

import json
from pathlib import Path

from . import claims, latency
from .results import LANGUAGES, Cell, CompilerInfo, NoManifest, Provenance, ResultsError, Run
from .rows import ManifestError, Rows

FORMAT = "async-dispatch-testbed-results"
# 2: the row manifest ("manifest": rows and metrics) replaced compilers.<c>.overhead.
VERSION = 2
# Metrics written per cell in their own shape (ns_per_call's repetitions) or computed here.
_SHAPED = ("ns_per_call", "ratio_to_sync_virtual")


def cell_metrics(run: Run) -> list[str]:
    """The metrics a cell of this run may carry as plain numbers (the manifest's); the
    latency pass's are gathered in the cell's `latency_ns` object instead."""
    shaped = set(_SHAPED) | set(run.rows.metrics_of(latency.PASS))
    return [m for m in run.rows.metrics if m not in shaped]


def build(run: Run, run_name: str) -> dict:
    pv = run.provenance
    cells = []
    for c in run.cells.values():
        cell = {"workload": c.workload, "row": c.row, "args": c.args, "compiler": c.compiler,
                "language": run.language(c.compiler), "status": c.status or "measured"}
        if c.measured:
            cell["ns_per_call"] = {"median": c.median_ns, "min": c.min_ns, "max": c.max_ns,
                                   "repetitions": c.ns_per_call}
            ratio = run.ratio_to_sync(c)
            if ratio is not None:
                cell["ratio_to_sync_virtual"] = ratio
            for name in cell_metrics(run):
                value = c.counter(name)
                if value is not None:
                    cell[name] = value
            distribution = latency.latency_object(run, c)
            if distribution is not None:
                cell["latency_ns"] = distribution
        cells.append(cell)
    return {
        "format": FORMAT,
        "version": VERSION,
        "run": {"name": run_name, "mode": pv.mode, "command": pv.command,
                "git_revision": pv.git_revision, "date_utc": pv.date_utc},
        "machine": {"host": pv.host, "cpu_model": pv.cpu_model, "num_cpus": pv.num_cpus,
                    "mhz_per_cpu": pv.mhz_per_cpu, "kernel": pv.kernel},
        "compilers": {name: {"compiler": c.compiler, "cxx_flags": c.cxx_flags,
                             "build_type": c.build_type, "process_allocator": c.process_allocator,
                             "language": run.language(name)}
                      for name, c in sorted(pv.compilers.items())},
        "reliability": {
            name: {"tests": r.tests, "failures": r.failures, "schedules": r.schedules,
                   "schedule_steps": r.schedule_steps, "faults_injected": r.faults_injected,
                   "misuse_cases": r.misuse_cases}
            for name, r in sorted(run.reliability.items())
        },
        "manifest": manifest_with_languages(run),
        "cells": cells,
        "claims": [claim_entry(v) for v in claims.check_all(run)],
    }


def manifest_with_languages(run: Run) -> dict:
    """The run's manifest, each row with the languages whose binaries declared it."""
    manifest = run.rows.to_json()
    for row in manifest["rows"]:
        if row["name"] in run.row_languages:
            row["languages"] = sorted(run.row_languages[row["name"]])
    return manifest


def claim_entry(v: claims.Verdict) -> dict:
    return {"claim": v.claim, "text": v.text, "verdict": v.verdict, "decided_by": v.decided_by,
            "cells": list(v.cells), "test": v.test, "evidence": list(v.evidence),
            "machine": v.machine, "figure": v.figure, "languages": dict(v.languages)}


_REQUIRED_CELL = ("workload", "row", "args", "compiler", "status")


def validate(data) -> None:
    """Raises ResultsError naming the first thing a consumer could not rely on."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ResultsError(f"not a testbed results file (expected format {FORMAT!r})")
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        raise ResultsError(f"results format version {data.get('version')!r} is not supported "
                           f"(this code reads up to {VERSION})")
    for section in ("run", "machine", "compilers"):
        if not isinstance(data.get(section), dict):
            raise ResultsError(f"results file has no '{section}' object")
    if not isinstance(data.get("cells"), list):
        raise ResultsError("results file has no 'cells' list")
    if data["version"] >= 2:
        try:
            Rows().add(data.get("manifest"), "results file")
        except ManifestError as e:
            raise ResultsError(str(e)) from None
    for i, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict):
            raise ResultsError(f"cells[{i}] is not an object")
        for key in _REQUIRED_CELL:
            if not isinstance(cell.get(key), str):
                raise ResultsError(f"cells[{i}] has no string '{key}'")
        # Files written before cells had a language are C++ (then the only language).
        if "language" in cell and cell["language"] not in LANGUAGES:
            raise ResultsError(f"cells[{i}] ({cell['workload']}/{cell['row']}): unknown language "
                               f"{cell['language']!r} (known: {', '.join(LANGUAGES)})")
        if cell["status"] == "measured":
            ns = cell.get("ns_per_call")
            if not isinstance(ns, dict) or not all(
                    isinstance(ns.get(k), (int, float)) for k in ("median", "min", "max")):
                raise ResultsError(f"cells[{i}] ({cell['workload']}/{cell['row']}) is measured "
                                   "but has no ns_per_call median/min/max")
            if not isinstance(ns.get("repetitions"), list) or not ns["repetitions"]:
                raise ResultsError(f"cells[{i}] has no ns_per_call repetitions")
    # Files written before the claims were added have none; when present, they must hold.
    if "claims" in data:
        if not isinstance(data["claims"], list):
            raise ResultsError("results file's 'claims' is not a list")
        for i, claim in enumerate(data["claims"]):
            if not isinstance(claim, dict):
                raise ResultsError(f"claims[{i}] is not an object")
            for key in ("claim", "verdict", "decided_by", "machine"):
                if not isinstance(claim.get(key), str):
                    raise ResultsError(f"claims[{i}] has no string '{key}'")
            if claim["verdict"] not in claims.VERDICTS:
                raise ResultsError(f"claims[{i}] ({claim['claim']}): unknown verdict "
                                   f"{claim['verdict']!r}")
            if not isinstance(claim.get("cells"), list) or not isinstance(claim.get("evidence"), list):
                raise ResultsError(f"claims[{i}] ({claim['claim']}) has no 'cells' or 'evidence' list")
            per_language = claim.get("languages", {})
            if not isinstance(per_language, dict) or any(
                    lang not in LANGUAGES or verdict not in claims.VERDICTS
                    for lang, verdict in per_language.items()):
                raise ResultsError(f"claims[{i}] ({claim['claim']}): 'languages' must map "
                                   f"{' or '.join(LANGUAGES)} to a verdict")


def run_from_results(data: dict, rows_from: Rows | None = None) -> Run:
    """The Run a validated results file describes: each cell with its repetitions and the
    median of each metric (one value), its row manifest, and per compiler the context the
    claims read (the CPU model). A version-1 file has no manifest: rows_from (another run's)
    describes its rows, else it is an error."""
    run = Run(cells={}, contexts={})
    if "manifest" in data:
        run.rows.add(data["manifest"], "results file")
        for row in data["manifest"]["rows"]:
            if isinstance(row.get("languages"), list):
                run.row_languages[row["name"]] = {str(x) for x in row["languages"]}
    elif rows_from is not None:
        run.rows = rows_from.merged_with(Rows())
    else:
        raise NoManifest("results file version 1 has no row manifest: name a newer run to describe "
                         "its rows (--rows-from)")
    for c in data["cells"]:
        status = None if c["status"] == "measured" else c["status"]
        cell = Cell(c["workload"], c["row"], c["args"], c["compiler"], status=status)
        if status is None:
            cell.ns_per_call = [float(x) for x in c["ns_per_call"]["repetitions"]]
            for name in cell_metrics(run):
                if isinstance(c.get(name), (int, float)):
                    cell.counters[name] = [float(c[name])]
            cell.counters.update(latency.counters_from_object(run, c.get("latency_ns")))
        run.cells[cell.key] = cell
        language = c.get("language") or data["compilers"].get(c["compiler"], {}).get("language")
        if language and run.languages.setdefault(c["compiler"], language) != language:
            raise ResultsError(f"results file: compiler {c['compiler']} has cells in two languages "
                               f"({run.languages[c['compiler']]} and {language})")
    for name, info in data["compilers"].items():
        if isinstance(info, dict) and info.get("language") in LANGUAGES:
            run.languages.setdefault(name, info["language"])
    machine, meta = data["machine"], data["run"]
    run.provenance = Provenance(
        host=machine.get("host", "unknown"),
        cpu_models=[m for m in str(machine.get("cpu_model", "")).split(" / ") if m and m != "unknown"],
        num_cpus=machine.get("num_cpus", "unknown"), mhz_per_cpu=machine.get("mhz_per_cpu", "unknown"),
        kernel=machine.get("kernel", "unknown"), mode=meta.get("mode", "unknown"),
        command=meta.get("command", "unknown"), git_revision=meta.get("git_revision", "unknown"),
        date_utc=meta.get("date_utc", "unknown"),
        compilers={name: CompilerInfo(c.get("compiler", "unknown"), c.get("cxx_flags", "unknown"),
                                      c.get("build_type", "unknown"), c.get("process_allocator", "unknown"))
                   for name, c in data["compilers"].items()})
    for name in data["compilers"]:
        run.contexts[name] = {}
    try:
        run.describe_cells()
    except ResultsError as e:
        raise ResultsError(f"results file: {e}") from None
    return run


def read_results_file(path: Path) -> dict:
    """A run folder's results.json (or the file itself), read and validated: the one place
    results files are read."""
    file = path / "results.json" if path.is_dir() else path
    if not file.exists():
        raise ResultsError(f"{path}: no results.json (run scripts/report on the run folder first)")
    try:
        data = json.loads(file.read_text())
    except json.JSONDecodeError as e:
        raise ResultsError(f"{file}: not valid JSON ({e.msg} at line {e.lineno})") from None
    except OSError as e:
        raise ResultsError(f"{file}: cannot read ({e.strerror})") from None
    try:
        validate(data)
    except ResultsError as e:
        raise ResultsError(f"{file}: {e}") from None
    return data
