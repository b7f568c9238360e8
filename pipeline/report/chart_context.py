"""What every chart of a run needs to know about it (survey-blind): the survey's words for
its entities and dimensions, the number of respondents, the subtitle and source line, the
tables; small label helpers; and :func:`chart_function`, which makes an analysis' chart
function (``(result, out_dir, skip) -> list[Chart]``, named in its record in
:mod:`pipeline.analyses`) from its drawers, through :func:`pipeline.report.chart_loop.draw_charts`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.report import style
from pipeline.report.chart_loop import draw_charts
from pipeline.report.figure import Chart
from pipeline.tables import RunResult


@dataclass
class ChartRun:
    """The run's words and numbers that titles, subtitles and source lines use."""

    result: RunResult
    plural: str  # "agencies"
    dim_set: str | None
    dim_singular: str  # "life-cycle stage"
    dim_plural: str  # "life-cycle stages"
    dim_labels: dict[str, str]  # dimension id -> label, in the survey's order
    n_respondents: int

    def table(self, name: str) -> pd.DataFrame | None:
        frame_ = self.result.tables.get(name)
        if frame_ is None or not isinstance(frame_, pd.DataFrame) or frame_.empty:
            return None
        return frame_

    def subtitle(self, extra: str = "") -> str:
        base = f"{self.result.survey.title}, round {self.result.round}"
        return f"{base}  ·  {extra}" if extra else base

    def source(self, n: int | None = None, what: str = "") -> str:
        note = self.result.survey.model.source_note or self.result.survey.title
        n = self.n_respondents if n is None else n
        what = what or self.plural
        return f"Source: {note}, round {self.result.round}; n = {n} {what}"


def run_context(result: RunResult) -> ChartRun:
    model = result.survey.model
    dim_set = model.scoring.dimension_set if model.scoring else None
    if dim_set is None and len(model.dimension_sets) == 1:
        dim_set = next(iter(model.dimension_sets))
    if dim_set and dim_set in model.dimension_sets:
        spec = model.dimension_sets[dim_set]
        singular, plural = spec.label, spec.plural
        labels = result.survey.dimension_labels(dim_set)
    else:
        singular, plural, labels = "dimension", "dimensions", {}
    return ChartRun(
        result=result,
        plural=model.entity_plural,
        dim_set=dim_set,
        dim_singular=singular,
        dim_plural=plural,
        dim_labels=labels,
        n_respondents=n_respondents(result),
    )


def n_respondents(result: RunResult) -> int:
    n = result.stats.get("n_respondents") if isinstance(result.stats, dict) else None
    if n is not None and not pd.isna(n):
        return int(n)
    status = result.tables.get("response_status")
    if status is not None and "responded" in status:
        return int(status["responded"].fillna(False).astype(bool).sum())
    scores = result.tables.get("scores")
    if scores is not None and "entity_id" in scores:
        return int(scores["entity_id"].nunique())
    return len(result.responses.submissions)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def count_of(n: int, run: ChartRun) -> str:
    """'1 agency', '3 agencies'."""
    return f"{n} {run.result.survey.model.entity_noun if n == 1 else run.plural}"


def name_list(items: list[str], limit: int = 3) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, C and 2 more'."""
    items = [str(i) for i in items]
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def label_of(frame_: pd.DataFrame, key_col: str, labels: dict[str, str]) -> pd.Series:
    """The ``label`` column where given, else the survey's label, else the key itself."""
    keys = frame_[key_col].astype(str)
    mapped = keys.map(labels).fillna(keys)
    if "label" in frame_:
        given = frame_["label"].astype("string")
        return given.where(given.notna() & (given.str.len() > 0), mapped).astype(str)
    return mapped.astype(str)


def order_by(keys: pd.Series, order: list[str]) -> pd.Series:
    """Position of each key in ``order`` (unknown keys after, in their own order)."""
    pos = {k: i for i, k in enumerate(order)}
    return keys.astype(str).map(pos).fillna(len(order)).astype(int)


def bar_labels(
    ax: Any,
    y: np.ndarray,
    values: np.ndarray,
    texts: list[str],
    pad: float,
    size: float = style.ANNOTATION_SIZE,
) -> list[Any]:
    """Write each bar's value just past its end, readable over reference lines."""
    return [
        ax.text(
            v + pad, yi, t, va="center", ha="left", fontsize=min(size, style.ANNOTATION_SIZE),
            path_effects=style.halo(), zorder=5,
        )
        for yi, v, t in zip(y, values, texts, strict=True)
    ]


def chart_function(
    draws: dict[str, Callable[[ChartRun, Path], Chart | None]],
) -> Callable[[RunResult, Path, Collection[str]], list[Chart]]:
    """The chart function of one analysis: draws each chart of ``draws`` (chart id ->
    drawer taking the run's :class:`ChartRun` and the folder) but those in ``skip``."""

    def draw(result: RunResult, out_dir: Path, skip: Collection[str] = ()) -> list[Chart]:
        wanted = {i: d for i, d in draws.items() if i not in skip}
        if not wanted:
            return []
        return draw_charts(wanted, run_context(result), Path(out_dir), result.log)

    return draw
