"""Loads Google Benchmark JSON files of a run and summarizes them into cells.

A cell is (workload, row, args, compiler). Each cell gets the median, min and max of
ns per call over its repetitions, and the median of every per-call counter.
Consumers ignore fields they do not know.
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from .rows import ManifestError, Rows

# Google Benchmark time units, in nanoseconds.
_NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# Google Benchmark appends "/iterations:N" to the names of cells run with a fixed
# iteration count (the measurement passes) and "/real_time" to cells timed by the wall
# clock (all of them, see harness/bench_support.hpp), and "/repeats:N" to a cell that fixes
# its own repetitions (the reach cells of W4); the cell is the same.
_ITERATIONS_SUFFIX = re.compile(r"(/iterations:\d+)?(/repeats:\d+)?(/real_time)?$")

# The passes whose metrics come from files other than the timing files: the valgrind
# passes (scripts/py/measure.py), the counting pass and the stack pass. Which metric each
# pass measures is the manifest's (rows.Metric.pass_).
VALGRIND_PASSES = ("callgrind", "massif")

# The language of a compiler's cells, declared by its benchmark binaries in their JSON
# context (testbed_language: "c++" from harness/bench_main.cpp, "rust" from
# harness/rust/src/runner.rs), spelled here as the report shows it. Files written before
# the C++ binaries declared it hold no key: C++ was then the only language.
LANGUAGE_KEY = "testbed_language"
CPP, RUST = "C++", "Rust"
LANGUAGES = (CPP, RUST)  # report order
_LANGUAGE_NAMES = {"c++": CPP, "cpp": CPP, "rust": RUST}
DEFAULT_LANGUAGE = CPP


def language_of_context(context) -> str:
    """The language a benchmark context declares (testbed_language), as the report spells it."""
    declared = context.get(LANGUAGE_KEY) if isinstance(context, dict) else None
    if declared is None:
        return DEFAULT_LANGUAGE
    name = _LANGUAGE_NAMES.get(str(declared).strip().lower())
    if name is None:
        raise ResultsError(f"unknown {LANGUAGE_KEY} {declared!r} (known: {sorted(_LANGUAGE_NAMES)})")
    return name


class ResultsError(Exception):
    """A results file or folder that cannot be used; the message says what is wrong."""


class NoManifest(ResultsError):
    """A run written before the binaries declared their rows: another run's manifest can
    describe it (load_run's rows_from)."""


@dataclass
class Cell:
    workload: str
    row: str
    args: str
    compiler: str
    ns_per_call: list[float] = field(default_factory=list)  # one per repetition
    counters: dict[str, list[float]] = field(default_factory=dict)
    # "unsupported: <reason>" or "failed: <what>" when the cell did not run; None otherwise.
    status: str | None = None
    # The row's kind in the manifest (rows.KINDS); set when the run is loaded.
    kind: str = "strategy"

    @property
    def measured(self) -> bool:
        return self.status is None and bool(self.ns_per_call)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.workload, self.row, self.args, self.compiler)

    @property
    def is_strategy(self) -> bool:
        """A testbed strategy's row (not a baseline, a peer or a measuring device)."""
        return self.kind == "strategy"

    @property
    def median_ns(self) -> float:
        return statistics.median(self.ns_per_call)

    @property
    def min_ns(self) -> float:
        return min(self.ns_per_call)

    @property
    def max_ns(self) -> float:
        return max(self.ns_per_call)

    def counter(self, name: str) -> float | None:
        values = self.counters.get(name)
        return statistics.median(values) if values else None


@dataclass
class CompilerInfo:
    compiler: str = "unknown"           # id and version ("GNU 12.2.0")
    cxx_flags: str = "unknown"
    build_type: str = "unknown"
    process_allocator: str = "unknown"  # the allocator of the timing pass


@dataclass
class Provenance:
    """Where and how a run was made: read once, from the benchmark contexts (raw files) or
    from results.json, and used by every consumer (report, plots, claims, results.json)."""
    host: str = "unknown"
    cpu_models: list[str] = field(default_factory=list)  # one per distinct CPU model
    num_cpus: int | str = "unknown"
    mhz_per_cpu: int | str = "unknown"
    kernel: str = "unknown"
    mode: str = "unknown"
    command: str = "unknown"
    git_revision: str = "unknown"
    date_utc: str = "unknown"
    compilers: dict[str, CompilerInfo] = field(default_factory=dict)

    @property
    def cpu_model(self) -> str:
        return " / ".join(self.cpu_models) if self.cpu_models else "unknown"

    @staticmethod
    def from_contexts(contexts: dict[str, dict]) -> "Provenance":
        def first(*keys, default="unknown"):
            for ctx in contexts.values():
                for key in keys:
                    if key in ctx:
                        return ctx[key]
            return default

        return Provenance(
            host=first("host_name"),
            cpu_models=sorted({ctx["testbed_cpu_model"] for ctx in contexts.values()
                               if ctx.get("testbed_cpu_model")}),
            num_cpus=first("num_cpus"), mhz_per_cpu=first("mhz_per_cpu"),
            kernel=first("testbed_kernel"), mode=first("testbed_mode"),
            command=first("testbed_run_command").replace("%2C", ","),  # scripts/matrix
            git_revision=first("testbed_git_revision", "testbed_git_revision_at_build"),
            date_utc=first("testbed_date_utc", "date"),
            compilers={name: CompilerInfo(ctx.get("testbed_compiler", "unknown"),
                                          ctx.get("testbed_cxx_flags", "unknown"),
                                          ctx.get("testbed_build_type", "unknown"),
                                          ctx.get("testbed_process_allocator", "unknown"))
                       for name, ctx in sorted(contexts.items())})


@dataclass
class Run:
    cells: dict[tuple[str, str, str, str], Cell]
    contexts: dict[str, dict]  # compiler -> benchmark context of its files
    # compiler -> what the reliability pass exercised (see load_reliability)
    reliability: dict[str, "Reliability"] = field(default_factory=dict)
    # compiler -> binary -> {"before": 1-minute load average, "after": ..., "cpus": N},
    # recorded around each binary's timing pass (raw/<compiler>/<binary>.load.json)
    load: dict[str, dict[str, dict]] = field(default_factory=dict)
    # What every row and metric is (the binaries' manifests, rows.py).
    rows: Rows = field(default_factory=Rows)
    # compiler -> the language of its cells (its binaries' testbed_language)
    languages: dict[str, str] = field(default_factory=dict)
    # row -> the languages whose binaries declared it in their manifest (a name may be in both)
    row_languages: dict[str, set[str]] = field(default_factory=dict)
    # Where and how it was made; None until first asked for (then read from the contexts).
    _provenance: Provenance | None = None

    @property
    def provenance(self) -> Provenance:
        if self._provenance is None:
            self._provenance = Provenance.from_contexts(self.contexts)
        return self._provenance

    @provenance.setter
    def provenance(self, value: Provenance) -> None:
        self._provenance = value

    def describe_cells(self) -> None:
        """Gives every cell its row's kind; a row the manifest does not know is an error."""
        for cell in self.cells.values():
            info = self.rows.get(cell.row)
            if info is None:
                raise ResultsError(f"{cell.workload}/{cell.row}: the row is not in the run's row "
                                   "manifest (testbed_manifest in the benchmark JSON context)")
            cell.kind = info.kind

    def workloads(self) -> list[str]:
        return sorted({c.workload for c in self.cells.values()})

    def compilers(self) -> list[str]:
        return sorted({c.compiler for c in self.cells.values()})

    def language(self, compiler: str) -> str:
        """The language of a compiler's cells (C++ for a compiler no file declared one for)."""
        return self.languages.get(compiler, DEFAULT_LANGUAGE)

    def languages_present(self) -> list[str]:
        """The languages of this run's cells, in report order (C++ first)."""
        present = {self.language(c.compiler) for c in self.cells.values()}
        return sorted(present, key=lambda n: (LANGUAGES.index(n) if n in LANGUAGES else 99, n))

    def cells_of(self, workload: str) -> list[Cell]:
        return [c for c in self.cells.values() if c.workload == workload]

    def sync_base(self, workload: str, args: str, compiler: str) -> Cell | None:
        """The fastest synchronous row of a workload's args under compiler: the limit."""
        found = [c for r in self.rows.with_role("synchronous_limit")
                 if (c := self.cells.get((workload, r, args, compiler))) is not None and c.measured]
        return min(found, key=lambda c: c.median_ns) if found else None

    def ratio_to_sync(self, cell: Cell) -> float | None:
        """cell's median ns per call over the fastest synchronous row's, same run."""
        base = self.sync_base(cell.workload, cell.args, cell.compiler)
        if base is None or not cell.measured or base.median_ns <= 0:
            return None
        return cell.median_ns / base.median_ns


def numeric_args(args: str) -> dict[str, float]:
    """The numeric arguments of a cell: "depth:4096/every:16" -> {"depth": 4096, "every": 16}."""
    out = {}
    for part in args.split("/"):
        if ":" in part:
            name, value = part.split(":", 1)
            try:
                out[name] = float(value)
            except ValueError:
                pass
    return out


def args_order(args: str) -> tuple:
    """The order of a workload's argument sets everywhere (tables, figures, the cells quick
    mode's massif pass measures): by their numeric arguments, then by the text."""
    return (sorted(numeric_args(args).items()), args)


def base_name(run_name: str) -> str:
    """A benchmark's name without the suffixes Google Benchmark appends: the cell,
    '<workload>/<row>/<args>'."""
    return _ITERATIONS_SUFFIX.sub("", run_name)


def split_name(run_name: str) -> tuple[str, str, str]:
    """'<workload>/<row>/<args>' -> (workload, row, args); args may hold more slashes."""
    parts = base_name(run_name).split("/")
    if len(parts) < 2:
        raise ResultsError(f"benchmark name '{run_name}' is not '<workload>/<row>/<args>'")
    return parts[0], parts[1], "/".join(parts[2:])


def read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ResultsError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    except OSError as e:
        raise ResultsError(f"{path}: cannot read ({e.strerror})") from None


def merge_pass_file(path: Path, compiler: str, run: Run) -> None:
    """Adds a valgrind pass file (<binary>.callgrind.json, <binary>.massif.json, written by
    scripts/py/measure.py) to the cells the timing files created."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), dict):
        raise ResultsError(f"{path}: no 'cells' object: not a measurement pass file")
    for name, metrics in data["cells"].items():
        if not isinstance(metrics, dict):
            raise ResultsError(f"{path}: cell '{name}' is not an object")
        workload, row, args = split_name(name)
        cell = run.cells.get((workload, row, args, compiler))
        if cell is None or not cell.measured:
            continue  # filtered out of the timing run, or unsupported
        for metric in run.rows.metrics_of(*VALGRIND_PASSES):
            if isinstance(metrics.get(metric), (int, float)):
                cell.counters[metric] = [float(metrics[metric])]


# The passes written as Google Benchmark files beside the timing file (their context's
# testbed_pass), and the pass of the manifest's metrics each one measures.
PASS_OF_FILE = {"counts": "counting", "stack": "stack", "latency": "latency"}


def merge_pass_benchmarks(data: dict, metrics_pass: str, compiler: str, run: Run) -> None:
    """Adds a pass run as a Google Benchmark file (one repetition: the counting pass of the
    counting build, the stack pass, the latency pass) to the cells the timing files
    created: the metrics the manifest assigns to that pass replace whatever a cell had."""
    for b in data["benchmarks"]:
        if not isinstance(b, dict) or b.get("error_occurred") or "name" not in b:
            continue
        if b.get("run_type", "iteration") != "iteration":
            continue
        workload, row, args = split_name(b.get("run_name", b["name"]))
        cell = run.cells.get((workload, row, args, compiler))
        if cell is None or not cell.measured:
            continue  # filtered out of the timing run, or unsupported there
        for name in run.rows.metrics_of(metrics_pass):
            if isinstance(b.get(name), (int, float)):
                cell.counters[name] = [float(b[name])]


def load_load_file(path: Path, compiler: str, run: Run) -> None:
    """Adds <binary>.load.json (the load average around a binary's timing pass)."""
    data = read_json(path)
    if not isinstance(data, dict) or not all(
            isinstance(data.get(k), (int, float)) for k in ("before", "after")):
        raise ResultsError(f"{path}: not a load file (expected numbers 'before' and 'after')")
    binary = str(data.get("binary") or path.name[: -len(".load.json")])
    run.load.setdefault(compiler, {})[binary] = {
        "before": float(data["before"]), "after": float(data["after"]),
        "cpus": data.get("cpus")}


def load_file(path: Path, compiler: str, run: Run) -> None:
    """Adds the repetitions in one Google Benchmark JSON file to run."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ResultsError(f"{path}: no 'benchmarks' list: not a Google Benchmark JSON file")
    file_pass = data.get("context", {}).get("testbed_pass")
    if file_pass in PASS_OF_FILE:
        return merge_pass_benchmarks(data, PASS_OF_FILE[file_pass], compiler, run)
    context = data.get("context", {})
    run.contexts.setdefault(compiler, context)
    try:
        language = language_of_context(context)
    except ResultsError as e:
        raise ResultsError(f"{path}: {e}") from None
    if run.languages.setdefault(compiler, language) != language:
        raise ResultsError(f"{path}: declares {LANGUAGE_KEY} {language}, but the other files of "
                           f"raw/{compiler}/ declare {run.languages[compiler]}")
    manifest = context.get("testbed_manifest") if isinstance(context, dict) else None
    if not isinstance(manifest, str) and not run.rows:
        raise NoManifest(f"{path}: no row manifest ('testbed_manifest' in the context): the file "
                           "was written before rows and metrics were declared by the binaries; "
                           "rerun scripts/matrix, or name a newer run to describe its rows "
                           "(scripts/verdicts and scripts/compare do that with --rows-from)")
    if isinstance(manifest, str):
        try:
            declared = json.loads(manifest)
            run.rows.add(declared, str(path))
        except (json.JSONDecodeError, ManifestError) as e:
            raise ResultsError(f"{path}: {e}") from None
        for r in declared["rows"]:
            run.row_languages.setdefault(r["name"], set()).add(language)
    for i, b in enumerate(data["benchmarks"]):
        if not isinstance(b, dict):
            raise ResultsError(f"{path}: benchmarks[{i}] is not an object")
        if b.get("run_type", "iteration") != "iteration":
            continue  # aggregates are recomputed here from the repetitions
        if b.get("error_occurred"):
            # A cell that could not run: its reason is the result ("unsupported: ...").
            if "name" not in b:
                raise ResultsError(f"{path}: benchmarks[{i}] has no 'name'")
            workload, row, args = split_name(b.get("run_name", b["name"]))
            cell = run.cells.setdefault(
                (workload, row, args, compiler), Cell(workload, row, args, compiler)
            )
            cell.status = str(b.get("error_message") or "failed: no message")
            continue
        for key in ("name", "real_time", "time_unit"):
            if key not in b:
                raise ResultsError(f"{path}: benchmarks[{i}] has no '{key}'")
        unit = _NS_PER_UNIT.get(b["time_unit"])
        if unit is None:
            raise ResultsError(f"{path}: {b['name']}: unknown time unit '{b['time_unit']}'")
        calls = b.get("calls_per_iter")
        if not isinstance(calls, (int, float)) or calls <= 0:
            raise ResultsError(f"{path}: {b['name']}: missing or bad 'calls_per_iter' counter")
        workload, row, args = split_name(b.get("run_name", b["name"]))
        cell = run.cells.setdefault(
            (workload, row, args, compiler), Cell(workload, row, args, compiler)
        )
        cell.ns_per_call.append(float(b["real_time"]) * unit / float(calls))
        for name in run.rows.metrics_of("timing", "counting"):
            if isinstance(b.get(name), (int, float)):
                cell.counters.setdefault(name, []).append(float(b[name]))


@dataclass
class Reliability:
    """What the reliability pass of one compiler exercised, from its gtest JSON
    (raw/<compiler>/reliability.json): the properties the tests record."""
    tests: int = 0
    failures: list[str] = field(default_factory=list)  # "<suite>.<test>" of every failed test
    schedules: int = 0  # randomized schedules run (all strategies)
    schedule_steps: int = 0
    faults_injected: int = 0  # operator new failures injected
    misuse_cases: int = 0  # misuses tried, each required to fail loudly


def load_reliability(path: Path) -> Reliability:
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("testsuites"), list):
        raise ResultsError(f"{path}: no 'testsuites' list: not a GoogleTest JSON file")
    out = Reliability()

    def number(test: dict, key: str) -> int:
        try:
            return int(test.get(key, 0))
        except (TypeError, ValueError):
            raise ResultsError(f"{path}: {test.get('name')}: property '{key}' is not a number") from None

    for suite in data["testsuites"]:
        for test in suite.get("testsuite", []) if isinstance(suite, dict) else []:
            if not isinstance(test, dict) or test.get("result") == "SKIPPED":
                continue
            out.tests += 1
            if test.get("failures"):
                out.failures.append(f"{suite.get('name')}.{test.get('name')}")
            out.schedules += number(test, "schedules")
            out.schedule_steps += number(test, "steps")
            out.faults_injected += number(test, "faults_injected")
            out.misuse_cases += number(test, "misuse_cases")
    return out


def load_run(run_dir: Path, rows_from: Rows | None = None) -> Run:
    """Loads <run_dir>/raw/<compiler>/*.json. rows_from describes the rows of a run written
    before the binaries wrote a row manifest (another run's manifest)."""
    raw = run_dir / "raw"
    if not run_dir.is_dir():
        raise ResultsError(f"{run_dir}: no such run folder")
    if not raw.is_dir():
        raise ResultsError(f"{run_dir}: no raw/ folder (expected raw/<compiler>/*.json)")
    run = Run(cells={}, contexts={})
    files = sorted(raw.glob("*/*.json"))
    if rows_from is not None:
        run.rows = rows_from.merged_with(Rows())
    reliability_files = [p for p in files if p.name == "reliability.json"]
    files = [p for p in files if p not in reliability_files]
    load_files = [p for p in files if p.name.endswith(".load.json")]
    pass_files = [p for p in files if p.name.endswith((".callgrind.json", ".massif.json"))]
    # The stack, counting and latency passes add to the cells the timing files created.
    later_files = [p for p in files if p.name.endswith((".stack.json", ".counts.json", ".latency.json"))]
    timing_files = [p for p in files if p not in pass_files + later_files + load_files]
    if not timing_files:
        raise ResultsError(f"{raw}: no benchmark JSON files (expected raw/<compiler>/*.json)")
    for path in timing_files + later_files:
        load_file(path, path.parent.name, run)
    for path in load_files:
        load_load_file(path, path.parent.name, run)
    for path in pass_files:
        merge_pass_file(path, path.parent.name, run)
    for path in reliability_files:
        run.reliability[path.parent.name] = load_reliability(path)
    for cell in run.cells.values():
        if cell.status is None and not cell.ns_per_call:
            raise ResultsError(f"{raw}: {cell.workload}/{cell.row}/{cell.args}: no repetitions")
    if not run.cells:
        raise ResultsError(f"{raw}: the JSON files hold no benchmark repetitions")
    run.describe_cells()
    return run


def rows_from_path(path: Path) -> Rows:
    """The manifest a --rows-from option names: a run folder (its raw/ files' manifests), a
    results.json (its "manifest"), or a manifest file ({"rows": ..., "metrics": ...})."""
    if path.is_dir():
        return load_run(path).rows
    data = read_json(path)
    out = Rows()
    try:
        out.add(data.get("manifest", data) if isinstance(data, dict) else data, str(path))
    except ManifestError as e:
        raise ResultsError(str(e)) from None
    return out
