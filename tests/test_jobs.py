"""Jobs with dependencies on a process pool (pipeline.jobs, used by the demo): each job
after the ones it needs, a job whose prerequisite failed is skipped, an exception in a job
reaches the caller, and every job runs in a process of its own."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipeline.jobs import Job, run_jobs

MEMORY: list[str] = []  # what a job leaves behind in its process


def work(name: str, log: str, status: int = 0) -> tuple[int, str, int, list[str]]:
    """Append ``name`` to the file ``log`` (start order), return (status, name, pid, what
    this process's memory held before)."""
    seen = list(MEMORY)
    MEMORY.append(name)
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"{name} {time.monotonic()}\n")
    return status, name, os.getpid(), seen


def boom(name: str) -> None:
    raise RuntimeError(f"job {name} failed")


def ok(result: tuple[int, ...]) -> bool:
    return result[0] == 0


def skipped(name: str) -> tuple[int, str, int, list[str]]:
    return (0, f"skipped {name}", 0, [])


def started(log: Path) -> list[str]:
    return [line.split()[0] for line in log.read_text(encoding="utf-8").splitlines()]


def test_jobs_run_after_what_they_need_and_by_priority(tmp_path: Path) -> None:
    log = str(tmp_path / "log.txt")
    jobs = [
        Job("b:inputs", work, ("b:inputs", log), (), (1, 0)),
        Job("b:run", work, ("b:run", log), ("b:inputs",), (1, 1)),
        Job("a:inputs", work, ("a:inputs", log), (), (0, 0)),
        Job("a:run1", work, ("a:run1", log), ("a:inputs",), (0, 1)),
        Job("a:run2", work, ("a:run2", log), ("a:inputs",), (0, 1)),
        Job("a:finish", work, ("a:finish", log), ("a:run1", "a:run2"), (0, 2)),
    ]
    results = run_jobs(jobs, 1, ok, skipped)  # one worker: the order is the schedule
    assert started(tmp_path / "log.txt") == ["a:inputs", "a:run1", "a:run2", "a:finish", "b:inputs", "b:run"]
    assert {name: r[1] for name, r in results.items()} == {j.name: j.name for j in jobs}
    assert all(r[3] == [] for r in results.values())  # a fresh process each: nothing left over
    assert len({r[2] for r in results.values()}) == len(jobs)


def test_a_failed_job_skips_what_needs_it_and_nothing_else(tmp_path: Path) -> None:
    log = str(tmp_path / "log.txt")
    jobs = [
        Job("a:run", work, ("a:run", log, 2)),
        Job("a:finish", work, ("a:finish", log), ("a:run",)),
        Job("b:run", work, ("b:run", log)),
        Job("b:finish", work, ("b:finish", log), ("b:run",)),
    ]
    results = run_jobs(jobs, 2, ok, skipped)
    assert results["a:run"][0] == 2
    assert results["a:finish"][1] == "skipped a:finish"
    assert results["b:finish"][1] == "b:finish"
    assert sorted(started(tmp_path / "log.txt")) == ["a:run", "b:finish", "b:run"]


def test_an_exception_in_a_job_reaches_the_caller(tmp_path: Path) -> None:
    log = str(tmp_path / "log.txt")
    jobs = [Job("a", boom, ("a",)), Job("b", work, ("b", log), ("a",))]
    with pytest.raises(RuntimeError, match="job a failed"):
        run_jobs(jobs, 2, ok, skipped)
    assert not (tmp_path / "log.txt").exists()


def test_jobs_must_name_what_they_need() -> None:
    with pytest.raises(ValueError, match="missing"):
        run_jobs([Job("a", work, ("a", "x"), ("missing",))], 1, ok, skipped)
