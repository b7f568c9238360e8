"""The one chart-drawing loop every analysis' charts go through (survey-blind): the house
style, the chart cache, and a chart that fails on malformed data skipped with a warning."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial, wraps
from pathlib import Path
from typing import Any

from pipeline.errors import IssueLog
from pipeline.report import style
from pipeline.report.figure import Chart


def draw_charts(
    draws: dict[str, Callable[[Any, Path], Chart | None]],
    context: Any,
    out_dir: Path,
    log: IssueLog,
    skip: Collection[str] = (),
) -> list[Chart]:
    """Draw each chart of ``draws`` (chart id -> drawer taking ``context`` and ``out_dir``)
    in the house style, except those in ``skip``; return the charts drawn, in order.

    A drawer that returns None (its table is missing or empty) is passed over; one that
    fails on malformed data is passed over with a ``chart-skipped`` warning in ``log``.
    Within :func:`~pipeline.report.chart_cache.chart_cache`, a chart whose values are
    unchanged since it was last drawn is copied from the cache instead.
    """
    from pipeline.report.chart_cache import cached_copy

    pending = _PENDING.get()
    charts: list[Any] = []
    for chart_id, draw in draws.items():
        if chart_id in skip:
            continue
        job = _Job(chart_id, styled(draw), context, out_dir)
        if pending is not None:  # within side_by_side: copied now, or drawn with the others
            copied = cached_copy(job.chart_id, job.draw, context, out_dir)
            if copied is None:
                pending.append((job, log))
            charts.append(copied if copied is not None else _Drawn(len(pending) - 1))
            continue
        chart, why = _draw(job)
        _warn(log, chart_id, why)
        if chart is not None:
            charts.append(chart)
    return charts


@dataclass(frozen=True)
class _Job:
    chart_id: str
    draw: Callable[[Any, Path], Chart | None]
    context: Any
    out_dir: Path


@dataclass(frozen=True)
class _Drawn:
    """Stands for the chart of the ``index``-th job left to draw (:func:`side_by_side`)."""

    index: int


_PENDING: ContextVar[list[tuple[_Job, IssueLog]] | None] = ContextVar("emg_pending_charts", default=None)
WORKERS_ENV = "EMG_CHART_WORKERS"


def _draw(job: _Job) -> tuple[Chart | None, str]:
    """The chart of ``job`` (None when there is nothing to draw), and why it could not be
    drawn ("" when it could)."""
    from pipeline.report.chart_cache import cached_draw

    try:
        return cached_draw(job.chart_id, job.draw, job.context, job.out_dir), ""
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        import matplotlib.pyplot as plt

        plt.close("all")
        return None, f"the {job.chart_id} chart could not be drawn from the run's tables: {exc}"


def _warn(log: IssueLog, chart_id: str, why: str) -> None:
    if why:
        log.warning("chart-skipped", why, file=f"charts/{chart_id}.png")


def workers() -> int:
    """Processes that draw a run's charts side by side: the cores this process may use, at
    most 4, or ``EMG_CHART_WORKERS`` (1: draw in this process)."""
    given = os.environ.get(WORKERS_ENV, "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


@dataclass
class LaterCharts:
    """The charts of a :func:`draw_charts` loop whose drawing was put off: ``charts`` holds
    those copied from the cache and a :class:`_Drawn` for each chart of ``pending``."""

    charts: list[Any]
    pending: list[tuple[_Job, IssueLog]]

    def jobs(self) -> list[Callable[[], tuple[Chart | None, str]]]:
        """One job per chart left to draw (within the cache active now), for
        :class:`~pipeline.report.side_jobs.SideJobs`."""
        from pipeline.report.chart_cache import in_this_cache

        if self.pending:  # imported once here, not in each forked process (0.3 s of CPU)
            style.pyplot()
        return [in_this_cache(partial(_draw, job)) for job, _ in self.pending]

    def finish(self, drawn: list[tuple[Chart | None, str]]) -> list[Chart]:
        """The charts in order, given what each job returned; the log's warnings added in
        the order of drawing one by one."""
        for (job, log), (_chart, why) in zip(self.pending, drawn, strict=True):
            _warn(log, job.chart_id, why)
        out = [drawn[c.index][0] if isinstance(c, _Drawn) else c for c in self.charts]
        return [c for c in out if c is not None]


def charts_later(make: Callable[[], list[Any]]) -> LaterCharts:
    """``make()``, a function that draws charts with :func:`draw_charts`, with the charts
    that are not in the cache left to draw (:meth:`LaterCharts.jobs`): those in it are
    copied now."""
    pending: list[tuple[_Job, IssueLog]] = []
    token = _PENDING.set(pending)
    try:
        charts = make()
    finally:
        _PENDING.reset(token)
    return LaterCharts(charts, pending)


def side_by_side(make: Callable[[], list[Any]]) -> list[Chart]:
    """``make()``, a function that draws charts with :func:`draw_charts`, with the charts
    that are not in the cache drawn at the end, on :func:`workers` processes forked from
    this one when there are several: a cold run's charts on both cores. Each drawing is a
    deterministic function of its values, so the files are the same bytes as drawn one by
    one (tests/test_charts.py compares them); the order of the charts and of the log's
    warnings is as drawn one by one."""
    from pipeline.report.side_jobs import SideJobs

    later = charts_later(make)
    with SideJobs(later.jobs(), workers()) as side:
        drawn = side.results(range(len(later.pending)))
    return later.finish(drawn)


def styled(draw: Callable[[Any, Path], Chart | None]) -> Callable[[Any, Path], Chart | None]:
    """``draw`` in the house style (:func:`~pipeline.report.style.chart_style`), entered
    only when it draws: a run whose charts all come from the cache never loads matplotlib.
    Same name as ``draw`` (the chart cache's key)."""

    @wraps(draw)
    def drawing(context: Any, out_dir: Path) -> Chart | None:
        with style.chart_style():
            return draw(context, out_dir)

    return drawing
