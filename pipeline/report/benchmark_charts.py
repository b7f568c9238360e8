"""The charts of a benchmark survey (a ``requirements:`` block, e.g. ESS), drawn for a projector.

:func:`make_requirement_charts` takes a :class:`~pipeline.tables.RunResult` whose tables
come from :func:`pipeline.analysis.requirements.analyse_requirements` and writes, as PNG
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

import itertools
import textwrap
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.report import style
from pipeline.report.chart_loop import draw_charts
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save, tidy_axes
from pipeline.report.words import capitalise, inline
from pipeline.spec import Survey
from pipeline.tables import RunResult

# Colours of the coverage scale, strongest answer first (Okabe-Ito blues and orange, then
# grey for "not covered"); an unscored answer such as "not applicable" is white, hatched.
SCALE_COLOURS = [style.MAIN, style.OKABE_ITO["sky_blue"], style.OKABE_ITO["orange"], "#CFCFCF"]
NOT_APPLICABLE_COLOUR = "#FFFFFF"
# Tiers of the common minimum requirements.
TIER_LABELS = {"core": "core", "within_reach": "within reach", "aspirational": "aspirational"}
TIER_COLOURS = {
    "core": style.MAIN,
    "within_reach": style.OKABE_ITO["sky_blue"],
    "aspirational": style.OKABE_ITO["orange"],
}
# Maturity levels, lowest first: grey, then light to dark blue (ordered, colour-blind safe).
MATURITY_COLOURS = ["#D9D9D9", "#C6DBEF", "#6BAED6", "#2171B5", "#08306B"]
GROUP_GAP = 0.6  # blank space between requirement groups, in rows
BRACKET_MARGIN = 0.12  # share of the figure width kept for the group names


@dataclass(frozen=True)
class ScaleStep:
    """One answer of the coverage scale, as the charts and the report show it."""

    name: str
    label: str
    code: str  # short code for a matrix cell: M, G, U, –, n/a
    colour: str
    score: float | None


def coverage_scale(survey: Survey) -> list[ScaleStep]:
    """The coverage choices of a benchmark survey, strongest first, unscored ones last.

    Codes: "M" for the choice that means met (``requirements.mandatory``), "n/a" for the
    not-applicable choice, "–" for a choice scoring 0, else the label's initial (made
    unique with the next letters).
    """
    spec = survey.model.requirements
    if spec is None:
        raise ValueError(f"survey '{survey.id}' declares no 'requirements' block")
    field = next(f for f in survey.fields_of(spec.coverage_question) if f.dimension)
    choices = survey.choices(field.choices or "")
    scored = sorted((c for c in choices if c.score is not None), key=lambda c: -float(c.score or 0))
    unscored = [c for c in choices if c.score is None]
    steps: list[ScaleStep] = []
    taken: set[str] = set()
    for i, c in enumerate([*scored, *unscored]):
        if c.name == spec.mandatory:
            code = "M"
        elif c.name == spec.not_applicable or c.score is None:
            code = "n/a"
        elif float(c.score or 0) == 0:
            code = "–"
        else:
            letters = "".join(ch for ch in c.label.upper() if ch.isalpha())
            code = next((letters[:k] for k in range(1, len(letters) + 1) if letters[:k] not in taken), c.name)
        taken.add(code)
        colour = (
            SCALE_COLOURS[min(i, len(SCALE_COLOURS) - 1)] if c.score is not None else NOT_APPLICABLE_COLOUR
        )
        steps.append(ScaleStep(c.name, c.label, code, colour, c.score))
    return steps


# -- the run's words -------------------------------------------------------------------


@dataclass
class _Ctx:
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


def _ctx(result: RunResult) -> _Ctx:
    model = result.survey.model
    n = result.stats.get("n_compared") if isinstance(result.stats, dict) else None
    if n is None:
        n = len(result.responses.submissions)
    return _Ctx(result, result.survey, model.entity_noun, model.entity_plural, int(n))


def _pct(x: float) -> str:
    return "n/a" if x is None or np.isnan(x) else f"{100 * x:.0f}%"


def _short(label: str, width: int) -> str:
    return textwrap.shorten(str(label), width=width, placeholder="…")


def _two_lines(label: str, width: int) -> str:
    """A label on at most two lines of ``width`` characters, shortened with an ellipsis."""
    lines = textwrap.wrap(str(label), width=width, break_long_words=False) or [str(label)]
    if len(lines) > 2:
        lines = [lines[0], _short(" ".join(lines[1:]), width)]
    return "\n".join(lines)


def _group_labels(survey: Survey) -> dict[str, str]:
    spec = survey.model.requirements
    return dict(spec.groups) if spec else {}


def _rows_with_gaps(groups: pd.Series) -> np.ndarray:
    """y position of each row, with a gap between consecutive groups."""
    g = groups.astype("string").fillna("").to_numpy(dtype=object)
    starts = np.r_[False, g[1:] != g[:-1]] if len(g) else np.zeros(0, dtype=bool)
    return np.arange(len(g)) + GROUP_GAP * np.cumsum(starts)


def _leave_right_margin(fig: Any, share: float) -> None:
    """Keep ``share`` of the figure's width free on the right (for text beside the axes)."""
    left, bottom, width, height = style.PLOT_RECT_WITH_KEY
    fig.get_layout_engine().set(rect=(left, bottom, width - share, height))


def _group_brackets(fig: Any, ax: Any, y: np.ndarray, groups: pd.Series, labels: dict[str, str]) -> None:
    """A bracket and the group's name beside the rows of each group, in the right margin
    that :func:`_leave_right_margin` kept free (so outside the layout)."""
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


# -- adoption ----------------------------------------------------------------------------


def _adoption(ctx: _Ctx, out_dir: Path) -> Chart | None:
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
    y = _rows_with_gaps(adoption["group"])
    fig, ax = new_figure(key=True)
    _leave_right_margin(fig, BRACKET_MARGIN)
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
                        1.2, yi, f"{s:.0f}%", ha="left", va="center", color="white",
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
    ax.axvline(threshold, color=style.INK, linestyle="--", linewidth=2, zorder=4)
    key.append(Line2D([], [], color=style.INK, linestyle="--", linewidth=2,
                      label=f"consensus share {threshold:.0f}%"))
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
    _group_brackets(fig, ax, y, adoption["group"], _group_labels(ctx.survey))

    title = f"How many {ctx.plural} make each requirement mandatory"
    frame(fig, title, ctx.subtitle("at the right: mandatory / applicable answers, + not applicable"),
          ctx.source(), key=key)
    png, svg = save(fig, out_dir, "adoption")

    shares = adoption["share_mandatory"].astype(float)
    top, low = shares.idxmax(), shares.idxmin()
    n_core = int((shares >= spec.consensus_share - 1e-9).sum())
    alt = (
        f"Stacked bar chart of how the {ctx.n} {ctx.plural} cover each of the {len(adoption)} "
        f"requirements, as shares of the {ctx.plural} each applies to. "
        f"{adoption.at[top, 'label']} is mandatory in the most ({n_mand[top]} of "
        f"{int(n_answered[top])}, {_pct(shares[top])}), {inline(adoption.at[low, 'label'])} in the fewest "
        f"({n_mand[low]} of {int(n_answered[low])}, {_pct(shares[low])}); {n_core} of "
        f"{len(adoption)} requirements reach the consensus share of {threshold:.0f}%."
    )
    n_na_total = int(n_na.sum())
    caption = (
        f"Answers per requirement as shares of the {ctx.plural} it applies to; dashed line: "
        f"consensus share of {threshold:.0f}%"
        + (f"; {n_na_total} 'not applicable' answers are counted beside the bars." if n_na_total else ".")
    )
    return Chart("adoption", title, caption, alt, png, svg)


# -- benchmark ---------------------------------------------------------------------------

GROUP_MARKERS = ["o", "s", "D", "^", "v"]


def _benchmark(ctx: _Ctx, out_dir: Path) -> Chart | None:
    bench = ctx.table("benchmark")
    if bench is None:
        return None
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    bench = bench.reset_index(drop=True)
    group_labels = _group_labels(ctx.survey)
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
    for yi, v, m, n in zip(y, overall, bench["n_mandatory"], bench["n_applicable"], strict=True):
        text = f"{v:.0f}%  ({int(m)} of {int(n)})" if not np.isnan(v) else "no applicable answer"
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

    title = f"How far each {ctx.noun} makes the requirements mandatory"
    frame(fig, title, ctx.subtitle(f"share of the requirements that apply to each {ctx.noun} made mandatory"),
          ctx.source(), key=key)
    png, svg = save(fig, out_dir, "benchmark")

    valid = bench.dropna(subset=["share_mandatory"])
    best, worst = valid.iloc[0], valid.iloc[-1]
    means = {g: float(bench[f"share_{g}"].mean()) for g in groups}
    finding = ""
    if len(means) >= 2:
        hi, lo = max(means, key=lambda g: means[g]), min(means, key=lambda g: means[g])
        finding = (
            f" On average, {group_labels.get(hi, hi).lower()} are mandatory most often "
            f"({_pct(means[hi])} of those that apply) and {group_labels.get(lo, lo).lower()} least "
            f"({_pct(means[lo])})."
        )
    alt = (
        f"Bar chart of the share of applicable requirements each of {len(bench)} {ctx.plural} makes "
        f"mandatory, with markers per group of requirements. {best['acronym']} has the highest share "
        f"({_pct(best['share_mandatory'])}, {int(best['n_mandatory'])} of {int(best['n_applicable'])}) "
        f"and {worst['acronym']} the lowest ({_pct(worst['share_mandatory'])}, "
        f"{int(worst['n_mandatory'])} of {int(worst['n_applicable'])}); the median "
        f"{ctx.noun} makes {_pct(float(valid['share_mandatory'].median()))} mandatory.{finding}"
    )
    caption = (
        f"Share of the requirements that apply to each {ctx.noun} that it makes mandatory: all "
        f"requirements (bar) and per group (markers); 'not applicable' answers are left out."
    )
    return Chart("benchmark", title, caption, alt, png, svg)


# -- clustered heat map with dendrogram ----------------------------------------------------


def _clusters(ctx: _Ctx, out_dir: Path) -> Chart | None:
    matrix = ctx.table("comparison_matrix")
    clusters = ctx.table("clusters")
    linkage = ctx.result.stats.get("cluster_linkage") if isinstance(ctx.result.stats, dict) else None
    if matrix is None or clusters is None or not linkage:
        return None
    import matplotlib.colors as mcolors
    from matplotlib.patches import Patch
    from scipy.cluster.hierarchy import dendrogram

    z = np.asarray(linkage, dtype=float)
    scale = coverage_scale(ctx.survey)
    items = _items(ctx.survey)
    order = [c for c in items["requirement"] if c in matrix.columns]
    acronyms = matrix["acronym"].astype(str).tolist()
    n_rows, n_cols = len(acronyms), len(order)
    codes = {s.name: i for i, s in enumerate(scale)}
    values = matrix[order].apply(lambda col: col.map(codes)).to_numpy(dtype=float, na_value=np.nan)
    cmap = mcolors.ListedColormap([s.colour for s in scale]).with_extremes(bad=style.MISSING_CELL)

    fig, (ax_tree, ax) = new_figure(2, width_ratios=[1, 5.2], key=True)
    # dendrogram: leaves top to bottom in the matrix's row order, root on the left
    k = int(ctx.result.stats.get("n_clusters") or 1)
    heights = z[:, 2]
    # k clusters keep all merges but the last k - 1: cut between those two heights
    cut = (heights[-k] + heights[-k + 1]) / 2 if 1 < k <= len(heights) else heights.max() + 1
    palette = [style.OKABE_ITO[c] for c in ("blue", "vermillion", "bluish_green", "reddish_purple", "orange")]
    from scipy.cluster import hierarchy

    hierarchy.set_link_color_palette(palette)
    # the linkage numbers the agencies in the order of the submissions it was computed from
    registry_acronyms = ctx.result.registry.acronyms()
    observed = [
        registry_acronyms.get(str(e), str(e)) for e in ctx.result.responses.submissions["entity_id"]
    ]
    if len(observed) != len(z) + 1:
        raise ValueError("the linkage does not match the round's submissions")
    try:
        tree = dendrogram(
            z, orientation="left", labels=observed, no_labels=True, ax=ax_tree,
            color_threshold=cut, above_threshold_color=style.MUTED,
        )
    finally:
        hierarchy.set_link_color_palette(None)
    if list(tree["ivl"]) != acronyms:
        raise ValueError("the comparison matrix is not in the dendrogram's leaf order")
    # scipy draws the first leaf at the bottom; the matrix lists it first, at the top
    ax_tree.set_ylim(10 * n_rows, 0)
    ax_tree.set_xlabel("distance")
    ax_tree.tick_params(axis="y", length=0, labelleft=False)
    for side in ("left", "right", "top"):
        ax_tree.spines[side].set_visible(False)
    ax_tree.tick_params(axis="x", labelsize=style.ANNOTATION_SIZE)

    ax.pcolormesh(np.ma.masked_invalid(values), cmap=cmap, vmin=-0.5, vmax=len(scale) - 0.5,
                  edgecolors="white", linewidth=1.0)
    for (i, j), v in np.ndenumerate(values):
        if np.isnan(v):
            continue
        step = scale[int(v)]
        if step.score is None:
            ax.text(j + 0.5, i + 0.5, "n/a", ha="center", va="center", fontsize=8, color=style.SOFT_INK)
        elif step.code:
            rgba = mcolors.to_rgba(step.colour)
            ax.text(j + 0.5, i + 0.5, step.code, ha="center", va="center", fontsize=10,
                    color=style.text_colour_on(rgba), fontweight="bold")
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    ax.set_yticks(np.arange(n_rows) + 0.5)
    ax.set_yticklabels(acronyms, fontsize=min(12, max(style.SMALLEST_SIZE, 190 / max(n_rows, 1))))
    ax.tick_params(length=0)
    labels = [items.set_index("requirement").at[c, "label"] for c in order]
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(n_cols) + 0.5)
    ax.set_xticklabels([_two_lines(lab, 19) for lab in labels], rotation=90, fontsize=11,
                       linespacing=1.0)
    # groups: white separators between them, names under the columns
    groups = items.set_index("requirement").loc[order, "group"].fillna("").to_numpy()
    group_labels = _group_labels(ctx.survey)
    bounds = [0, *[j for j in range(1, n_cols) if groups[j] != groups[j - 1]], n_cols]
    for a, b in itertools.pairwise(bounds):
        if a:
            ax.axvline(a, color="white", linewidth=5)
        ax.text((a + b) / 2, n_rows + 0.35, textwrap.fill(group_labels.get(groups[a], groups[a]), 4 * (b - a)),
                ha="center", va="top", fontsize=style.ANNOTATION_SIZE, fontweight="bold",
                color=style.SOFT_INK)
    # clusters: a line between groups of agencies, their number at the right
    member = clusters.set_index("acronym")["cluster"].reindex(acronyms).to_numpy()
    starts = [0, *[i for i in range(1, n_rows) if member[i] != member[i - 1]], n_rows]
    for a, b in itertools.pairwise(starts):
        if a:
            ax.axhline(a, color=style.INK, linewidth=2.2)
        ax.text(n_cols + 0.25, (a + b) / 2, f"group {int(member[a])}", rotation=90, ha="left",
                va="center", fontsize=style.ANNOTATION_SIZE, fontweight="bold", color=style.INK)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(" ", labelpad=30)

    key = [
        Patch(facecolor=s.colour, edgecolor="#999999",
              label=f"{s.code}  {s.label if s.score is not None else 'Not applicable'}")
        for s in scale
    ]
    title = f"Groups of {ctx.plural} with similar answers"
    n_groups = int(clusters["cluster"].nunique())
    frame(fig, title, ctx.subtitle(f"{n_groups} groups; {ctx.plural} ordered by the dendrogram"),
          ctx.source(), key=key)
    png, svg = save(fig, out_dir, "clusters")

    alt = _clusters_alt(ctx, clusters, n_rows, n_cols)
    caption = (
        f"Answers of each {ctx.noun} (rows) on each requirement (columns), {ctx.plural} ordered by "
        f"hierarchical clustering of their answers (average linkage on a Gower distance); the "
        f"dendrogram on the left shows how alike they are, lines separate the {n_groups} groups."
    )
    return Chart("clusters", title, caption, alt, png, svg)


def _clusters_alt(ctx: _Ctx, clusters: pd.DataFrame, n_rows: int, n_cols: int) -> str:
    bench = ctx.table("benchmark")
    share = (
        bench.set_index("acronym")["share_mandatory"] if bench is not None else pd.Series(dtype=float)
    )
    parts = []
    for k, grp in clusters.groupby("cluster", sort=True):
        names = grp["acronym"].astype(str).tolist()
        mean = float(share.reindex(names).mean()) if len(share) else float("nan")
        listed = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        parts.append(
            f"group {int(k)} ({len(names)} {ctx.plural if len(names) != 1 else ctx.noun}: {listed}) "
            f"makes {_pct(mean)} of its applicable requirements mandatory on average"
        )
    text = (
        f"Clustered heat map of the answers of {n_rows} {ctx.plural} on {n_cols} requirements, "
        f"{ctx.plural} ordered by a dendrogram of their answer profiles. "
        + capitalise("; ".join(parts))
        + "."
    )
    drivers = ctx.table("cluster_drivers")
    if drivers is not None and drivers["spread"].notna().any():
        top = drivers.iloc[0]
        means = [c for c in drivers.columns if c.startswith("mean_cluster_")]
        values = ", ".join(f"{float(top[c]):.2f}" for c in means)
        text += (
            f" {top['label']} separates the groups most (mean score per group {values})."
        )
    return text


def _items(survey: Survey) -> pd.DataFrame:
    from pipeline.analysis.requirements import requirement_items

    return requirement_items(survey)


# -- maturity ---------------------------------------------------------------------------


def _maturity(ctx: _Ctx, out_dir: Path) -> Chart | None:
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
            ax.text(x + total * 0.015, yi, f"mean {m:.2f}", ha="left", va="center",
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

    title = f"How far {ctx.plural} have got with each {dset.label}"
    frame(fig, title, ctx.subtitle(f"mean: maturity score from 0 ({choices[0].label.lower()}) "
                                   f"to 1 ({choices[-1].label.lower()})"), ctx.source(), key=key)
    png, svg = save(fig, out_dir, "maturity")

    top_two = [c.name for c in choices[-2:]]
    far = table[[f"n_{n}" for n in top_two]].sum(axis=1)
    n_ans = table["n_answered"].astype(int)
    best, worst = int(far.idxmax()), int(far.idxmin())
    words = " or ".join(c.label.lower() for c in choices[-2:])
    alt = (
        f"Stacked bar chart of the maturity level {ctx.plural} report for each of the "
        f"{len(table)} {dset.plural}. {table.at[best, 'label']} is furthest ({int(far[best])} of "
        f"{int(n_ans[best])} {ctx.plural} {words}, mean {table.at[best, 'mean']:.2f}); "
        f"{inline(table.at[worst, 'label'])} is least advanced ({int(far[worst])} of {int(n_ans[worst])}, "
        f"mean {table.at[worst, 'mean']:.2f})."
    )
    caption = f"Number of {ctx.plural} at each maturity level, per {dset.label}; mean score at the right."
    return Chart("maturity", title, caption, alt, png, svg)


# -- sensitivity ----------------------------------------------------------------------------


def _sensitivity(ctx: _Ctx, out_dir: Path) -> Chart | None:
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
    ax.set_xticklabels([f"{100 * t:.0f}%" for t in sens["threshold"]])
    ax.set_xlabel(f"consensus threshold: share of the {ctx.plural} that make a requirement mandatory")
    ax.set_ylabel("requirements")
    ax.set_ylim(0, bottom.max() * 1.1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    tidy_axes(ax, grid_axis="y")
    margin = spec.within_reach_margin * 100
    title = "How the common minimum requirements change with the threshold"
    frame(fig, title, ctx.subtitle(f"within reach: up to {margin:.0f} points below the threshold"),
          ctx.source(), key=key)
    png, svg = save(fig, out_dir, "sensitivity")

    first, last = sens.iloc[0], sens.iloc[-1]
    at = sens.loc[declared].iloc[0] if declared.any() else sens.iloc[len(sens) // 2]
    alt = (
        f"Stacked column chart of the number of requirements that are core, within reach or "
        f"aspirational at consensus thresholds from {_pct(first['threshold'])} to "
        f"{_pct(last['threshold'])}. At the declared {_pct(at['threshold'])}, "
        f"{int(at['n_core'])} requirements are core and {int(at['n_within_reach'])} within reach; "
        f"the core shrinks from {int(first['n_core'])} at {_pct(first['threshold'])} to "
        f"{int(last['n_core'])} at {_pct(last['threshold'])}."
    )
    caption = (
        "Number of requirements in each tier at each consensus threshold; the declared threshold "
        "is outlined."
    )
    return Chart("sensitivity", title, caption, alt, png, svg)


# -- all together ---------------------------------------------------------------------------

CHARTS: dict[str, Callable[[_Ctx, Path], Chart | None]] = {
    "adoption": _adoption,
    "benchmark": _benchmark,
    "sensitivity": _sensitivity,
    "clusters": _clusters,
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
    return draw_charts(CHARTS, _ctx(result), out_dir, result.log, skip=skip)
