"""The benchmark's clustered heat map: the entities in dendrogram order with the dendrogram
beside them and their answer to each requirement in the cells (``clusters``)."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analyses.benchmark.answers import requirement_items
from pipeline.analyses.benchmark.chart_parts import ChartCtx, group_names, pct, two_lines
from pipeline.analyses.benchmark.scale import coverage_scale
from pipeline.numbers import score
from pipeline.report import style
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save
from pipeline.report.words import capitalise


def clusters_chart(ctx: ChartCtx, out_dir: Path) -> Chart | None:
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
    items = requirement_items(ctx.survey)
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
    ax.set_xticklabels([two_lines(lab, 19) for lab in labels], rotation=90, fontsize=11,
                       linespacing=1.0)
    # groups: white separators between them, names under the columns
    groups = items.set_index("requirement").loc[order, "group"].fillna("").to_numpy()
    group_labels = group_names(ctx.survey)
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
    n_groups = int(clusters["cluster"].nunique())
    title = _finding_title(ctx, n_groups, n_rows)
    frame(fig, title, ctx.subtitle(f"{n_groups} groups; {ctx.plural} ordered by the dendrogram"),
          ctx.source(), key=key)
    png, svg = save(fig, out_dir, "clusters")

    alt = _clusters_alt(ctx, clusters, n_rows, n_cols)
    caption = (
        f"Groups of {ctx.plural} with similar answers: answers of each {ctx.noun} (rows) on each "
        f"requirement (columns), {ctx.plural} ordered by "
        f"hierarchical clustering of their answers (average linkage on a Gower distance); the "
        f"dendrogram on the left shows how alike they are, lines separate the {n_groups} groups."
    )
    return Chart("clusters", title, caption, alt, png, svg)


def _finding_title(ctx: ChartCtx, n_groups: int, n_rows: int) -> str:
    """The chart's finding: the requirement that separates the groups most, when the run
    measured it, else how many groups the entities fall into."""
    drivers = ctx.table("cluster_drivers")
    groups = f"{n_groups} group{'s' if n_groups != 1 else ''}"
    if drivers is not None and n_groups > 1 and drivers["spread"].notna().any():
        return f"{capitalise(str(drivers.iloc[0]['label']))} separates the {groups} of {ctx.plural} most"
    return f"The {n_rows} {ctx.plural} fall into {groups} by their answers"


def _clusters_alt(ctx: ChartCtx, clusters: pd.DataFrame, n_rows: int, n_cols: int) -> str:
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
            f"makes {pct(mean)} of its applicable requirements mandatory on average"
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
        values = ", ".join(score(top[c]) for c in means)
        text += (
            f" {top['label']} separates the groups most (mean score per group {values})."
        )
    return text
