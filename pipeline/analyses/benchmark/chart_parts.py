"""What the benchmark's charts share: the run's words and numbers (:class:`ChartCtx`), label
helpers, and the requirement groups drawn as gaps between rows and brackets beside them."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.numbers import percent
from pipeline.report import style
from pipeline.spec import Survey
from pipeline.tables import RunResult

GROUP_GAP = 0.6  # blank space between requirement groups, in rows
BRACKET_MARGIN = 0.12  # share of the figure width kept for the group names


@dataclass
class ChartCtx:
    result: RunResult
    survey: Survey
    noun: str
    plural: str
    n: int

    def table(self, name: str) -> pd.DataFrame | None:
        t = self.result.tables.get(name)
        return t if isinstance(t, pd.DataFrame) and not t.empty else None

    def subtitle(self, extra: str = "") -> str:
        base = f"{self.survey.title}, round {self.result.round}"
        return f"{base}  ·  {extra}" if extra else base

    def source(self, n: int | None = None) -> str:
        note = self.survey.model.source_note or self.survey.title
        return f"Source: {note}, round {self.result.round}; n = {self.n if n is None else n} {self.plural}"


def chart_ctx(result: RunResult) -> ChartCtx:
    model = result.survey.model
    n = result.stats.get("n_compared") if isinstance(result.stats, dict) else None
    if n is None:
        n = len(result.responses.submissions)
    return ChartCtx(result, result.survey, model.entity_noun, model.entity_plural, int(n))


def pct(x: float) -> str:
    """A share (0..1) as a whole percentage, as the workbook shows it."""
    return percent(x)


def shorten(label: str, width: int) -> str:
    return textwrap.shorten(str(label), width=width, placeholder="…")


def two_lines(label: str, width: int) -> str:
    """A label on at most two lines of ``width`` characters, shortened with an ellipsis."""
    lines = textwrap.wrap(str(label), width=width, break_long_words=False) or [str(label)]
    if len(lines) > 2:
        lines = [lines[0], shorten(" ".join(lines[1:]), width)]
    return "\n".join(lines)


def group_names(survey: Survey) -> dict[str, str]:
    spec = survey.model.requirements
    return dict(spec.groups) if spec else {}


def rows_with_gaps(groups: pd.Series) -> np.ndarray:
    """y position of each row, with a gap between consecutive groups."""
    g = groups.astype("string").fillna("").to_numpy(dtype=object)
    starts = np.r_[False, g[1:] != g[:-1]] if len(g) else np.zeros(0, dtype=bool)
    return np.arange(len(g)) + GROUP_GAP * np.cumsum(starts)


def leave_right_margin(fig: Any, share: float) -> None:
    """Keep ``share`` of the figure's width free on the right (for text beside the axes)."""
    left, bottom, width, height = style.PLOT_RECT_WITH_KEY
    fig.get_layout_engine().set(rect=(left, bottom, width - share, height))


def group_brackets(fig: Any, ax: Any, y: np.ndarray, groups: pd.Series, labels: dict[str, str]) -> None:
    """A bracket and the group's name beside the rows of each group, in the right margin
    that :func:`leave_right_margin` kept free (so outside the layout)."""
    from matplotlib.transforms import blended_transform_factory

    where = blended_transform_factory(fig.transFigure, ax.transData)
    left, _bottom, width, _height = style.PLOT_RECT_WITH_KEY
    x = left + width - BRACKET_MARGIN + 0.008
    g = groups.fillna("").to_numpy()
    for group in pd.unique(g):
        rows = y[g == group]
        if not group or not len(rows):
            continue
        top, bottom = rows.min() - 0.35, rows.max() + 0.35
        (line,) = ax.plot([x, x], [top, bottom], color=style.SOFT_INK, linewidth=1.6, clip_on=False,
                          transform=where)
        line.set_in_layout(False)
        name = textwrap.fill(labels.get(group, group), 12)
        ax.text(
            x + 0.008, (top + bottom) / 2, name, ha="left", va="center", transform=where,
            fontsize=style.ANNOTATION_SIZE, fontweight="bold", color=style.SOFT_INK, clip_on=False,
        ).set_in_layout(False)
