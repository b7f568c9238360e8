"""The one chart-drawing loop every analysis' charts go through (survey-blind): the house
style, the chart cache, and a chart that fails on malformed data skipped with a warning."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
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
    from pipeline.report.chart_cache import cached_draw

    charts: list[Chart] = []
    for chart_id, draw in draws.items():
        if chart_id in skip:
            continue
        try:
            chart = cached_draw(chart_id, styled(draw), context, out_dir)
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            import matplotlib.pyplot as plt

            plt.close("all")
            log.warning(
                "chart-skipped",
                f"the {chart_id} chart could not be drawn from the run's tables: {exc}",
                file=f"charts/{chart_id}.png",
            )
            continue
        if chart is not None:
            charts.append(chart)
    return charts


def styled(draw: Callable[[Any, Path], Chart | None]) -> Callable[[Any, Path], Chart | None]:
    """``draw`` in the house style (:func:`~pipeline.report.style.chart_style`), entered
    only when it draws: a run whose charts all come from the cache never loads matplotlib.
    Same name as ``draw`` (the chart cache's key)."""

    @wraps(draw)
    def drawing(context: Any, out_dir: Path) -> Chart | None:
        with style.chart_style():
            return draw(context, out_dir)

    return drawing
