"""The ranking chart: the mean rank of each option, with Kendall's W.

:data:`ranking_charts` is the chart function the analysis' record names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.analyses.ranking.compute import agreement_word
from pipeline.numbers import p_text, rank, score
from pipeline.report import style
from pipeline.report.chart_context import (
    ChartRun,
    cap,
    chart_function,
    label_of,
)
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save, tidy_axes


def _ranking_stats(run: ChartRun) -> dict[str, Any]:
    stats = run.result.stats.get("ranking") if isinstance(run.result.stats, dict) else None
    if isinstance(stats, dict) and stats:
        return stats
    table = run.table("ranking_stats")
    if table is not None:
        return table.iloc[0].to_dict()
    return {}


def _agreement(w: float, stats: dict[str, Any]) -> str:
    """The analysis' word for Kendall's W when it gave one, else weak/moderate/strong."""
    word = stats.get("agreement")
    if isinstance(word, str) and word:
        return word
    return agreement_word(w)  # the analysis' own thresholds


def _ranking(run: ChartRun, out_dir: Path) -> Chart | None:
    ranking = run.table("ranking")
    if ranking is None or not {"option", "mean_rank"} <= set(ranking.columns):
        return None
    labels: dict[str, str] = {}
    model = run.result.survey.model
    topic = "options"
    if model.ranking:
        for section in model.sections:
            for q in section.questions:
                if q.id == model.ranking.question:
                    topic = section.label
                    if q.choices:
                        labels = run.result.survey.choice_labels(q.choices)
    data = ranking.copy()
    data["label"] = label_of(data, "option", labels)
    data["mean_rank"] = pd.to_numeric(data["mean_rank"], errors="coerce")
    data = data.dropna(subset=["mean_rank"]).sort_values(["mean_rank", "label"], kind="stable")
    if data.empty:
        return None
    n_options = max(len(data), int(np.ceil(data["mean_rank"].max())))
    stats = _ranking_stats(run)
    w = stats.get("kendall_w")
    w = float(w) if w is not None and not pd.isna(w) else None

    fig, ax = new_figure()
    y = np.arange(len(data))
    mean = data["mean_rank"].to_numpy(dtype=float)
    # Preferred options to the right: the axis runs from the last rank to rank 1, so the
    # longer the stem, the more preferred the option.
    colours = [style.MAIN if i == 0 else style.OKABE_ITO["sky_blue"] for i in range(len(data))]
    ax.hlines(y, n_options, mean, color="#C8C8C8", linewidth=3, zorder=1)
    ax.scatter(mean, y, s=260, color=colours, zorder=2)
    for yi, m in zip(y, mean, strict=True):
        ax.annotate(
            rank(m), (m, yi), xytext=(13, 0), textcoords="offset points", va="center",
            ha="left", fontsize=style.ANNOTATION_SIZE,
        )
    ax.set_yticks(y)
    names, label_size = style.row_labels(data["label"].tolist(), 30)
    ax.set_yticklabels(names, fontsize=label_size)
    ax.set_ylim(len(data) - 0.5, -0.6)
    ax.set_xlim(n_options + 0.2, 0.6)
    ax.set_xticks(np.arange(1, n_options + 1))
    ax.set_xlabel("mean rank (1 = most preferred →)")
    tidy_axes(ax)
    extra = ""
    if w is not None:  # the title says how strong the agreement is; this line, the measure
        extra = f"Kendall's W = {score(w)}"
        n_raters = stats.get("n_raters")
        if n_raters is not None and not pd.isna(n_raters):
            extra += f" among {int(n_raters)} {run.plural}"
        p = stats.get("p_value")
        if p is not None and not pd.isna(p):
            extra += f" ({p_text(p)})"
    n = stats.get("n_raters")
    n = int(n) if n is not None and not pd.isna(n) else (int(data["n"].max()) if "n" in data else None)
    best, worst = data.iloc[0], data.iloc[-1]
    agreement = _agreement(w, stats) if w is not None else ""
    title = f"{cap(str(best['label']))} is preferred most" + (f", with {agreement} agreement" if agreement else "")
    frame(fig, title, run.subtitle(extra), run.source(n))
    png, svg = save(fig, out_dir, "ranking")

    alt = (
        f"Dot chart of the mean rank given to each of {len(data)} options (1 = most preferred). "
        f"{best['label']} is preferred most (mean rank {rank(best['mean_rank'])}) and "
        f"{worst['label']} least ({rank(worst['mean_rank'])})"
        + (f"; Kendall's W = {score(w)} shows {_agreement(w, stats)} agreement." if w is not None else ".")
    )
    caption = f"{cap(topic)}: mean rank of each option (1 = most preferred), best first."
    return Chart("ranking", title, caption, alt, png, svg)


ranking_charts = chart_function({"ranking": _ranking})
