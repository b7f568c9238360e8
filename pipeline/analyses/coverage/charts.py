"""The coverage chart: mean score with its confidence interval and the entities engaged,
by dimension.

:data:`coverage_charts` is the chart function the analysis' record names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.numbers import percent, score
from pipeline.report import style
from pipeline.report.chart_context import (
    ChartRun,
    bar_labels,
    cap,
    chart_function,
    label_of,
    name_list,
    order_by,
)
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save, tidy_axes


def coverage_frame(run: ChartRun) -> pd.DataFrame | None:
    cov = run.table("coverage")
    if cov is None or not {"dimension", "n_engaged"} <= set(cov.columns):
        return None
    cov = cov.copy()
    cov["label"] = label_of(cov, "dimension", run.dim_labels)
    cov["n_engaged"] = pd.to_numeric(cov["n_engaged"], errors="coerce").fillna(0).astype(int)
    for col in ("mean_score", "ci_low", "ci_high", "n_strong", "n_respondents"):
        if col in cov:
            cov[col] = pd.to_numeric(cov[col], errors="coerce")
    cov["_order"] = order_by(cov["dimension"], list(run.dim_labels))
    return cov.sort_values("_order", kind="stable").reset_index(drop=True)


def _weakest(cov: pd.DataFrame) -> pd.Series:
    """The dimension with the fewest entities engaged (ties: the lower mean score)."""
    keys = ["n_engaged", "mean_score"] if "mean_score" in cov else ["n_engaged"]
    return cov.sort_values(keys, kind="stable").iloc[0]


def min_entities(run: ChartRun) -> int | None:
    gaps = run.result.survey.model.gaps
    return gaps.min_entities if gaps else None


def _coverage(run: ChartRun, out_dir: Path) -> Chart | None:
    cov = coverage_frame(run)
    if cov is None:
        return None
    has_mean = "mean_score" in cov and cov["mean_score"].notna().any()
    fig, axes = new_figure(
        2 if has_mean else 1, sharey=True, width_ratios=[1.2, 1] if has_mean else None, key=True
    )
    axes = list(np.atleast_1d(axes))
    y = np.arange(len(cov))
    labels, label_size = style.row_labels(cov["label"].tolist())
    value_size = min(style.ANNOTATION_SIZE, label_size)
    model = run.result.survey.model
    confidence = model.coverage.confidence if model.coverage else 0.95
    if has_mean:
        ax = axes[0]
        mean = cov["mean_score"].to_numpy(dtype=float)
        low = cov["ci_low"].to_numpy(dtype=float) if "ci_low" in cov else mean
        high = cov["ci_high"].to_numpy(dtype=float) if "ci_high" in cov else mean
        err = np.vstack([np.clip(mean - low, 0, None), np.clip(high - mean, 0, None)])
        err = np.nan_to_num(err)
        dense = len(cov) > 12
        ax.errorbar(
            mean, y, xerr=err, fmt="o", color=style.MAIN, ecolor=style.MAIN,
            elinewidth=1.8 if dense else 2.5, capsize=3 if dense else 6, capthick=1.5 if dense else 2,
            markersize=6 if dense else 10,
        )
        ends = np.where(np.isnan(high), mean, np.maximum(high, mean))
        for yi, m, end in zip(y, mean, ends, strict=True):
            if not np.isnan(m):
                ax.annotate(
                    score(m), (end, yi), xytext=(8, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=value_size,
                )
        ax.set_xlim(-0.03, 1.03)
        ax.set_xlabel(f"mean score with {percent(confidence)} confidence interval")
        ax.set_title(f"Mean score of responding {run.plural}")
        tidy_axes(ax)
    ax = axes[-1]
    engaged = cov["n_engaged"].to_numpy(dtype=float)
    engaged_word, middle_word, strong_word = _engagement_words(run)
    key: list[Any] = []
    yes_no = bool(engaged_word) and engaged_word == strong_word  # one level counts: one bar
    if "n_strong" in cov and cov["n_strong"].notna().any() and not yes_no:
        strong = np.minimum(cov["n_strong"].fillna(0).to_numpy(dtype=float), engaged)
        key.append(ax.barh(y, strong, color=style.MAIN, height=0.62, label=strong_word or "strong"))
        key.append(
            ax.barh(
                y, engaged - strong, left=strong, color=style.OKABE_ITO["sky_blue"], height=0.62,
                label=middle_word or "engaged",
            )
        )
    else:
        key.append(ax.barh(y, engaged, color=style.MAIN, height=0.62, label=engaged_word or "engaged"))
    n_resp = cov["n_respondents"].max() if "n_respondents" in cov else run.n_respondents
    n_resp = int(n_resp) if not pd.isna(n_resp) else run.n_respondents
    threshold = min_entities(run)
    if threshold:
        key.append(
            ax.axvline(
                threshold, color=style.ACCENT, linestyle="--", linewidth=2.2,
                label=f"minimum: {threshold} {run.plural}",
            )
        )
    bar_labels(
        ax, y, engaged, [f"{int(v)} of {n_resp}" for v in engaged], pad=max(engaged.max(), 1) * 0.015,
        size=value_size,
    )
    ax.set_xlim(0, max(engaged.max(), threshold or 0, 1) * 1.25)
    ax.set_xlabel(f"{run.plural} engaged" + (f" ({engaged_word.lower()} or more)" if engaged_word else ""))
    ax.set_title(f"{cap(run.plural)} engaged")
    ax.xaxis.get_major_locator().set_params(integer=True)
    tidy_axes(ax)
    axes[0].set_yticks(y)
    axes[0].set_yticklabels(labels, fontsize=label_size)
    axes[0].set_ylim(len(cov) - 0.5, -0.6)

    weak = _weakest(cov)
    # the title states the finding; the neutral description is the caption
    title = _finding_title(run, cov, n_resp)
    frame(fig, title, run.subtitle(), run.source(), key=key)
    png, svg = save(fig, out_dir, "coverage")

    alt = (
        f"Chart of the mean score by {run.dim_singular} with {percent(confidence)} confidence intervals "
        f"and the number of {run.plural} engaged. {weak['label']} has the fewest {run.plural} "
        f"engaged ({int(weak['n_engaged'])} of {n_resp})"
    )
    if has_mean:
        best = cov.loc[cov["mean_score"].idxmax()]
        alt += f"; {best['label']} has the highest mean score ({score(best['mean_score'])})"
    alt += "."
    caption = (
        f"Mean score and number of {run.plural} engaged by {run.dim_singular}"
        + (f"; dashed line: minimum of {threshold} {run.plural}." if threshold else ".")
    )
    return Chart("coverage", title, caption, alt, png, svg)


def _finding_title(run: ChartRun, cov: pd.DataFrame, n_resp: int) -> str:
    """The dimension(s) with the fewest entities engaged, and how many: the chart's finding."""
    fewest = int(cov["n_engaged"].min())
    tied = cov.loc[cov["n_engaged"] == fewest, "label"].astype(str).tolist()
    if len(tied) == len(cov) and len(cov) > 1:
        return f"Every {run.dim_singular} has {fewest} of {n_resp} {run.plural} engaged"
    if len(tied) == 1:
        return f"{cap(tied[0])} has the fewest {run.plural} engaged: {fewest} of {n_resp}"
    return f"{cap(name_list(tied, 2))} have the fewest {run.plural} engaged: {fewest} of {n_resp} each"


def _engagement_words(run: ChartRun) -> tuple[str, str, str]:
    """Labels of the coverage rule: the 'engaged at least' choice, the choices between it
    and the 'strong' one ("Moderate"), and the 'strong' choice ("Major"); '' when unknown."""
    spec = run.result.survey.model.coverage
    if not spec:
        return "", "", ""
    try:
        field_ = run.result.survey.fields_of(spec.question)[0]
        choices = run.result.survey.choices(field_.choices or "")
    except (IndexError, KeyError):
        return "", "", ""
    names = [c.name for c in choices]
    labels = {c.name: c.label for c in choices}
    if spec.engaged_at_least not in names or spec.strong not in names:
        return "", "", ""
    engaged, strong = names.index(spec.engaged_at_least), names.index(spec.strong)
    # choices may run from weakest to strongest or the other way round
    between = names[engaged:strong] if engaged <= strong else names[strong + 1 : engaged + 1][::-1]
    middle = " or ".join(labels[n] for n in between)
    return labels[spec.engaged_at_least], middle, labels[spec.strong]


coverage_charts = chart_function({"coverage": _coverage})
