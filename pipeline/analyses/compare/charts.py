"""Charts of a round-over-round comparison, for a projector.

:func:`make_compare_charts` draws, from the tables of
:func:`pipeline.analyses.compare.compute.compare_rounds`:

- ``compare_scores``: a dumbbell per dimension, the mean score of the entities that
  answered both rounds in the earlier and the later round; changes that can be told from
  noise are highlighted and labelled with their p-value;
- ``compare_adoption``: the same for yes/no answers (share answering yes);
- ``network_change``: collaboration ties kept, new and dropped, and the entities whose ties
  changed most.

Each chart is a PNG (200 dpi) and an SVG with a title, the source and n, in the shared
style (:mod:`pipeline.report.style`: 13.33 x 7.5 in, Okabe-Ito colours, byte-identical
files for the same inputs). Alt texts are computed from the numbers. A chart whose table is
missing or empty is skipped.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.numbers import count, p_text, score, signed
from pipeline.report import style
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save, tidy_axes, wrap
from pipeline.spec import Survey

OLD_COLOUR = "#9A9A9A"  # the earlier round: grey, so the eye goes to the later one
NEW_COLOUR = style.MAIN
CHANGE_COLOUR = style.ACCENT  # a change that can be told from noise
KEPT_COLOUR = style.OKABE_ITO["blue"]
NEW_TIE_COLOUR = style.OKABE_ITO["bluish_green"]
DROPPED_COLOUR = style.OKABE_ITO["vermillion"]
NETWORK_TOP = 12  # entities shown in the "whose ties changed" panel
SOURCE_WIDTH = 125  # characters of the source line at 12 pt across the figure


@dataclass(frozen=True)
class _Context:
    """Words every comparison chart needs."""

    survey: Survey
    stats: dict[str, Any]
    round_old: str
    round_new: str
    source_note: str

    @property
    def plural(self) -> str:
        return self.survey.model.entity_plural

    @property
    def n_both(self) -> int:
        return int(self.stats.get("n_both", 0) or 0)

    def source(self, n: int, what: str, rounds: str | None = None) -> str:
        """The source line, broken in two when it would run off a 13.33 in figure."""
        rounds = rounds or f"rounds {self.round_old} and {self.round_new}"
        text = f"Source: {self.source_note}, {rounds}; n = {n} {what}"
        return "\n".join(textwrap.wrap(text, SOURCE_WIDTH)) if len(text) > SOURCE_WIDTH else text


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    table = tables.get(name)
    if table is None or not isinstance(table, pd.DataFrame) or table.empty:
        return None
    return table


# -- dumbbells -----------------------------------------------------------------------------


def _dumbbell(
    ax: Any,
    labels: list[str],
    old: np.ndarray,
    new: np.ndarray,
    highlight: np.ndarray,
    notes: list[str],
    xmax: float,
) -> None:
    """One row per item: a grey dot (earlier round), a dot (later round), the line between;
    highlighted rows in the accent colour with their note in bold."""
    y = np.arange(len(labels))
    line_colours = [CHANGE_COLOUR if h else "#C8C8C8" for h in highlight]
    new_colours = [CHANGE_COLOUR if h else NEW_COLOUR for h in highlight]
    for yi, o, n, c in zip(y, old, new, line_colours, strict=True):
        ax.plot([o, n], [yi, yi], color=c, linewidth=4, solid_capstyle="round", zorder=1)
    ax.scatter(old, y, s=170, color=OLD_COLOUR, zorder=2, edgecolor="white", linewidth=1.2)
    ax.scatter(new, y, s=210, color=new_colours, zorder=3, edgecolor="white", linewidth=1.2)
    for yi, o, n, h, note in zip(y, old, new, highlight, notes, strict=True):
        ax.annotate(
            note,
            (max(o, n), yi),
            xytext=(14, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            fontsize=style.ANNOTATION_SIZE,
            fontweight="bold" if h else "normal",
            color=CHANGE_COLOUR if h else style.SOFT_INK,
            path_effects=style.halo(),
        )
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_ylim(len(labels) - 0.4, -0.6)
    ax.set_xlim(0, xmax)
    tidy_axes(ax)


def _key(round_old: str, round_new: str, what: str) -> list[Any]:
    from matplotlib.lines import Line2D

    def dot(colour: str, label: str) -> Line2D:
        return Line2D([], [], marker="o", linestyle="", markersize=12, color=colour, label=label)

    return [
        dot(OLD_COLOUR, round_old),
        dot(NEW_COLOUR, round_new),
        Line2D([], [], color=CHANGE_COLOUR, linewidth=4, marker="o", markersize=12, label=what),
    ]


def _framed(fig: Any, ctx: Any, title: str, subtitle: str, out_dir: Path, chart_id: str) -> tuple[Path, Path]:
    """Title, subtitle, the two rounds' key and the source of a change chart; then saved."""
    key = _key(ctx.round_old, ctx.round_new, "change told from noise (p < 0.05)")
    frame(fig, title, subtitle, ctx.source(ctx.n_both, f"{ctx.plural} answering both"), key)
    return save(fig, out_dir, chart_id)


def _score_chart(ctx: _Context, tables: dict[str, pd.DataFrame], out_dir: Path) -> Chart | None:
    data = _table(tables, "score_change")
    if data is None:
        return None
    data = data[data["n_pairs"] > 0].reset_index(drop=True)
    if data.empty:
        return None
    labels = (data["label"] if "label" in data else data["dimension"]).astype(str).tolist()
    old = data["mean_old"].to_numpy(dtype=float)
    new = data["mean_new"].to_numpy(dtype=float)
    change = data["mean_change"].to_numpy(dtype=float)
    sig = data["distinguishable"].to_numpy(dtype=bool)
    notes = [
        f"{signed(c)} ({p_text(p)})" if s else signed(c)
        for c, p, s in zip(change, data["p_value"].to_numpy(dtype=float), sig, strict=True)
    ]
    dim_set = ctx.survey.model.scoring.dimension_set if ctx.survey.model.scoring else None
    spec = ctx.survey.model.dimension_sets.get(dim_set or "")
    singular, plural = (spec.label, spec.plural) if spec else ("dimension", "dimensions")

    fig, ax = new_figure(key=True)
    _dumbbell(ax, [wrap(x, 34) for x in labels], old, new, sig, notes, 1.22)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.spines["bottom"].set_bounds(0, 1)
    ax.set_xlabel("mean score (0 to 1)")
    rose = [lab for lab, s, c in zip(labels, sig, change, strict=True) if s and c > 0]
    fell = [lab for lab, s, c in zip(labels, sig, change, strict=True) if s and c < 0]
    title = _score_title(rose, fell, len(labels), plural, ctx)
    basis = (
        ""
        if ctx.stats.get("same_version", True)
        else f"; both rounds scored with the {ctx.stats.get('old_version')} rule"
    )
    subtitle = f"{ctx.n_both} {ctx.plural} that answered both rounds{basis}"
    png, svg = _framed(fig, ctx, title, subtitle, out_dir, "compare_scores")

    moved = [  # (change, in words) of the changes told from noise
        (c, f"{lab} ({score(o)} to {score(n)}, {p_text(p)})")
        for lab, o, n, p, s, c in zip(labels, old, new, data["p_value"], sig, change, strict=True)
        if s and c != 0
    ]
    rises = [words for c, words in moved if c > 0]
    falls = [words for c, words in moved if c < 0]
    rest = change[~sig]
    parts = []
    if rises:
        parts.append(f"The mean score rose in {_join(rises)}.")
    if falls:
        parts.append(f"The mean score fell in {_join(falls)}.")
    if len(rest):
        low, high = signed(rest.min()), signed(rest.max())
        span = low if low == high else f"from {low} to {high}"
        who = f"the other {len(rest)}" if sig.any() else f"all {len(rest)}"
        parts.append(f"In {who} {plural} the differences ({span}) cannot be told from noise.")
    alt = (
        f"Dumbbell chart of the mean score (0 to 1) in {len(labels)} {plural} of the "
        f"{ctx.n_both} {ctx.plural} that answered both {ctx.round_old} and {ctx.round_new}. "
        + " ".join(parts)
    )
    caption = (
        f"Mean score by {singular}, {ctx.round_old} and {ctx.round_new}, of the {ctx.plural} "
        f"that answered both rounds: grey "
        f"{ctx.round_old}, blue {ctx.round_new}; highlighted where the change can be told "
        "from noise (Wilcoxon signed-rank test, p < 0.05)."
        + (
            f" Both rounds on the {ctx.round_old} form's scale."
            if not ctx.stats.get("same_version", True)
            else ""
        )
    )
    return Chart("compare_scores", title, caption, alt, png, svg)


def _score_title(rose: list[str], fell: list[str], n: int, plural: str, ctx: _Context) -> str:
    """The comparison's finding: where the mean score rose or fell beyond noise."""
    if not rose and not fell:
        return f"No mean score changed beyond noise in the {n} {plural} since {ctx.round_old}"
    named = len(rose) + len(fell) <= 2  # two names fit one line at the title size; more are counted

    def where(items: list[str]) -> str:
        return _join(items) if named or len(items) == 1 else f"{len(items)} {plural}"

    said = [f"rose in {where(rose)}"] if rose else []
    said += [f"fell in {where(fell)}"] if fell else []
    return f"The mean score {' and '.join(said)} since {ctx.round_old}"


def _adoption_chart(ctx: _Context, tables: dict[str, pd.DataFrame], out_dir: Path) -> Chart | None:
    data = _table(tables, "adoption_change")
    if data is None:
        return None
    data = data[data["n_pairs"] > 0].reset_index(drop=True)
    if data.empty:
        return None
    n = data["n_pairs"].to_numpy(dtype=float)
    old = 100 * data["yes_old"].to_numpy(dtype=float) / n
    new = 100 * data["yes_new"].to_numpy(dtype=float) / n
    sig = data["distinguishable"].to_numpy(dtype=bool)
    labels = data["label"].astype(str).tolist()
    notes = [
        f"{int(o)} → {int(w)} of {int(k)}" + (f" ({p_text(p)})" if s else "")
        for o, w, k, p, s in zip(
            data["yes_old"], data["yes_new"], n, data["p_value"], sig, strict=True
        )
    ]
    rows = len(labels)
    width = 48 if rows <= 8 else 60
    fig, ax = new_figure(key=True)
    _dumbbell(ax, [wrap(x, width) for x in labels], old, new, sig, notes, 125)
    ax.spines["bottom"].set_bounds(0, 100)
    if rows > 10:
        ax.tick_params(axis="y", labelsize=max(style.ANNOTATION_SIZE, style.TICK_SIZE - 1))
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xticklabels(["0%", "25%", "50%", "75%", "100%"])
    ax.set_xlabel(f"share of the {ctx.plural} answering both rounds who said yes")
    n_changed = int(sig.sum())
    title = (  # the finding; what the chart shows is the caption
        f"No yes/no answer changed beyond noise since {ctx.round_old}"
        if not n_changed
        else f"{n_changed} of {rows} yes/no answers changed beyond noise since {ctx.round_old}"
    )
    subtitle = f"{ctx.n_both} {ctx.plural} that answered both rounds; n per item as labelled"
    png, svg = _framed(fig, ctx, title, subtitle, out_dir, "compare_adoption")

    changed = [
        f"'{lab}' ({int(o)} to {int(w)} of {int(k)}, {p_text(p)})"
        for lab, o, w, k, p, s in zip(
            labels, data["yes_old"], data["yes_new"], n, data["p_value"], sig, strict=True
        )
        if s
    ]
    alt = (
        f"Dumbbell chart of the share answering yes to {rows} yes/no items, for the "
        f"{ctx.n_both} {ctx.plural} that answered both {ctx.round_old} and {ctx.round_new}. "
        + (
            f"The change can be told from noise for {_join(changed)}; for the other "
            f"{rows - len(changed)} items it cannot."
            if changed
            else f"For none of the {rows} items can the difference be told from noise."
        )
    )
    caption = (
        f"Yes/no answers, {ctx.round_old} and {ctx.round_new}: share of the {ctx.plural} "
        f"answering both rounds who said yes: grey "
        f"{ctx.round_old}, blue {ctx.round_new}; highlighted where the change can be told "
        "from noise (exact McNemar test, p < 0.05)."
    )
    return Chart("compare_adoption", title, caption, alt, png, svg)


# -- network change -----------------------------------------------------------------------


def _network_chart(ctx: _Context, tables: dict[str, pd.DataFrame], out_dir: Path) -> Chart | None:
    data = _table(tables, "network_change")
    if data is None:
        return None
    counts = {s: int((data["status"] == s).sum()) for s in ("kept", "new", "dropped")}
    long = pd.concat(
        [
            data[["entity_a", "status"]].rename(columns={"entity_a": "entity"}),
            data[["entity_b", "status"]].rename(columns={"entity_b": "entity"}),
        ]
    )
    per = pd.crosstab(long["entity"], long["status"]).reindex(
        columns=["kept", "new", "dropped"], fill_value=0
    )
    acronyms: dict[str, str] = {}
    for side in ("a", "b"):
        if f"acronym_{side}" in data:
            acronyms |= dict(zip(data[f"entity_{side}"], data[f"acronym_{side}"], strict=True))
    per["moved"] = per["new"] + per["dropped"]
    per = per[per["moved"] > 0].reset_index()
    per = per.sort_values(["moved", "entity"], ascending=[False, True]).head(NETWORK_TOP)
    per = per.iloc[::-1].reset_index(drop=True)  # largest at the top

    fig, (left, right) = new_figure(2, width_ratios=[1, 1.5])
    statuses = ["kept", "new", "dropped"]
    colours = [KEPT_COLOUR, NEW_TIE_COLOUR, DROPPED_COLOUR]
    values = [counts[s] for s in statuses]
    y = np.arange(3)
    left.barh(y, values, color=colours, height=0.6)
    top = max(values) if max(values) else 1
    for yi, v in zip(y, values, strict=True):
        left.text(
            v + top * 0.03, yi, str(v), va="center", fontsize=style.LABEL_SIZE, fontweight="bold"
        )
    left.set_yticks(y)
    left.set_yticklabels(["kept", "new", "dropped"], fontsize=style.LABEL_SIZE)
    left.set_ylim(2.6, -0.6)
    left.xaxis.set_major_locator(_integer_locator())
    left.set_xlim(0, top * 1.25)
    left.set_xlabel("collaboration ties")
    left.set_title("All ties", loc="left")
    tidy_axes(left)

    if len(per):
        yy = np.arange(len(per))
        names = [acronyms.get(e, e) for e in per["entity"]]
        right.barh(yy, per["new"], color=NEW_TIE_COLOUR, height=0.65, label="new")
        right.barh(yy, -per["dropped"], color=DROPPED_COLOUR, height=0.65, label="dropped")
        span = max(int(per["new"].max()), int(per["dropped"].max()), 1)
        for yi, a, d in zip(yy, per["new"], per["dropped"], strict=True):
            if a:
                right.text(
                    a + span * 0.04, yi, f"+{a}", va="center", fontsize=style.ANNOTATION_SIZE
                )
            if d:
                right.text(
                    -d - span * 0.04,
                    yi,
                    f"−{d}",
                    va="center",
                    ha="right",
                    fontsize=style.ANNOTATION_SIZE,
                )
        right.axvline(0, color=style.INK, linewidth=0.8)
        right.set_yticks(yy)
        right.set_yticklabels(names)
        right.xaxis.set_major_locator(_integer_locator())
        right.set_xlim(-span * 1.3, span * 1.3)
        ticks = [t for t in right.get_xticks() if abs(t) <= span * 1.3]
        right.set_xticks(ticks)
        right.set_xticklabels([count(abs(float(t))) for t in ticks])
        right.set_xlim(-span * 1.3, span * 1.3)
        right.set_xlabel("← ties dropped    ties new →")
        right.set_title(f"{ctx.plural.capitalize()} whose ties changed most", loc="left")
        tidy_axes(right)
    else:
        right.axis("off")
        right.text(0.5, 0.5, "No tie changed", ha="center", va="center", fontsize=style.LABEL_SIZE)

    total_old = counts["kept"] + counts["dropped"]
    total_new = counts["kept"] + counts["new"]
    title = (  # the finding; what the chart shows is the caption
        f"Ties went from {total_old} to {total_new}: {counts['kept']} kept, {counts['new']} new, {counts['dropped']} dropped"
        if total_old != total_new
        else f"Ties stayed at {total_old}: {counts['kept']} kept, {counts['new']} new, {counts['dropped']} dropped"
    )
    subtitle = f"Ties reported between the {ctx.n_both} {ctx.plural} that answered both rounds"
    frame(fig, title, subtitle, ctx.source(ctx.n_both, f"{ctx.plural} answering both"))
    png, svg = save(fig, out_dir, "network_change")

    most = per.iloc[::-1].head(3)
    movers = _join(
        [
            f"{acronyms.get(e, e)} (+{a}, −{d})"
            for e, a, d in zip(most["entity"], most["new"], most["dropped"], strict=True)
        ]
    )
    alt = (
        f"Bar charts of the collaboration ties between the {ctx.n_both} {ctx.plural} that "
        f"answered both {ctx.round_old} and {ctx.round_new}: {total_old} ties then and "
        f"{total_new} now; {counts['kept']} kept, {counts['new']} new and {counts['dropped']} "
        f"dropped." + (f" The ties of {movers} changed most." if len(most) else "")
    )
    caption = (
        f"Collaboration ties, {ctx.round_old} and {ctx.round_new} (either entity reporting the other), between the {ctx.plural} "
        f"that answered both rounds: kept, new and dropped, and the {ctx.plural} with the "
        "most new and dropped ties."
    )
    return Chart("network_change", title, caption, alt, png, svg)


def _integer_locator() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=6, integer=True)


# -- all together ----------------------------------------------------------------------------


def make_compare_charts(
    tables: dict[str, pd.DataFrame],
    stats: dict[str, Any],
    survey: Survey,
    out_dir: Path,
    round_old: str,
    round_new: str,
    source_note: str = "",
) -> list[Chart]:
    """Draw the comparison charts the tables allow into ``out_dir``.

    In: ``tables``/``stats`` from :func:`pipeline.analyses.compare.compute.compare_rounds` (tables
    ``score_change``, ``adoption_change``, ``network_change``; stats ``n_both``,
    ``same_version``, ``old_version``, ``new_version``); the (current) survey; the two round
    ids; the source line (default: the survey's ``source_note``).
    Out: the charts drawn, in the order scores, yes/no, network.
    """
    out_dir = Path(out_dir)
    ctx = _Context(
        survey=survey,
        stats=dict(stats),
        round_old=round_old,
        round_new=round_new,
        source_note=source_note or survey.model.source_note or survey.title,
    )
    from pipeline.report.chart_cache import cached_draw
    from pipeline.report.chart_loop import styled

    drawing = _Drawing(ctx, tables)
    charts: list[Chart] = []
    for chart_id, draw in _DRAWERS.items():  # the run's and the comparison's, drawn once
        chart = cached_draw(chart_id, styled(draw), drawing, out_dir)
        if chart is not None:
            charts.append(chart)
    return charts


@dataclass(frozen=True)
class _Drawing:
    """What a comparison chart is drawn from, as one context for the chart cache
    (:func:`pipeline.report.chart_cache.cached_draw`)."""

    ctx: _Context
    tables: dict[str, pd.DataFrame]


def _draw_scores(d: _Drawing, out_dir: Path) -> Chart | None:
    return _score_chart(d.ctx, d.tables, out_dir)


def _draw_adoption(d: _Drawing, out_dir: Path) -> Chart | None:
    return _adoption_chart(d.ctx, d.tables, out_dir)


def _draw_network(d: _Drawing, out_dir: Path) -> Chart | None:
    return _network_chart(d.ctx, d.tables, out_dir)


_DRAWERS = {
    "compare_scores": _draw_scores,
    "compare_adoption": _draw_adoption,
    "network_change": _draw_network,
}


def charts_for_run(result: Any, out_dir: Path, skip: Collection[str] = ()) -> list[Chart]:
    """The comparison charts of a run that compared with its previous round (none: an empty
    list).

    In: a :class:`~pipeline.tables.RunResult` whose ``stats["comparison"]`` holds the
    comparison statistics (``old_round`` ...) when there was one.
    """
    stats = result.stats.get("comparison") or {}
    if not stats:  # no previous round (matplotlib is not even loaded)
        return []
    return make_compare_charts(
        result.tables,
        stats,
        result.survey,
        out_dir,
        str(stats.get("old_round", "")),
        result.round,
    )
