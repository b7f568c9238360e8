"""Independent jobs of a run done on processes forked from it while it goes on with its own
work (survey-blind): the charts not in the cache and the per-entity profiles of a cold run
are drawn and written on the machine's cores while the run writes the workbook, the report
and the slides.

Each job is a function of no argument that returns something picklable (a chart, a path);
the jobs are handed over by position in a list the forked workers inherit, so they need not
be picklable themselves. Without ``fork`` (or in a pool's worker, which may not have
children), or with fewer than two processes, a job runs in this process when its result is
first asked for: the same results either way, since each job is a deterministic function of
what it reads.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import signal
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

_TASKS: dict[int, list[Callable[[], Any]]] = {}  # the jobs forked workers run (inherited), by set
_SETS = itertools.count()


def _quiet_worker() -> None:
    """A worker leaves signals to the run: Ctrl-C reaches the run, which stops the workers;
    stopping them (SIGTERM) ends them at once, without the run's handler raising in each
    and printing a traceback over the run's own message."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_nth(key: int, index: int) -> Any:
    return _TASKS[key][index]()


def can_fork() -> bool:
    """True where jobs can run on forked processes: the platform forks, and this process is
    not a pool's worker (a daemon process may not have children)."""
    forks = "fork" in multiprocessing.get_all_start_methods()
    return forks and not multiprocessing.current_process().daemon


class SideJobs:
    """``jobs`` started on ``processes`` forked processes (at most one per job), in order;
    :meth:`result` waits for one. Use as a context manager: leaving the block normally
    waits for the workers to finish their jobs and end; leaving it on an error stops
    them. ``processes`` 1 (or no fork): each job runs here when its result is asked for.
    Several sets may run at once (each forked from this process as it is then)."""

    def __init__(self, jobs: list[Callable[[], Any]], processes: int) -> None:
        self._jobs = list(jobs)
        self._done: dict[int, Any] = {}
        self._pool: Any = None
        self._pending: list[Any] = []
        self._key = next(_SETS)
        n = min(processes, len(self._jobs))
        if processes >= 2 and n >= 1 and can_fork():
            _TASKS[self._key] = self._jobs
            gc.freeze()  # the workers' collector leaves what they inherit alone (no copy of it)
            try:
                self._pool = multiprocessing.get_context("fork").Pool(processes=n, initializer=_quiet_worker)
            finally:
                gc.unfreeze()
            self._pending = [
                self._pool.apply_async(_run_nth, (self._key, i)) for i in range(len(self._jobs))
            ]

    @property
    def forked(self) -> bool:
        """True when the jobs run on forked processes."""
        return self._pool is not None

    def result(self, index: int) -> Any:
        """What job ``index`` returned (run here now when not forked); its error, raised
        again, when it failed."""
        if index not in self._done:
            self._done[index] = self._pending[index].get() if self._pool else self._jobs[index]()
        return self._done[index]

    def results(self, indices: Iterable[int]) -> list[Any]:
        return [self.result(i) for i in indices]

    def __enter__(self) -> SideJobs:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        pool = self._pool
        try:
            if kind is None:  # every job done, here or there (a job's error raised)
                self.results(range(len(self._jobs)))
                if pool is not None:
                    pool.close()  # idle workers end on their own, not by SIGTERM
                    pool.join()
                    pool = None
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
            if self._pool is not None:
                self._pool = None
                _TASKS.pop(self._key, None)
