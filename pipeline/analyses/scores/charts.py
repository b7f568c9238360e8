"""The heat map: every entity's score by dimension (the ``heatmap`` table, else
pivoted from ``scores``).

:data:`scores_charts` is the chart function the analysis' record names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.numbers import count, score
from pipeline.report import style
from pipeline.report.chart_context import (
    ChartRun,
    cap,
    chart_function,
)
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save, wrap

HEATMAP_MAX_ROWS = 80  # above this many entities, the heat map shows only the top ones
HEATMAP_TOP = 60
HEATMAP_ANNOTATE_MAX = 30  # cell values are printed while rows stay >= ~12 pt high
HEATMAP_SMALL_LABELS = 40  # above this many entities, they become columns without values
HEATMAP_MAX_DIMENSION_COLUMNS = 8  # more dimensions than this: dimensions become the rows (labels fit)


def _heatmap_matrix(run: ChartRun) -> pd.DataFrame | None:
    """Entities x dimensions scores: the ``heatmap`` table, else pivoted from ``scores``."""
    matrix = run.table("heatmap")
    if matrix is None:
        scores = run.table("scores")
        if scores is None or not {"entity_id", "dimension", "score"} <= set(scores.columns):
            return None
        acronyms = run.result.registry.acronyms()
        matrix = scores.pivot_table(
            index="entity_id", columns="dimension", values="score", aggfunc="mean", sort=True
        )
        matrix.index = [acronyms.get(i, i) for i in matrix.index]
    matrix = matrix.apply(pd.to_numeric, errors="coerce")
    order = [d for d in run.dim_labels if d in matrix.columns]
    order += [c for c in matrix.columns if c not in order]
    matrix = matrix[order]
    matrix.index = matrix.index.astype(str)
    return matrix if matrix.notna().to_numpy().any() else None


def _heatmap(run: ChartRun, out_dir: Path) -> Chart | None:
    matrix = _heatmap_matrix(run)
    if matrix is None:
        return None
    full, n_all = matrix, len(matrix)
    total = matrix.sum(axis=1, skipna=True)
    order = pd.DataFrame({"total": total.to_numpy(), "name": matrix.index}).sort_values(
        ["total", "name"], ascending=[False, True], kind="stable"
    )
    matrix = matrix.iloc[order.index.to_numpy()]
    extra = ""
    if n_all > HEATMAP_MAX_ROWS:
        matrix = matrix.iloc[:HEATMAP_TOP]
        extra = f"top {HEATMAP_TOP} of {count(n_all)} {run.plural} by total score"
    else:
        extra = f"{run.plural} sorted by total score"
    n_rows = len(matrix)

    fig, ax = new_figure()
    cmap = _cmap()
    stage_labels = [run.dim_labels.get(c, c) for c in matrix.columns]
    if n_rows <= HEATMAP_SMALL_LABELS and matrix.shape[1] <= HEATMAP_MAX_DIMENSION_COLUMNS:
        mesh = _heatmap_rows(ax, matrix, stage_labels, cmap)
    else:
        mesh = _heatmap_columns(ax, matrix, stage_labels, cmap)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0)
    bar = fig.colorbar(mesh, ax=ax, fraction=0.04, pad=0.02, aspect=25)
    bar.set_label("score 0–1", fontsize=style.LABEL_SIZE)
    bar.outline.set_visible(False)
    bar.ax.tick_params(labelsize=style.TICK_SIZE, length=0)

    means = full.mean(axis=0, skipna=True)
    weakest, strongest = means.idxmin(), means.idxmax()
    top = order.iloc[0]
    label = run.dim_labels
    title = _finding_title(run, means)
    frame(fig, title, run.subtitle(extra), run.source())
    png, svg = save(fig, out_dir, "heatmap")

    alt = (
        f"Heat map of the scores (0 to 1) of {n_all} {run.plural} across {full.shape[1]} "
        f"{run.dim_plural}, {run.plural} sorted by total score"
        f"{f' (top {HEATMAP_TOP} shown)' if n_all > HEATMAP_MAX_ROWS else ''}. "
        f"{top['name']} has the highest total ({score(top['total'])} of {full.shape[1]}); "
        f"{label.get(weakest, weakest)} has the lowest mean score ({score(means[weakest])}) and "
        f"{label.get(strongest, strongest)} the highest ({score(means[strongest])})."
    )
    caption = (
        f"Score (0 to 1) of each {run.result.survey.model.entity_noun} by {run.dim_singular}, "
        f"sorted by total score" + ("; grey: no answer." if full.isna().to_numpy().any() else ".")
    )
    return Chart("heatmap", title, caption, alt, png, svg)


def _finding_title(run: ChartRun, means: pd.Series) -> str:
    """The title states the finding: the dimensions with the lowest and highest mean score."""
    weakest, strongest = means.idxmin(), means.idxmax()
    weak, strong = run.dim_labels.get(weakest, weakest), run.dim_labels.get(strongest, strongest)
    if weakest == strongest:
        return f"{cap(str(weak))} has a mean score of {score(means[weakest])}"
    return (
        f"{cap(str(weak))} has the lowest mean score ({score(means[weakest])}), "
        f"{strong} the highest ({score(means[strongest])})"
    )


def _column_headers(labels: list[str], column_pt: float) -> tuple[list[str], float]:
    """Headers wrapped to a column ``column_pt`` points wide, and their font size: the
    largest from the tick size down to 8 pt at which the longest word fits (an average
    character is taken as 0.6 of the size, a little wider than most fonts' average)."""
    longest = max((len(w) for label in labels for w in str(label).split()), default=1)
    size = float(style.TICK_SIZE)
    while size > 8 and longest * 0.6 * size > column_pt:
        size -= 0.5
    width = max(longest, int(column_pt / (0.6 * size)))
    return [wrap(str(label), width) for label in labels], size


def _heatmap_rows(ax: Any, matrix: pd.DataFrame, stage_labels: list[str], cmap: Any) -> Any:
    """Up to ~40 entities: one row each, dimensions across the top, values in the cells."""
    n_rows, n_cols = matrix.shape
    values = np.ma.masked_invalid(matrix.to_numpy(dtype=float))
    mesh = ax.pcolormesh(values, cmap=cmap, vmin=0, vmax=1, edgecolors="white", linewidth=1.5)
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(n_cols) + 0.5)
    names, size = _column_headers(stage_labels, style.FIGSIZE[0] * 72 * 0.72 / max(n_cols, 1))
    ax.set_xticklabels(names, fontsize=size)
    ax.set_yticks(np.arange(n_rows) + 0.5)
    ax.set_yticklabels(matrix.index.tolist(), fontsize=style.TICK_SIZE if n_rows <= 24 else 11)
    if n_rows <= HEATMAP_ANNOTATE_MAX and n_cols <= 12:
        size = style.ANNOTATION_SIZE if n_rows <= 24 else 10
        colours = cmap(values.filled(0.0))
        for (i, j), v in np.ndenumerate(values.filled(np.nan)):
            if not np.isnan(v):
                ax.text(
                    j + 0.5, i + 0.5, score(v), ha="center", va="center", fontsize=size,
                    color=style.text_colour_on(tuple(colours[i, j])),
                )
    return mesh


def _heatmap_columns(ax: Any, matrix: pd.DataFrame, stage_labels: list[str], cmap: Any) -> Any:
    """Many entities or many dimensions: one column per entity (acronyms turned upright),
    one row per dimension, so that long dimension labels get the width; no cell values."""
    n_entities, n_dims = matrix.shape
    values = np.ma.masked_invalid(matrix.to_numpy(dtype=float).T)
    mesh = ax.pcolormesh(values, cmap=cmap, vmin=0, vmax=1, edgecolors="white", linewidth=0.6)
    ax.set_xlim(0, n_entities)
    ax.set_ylim(n_dims, 0)
    ax.set_yticks(np.arange(n_dims) + 0.5)
    names, label_size = style.row_labels(stage_labels, 26, height_pt=style.PANEL_HEIGHT_PT - 40)
    ax.set_yticklabels(names, fontsize=label_size)
    ax.set_xticks(np.arange(n_entities) + 0.5)
    size = max(style.SMALLEST_SIZE, min(style.TICK_SIZE, 560 / n_entities))
    ax.set_xticklabels(matrix.index.tolist(), rotation=90, fontsize=size)
    return mesh


def _cmap() -> Any:
    import matplotlib as mpl

    return mpl.colormaps[style.HEATMAP_CMAP].with_extremes(bad=style.MISSING_CELL)


scores_charts = chart_function({"heatmap": _heatmap})
