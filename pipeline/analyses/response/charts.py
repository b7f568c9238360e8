"""The response chart: entities invited and responding, by type.

:data:`response_charts` is the chart function the analysis' record names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.report import style
from pipeline.report.chart_context import (
    ChartRun,
    bar_labels,
    cap,
    chart_function,
)
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save, tidy_axes
from pipeline.wording import percent

MAX_CATEGORIES = 12  # entity types shown in the response chart before "Other"


def _response(run: ChartRun, out_dir: Path) -> Chart | None:
    status = run.table("response_status")
    if status is None or not {"entity_id", "responded"} <= set(status.columns):
        return None
    status = status[["entity_id", "responded"]].copy()
    status["entity_id"] = status["entity_id"].astype(str)
    status["responded"] = status["responded"].fillna(False).astype(bool)
    reg = run.result.registry.table
    if "entity_type" in reg:
        types = dict(zip(reg["entity_id"].astype(str), reg["entity_type"].astype(str), strict=True))
    else:
        types = {}
    status["type"] = status["entity_id"].map(types).fillna("Other").replace("", "Other")
    counts = status.groupby("type").agg(invited=("responded", "size"), responded=("responded", "sum"))
    counts = counts.sort_values(["invited", "responded"], ascending=False, kind="stable")
    if len(counts) > MAX_CATEGORIES:
        head, tail = counts.iloc[: MAX_CATEGORIES - 1], counts.iloc[MAX_CATEGORIES - 1 :]
        counts = pd.concat([head, tail.sum().to_frame("Other").T.astype(int)])
        counts = counts.groupby(level=0, sort=False).sum()
    n_invited = int(run.result.stats.get("n_invited") or len(status))
    n_resp = int(status["responded"].sum())
    rate = run.result.stats.get("response_rate")
    rate = float(rate) if rate is not None and not pd.isna(rate) else (n_resp / n_invited if n_invited else 0.0)

    fig, ax = new_figure(key=True)
    y = np.arange(len(counts))
    resp = counts["responded"].to_numpy(dtype=float)
    invited = counts["invited"].to_numpy(dtype=float)
    key = [
        ax.barh(y, resp, height=0.62, color=style.MAIN, label="responded"),
        ax.barh(y, invited - resp, left=resp, height=0.62, color=style.MUTED, label="did not respond"),
    ]
    bar_labels(
        ax, y, invited, [f"{int(r)} of {int(i)}" for r, i in zip(resp, invited, strict=True)],
        pad=max(invited.max(), 1) * 0.012,
    )
    ax.set_yticks(y)
    names, label_size = style.row_labels(counts.index.tolist(), 28)
    ax.set_yticklabels(names, fontsize=label_size)
    ax.set_ylim(len(counts) - 0.5, -0.6)
    ax.set_xlim(0, max(invited.max(), 1) * 1.15)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(run.plural)
    tidy_axes(ax)
    share = counts["responded"] / counts["invited"]
    best = share.sort_values(ascending=False, kind="stable").index[0]
    best_n = f"{int(counts.loc[best, 'responded'])} of {int(counts.loc[best, 'invited'])}"
    extra = f"highest response rate: {best} ({best_n})" if len(counts) > 1 else ""
    title = f"{n_resp} of {n_invited} {run.plural} responded ({percent(rate)})"  # the finding
    frame(fig, title, run.subtitle(extra), run.source(n_invited, f"{run.plural} invited"), key=key)
    png, svg = save(fig, out_dir, "response")

    alt = (
        f"Bar chart of the {run.plural} that responded and did not respond, by type. "
        f"{n_resp} of {n_invited} {run.plural} responded ({percent(rate)}); {best} had the highest "
        f"response ({best_n})."
    )
    caption = f"{cap(run.plural)} invited and responding, by type of {run.result.survey.model.entity_noun}."
    return Chart("response", title, caption, alt, png, svg)


response_charts = chart_function({"response": _response})
