"""The SDG analysis' chart: the heat map of entities x SDG goals, how many of the goal's
environment-related targets each entity reports (``sdg_heatmap``), in the shared style
(:mod:`pipeline.report.style`: a PNG at 200 dpi and an SVG, byte-identical for the same
inputs); its alt text is computed from the numbers."""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.report import style
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save
from pipeline.spec import Survey

HEATMAP_MAX_ENTITIES = 60
HEATMAP_ANNOTATE_MAX = 45  # counts are printed in the cells up to this many entities
SOURCE_WIDTH = 125  # characters of the source line at 12 pt across the figure
# light to dark blue, one hue (readable with every form of colour blindness), ending in the
# Okabe-Ito blue; cells where nothing was chosen stay light grey
COUNT_COLOURS = ["#A6CEE8", "#4A9BCF", style.OKABE_ITO["blue"], "#003E66"]
EMPTY_CELL = "#EFEFEF"


def sdg_charts(result: Any, out_dir: Path, skip: Collection[str] = ()) -> list[Chart]:
    """The SDG heat map of a run (a :class:`~pipeline.tables.RunResult`) with SDG tables."""
    if "sdg_heatmap" in skip:
        return []
    chart = sdg_heatmap(result.tables, result.survey, Path(out_dir), result.round)
    return [chart] if chart is not None else []


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    table = tables.get(name)
    if table is None or not isinstance(table, pd.DataFrame) or table.empty:
        return None
    return table


def _source(note: str, round_id: str, n: int, what: str) -> str:
    """The source line, broken in two when it would run off a 13.33 in figure."""
    text = f"Source: {note}, round {round_id}; n = {n} {what}"
    return "\n".join(textwrap.wrap(text, SOURCE_WIDTH)) if len(text) > SOURCE_WIDTH else text


def _sdg_matrix(tables: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    matrix = _table(tables, "sdg_matrix")
    if matrix is None:
        return None
    if "entity" in matrix.columns:
        matrix = matrix.set_index("entity")
    matrix = matrix.apply(pd.to_numeric, errors="coerce").fillna(0).astype(int)
    return matrix if matrix.shape[0] and matrix.shape[1] else None


def sdg_heatmap(
    tables: dict[str, pd.DataFrame],
    survey: Survey,
    out_dir: Path,
    round_id: str,
    source_note: str = "",
) -> Chart | None:
    """Draw ``sdg_heatmap`` into ``out_dir``: entities x goals, how many of each goal's
    targets each entity reports (tables ``sdg_matrix`` and ``sdg_targets`` of
    :func:`pipeline.analyses.sdg.compute.sdg_tables`), entities with the most targets first,
    at most :data:`HEATMAP_MAX_ENTITIES`. None when there is no matrix to draw.

    ``round_id``: the round the tables are of; ``source_note``: the source line (default:
    the survey's ``source_note``, else its title).
    """
    with style.chart_style():
        return _heatmap(tables, survey, out_dir, round_id, source_note)


def _heatmap(
    tables: dict[str, pd.DataFrame], survey: Survey, out_dir: Path, round_id: str, source_note: str
) -> Chart | None:
    from matplotlib.patches import Patch

    from pipeline.analyses.sdg.compute import goal_labels

    matrix = _sdg_matrix(tables)
    if matrix is None:
        return None
    plural = survey.model.entity_plural
    try:
        labels = goal_labels(survey)
    except ValueError:
        labels = {}
    n_all = len(matrix)
    totals = matrix.sum(axis=1)
    order = pd.DataFrame({"total": totals.to_numpy(), "name": matrix.index.astype(str)})
    order = order.sort_values(["total", "name"], ascending=[False, True], kind="stable")
    matrix = matrix.iloc[order.index.to_numpy()]
    shown = matrix.iloc[:HEATMAP_MAX_ENTITIES]
    values = shown.T.to_numpy(dtype=float)  # goals as rows, entities as columns
    n_goals, n_cols = values.shape

    fig, ax = new_figure(key=True)
    cmap, norm = _count_scale()
    masked = np.ma.masked_where(values == 0, values)
    ax.set_facecolor(EMPTY_CELL)
    ax.pcolormesh(masked, cmap=cmap, norm=norm, edgecolors="white", linewidth=1.2)
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_goals, 0)
    ax.set_xticks(np.arange(n_cols) + 0.5)
    annotate = n_cols <= HEATMAP_ANNOTATE_MAX
    tick_size = style.ANNOTATION_SIZE if annotate else max(style.SMALLEST_SIZE, 9)
    ax.set_xticklabels(shown.index.astype(str), rotation=90, fontsize=tick_size)
    ax.set_yticks(np.arange(n_goals) + 0.5)
    names, name_size = style.row_labels([labels.get(g, g) for g in shown.columns], 34)
    ax.set_yticklabels(names, fontsize=name_size)  # sized to the rows: no label on another
    if annotate:
        for i, j in zip(*np.nonzero(values), strict=True):
            v = values[i, j]
            ax.text(
                j + 0.5,
                i + 0.5,
                f"{int(v)}",
                ha="center",
                va="center",
                fontsize=style.ANNOTATION_SIZE - 1,
                color=style.text_colour_on(cmap(norm(v))),
            )
    # how many entities reach each goal, at the end of its row
    reach_shown = (matrix > 0).sum(axis=0)
    for i, goal in enumerate(shown.columns):
        ax.text(
            n_cols + 0.4,
            i + 0.5,
            f"{int(reach_shown[goal])}",
            ha="left",
            va="center",
            fontsize=style.ANNOTATION_SIZE,
            color=style.SOFT_INK,
            clip_on=False,
        )
    ax.text(
        n_cols + 0.4,
        -0.25,
        plural,
        ha="left",
        va="bottom",
        fontsize=style.ANNOTATION_SIZE,
        color=style.SOFT_INK,
        clip_on=False,
    )
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0)
    top = int(values.max()) if values.size else 0
    names = ["1 target", "2", "3", f"{len(COUNT_COLOURS)} or more"][
        : max(1, min(top, len(COUNT_COLOURS)))
    ]
    key = [Patch(facecolor=EMPTY_CELL, edgecolor="#C8C8C8", label="none")] + [
        Patch(facecolor=c, label=n) for c, n in zip(COUNT_COLOURS, names, strict=False)
    ]

    targets = _table(tables, "sdg_targets")
    unreported = int((targets["n_entities"] == 0).sum()) if targets is not None else None
    n_targets = len(targets) if targets is not None else None
    noun = survey.model.entity_noun
    goal_totals = matrix.sum(axis=0)
    reach = (matrix > 0).sum(axis=0)
    best = goal_totals.idxmax()
    title = (  # the finding; the description is the caption
        f"{labels.get(best, best)} is chosen most often: {int(goal_totals[best])} target "
        f"choices by {int(reach[best])} {noun if int(reach[best]) == 1 else plural}"
    )
    extra = f"Targets of each goal chosen, {plural} sorted by targets chosen"
    if n_all > HEATMAP_MAX_ENTITIES:
        extra = f"Targets of each goal chosen, top {HEATMAP_MAX_ENTITIES} of {n_all} {plural}"
    if unreported:
        extra += f"; {unreported} of {n_targets} targets chosen by no {noun}"
    elif unreported == 0:
        extra += f"; each of the {n_targets} targets chosen by at least one {noun}"
    source = _source(
        source_note or survey.model.source_note or survey.title, round_id, n_all, plural
    )
    frame(fig, title, extra, source, key)
    png, svg = save(fig, out_dir, "sdg_heatmap")

    least = reach.sort_values(kind="stable").index[0]
    top_entity = order.iloc[0]
    alt = (
        f"Heat map of how many environment-related SDG targets each of {n_all} {plural} "
        f"reports contributing to, by goal ({matrix.shape[1]} goals), round {round_id}. "
        f"{labels.get(best, best)} is chosen most often ({int(goal_totals[best])} choices by "
        f"{int(reach[best])} {plural}); {labels.get(least, least)} least widely "
        f"({int(reach[least])} {noun if int(reach[least]) == 1 else plural}). "
        f"{top_entity['name']} chose the most targets ({int(top_entity['total'])})."
        + (f" {unreported} of {n_targets} targets are chosen by no {noun}." if unreported else "")
    )
    caption = (
        f"Number of each SDG goal's environment-related targets that each {noun} reports "
        f"its work contributes to, round {round_id}."
    )
    return Chart("sdg_heatmap", title, caption, alt, png, svg)


def _count_scale() -> tuple[Any, Any]:
    """Discrete colours for counts 1, 2, 3 and 4 or more."""
    from matplotlib.colors import BoundaryNorm, ListedColormap

    bounds = [0.5 + i for i in range(len(COUNT_COLOURS))] + [1e9]
    return ListedColormap(COUNT_COLOURS), BoundaryNorm(bounds, len(COUNT_COLOURS))
