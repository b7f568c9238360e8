"""The charts of a run, drawn for IMG meetings on a projector.

"One chart function per analysis (``scores_charts``, ``coverage_charts`` ..., listed in
each analysis' record in :mod:`pipeline.analyses`) takes a :class:`~pipeline.tables.RunResult`
and writes each chart it can draw as a PNG (200 dpi) and an SVG into a folder; it returns one :class:`Chart` per chart
with the title, the caption for the report and an alt text that states the main finding,
computed from the numbers. A chart whose table is missing or empty is skipped (other
surveys declare fewer analyses; a round may have no projects).

Charts: ``heatmap`` (scores of each entity by dimension), ``coverage`` (mean score with
confidence intervals and entities engaged, by dimension), ``gaps`` (entities engaged per
dimension and per topic, coloured by gap severity), ``network`` (reported collaborations),
``projects`` (projects by dimension and region, by status), ``response`` (who responded)
and ``ranking`` (mean rank of each option, with Kendall's W).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.analyses.ranking.compute import agreement_word
from pipeline.report import style
from pipeline.report.chart_loop import draw_charts
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save, tidy_axes, wrap
from pipeline.tables import RunResult

HEATMAP_MAX_ROWS = 80  # above this many entities, the heat map shows only the top ones
HEATMAP_TOP = 60
HEATMAP_ANNOTATE_MAX = 30  # cell values are printed while rows stay >= ~12 pt high
HEATMAP_SMALL_LABELS = 40  # above this many entities, they become columns without values
HEATMAP_MAX_DIMENSION_COLUMNS = 8  # more dimensions than this: dimensions become the rows (labels fit)
NETWORK_MAX_NODES = 150
NETWORK_SEED = 20170605
MAX_CATEGORIES = 12  # entity types shown in the response chart before "Other"


# -- what every chart needs to know about the run ------------------------------------------


@dataclass
class _Run:
    """The run's words and numbers that titles, subtitles and source lines use."""

    result: RunResult
    plural: str  # "agencies"
    dim_set: str | None
    dim_singular: str  # "life-cycle stage"
    dim_plural: str  # "life-cycle stages"
    dim_labels: dict[str, str]  # dimension id -> label, in the survey's order
    n_respondents: int

    def table(self, name: str) -> pd.DataFrame | None:
        frame_ = self.result.tables.get(name)
        if frame_ is None or not isinstance(frame_, pd.DataFrame) or frame_.empty:
            return None
        return frame_

    def subtitle(self, extra: str = "") -> str:
        base = f"{self.result.survey.title}, round {self.result.round}"
        return f"{base}  ·  {extra}" if extra else base

    def source(self, n: int | None = None, what: str = "") -> str:
        note = self.result.survey.model.source_note or self.result.survey.title
        n = self.n_respondents if n is None else n
        what = what or self.plural
        return f"Source: {note}, round {self.result.round}; n = {n} {what}"


def _run_context(result: RunResult) -> _Run:
    model = result.survey.model
    dim_set = model.scoring.dimension_set if model.scoring else None
    if dim_set is None and len(model.dimension_sets) == 1:
        dim_set = next(iter(model.dimension_sets))
    if dim_set and dim_set in model.dimension_sets:
        spec = model.dimension_sets[dim_set]
        singular, plural = spec.label, spec.plural
        labels = result.survey.dimension_labels(dim_set)
    else:
        singular, plural, labels = "dimension", "dimensions", {}
    return _Run(
        result=result,
        plural=model.entity_plural,
        dim_set=dim_set,
        dim_singular=singular,
        dim_plural=plural,
        dim_labels=labels,
        n_respondents=_n_respondents(result),
    )


def _n_respondents(result: RunResult) -> int:
    n = result.stats.get("n_respondents") if isinstance(result.stats, dict) else None
    if n is not None and not pd.isna(n):
        return int(n)
    status = result.tables.get("response_status")
    if status is not None and "responded" in status:
        return int(status["responded"].fillna(False).astype(bool).sum())
    scores = result.tables.get("scores")
    if scores is not None and "entity_id" in scores:
        return int(scores["entity_id"].nunique())
    return len(result.responses.submissions)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(n: int, run: _Run) -> str:
    """'1 agency', '3 agencies'."""
    return f"{n} {run.result.survey.model.entity_noun if n == 1 else run.plural}"


def _names(items: list[str], limit: int = 3) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, C and 2 more'."""
    items = [str(i) for i in items]
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _label_of(frame_: pd.DataFrame, key_col: str, labels: dict[str, str]) -> pd.Series:
    """The ``label`` column where given, else the survey's label, else the key itself."""
    keys = frame_[key_col].astype(str)
    mapped = keys.map(labels).fillna(keys)
    if "label" in frame_:
        given = frame_["label"].astype("string")
        return given.where(given.notna() & (given.str.len() > 0), mapped).astype(str)
    return mapped.astype(str)


def _order_by(keys: pd.Series, order: list[str]) -> pd.Series:
    """Position of each key in ``order`` (unknown keys after, in their own order)."""
    pos = {k: i for i, k in enumerate(order)}
    return keys.astype(str).map(pos).fillna(len(order)).astype(int)


def _bar_labels(
    ax: Any,
    y: np.ndarray,
    values: np.ndarray,
    texts: list[str],
    pad: float,
    size: float = style.ANNOTATION_SIZE,
) -> list[Any]:
    """Write each bar's value just past its end, readable over reference lines."""
    return [
        ax.text(
            v + pad, yi, t, va="center", ha="left", fontsize=min(size, style.ANNOTATION_SIZE),
            path_effects=style.halo(), zorder=5,
        )
        for yi, v, t in zip(y, values, texts, strict=True)
    ]


# -- heat map ------------------------------------------------------------------------------


def _heatmap_matrix(run: _Run) -> pd.DataFrame | None:
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


def _heatmap(run: _Run, out_dir: Path) -> Chart | None:
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
        extra = f"top {HEATMAP_TOP} of {n_all:,} {run.plural} by total score"
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

    title = f"Scores by {run.result.survey.model.entity_noun} and {run.dim_singular}"
    frame(fig, _cap(title), run.subtitle(extra), run.source())
    png, svg = save(fig, out_dir, "heatmap")

    means = full.mean(axis=0, skipna=True)
    weakest, strongest = means.idxmin(), means.idxmax()
    top = order.iloc[0]
    label = run.dim_labels
    alt = (
        f"Heat map of the scores (0 to 1) of {n_all} {run.plural} across {full.shape[1]} "
        f"{run.dim_plural}, {run.plural} sorted by total score"
        f"{f' (top {HEATMAP_TOP} shown)' if n_all > HEATMAP_MAX_ROWS else ''}. "
        f"{top['name']} has the highest total ({top['total']:.2f} of {full.shape[1]}); "
        f"{label.get(weakest, weakest)} has the lowest mean score ({means[weakest]:.2f}) and "
        f"{label.get(strongest, strongest)} the highest ({means[strongest]:.2f})."
    )
    caption = (
        f"Score (0 to 1) of each {run.result.survey.model.entity_noun} by {run.dim_singular}, "
        f"sorted by total score" + ("; grey: no answer." if full.isna().to_numpy().any() else ".")
    )
    return Chart("heatmap", _cap(title), caption, alt, png, svg)


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
                    j + 0.5, i + 0.5, f"{v:.2f}", ha="center", va="center", fontsize=size,
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


# -- coverage ------------------------------------------------------------------------------


def _coverage_frame(run: _Run) -> pd.DataFrame | None:
    cov = run.table("coverage")
    if cov is None or not {"dimension", "n_engaged"} <= set(cov.columns):
        return None
    cov = cov.copy()
    cov["label"] = _label_of(cov, "dimension", run.dim_labels)
    cov["n_engaged"] = pd.to_numeric(cov["n_engaged"], errors="coerce").fillna(0).astype(int)
    for col in ("mean_score", "ci_low", "ci_high", "n_strong", "n_respondents"):
        if col in cov:
            cov[col] = pd.to_numeric(cov[col], errors="coerce")
    cov["_order"] = _order_by(cov["dimension"], list(run.dim_labels))
    return cov.sort_values("_order", kind="stable").reset_index(drop=True)


def _weakest(cov: pd.DataFrame) -> pd.Series:
    """The dimension with the fewest entities engaged (ties: the lower mean score)."""
    keys = ["n_engaged", "mean_score"] if "mean_score" in cov else ["n_engaged"]
    return cov.sort_values(keys, kind="stable").iloc[0]


def _min_entities(run: _Run) -> int | None:
    gaps = run.result.survey.model.gaps
    return gaps.min_entities if gaps else None


def _coverage(run: _Run, out_dir: Path) -> Chart | None:
    cov = _coverage_frame(run)
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
                    f"{m:.2f}", (end, yi), xytext=(8, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=value_size,
                )
        ax.set_xlim(-0.03, 1.03)
        ax.set_xlabel(f"mean score with {confidence:.0%} confidence interval")
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
    threshold = _min_entities(run)
    if threshold:
        key.append(
            ax.axvline(
                threshold, color=style.ACCENT, linestyle="--", linewidth=2.2,
                label=f"minimum: {threshold} {run.plural}",
            )
        )
    _bar_labels(
        ax, y, engaged, [f"{int(v)} of {n_resp}" for v in engaged], pad=max(engaged.max(), 1) * 0.015,
        size=value_size,
    )
    ax.set_xlim(0, max(engaged.max(), threshold or 0, 1) * 1.25)
    ax.set_xlabel(f"{run.plural} engaged" + (f" ({engaged_word.lower()} or more)" if engaged_word else ""))
    ax.set_title(f"{_cap(run.plural)} engaged")
    ax.xaxis.get_major_locator().set_params(integer=True)
    tidy_axes(ax)
    axes[0].set_yticks(y)
    axes[0].set_yticklabels(labels, fontsize=label_size)
    axes[0].set_ylim(len(cov) - 0.5, -0.6)

    title = f"Engagement by {run.dim_singular}"
    frame(fig, title, run.subtitle(), run.source(), key=key)
    png, svg = save(fig, out_dir, "coverage")

    weak = _weakest(cov)
    alt = (
        f"Chart of the mean score by {run.dim_singular} with {confidence:.0%} confidence intervals "
        f"and the number of {run.plural} engaged. {weak['label']} has the fewest {run.plural} "
        f"engaged ({int(weak['n_engaged'])} of {n_resp})"
    )
    if has_mean:
        best = cov.loc[cov["mean_score"].idxmax()]
        alt += f"; {best['label']} has the highest mean score ({best['mean_score']:.2f})"
    alt += "."
    caption = (
        f"Mean score and number of {run.plural} engaged by {run.dim_singular}"
        + (f"; dashed line: minimum of {threshold} {run.plural}." if threshold else ".")
    )
    return Chart("coverage", title, caption, alt, png, svg)


def _engagement_words(run: _Run) -> tuple[str, str, str]:
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


# -- gaps ----------------------------------------------------------------------------------


def _severity(gaps: pd.DataFrame | None, kind: str, keys: pd.Series) -> pd.Series:
    if gaps is None or not {"kind", "dimension", "severity"} <= set(gaps.columns):
        return pd.Series("ok", index=keys.index)
    rank = {"critical": 0, "gap": 1}
    rows = gaps.loc[gaps["kind"].astype(str) == kind, ["dimension", "severity"]].astype(str)
    rows = rows.assign(_r=rows["severity"].map(rank).fillna(2)).sort_values("_r", kind="stable")
    worst = dict(rows.drop_duplicates("dimension")[["dimension", "severity"]].itertuples(index=False))
    return keys.astype(str).map(lambda k: worst.get(k, "ok")).where(lambda s: s.isin(["critical", "gap"]), "ok")


MAX_TOPIC_BARS = 20


def _gaps(run: _Run, out_dir: Path) -> Chart | None:
    gaps = run.table("gaps")
    cov = _coverage_frame(run)
    topics = run.table("topic_coverage")
    model = run.result.survey.model
    topic_one, topic_many = model.report.topics.one, model.report.topics.many
    panels: list[tuple[str, pd.DataFrame, int | None]] = []
    panel_notes: dict[str, str] = {}
    if cov is not None:
        stage = pd.DataFrame({"key": cov["dimension"], "label": cov["label"], "n": cov["n_engaged"]})
        stage["severity"] = _severity(gaps, run.dim_set or "stage", stage["key"])
        panels.append((run.dim_singular, stage, _min_entities(run)))
    if topics is not None and {"topic", "n_entities"} <= set(topics.columns):
        labels = _topic_labels(run)
        topic = pd.DataFrame(
            {
                "key": topics["topic"],
                "label": _label_of(topics, "topic", labels),
                "n": pd.to_numeric(topics["n_entities"], errors="coerce").fillna(0).astype(int),
            }
        )
        topic = topic.sort_values(["n", "label"], ascending=[False, True], kind="stable")
        topic["severity"] = _severity(gaps, "topic", topic["key"])
        if len(topic) > MAX_TOPIC_BARS:  # long lists (SDG targets): the least covered only
            panel_notes[topic_one] = f": {MAX_TOPIC_BARS} least covered of {len(topic)}"
            topic = topic.tail(MAX_TOPIC_BARS)
        panels.append((topic_one, topic.reset_index(drop=True), model.gaps.topic_min_entities if model.gaps else None))
    if not panels:
        return None

    from matplotlib.patches import Patch

    fig, axes = new_figure(len(panels), key=True)
    axes = list(np.atleast_1d(axes))
    for ax, (word, data, threshold) in zip(axes, panels, strict=True):
        y = np.arange(len(data))
        n = data["n"].to_numpy(dtype=float)
        bars = ax.barh(y, n, color=data["severity"].map(style.SEVERITY_COLOURS).tolist(), height=0.62)
        for bar, sev in zip(bars, data["severity"], strict=True):
            if sev == "critical":
                bar.set_hatch("//")
                bar.set_edgecolor("white")
        labels, label_size = style.row_labels(data["label"].tolist())
        texts = _bar_labels(ax, y, n, [str(int(v)) for v in n], pad=max(n.max(), 1) * 0.015, size=label_size)
        for text, sev in zip(texts, data["severity"], strict=True):
            text.set_fontweight("normal" if sev == "ok" else "bold")
        if threshold:
            ax.axvline(threshold, color=style.INK, linestyle="--", linewidth=1.8)
            ax.text(  # inside the axes, above the first bar: clear of the panel title
                threshold, -0.97, f" minimum {threshold}", ha="left", va="top",
                fontsize=style.ANNOTATION_SIZE, color=style.INK,
            )
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=label_size)
        ax.set_ylim(len(data) - 0.5, -1.0)
        ax.set_xlim(0, max(n.max(), threshold or 0, 1) * 1.2)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel(f"{run.plural} engaged")
        if len(panels) > 1:
            if word in panel_notes:  # a long panel title ends at the bars' right edge
                ax.set_title(f"Per {word}{panel_notes[word]}", loc="right")
            else:
                ax.set_title(f"Per {word}")
        tidy_axes(ax)
    present = set().union(*(set(d["severity"]) for _, d, _ in panels))
    key = [
        Patch(
            facecolor=style.SEVERITY_COLOURS[s], edgecolor="white",
            hatch="//" if s == "critical" else None, label=style.SEVERITY_LABELS[s],
        )
        for s in ("critical", "gap", "ok")
        if s in present
    ]
    words = " and ".join(f"per {w}" for w, _, _ in panels)
    title = f"Gaps: {run.plural} engaged {words}"
    frame(fig, title, run.subtitle(), run.source(), key=key)
    png, svg = save(fig, out_dir, "gaps")

    findings = []
    for word, data, _ in panels:
        plural = run.dim_plural if word == run.dim_singular else topic_many
        for sev in ("critical", "gap"):
            hit = data.loc[data["severity"] == sev, "label"].tolist()
            if len(hit) == 1:
                findings.append(f"1 {word} is a {style.SEVERITY_LABELS[sev]} ({hit[0]})")
            elif hit:
                findings.append(f"{len(hit)} {plural} are {style.SEVERITY_LABELS[sev]}s ({_names(hit)})")
    first = panels[0][1]
    weak = first.sort_values("n", kind="stable").iloc[0]
    lead = (
        f"Bar charts of the number of {run.plural} engaged {words}, coloured by gap severity. "
        f"{weak['label']} has the fewest {run.plural} engaged ({int(weak['n'])} of {run.n_respondents})"
    )
    alt = lead + ("; " + "; ".join(findings) + "." if findings else "; no gap is flagged.")
    caption = (
        f"Number of {run.plural} engaged {words}; colour shows gap severity, dashed lines the "
        f"minimum number of {run.plural}."
    )
    return Chart("gaps", title, caption, alt, png, svg)


def _topic_labels(run: _Run) -> dict[str, str]:
    gaps = run.result.survey.model.gaps
    if not gaps or not gaps.topics_question:
        return {}
    fields = run.result.survey.fields_of(gaps.topics_question)
    if not fields or not fields[0].choices:
        return {}
    try:
        return run.result.survey.choice_labels(fields[0].choices)
    except KeyError:
        return {}


# -- network -------------------------------------------------------------------------------


def _network(run: _Run, out_dir: Path) -> Chart | None:
    import networkx as nx
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    edges = run.table("network_edges")
    if edges is None or not {"source", "target"} <= set(edges.columns):
        return None
    edges = edges.copy()
    edges["source"] = edges["source"].astype(str)
    edges["target"] = edges["target"].astype(str)
    recip = edges["reciprocated"] if "reciprocated" in edges else pd.Series(False, index=edges.index)
    edges["reciprocated"] = recip.fillna(False).astype(bool)
    # One line per pair: a reciprocated pair may be listed in both directions.
    pair = np.sort(edges[["source", "target"]].to_numpy(), axis=1)
    edges["a"], edges["b"] = pair[:, 0], pair[:, 1]
    edges = (
        edges.loc[edges["a"] != edges["b"]]
        .groupby(["a", "b"], as_index=False, sort=True)["reciprocated"]
        .agg(lambda s: bool(s.any()) or len(s) > 1)
    )
    nodes = run.table("network_nodes")
    acronyms = run.result.registry.acronyms()
    if nodes is not None and "entity_id" in nodes:
        nodes = nodes.copy()
        nodes["entity_id"] = nodes["entity_id"].astype(str)
        if "acronym" in nodes:
            acronyms = {**acronyms, **dict(zip(nodes["entity_id"], nodes["acronym"].astype(str), strict=True))}
    graph = nx.Graph()
    graph.add_edges_from(zip(edges["a"], edges["b"], strict=True))
    degree = dict(graph.degree())
    n_isolated = 0
    n_entities = graph.number_of_nodes()
    if nodes is not None and "entity_id" in nodes:
        n_isolated = int((~nodes["entity_id"].isin(list(graph.nodes))).sum())
        n_entities = max(n_entities, len(nodes))
    extra = f"{len(edges)} links, {int(edges['reciprocated'].sum())} reciprocated"
    if graph.number_of_nodes() > NETWORK_MAX_NODES:
        keep = sorted(graph.nodes, key=lambda n: (-degree[n], n))[:NETWORK_MAX_NODES]
        graph = graph.subgraph(keep).copy()
        extra += f"; the {NETWORK_MAX_NODES} most connected {run.plural} shown"
    if graph.number_of_nodes() == 0:
        return None
    order = sorted(graph.nodes)
    stable = nx.Graph()
    stable.add_nodes_from(order)
    stable.add_edges_from(sorted(graph.edges))
    k = 2.2 / np.sqrt(max(len(order), 1))
    pos = nx.spring_layout(stable, seed=NETWORK_SEED, k=k, iterations=200)
    xy = np.array([pos[n] for n in order])

    cluster = _clusters(nodes, order, stable)
    sizes_rank = pd.Series(cluster).value_counts(sort=False)
    cluster_order = sorted(sizes_rank.index, key=lambda c: (-sizes_rank[c], str(c)))
    palette = {c: style.CATEGORICAL[i] if i < len(style.CATEGORICAL) else style.MUTED
               for i, c in enumerate(cluster_order)}

    fig, ax = new_figure(key=True)
    shown = set(order)
    for recip_flag, colour, width, dash, z in ((False, "#9A9A9A", 1.4, (0, (4, 3)), 1), (True, "#333333", 2.4, "solid", 2)):
        sel = edges.loc[(edges["reciprocated"] == recip_flag) & edges["a"].isin(shown) & edges["b"].isin(shown)]
        segs = [[pos[a], pos[b]] for a, b in zip(sel["a"], sel["b"], strict=True)]
        if segs:
            ax.add_collection(LineCollection(segs, colors=colour, linewidths=width, linestyles=dash, zorder=z))
    deg = np.array([degree.get(n, 0) for n in order], dtype=float)
    size = 180 + 1400 * (deg / max(deg.max(), 1))
    ax.scatter(
        xy[:, 0], xy[:, 1], s=size, c=[palette[cluster[n]] for n in order],
        edgecolors="white", linewidths=1.5, zorder=3,
    )
    label_nodes = set(order) if len(order) <= 80 else set(sorted(order, key=lambda n: (-degree[n], n))[:40])
    font = style.ANNOTATION_SIZE if len(order) <= 50 else 9
    for n, (x, yy), area in zip(order, xy, size, strict=True):
        if n in label_nodes:
            ax.annotate(
                acronyms.get(n, n), (x, yy), xytext=(0, np.sqrt(area) / 2 + 1), textcoords="offset points",
                fontsize=font, fontweight="bold", ha="center", va="bottom", zorder=4,
                path_effects=style.halo(),
            )
    ax.set_xlim(xy[:, 0].min() - 0.08, xy[:, 0].max() + 0.08)
    ax.set_ylim(xy[:, 1].min() - 0.06, xy[:, 1].max() + 0.12)
    ax.set_axis_off()
    key = [
        Line2D([], [], color="#333333", linewidth=2.4, label="reciprocated (both name each other)"),
        Line2D([], [], color="#9A9A9A", linewidth=1.4, linestyle=(0, (4, 3)), label="named by one side only"),
        Line2D([], [], marker="o", linestyle="", color=style.MUTED, markersize=14, label="size = number of partners"),
    ]
    title = "Collaboration network"
    if n_isolated:
        extra += f"; {_count(n_isolated, run)} without links not shown"
    frame(fig, title, run.subtitle(extra), run.source(), key=key)
    png, svg = save(fig, out_dir, "network")

    top = sorted(degree, key=lambda n: (-degree[n], n))[0]
    alt = (
        f"Network diagram of the collaborations {run.plural} reported: {len(degree)} {run.plural} "
        f"linked by {len(edges)} links, {int(edges['reciprocated'].sum())} of them reciprocated. "
        f"{acronyms.get(top, top)} has the most partners ({degree[top]})"
        + (f"; {_count(n_isolated, run)} {'has' if n_isolated == 1 else 'have'} no link." if n_isolated else ".")
    )
    caption = (
        f"Collaborations reported by {run.plural}: solid lines are reciprocated, dashed lines named "
        f"by one side only; node size shows the number of partners, colour the cluster."
    )
    return Chart("network", title, caption, alt, png, svg)


def _clusters(nodes: pd.DataFrame | None, order: list[str], graph: Any) -> dict[str, Any]:
    """Cluster of each node: the ``cluster`` column where given, else connected components."""
    if nodes is not None and "cluster" in nodes:
        given = dict(zip(nodes["entity_id"], nodes["cluster"].astype(str), strict=True))
        if all(n in given for n in order):
            return {n: given[n] for n in order}
    import networkx as nx

    out: dict[str, Any] = {}
    comps = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    for i, comp in enumerate(comps):
        out.update(dict.fromkeys(comp, str(i)))
    return out


# -- projects ------------------------------------------------------------------------------


def _project_lists(run: _Run) -> dict[str, tuple[str, list[str], dict[str, str]]]:
    """by -> (column of the projects table, choice order, choice labels), from the survey."""
    spec = run.result.survey.model.projects
    out: dict[str, tuple[str, list[str], dict[str, str]]] = {}
    if not spec:
        return out
    for by, column, question in (("stage", "stages", spec.stages), ("region", "regions", spec.regions)):
        try:
            field_ = run.result.survey.fields_of(question)[0]
            labels = run.result.survey.choice_labels(field_.choices or "")
        except (IndexError, KeyError):
            labels = {}
        out[by] = (column, [*labels, *labels.values()], labels)
    return out


def _status_order(run: _Run, present: set[str]) -> tuple[list[str], dict[str, str]]:
    """Statuses found in the summary (names or labels) in the survey's order, and labels."""
    spec = run.result.survey.model.projects
    labels: dict[str, str] = {}
    if spec:
        try:
            field_ = run.result.survey.fields_of(spec.status)[0]
            labels = run.result.survey.choice_labels(field_.choices or "")
        except (IndexError, KeyError):
            labels = {}
    rank = {name: i for i, name in enumerate(labels)} | {lab: i for i, lab in enumerate(labels.values())}
    order = sorted(present, key=lambda s: (rank.get(s, len(rank)), s))
    return order, labels


def _project_summary(run: _Run) -> pd.DataFrame | None:
    """Long counts ``by, key, label, status, n_projects``: the table, else from ``projects``."""
    summary = run.table("project_summary")
    if summary is not None and {"by", "key", "status", "n_projects"} <= set(summary.columns):
        summary = summary.copy()
        summary["by"] = summary["by"].astype(str).str.rstrip("s")
        return summary
    projects = run.table("projects")
    if projects is None or "status" not in projects:
        return None
    parts = []
    for by, (column, _order, labels) in _project_lists(run).items():
        if column not in projects:
            continue
        values = projects[column].astype("string")
        separator = r";\s*" if values.str.contains(";", regex=False).any() else r"\s+"
        long = projects[["status"]].assign(key=values.str.strip().str.split(separator, regex=True))
        long = long.explode("key").dropna(subset=["key"])
        counts = long.groupby(["key", "status"], as_index=False).size().rename(columns={"size": "n_projects"})
        counts["by"] = by
        counts["label"] = counts["key"].map(labels).fillna(counts["key"])
        parts.append(counts)
    return pd.concat(parts, ignore_index=True) if parts else None


def _projects(run: _Run, out_dir: Path) -> Chart | None:
    summary = _project_summary(run)
    if summary is None:
        return None
    summary["status"] = summary["status"].astype(str)
    summary["key"] = summary["key"].astype(str)
    summary["n_projects"] = pd.to_numeric(summary["n_projects"], errors="coerce").fillna(0)
    lists = _project_lists(run)
    bys = [b for b in ("stage", "region") if b in set(summary["by"])]
    bys += [b for b in dict.fromkeys(summary["by"]) if b not in bys and b not in {"status", "total", "all"}]
    bys = bys[:2]
    if not bys:
        return None
    statuses, status_labels = _status_order(run, set(summary["status"]))
    colours = {s: style.CATEGORICAL[i % len(style.CATEGORICAL)] for i, s in enumerate(statuses)}

    fig, axes = new_figure(len(bys), key=True)
    axes = list(np.atleast_1d(axes))
    findings: list[str] = []
    for ax, by in zip(axes, bys, strict=True):
        part = summary.loc[summary["by"] == by]
        _col, order, labels = lists.get(by, ("", [], {}))
        if "label" in part:
            labels = {**labels, **dict(zip(part["key"], part["label"].astype(str), strict=False))}
        table = part.pivot_table(index="key", columns="status", values="n_projects", aggfunc="sum", fill_value=0)
        table = table.reindex(columns=[s for s in statuses if s in table.columns])
        keys = [k for k in order if k in table.index] + sorted(k for k in table.index if k not in order)
        if by != "stage":
            keys = sorted(keys, key=lambda k: (-table.loc[k].sum(), keys.index(k)))
        table = table.loc[keys]
        y = np.arange(len(table))
        left = np.zeros(len(table))
        for status in table.columns:
            vals = table[status].to_numpy(dtype=float)
            ax.barh(y, vals, left=left, height=0.62, color=colours[status], label=status_labels.get(status, status))
            left += vals
        names, label_size = style.row_labels([labels.get(k, k) for k in table.index], 24)
        _bar_labels(ax, y, left, [str(int(v)) for v in left], pad=max(left.max(), 1) * 0.015, size=label_size)
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=label_size)
        ax.set_ylim(len(table) - 0.5, -0.6)
        ax.set_xlim(0, max(left.max(), 1) * 1.15)
        ax.xaxis.get_major_locator().set_params(integer=True)
        word = run.dim_singular if by == "stage" else by
        ax.set_title(f"By {word}")
        ax.set_xlabel("projects")
        tidy_axes(ax)
        totals = pd.Series(left, index=table.index)
        most, least = totals.idxmax(), totals.idxmin()
        findings.append(
            f"by {word}, the most projects are in {labels.get(most, most)} ({int(totals[most])}) "
            f"and the fewest in {labels.get(least, least)} ({int(totals[least])})"
        )
    key = axes[0].get_legend_handles_labels()[0]
    projects = run.table("projects")
    extra = ""
    n_projects = len(projects) if projects is not None else None
    n_desk = (
        int(projects["source"].astype("string").eq("desk").fillna(False).sum())
        if projects is not None and "source" in projects.columns
        else 0
    )
    if n_projects is not None:
        extra = f"{n_projects} projects reported"
        if n_desk:  # a desk mapping beside the survey (pipeline.desk): say which is which
            extra = f"{n_projects - n_desk} projects from the survey, {n_desk} from desk research"
        if "budget_usd" in projects:
            budget = pd.to_numeric(projects["budget_usd"], errors="coerce").sum()
            if budget > 0:
                extra += f", total budget USD {_money(budget)}"
    words = " and ".join(run.dim_singular if b == "stage" else b for b in bys)
    title = f"Projects by {words}"
    frame(fig, title, run.subtitle(extra), run.source(), key=key)
    png, svg = save(fig, out_dir, "projects")

    counted = f"the {n_projects} reported projects" if n_projects is not None else "reported projects"
    if n_desk and n_projects is not None:
        counted = (
            f"the {n_projects} projects ({n_projects - n_desk} reported in the survey, "
            f"{n_desk} found by desk research)"
        )
    alt = (
        f"Stacked bar charts of {counted} by {words}, split by status. "
        + _cap("; ".join(findings)) + "."
    )
    caption = (
        f"Projects by {words}, split by status; a project listed under several counts once in each."
    )
    if n_desk:
        caption += (
            f" {n_desk} of the {n_projects} come from desk research (status not stated); the "
            "others were reported in the survey."
        )
    return Chart("projects", title, caption, alt, png, svg)


def _money(value: float) -> str:
    if value >= 1e9:
        return f"{value / 1e9:.1f} billion"
    if value >= 1e6:
        return f"{value / 1e6:.1f} million"
    return f"{value:,.0f}"


# -- response ------------------------------------------------------------------------------


def _response(run: _Run, out_dir: Path) -> Chart | None:
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
    _bar_labels(
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
    extra = f"response rate {rate:.0%} ({n_resp} of {n_invited} {run.plural})"
    title = f"Who responded, by type of {run.result.survey.model.entity_noun}"
    frame(fig, title, run.subtitle(extra), run.source(n_invited, f"{run.plural} invited"), key=key)
    png, svg = save(fig, out_dir, "response")

    share = counts["responded"] / counts["invited"]
    best = share.sort_values(ascending=False, kind="stable").index[0]
    alt = (
        f"Bar chart of the {run.plural} that responded and did not respond, by type. "
        f"{n_resp} of {n_invited} {run.plural} responded ({rate:.0%}); {best} had the highest "
        f"response ({int(counts.loc[best, 'responded'])} of {int(counts.loc[best, 'invited'])})."
    )
    caption = f"{_cap(run.plural)} invited and responding, by type ({rate:.0%} responded)."
    return Chart("response", title, caption, alt, png, svg)


# -- ranking -------------------------------------------------------------------------------


def _ranking_stats(run: _Run) -> dict[str, Any]:
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


def _ranking(run: _Run, out_dir: Path) -> Chart | None:
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
    data["label"] = _label_of(data, "option", labels)
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
            f"{m:.1f}", (m, yi), xytext=(13, 0), textcoords="offset points", va="center",
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
    if w is not None:
        extra = f"Kendall's W = {w:.2f} ({_agreement(w, stats)} agreement"
        n_raters = stats.get("n_raters")
        if n_raters is not None and not pd.isna(n_raters):
            extra += f" among {int(n_raters)} {run.plural}"
        p = stats.get("p_value")
        if p is not None and not pd.isna(p):
            extra += f", p {'< 0.001' if float(p) < 0.001 else f'= {float(p):.3f}'}"
        extra += ")"
    n = stats.get("n_raters")
    n = int(n) if n is not None and not pd.isna(n) else (int(data["n"].max()) if "n" in data else None)
    title = f"{_cap(topic)}: preferred options"
    frame(fig, title, run.subtitle(extra), run.source(n))
    png, svg = save(fig, out_dir, "ranking")

    best, worst = data.iloc[0], data.iloc[-1]
    alt = (
        f"Dot chart of the mean rank given to each of {len(data)} options (1 = most preferred). "
        f"{best['label']} is preferred most (mean rank {best['mean_rank']:.1f}) and "
        f"{worst['label']} least ({worst['mean_rank']:.1f})"
        + (f"; Kendall's W = {w:.2f} shows {_agreement(w, stats)} agreement." if w is not None else ".")
    )
    caption = "Mean rank of each option (1 = most preferred), best first."
    return Chart("ranking", title, caption, alt, png, svg)


# -- all together --------------------------------------------------------------------------

CHARTS: dict[str, Callable[[_Run, Path], Chart | None]] = {
    "heatmap": _heatmap,
    "coverage": _coverage,
    "gaps": _gaps,
    "network": _network,
    "projects": _projects,
    "response": _response,
    "ranking": _ranking,
}


def _drawer(*ids: str) -> Callable[[RunResult, Path, Collection[str]], list[Chart]]:
    """The chart function of one analysis: draws the charts ``ids`` of :data:`CHARTS`."""

    def draw(result: RunResult, out_dir: Path, skip: Collection[str] = ()) -> list[Chart]:
        wanted = {i: CHARTS[i] for i in ids if i not in skip}
        if not wanted:
            return []
        return draw_charts(wanted, _run_context(result), Path(out_dir), result.log)

    return draw


scores_charts = _drawer("heatmap")
coverage_charts = _drawer("coverage")
gaps_charts = _drawer("gaps")
links_charts = _drawer("network")
projects_charts = _drawer("projects")
response_charts = _drawer("response")
ranking_charts = _drawer("ranking")
