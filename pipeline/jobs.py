"""Jobs with dependencies, run side by side on a process pool, longest chains first.

The demo (``emg-pipeline demo``) is a small graph of jobs: each survey's inputs are written
first, then each of its rounds is run (a run reads the previous round from its raw inputs,
not from its outputs, so the rounds of one survey can run side by side), then its
comparison and review comments once all its rounds are done. On two cores, running whole
surveys one per core leaves a core idle while the survey with most rounds finishes;
:func:`run_jobs` starts, whenever a worker is free, the ready job of highest priority.

A job is a picklable call; its result is returned by job name. A job whose ``after`` jobs
did not all succeed (``ok(result)`` false, or raised) is not run, and is given the result
of ``skipped(name)``.
"""

from __future__ import annotations

import functools
import multiprocessing
import queue
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Job:
    """``call(*args)`` in a worker process once every job named in ``after`` succeeded;
    among ready jobs, the lowest ``priority`` starts first."""

    name: str
    call: Callable[..., Any]
    args: tuple[Any, ...]
    after: Sequence[str] = ()
    priority: tuple[Any, ...] = field(default_factory=tuple)


def run_jobs(
    jobs: Sequence[Job],
    workers: int,
    ok: Callable[[Any], bool],
    skipped: Callable[[str], Any],
) -> dict[str, Any]:
    """Run ``jobs`` on ``workers`` processes; ``{name: result}`` for every job. A job that
    raises re-raises here once the jobs already running have finished.

    Each job runs in a process of its own, forked from this one (where the platform
    forks; else started afresh): what one job leaves in memory (matplotlib's caches, the
    last workbook parsed) never reaches another, so each draws exactly as a run of its
    own would."""
    by_name = {job.name: job for job in jobs}
    unknown = sorted({a for job in jobs for a in job.after} - by_name.keys())
    if unknown or len(by_name) != len(jobs):
        raise ValueError(f"jobs named twice or depending on no job: {unknown}")
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    results: dict[str, Any] = {}
    failed: set[str] = set()
    waiting = list(jobs)
    running: set[str] = set()
    finished: queue.SimpleQueue[tuple[str, bool, Any]] = queue.SimpleQueue()
    error: BaseException | None = None
    with context.Pool(processes=max(1, workers), maxtasksperchild=1) as pool:
        while waiting or running:
            for job in [j for j in waiting if any(a in failed for a in j.after)]:
                waiting.remove(job)  # a job it needs did not succeed
                results[job.name] = skipped(job.name)
                failed.add(job.name)
            ready = sorted(
                (j for j in waiting if all(a in results for a in j.after)),
                key=lambda j: j.priority,
            )
            for job in ready[: max(0, workers - len(running))] if error is None else []:
                waiting.remove(job)
                running.add(job.name)
                pool.apply_async(
                    job.call,
                    job.args,
                    callback=functools.partial(_put, finished, job.name, True),
                    error_callback=functools.partial(_put, finished, job.name, False),
                )
            if not running:
                break
            name, done, value = finished.get()
            running.discard(name)
            if not done:
                error = error or value
                failed.add(name)
                continue
            results[name] = value
            if not ok(value):
                failed.add(name)
        # the workers are idle: let them end on their own (leaving the block terminates
        # them with SIGTERM, which the command's handler would turn into a traceback each)
        pool.close()
        pool.join()
    if error is not None:
        raise error
    for job in waiting:  # only when a job raised: what it would have led to
        results[job.name] = skipped(job.name)
    return results


def _put(into: queue.SimpleQueue, name: str, done: bool, value: Any) -> None:
    into.put((name, done, value))
