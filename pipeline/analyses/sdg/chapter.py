"""The SDG analysis' chapters: who contributes in each area, and the contributions to the
environment-related SDG targets.

Each writer takes the report's document and context (see
:mod:`pipeline.report.outline`) and writes its chapter only when the run has the
tables it needs (:mod:`pipeline.analyses.sdg.compute`):

- :func:`write_contributors`: the entities contributing in each area, by level of
  involvement (table ``contributors``);
- :func:`write_sdg_chapter`: contributions to the environment-related SDG targets, with
  the entity x goal heat map, a table per goal and per target, and the targets no entity
  reports (``sdg_matrix``, ``sdg_targets``, ``sdg_unreported``);
- :func:`summary_paragraphs`: sentences for the executive summary.

Every word that belongs to one survey comes from its ``survey.yaml`` (``report:``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.report import words as nar
from pipeline.report.document import ReportDocument


def _chart(doc: ReportDocument, ctx: Any, chart_id: str) -> None:
    chart = ctx.charts.get(chart_id)
    if chart is None:
        return
    doc.figure(Path(chart.png), caption=chart.caption, alt_text=chart.alt_text, title=chart.title)


def _n_respondents(ctx: Any) -> int:
    return int(ctx.stats.get("n_respondents") or 0)


# -- executive summary ---------------------------------------------------------------------


def summary_paragraphs(ctx: Any) -> list[str]:
    """Executive-summary sentences on the SDG targets."""
    out = []
    targets = ctx.table("sdg_targets")
    w = ctx.words
    if not targets.empty:
        n = len(targets)
        reported = int((targets["n_entities"] > 0).sum())
        none = targets[targets["n_entities"] == 0]
        text = (
            f"The {w.entities} report contributing to {reported} of the {n} environment-related "
            f"SDG targets listed."
        )
        gaps = ctx.result.survey.model.gaps
        if len(none) and gaps is not None and gaps.topics_question == _sdg_question(ctx):
            text += f" No {w.entity} reports the other {len(none)}: they are among the gaps above."
        elif len(none):
            text += (
                f" {nar.plural(len(none), 'target is', 'targets are')} reported by no "
                f"{w.entity}: {nar.join_names(_target_numbers(none), limit=12)}."
            )
        out.append(text)
    return out


def _sdg_question(ctx: Any) -> str | None:
    from pipeline.analyses.sdg.compute import sdg_question

    try:
        return sdg_question(ctx.result.survey).question
    except ValueError:
        return None


def _target_numbers(targets: pd.DataFrame) -> list[str]:
    """ "7.2" for "7.2 Share of renewable energy"."""
    return [str(label).split(" ", 1)[0] for label in targets["label"]]


# -- contributions by area -----------------------------------------------------------------


def write_contributors(doc: ReportDocument, ctx: Any) -> None:
    """The entities at each level of involvement in each area (table ``contributors``)."""
    table = ctx.table("contributors")
    if table.empty:
        return
    w = ctx.words
    levels = list(dict.fromkeys(table["level_label"].astype(str)))
    doc.heading(f"{nar.capitalise(w.entities)} contributing in each {w.dimension}", 1)
    intro = (
        f"Who contributes in each {w.dimension}, by the involvement each {w.entity} reports "
        f"({nar.join_names([nar.inline(x) for x in levels])}). Names are in alphabetical order."
    )
    if len(levels) > 1:
        intro += (
            f" The {w.entities} answering '{nar.inline(levels[0])}' carry the {w.dimension} "
            "in the UN system."
        )
    doc.paragraph(intro)
    wide = table.pivot_table(
        index=["dimension", "label"],
        columns="level_label",
        values="entities",
        aggfunc="first",
        sort=False,
    ).reindex(columns=levels)
    counts = table.pivot_table(
        index="dimension", columns="level_label", values="n_entities", aggfunc="first", sort=False
    ).reindex(columns=levels)
    frame = pd.DataFrame({nar.capitalise(w.dimension): wide.index.get_level_values("label")})
    for i, level in enumerate(levels):
        n = counts[level].to_numpy()
        names = wide[level].fillna("").to_numpy()
        if i < 2 or len(levels) <= 2:  # the strongest levels by name, the others counted
            frame[level] = [f"{t} ({k})" if t else "none" for t, k in zip(names, n, strict=True)]
        else:
            frame[f"{level} (number)"] = pd.array(n, dtype="Int64")
    doc.table(
        frame,
        f"{nar.capitalise(w.entities)} contributing in each {w.dimension}, by involvement",
        weights=[3] + [6] * min(2, len(levels)) + [1.4] * max(0, len(levels) - 2),
        note=f"In brackets: the number of {w.entities}. The full lists are in the workbook "
        "(sheet Contributors).",
    )


# -- SDG targets ----------------------------------------------------------------------------


def write_sdg_chapter(doc: ReportDocument, ctx: Any) -> None:
    """Contributions to the environment-related SDG targets, by goal and by target."""
    targets = ctx.table("sdg_targets")
    if targets.empty:
        return
    w = ctx.words
    n_resp = _n_respondents(ctx)
    doc.heading("Contributions to the SDG targets", 1)
    reported = targets[targets["n_entities"] > 0]
    by_goal = (
        targets.assign(reported=targets["n_entities"] > 0)
        .groupby(["goal", "goal_label"], sort=False)
        .agg(n_targets=("target", "size"), n_reported=("reported", "sum"))
        .reset_index()
    )
    matrix = ctx.table("sdg_matrix")
    reach: dict[str, int] = {}
    if not matrix.empty:
        body = matrix.set_index("entity") if "entity" in matrix.columns else matrix
        reach = {str(k): int(v) for k, v in (body > 0).sum(axis=0).items()}
    by_goal["n_entities"] = by_goal["goal"].map(reach).fillna(0).astype("int64")
    best = by_goal.sort_values(["n_entities", "goal_label"], ascending=[False, True]).iloc[0]
    least = by_goal.sort_values(["n_entities", "goal_label"], ascending=[True, True]).iloc[0]
    doc.paragraph(
        f"Each {w.entity} chose the environment-related SDG targets its programmes or normative "
        f"work are designed to advance, from a list of {len(targets)} targets under "
        f"{len(by_goal)} goals. Together the {n_resp} responding {w.entities} report "
        f"contributing to {len(reported)} of the {len(targets)} targets. "
        f"{best['goal_label']} is reached by the most {w.entities} ({best['n_entities']}); "
        + (
            f"no {w.entity} reports a target of {least['goal_label']}."
            if least["n_entities"] == 0
            else f"{least['goal_label']} by the fewest ({least['n_entities']})."
        )
    )
    _chart(doc, ctx, "sdg_heatmap")
    frame = pd.DataFrame(
        {
            "Goal": by_goal["goal_label"],
            "Targets listed": by_goal["n_targets"].astype("Int64"),
            "Targets reported": by_goal["n_reported"].astype("Int64"),
            nar.capitalise(w.entities): by_goal["n_entities"].astype("Int64"),
        }
    )
    doc.table(
        frame,
        "Environment-related SDG targets by goal: targets listed, targets some entity reports, "
        f"{w.entities} contributing",
        weights=[6, 1.6, 1.6, 1.6],
        note=f"{nar.capitalise(w.entities)}: those reporting at least one target of the goal.",
    )
    doc.heading(f"{nar.capitalise(w.entities)} contributing to each target", 2)
    per_target = pd.DataFrame(
        {
            "Target": targets["label"],
            nar.capitalise(w.entities): targets["n_entities"].astype("Int64"),
            f"Which {w.entities}": targets["entities"].fillna("").replace("", "–"),
        }
    )
    doc.table(
        per_target,
        f"Environment-related SDG targets and the {w.entities} contributing to each",
        weights=[5, 1.3, 6],
    )
    _unreported(doc, ctx, targets)


def _unreported(doc: ReportDocument, ctx: Any, targets: pd.DataFrame) -> None:
    w = ctx.words
    none = ctx.table("sdg_unreported")
    if none.empty and "n_entities" in targets:
        none = targets[targets["n_entities"] == 0]
    doc.heading("Targets no entity reports", 2)
    if none.empty:
        doc.paragraph(f"Every target on the list is reported by at least one {w.entity}.")
        return
    doc.paragraph(
        f"No responding {w.entity} reports contributing to these "
        f"{nar.plural(len(none), 'target', 'targets')}. A target missing here may be served by "
        f"{w.entities} that did not answer, or by work the {w.entities} did not count as "
        "designed for it; each is worth a check before it is called a gap of the UN system."
    )
    doc.bullets([(str(r["label"]), f"({r['goal_label']})") for _, r in none.iterrows()])
