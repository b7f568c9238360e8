"""The open-answer themes chart: entities per theme, one panel per themed question."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.report import style
from pipeline.report.chart_context import run_context
from pipeline.report.chart_loop import draw_charts
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, row_labels, save, tidy_axes
from pipeline.wording import capitalise, plural

MAX_PANELS = 4


def _themes(run: Any, out_dir: Path) -> Chart | None:
    counts = run.table("theme_counts")
    if counts is None:
        return None
    questions = list(dict.fromkeys(counts["question_id"]))[:MAX_PANELS]
    fig, axes = new_figure(len(questions), squeeze=False)
    top: list[str] = []
    most: tuple[int, str] | None = None  # the theme raised by the most entities, any question
    for ax, qid in zip(axes[0], questions, strict=True):
        data = counts.loc[counts["question_id"] == qid]
        y = np.arange(len(data))
        n = data["n_entities"].to_numpy(dtype=int)
        colours = [style.MAIN if v == n.max() and v > 0 else style.OKABE_ITO["sky_blue"] for v in n]
        ax.barh(y, n, color=colours)
        for yi, v in zip(y, n, strict=True):
            ax.annotate(str(v), (v, yi), xytext=(4, 0), textcoords="offset points", va="center",
                        fontsize=style.ANNOTATION_SIZE)
        names, size = row_labels(data["theme"].tolist(), 18)
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=size)
        ax.set_ylim(len(data) - 0.5, -0.6)
        ax.set_xlim(0, max(int(n.max()), 1) * 1.25)
        ax.set_title(style.wrap(str(data["question"].iloc[0]), max(16, 60 // len(questions))), fontsize=style.TICK_SIZE, loc="left")
        ax.set_xlabel(run.plural)
        tidy_axes(ax)
        best = data.iloc[0]
        if int(best["n_entities"]) and (most is None or int(best["n_entities"]) > most[0]):
            most = (int(best["n_entities"]), str(best["theme"]))
        if int(best["n_entities"]):
            top.append(
                f"in '{best['question']}', {best['theme']} is raised most often "
                f"({plural(int(best['n_entities']), run.result.survey.model.entity_noun, run.plural)})"
            )
    if most is None:
        title = "No open answer raises a declared theme"
    else:  # the finding: the theme raised most often
        title = (
            f"{capitalise(most[1])} is raised most often, "
            f"by {plural(most[0], run.result.survey.model.entity_noun, run.plural)}"
        )
    frame(fig, title, run.subtitle("number of " + run.plural + " whose answer raises each theme"), run.source())
    png, svg = save(fig, out_dir, "themes")
    alt = (
        f"Bar charts of the number of {run.plural} whose open answers raise each declared theme, "
        f"for {len(questions)} question(s). "
        + (capitalise("; ".join(top)) + "." if top else "No answer raised a declared theme.")
    )
    caption = (
        f"What {run.plural} wrote: number of {run.plural} whose answer raises each theme of the "
        "open answers, question by question."
    )
    return Chart("themes", title, caption, alt, png, svg)


def theme_charts(result: Any, out_dir: Path, skip: Collection[str] = ()) -> list[Chart]:
    """The themes chart of a run whose survey declares open-answer themes (else none)."""
    counts = result.tables.get("theme_counts")
    if not isinstance(counts, pd.DataFrame) or counts.empty:
        return []
    return draw_charts({"themes": _themes}, run_context(result), out_dir, result.log, skip=skip)
