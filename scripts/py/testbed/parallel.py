"""Runs independent tasks (the report's figures) in forked worker processes, so a report
draws its figures on every core. A task is a zero-argument function; its return value
must be picklable (the paths of the files it wrote). Workers are forked, so a task sees
everything its parent built (the loaded run) without pickling it."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any, Callable, Sequence

# The tasks of the running map, read by the forked workers (set before the fork).
_TASKS: Sequence[Callable[[], Any]] = ()


def _run(index: int) -> Any:
    return _TASKS[index]()


def default_jobs() -> int:
    """TESTBED_JOBS when set (scripts/matrix passes its --jobs), else the number of CPUs."""
    value = os.environ.get("TESTBED_JOBS", "")
    return int(value) if value.isdigit() and int(value) > 0 else (os.cpu_count() or 1)


def run_all(tasks: Sequence[Callable[[], Any]], jobs: int | None = None) -> list[Any]:
    """The results of the tasks, in their order. One job, or one task, runs in this
    process; an exception in a task is raised here."""
    global _TASKS
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [task() for task in tasks]
    _TASKS = tasks
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
            # chunksize 1: the figures differ a lot in cost (a sweep of 16 panels against
            # one bar chart), so workers take one at a time.
            return pool.map(_run, range(len(tasks)), chunksize=1)
    finally:
        _TASKS = ()
