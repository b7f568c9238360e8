"""The charts of a benchmark survey (a ``requirements:`` block, e.g. ESS), drawn for a projector.

:func:`make_requirement_charts` takes a :class:`~pipeline.tables.RunResult` whose tables
come from :func:`pipeline.analyses.benchmark.compute.analyse_requirements` and writes, as PNG
(200 dpi) and SVG, with the shared look of :mod:`pipeline.report.style`:

- ``adoption``: per requirement, the share of the agencies it applies to that make it
  mandatory, give guidance only, are developing it or do not cover it (stacked bars,
  grouped by principles / thematic areas / procedures, the consensus share marked,
  "not applicable" answers counted beside each bar);
- ``benchmark``: per agency, the share of its applicable requirements that are mandatory,
  overall (bar) and per group (markers);
- ``clusters``: the clustered heat map, agencies in dendrogram order with the dendrogram
  beside them and their answer to each requirement in the cells;
- ``maturity``: per building block, how many agencies reached each maturity level;
- ``sensitivity``: how many requirements are core, within reach or aspirational at each
  consensus threshold.

Each :class:`~pipeline.report.figure.Chart` carries a caption and an alt text that states
the main finding, computed from the numbers. A chart whose table is missing or empty is
skipped. The same inputs give byte-identical files.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.analyses.benchmark.chart_parts import (
    BRACKET_MARGIN,
    ChartCtx,
    chart_ctx,
    group_brackets,
    group_names,
    leave_right_margin,
    pct,
    rows_with_gaps,
)
from pipeline.analyses.benchmark.cluster_chart import clusters_chart
from pipeline.analyses.benchmark.scale import TIER_LABELS, coverage_scale
from pipeline.numbers import percent, percentage_points, score
from pipeline.report import style
from pipeline.report.chart_loop import draw_charts
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save, tidy_axes
from pipeline.report.words import inline
from pipeline.tables import RunResult
from pipeline.wording import capitalise

TIER_COLOURS = {
    "core": style.MAIN,
    "within_reach": style.OKABE_ITO["sky_blue"],
    "aspirational": style.OKABE_ITO["orange"],
}
# Maturity levels, lowest first: grey, then light to dark blue (ordered, colour-blind safe).
MATURITY_COLOURS = ["#D9D9D9", "#C6DBEF", "#6BAED6", "#2171B5", "#08306B"]


# -- adoption ----------------------------------------------------------------------------


def _adoption(ctx: ChartCtx, out_dir: Path) -> Chart | None:
    adoption = ctx.table("adoption")
    spec = ctx.survey.model.requirements
    if adoption is None or spec is None:
        return None
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    scale = coverage_scale(ctx.survey)
    scored = [s for s in scale if s.score is not None]
    n_answered = adoption["n_answered"].to_numpy(dtype=float)
    denominator = np.where(n_answered > 0, n_answered, np.nan)
    y = rows_with_gaps(adoption["group"])
    fig, ax = new_figure(key=True)
    leave_right_margin(fig, BRACKET_MARGIN)
    left = np.zeros(len(adoption))
    key: list[Any] = []
    for step in scored:
        share = np.nan_to_num(adoption[f"n_{step.name}"].to_numpy(dtype=float) / denominator * 100)
        ax.barh(y, share, left=left, color=step.colour, height=0.72, edgecolor="white", linewidth=0.8)
        key.append(Patch(facecolor=step.colour, label=step.label))
        if step.name == spec.mandatory:
            for yi, s in zip(y, share, strict=True):
                if s >= 9:
                    ax.text(
                        1.2, yi, percent(s / 100), ha="left", va="center", color="white",
                        fontsize=style.ANNOTATION_SIZE, fontweight="bold",
                    )
        left += share
    na_col = f"n_{spec.not_applicable}" if spec.not_applicable else None
    n_na = adoption[na_col].to_numpy(dtype=int) if na_col and na_col in adoption else np.zeros(len(y), int)
    n_mand = adoption[f"n_{spec.mandatory}"].to_numpy(dtype=int)
    for yi, m, n, k in zip(y, n_mand, n_answered.astype(int), n_na, strict=True):
        text = f"{m} of {n}" + (f"  +{k} n/a" if k else "")
        ax.text(102, yi, text, ha="left", va="center", fontsize=style.ANNOTATION_SIZE, color=style.INK)
    threshold = spec.consensus_share * 100
    consensus = percent(spec.consensus_share)
    ax.axvline(threshold, color=style.INK, linestyle="--", linewidth=2, zorder=4)
    key.append(Line2D([], [], color=style.INK, linestyle="--", linewidth=2,
                      label=f"consensus share {consensus}"))
    labels, size = style.row_labels(adoption["label"].tolist(), 26, height_pt=style.PANEL_HEIGHT_PT + 20)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=size)
    ax.set_ylim(y.max() + 0.6, -0.6)
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xticklabels([f"{v}%" for v in range(0, 101, 20)])
    ax.set_xlabel(f"share of the {ctx.plural} the requirement applies to")
    tidy_axes(ax)
    ax.spines["left"].set_visible(False)
    group_brackets(fig, ax, y, adoption["group"], group_names(ctx.survey))

    shares = adoption["share_mandatory"].astype(float)
    top, low = shares.idxmax(), shares.idxmin()
    n_core = int((shares >= spec.consensus_share - 1e-9).sum())
    title = (  # the finding; what the bars show is the caption
        f"{n_core} of {len(adoption)} requirements reach the consensus share of {consensus}"
    )
    frame(fig, title, ctx.subtitle("at the right: mandatory / applicable answers, + not applicable"),
          ctx.source(), key=key)
    png, svg = save(fig, out_dir, "adoption")

    alt = (
        f"Stacked bar chart of how the {ctx.n} {ctx.plural} cover each of the {len(adoption)} "
        f"requirements, as shares of the {ctx.plural} each applies to. "
        f"{adoption.at[top, 'label']} is mandatory in the most ({n_mand[top]} of "
        f"{int(n_answered[top])}, {pct(shares[top])}), {inline(adoption.at[low, 'label'])} in the fewest "
        f"({n_mand[low]} of {int(n_answered[low])}, {pct(shares[low])}); {n_core} of "
        f"{len(adoption)} requirements reach the consensus share of {consensus}."
    )
    n_na_total = int(n_na.sum())
    caption = (
        f"How many {ctx.plural} make each requirement mandatory: answers per requirement as "
        f"shares of the {ctx.plural} it applies to; dashed line: "
        f"consensus share of {consensus}"
        + (f"; {n_na_total} 'not applicable' answers are counted beside the bars." if n_na_total else ".")
    )
    return Chart("adoption", title, caption, alt, png, svg)


# -- benchmark ---------------------------------------------------------------------------

GROUP_MARKERS = ["o", "s", "D", "^", "v"]


def _benchmark(ctx: ChartCtx, out_dir: Path) -> Chart | None:
    bench = ctx.table("benchmark")
    if bench is None:
        return None
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    bench = bench.reset_index(drop=True)
    group_labels = group_names(ctx.survey)
    groups = [c.removeprefix("share_") for c in bench.columns if c.startswith("share_") and c != "share_mandatory"]
    y = np.arange(len(bench))
    overall = bench["share_mandatory"].to_numpy(dtype=float) * 100
    fig, ax = new_figure(key=True)
    ax.barh(y, np.nan_to_num(overall), color="#C6DBEF", height=0.7, zorder=1)
    key: list[Any] = [Patch(facecolor="#C6DBEF", label="all requirements")]
    colours = [style.MAIN, style.OKABE_ITO["orange"], style.OKABE_ITO["bluish_green"],
               style.OKABE_ITO["reddish_purple"], style.OKABE_ITO["vermillion"]]
    for i, group in enumerate(groups):
        values = bench[f"share_{group}"].to_numpy(dtype=float) * 100
        offset = (i - (len(groups) - 1) / 2) * 0.2
        ax.scatter(values, y + offset, s=80, marker=GROUP_MARKERS[i % 5], color=colours[i % 5],
                   zorder=3, edgecolors="white", linewidths=0.8, clip_on=False)
        key.append(Line2D([], [], marker=GROUP_MARKERS[i % 5], linestyle="", markersize=10,
                          color=colours[i % 5], label=group_labels.get(group, group).lower()))
    for yi, v, m, n in zip(y, bench["share_mandatory"].to_numpy(dtype=float), bench["n_mandatory"],
                           bench["n_applicable"], strict=True):
        text = f"{pct(v)}  ({int(m)} of {int(n)})" if not np.isnan(v) else "no applicable answer"
        ax.text(104, yi, text, ha="left", va="center", fontsize=style.ANNOTATION_SIZE)
    names, size = style.row_labels(bench["acronym"].astype(str).tolist(), 14)
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize=size)
    ax.set_ylim(len(bench) - 0.4, -0.6)
    ax.set_xlim(-3, 101)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xticklabels([f"{v}%" for v in range(0, 101, 20)])
    ax.set_xlabel("share of the applicable requirements that are mandatory")
    tidy_axes(ax)
    ax.spines["left"].set_visible(False)

    valid = bench.dropna(subset=["share_mandatory"])
    best, worst = valid.iloc[0], valid.iloc[-1]
    title = (  # the finding; what the bars show is the caption
        f"{best['acronym']} makes the largest share of its requirements mandatory "
        f"({pct(best['share_mandatory'])}), {worst['acronym']} the smallest ({pct(worst['share_mandatory'])})"
    )
    frame(fig, title, ctx.subtitle(f"share of the requirements that apply to each {ctx.noun} made mandatory"),
          ctx.source(), key=key)
    png, svg = save(fig, out_dir, "benchmark")

    means = {g: float(bench[f"share_{g}"].mean()) for g in groups}
    finding = ""
    if len(means) >= 2:
        hi, lo = max(means, key=lambda g: means[g]), min(means, key=lambda g: means[g])
        finding = (
            f" On average, {group_labels.get(hi, hi).lower()} are mandatory most often "
            f"({pct(means[hi])} of those that apply) and {group_labels.get(lo, lo).lower()} least "
            f"({pct(means[lo])})."
        )
    alt = (
        f"Bar chart of the share of applicable requirements each of {len(bench)} {ctx.plural} makes "
        f"mandatory, with markers per group of requirements. {best['acronym']} has the highest share "
        f"({pct(best['share_mandatory'])}, {int(best['n_mandatory'])} of {int(best['n_applicable'])}) "
        f"and {worst['acronym']} the lowest ({pct(worst['share_mandatory'])}, "
        f"{int(worst['n_mandatory'])} of {int(worst['n_applicable'])}); the median "
        f"{ctx.noun} makes {pct(float(valid['share_mandatory'].median()))} mandatory.{finding}"
    )
    caption = (
        f"Share of the requirements that apply to each {ctx.noun} that it makes mandatory: all "
        f"requirements (bar) and per group (markers); 'not applicable' answers are left out."
    )
    return Chart("benchmark", title, caption, alt, png, svg)


# -- maturity ---------------------------------------------------------------------------


def _maturity(ctx: ChartCtx, out_dir: Path) -> Chart | None:
    table = ctx.table("maturity")
    spec = ctx.survey.model.maturity
    if table is None or spec is None:
        return None
    from matplotlib.patches import Patch

    field = next(f for f in ctx.survey.fields_of(spec.question) if f.dimension)
    choices = sorted(
        (c for c in ctx.survey.choices(field.choices or "") if c.score is not None),
        key=lambda c: float(c.score or 0),
    )
    dset = ctx.survey.model.dimension_sets[spec.dimension_set]
    y = np.arange(len(table))
    fig, ax = new_figure(key=True)
    left = np.zeros(len(table))
    key: list[Any] = []
    import matplotlib.colors as mcolors

    colours = MATURITY_COLOURS[-len(choices):] if len(choices) <= len(MATURITY_COLOURS) else None
    for i, c in enumerate(choices):
        colour = colours[i] if colours else style.CATEGORICAL[i % len(style.CATEGORICAL)]
        counts = table[f"n_{c.name}"].to_numpy(dtype=float)
        ax.barh(y, counts, left=left, color=colour, height=0.7, edgecolor="white", linewidth=0.8)
        text_colour = style.text_colour_on(mcolors.to_rgba(colour))
        for yi, x0, v in zip(y, left, counts, strict=True):
            if v >= 1:
                ax.text(x0 + v / 2, yi, f"{int(v)}", ha="center", va="center", color=text_colour,
                        fontsize=style.ANNOTATION_SIZE)
        key.append(Patch(facecolor=colour, label=c.label))
        left += counts
    total = max(float(left.max()), 1.0)
    for yi, x, m in zip(y, left, table["mean"].to_numpy(dtype=float), strict=True):
        if not np.isnan(m):
            ax.text(x + total * 0.015, yi, f"mean {score(m)}", ha="left", va="center",
                    fontsize=style.ANNOTATION_SIZE, color=style.SOFT_INK)
    labels, size = style.row_labels(table["label"].tolist(), 30)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=size)
    ax.set_ylim(len(table) - 0.4, -0.6)
    ax.set_xlim(0, total * 1.16)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(ctx.plural)
    tidy_axes(ax)
    ax.spines["left"].set_visible(False)

    top_two = [c.name for c in choices[-2:]]
    far = table[[f"n_{n}" for n in top_two]].sum(axis=1)
    n_ans = table["n_answered"].astype(int)
    best, worst = int(far.idxmax()), int(far.idxmin())
    words = " or ".join(c.label.lower() for c in choices[-2:])
    title = (  # the finding; what the bars show is the caption
        f"{capitalise(str(table.at[best, 'label']))} is most advanced: {int(far[best])} of "
        f"{int(n_ans[best])} {ctx.plural} {words}"
    )
    frame(fig, title, ctx.subtitle(f"mean: maturity score from 0 ({choices[0].label.lower()}) "
                                   f"to 1 ({choices[-1].label.lower()})"), ctx.source(), key=key)
    png, svg = save(fig, out_dir, "maturity")

    alt = (
        f"Stacked bar chart of the maturity level {ctx.plural} report for each of the "
        f"{len(table)} {dset.plural}. {table.at[best, 'label']} is furthest ({int(far[best])} of "
        f"{int(n_ans[best])} {ctx.plural} {words}, mean {score(table.at[best, 'mean'])}); "
        f"{inline(table.at[worst, 'label'])} is least advanced ({int(far[worst])} of {int(n_ans[worst])}, "
        f"mean {score(table.at[worst, 'mean'])})."
    )
    caption = (
        f"How far {ctx.plural} have got with each {dset.label}: number of {ctx.plural} at each "
        f"maturity level; mean score at the right."
    )
    return Chart("maturity", title, caption, alt, png, svg)


# -- sensitivity ----------------------------------------------------------------------------


def _sensitivity(ctx: ChartCtx, out_dir: Path) -> Chart | None:
    sens = ctx.table("sensitivity")
    spec = ctx.survey.model.requirements
    if sens is None or spec is None or len(sens) < 2:
        return None
    from matplotlib.patches import Patch

    x = np.arange(len(sens))
    fig, ax = new_figure(key=True)
    bottom = np.zeros(len(sens))
    key: list[Any] = []
    for tier in ("core", "within_reach", "aspirational"):
        counts = sens[f"n_{tier}"].to_numpy(dtype=float)
        colour = TIER_COLOURS[tier]
        ax.bar(x, counts, bottom=bottom, color=colour, width=0.62, edgecolor="white", linewidth=1)
        text_colour = "white" if tier == "core" else style.INK
        for xi, b, v in zip(x, bottom, counts, strict=True):
            if v >= 1:
                ax.text(xi, b + v / 2, f"{int(v)}", ha="center", va="center", color=text_colour,
                        fontsize=style.LABEL_SIZE if v >= 2 else style.ANNOTATION_SIZE - 2,
                        fontweight="bold" if tier == "core" else "normal")
        key.append(Patch(facecolor=colour, label=TIER_LABELS[tier]))
        bottom += counts
    declared = sens["declared"].astype(bool).to_numpy()
    for xi in x[declared]:
        ax.bar(xi, bottom[xi], width=0.74, fill=False, edgecolor=style.INK, linewidth=2.5, zorder=5)
        ax.text(xi, bottom[xi] + 0.3, "declared threshold", ha="center", va="bottom", fontsize=style.ANNOTATION_SIZE,
                fontweight="bold")
    ax.set_xticks(x)
    ax.set_xticklabels([pct(t) for t in sens["threshold"]])
    ax.set_xlabel(f"consensus threshold: share of the {ctx.plural} that make a requirement mandatory")
    ax.set_ylabel("requirements")
    ax.set_ylim(0, bottom.max() * 1.1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    tidy_axes(ax, grid_axis="y")
    margin = percentage_points(spec.within_reach_margin)
    first, last = sens.iloc[0], sens.iloc[-1]
    at = sens.loc[declared].iloc[0] if declared.any() else sens.iloc[len(sens) // 2]
    n_first, n_last = int(first["n_core"]), int(last["n_core"])
    moves = "shrinks" if n_last < n_first else "grows" if n_last > n_first else "stays"
    title = (  # the finding; what the columns show is the caption
        f"The core {moves} from {n_first} requirements at {pct(first['threshold'])} "
        f"to {n_last} at {pct(last['threshold'])}"
        if moves != "stays"
        else f"The core stays at {n_first} requirements from {pct(first['threshold'])} to {pct(last['threshold'])}"
    )
    frame(fig, title, ctx.subtitle(f"within reach: up to {margin} points below the threshold"),
          ctx.source(), key=key)
    png, svg = save(fig, out_dir, "sensitivity")

    alt = (
        f"Stacked column chart of the number of requirements that are core, within reach or "
        f"aspirational at consensus thresholds from {pct(first['threshold'])} to "
        f"{pct(last['threshold'])}. At the declared {pct(at['threshold'])}, "
        f"{int(at['n_core'])} requirements are core and {int(at['n_within_reach'])} within reach; "
        f"the core shrinks from {int(first['n_core'])} at {pct(first['threshold'])} to "
        f"{int(last['n_core'])} at {pct(last['threshold'])}."
    )
    caption = (
        "How the common minimum requirements change with the threshold: number of requirements "
        "in each tier at each consensus threshold; the declared threshold is outlined."
    )
    return Chart("sensitivity", title, caption, alt, png, svg)


# -- all together ---------------------------------------------------------------------------

CHARTS: dict[str, Callable[[ChartCtx, Path], Chart | None]] = {
    "adoption": _adoption,
    "benchmark": _benchmark,
    "sensitivity": _sensitivity,
    "clusters": clusters_chart,
    "maturity": _maturity,
}


def make_requirement_charts(result: RunResult, out_dir: Path, skip: Collection[str] = ()) -> list[Chart]:
    """Draw the benchmark charts the run's tables allow into ``out_dir``; return them.

    A chart whose table is missing or empty is skipped; one that cannot be drawn from
    malformed data is skipped with a ``chart-skipped`` warning in ``result.log``.
    """
    if result.survey.model.requirements is None:
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return draw_charts(CHARTS, chart_ctx(result), out_dir, result.log, skip=skip)
