"""The "Findings by dimension" chapter (a ``coverage:`` block): the heat map and coverage
charts, the coverage table, then one section per dimension item with its findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipeline.analyses.coverage.words import coverage_sentence, dimension_finding
from pipeline.numbers import count, percent, score
from pipeline.report import words as nar
from pipeline.report.context import ReportContext, chart
from pipeline.report.document import ReportDocument
from pipeline.tidy import as_text


def findings_chapter(doc: ReportDocument, ctx: ReportContext) -> None:
    coverage = ctx.table("coverage")
    w = ctx.words
    if coverage.empty:
        return
    doc.heading(f"Findings by {w.dimension}", 1)
    doc.paragraph(
        f"This section reports, for each {w.dimension}, how many {w.entities} {w.engages[1]} it, "
        f"their mean score and who leads; the section of {nar.article(w.dimension)} that is a gap "
        f"under the thresholds of the survey definition (see Methodology) says so. "
        f"{coverage_sentence(coverage, w)}"
    )
    chart(doc, ctx, "heatmap")
    chart(doc, ctx, "coverage")
    conf = ctx.result.survey.model.coverage.confidence if ctx.result.survey.model.coverage else 0.95
    ordered = coverage.copy()
    ordered["CI"] = [
        f"{score(lo)}–{score(hi)}" if pd.notna(lo) and pd.notna(hi) else ""
        for lo, hi in zip(ordered["ci_low"], ordered["ci_high"], strict=True)
    ]
    frame = pd.DataFrame(
        {
            nar.capitalise(w.dimension): ordered["label"],
            "Engaged": ordered["n_engaged"].astype("Int64"),
            **({} if w.binary else {"Strong": ordered["n_strong"].astype("Int64")}),
            "Mean score": ordered["mean_score"].astype("Float64"),
            f"{percent(conf)} CI": ordered["CI"],
            f"Lead {w.entities}": ordered["lead_entities"].fillna(""),
        }
    )
    doc.table(
        frame,
        f"Coverage and mean score by {w.dimension}",
        formats={"Mean score": "score"},
        weights=[5, 1.6, 1.6, 2.2, 4] if w.binary else [5, 1.6, 1.4, 1.6, 2.2, 4],
        align_right=[f"{percent(conf)} CI"],
        note="Engaged: answered "
        + nar.join_names([f"'{x}'" for x in w.engaged_labels or (w.engaged,)], conj="or")
        + ("." if w.binary else f"; strong: answered '{w.strong}'."),
    )
    activities = _activities(ctx)
    gaps = ctx.table("gaps")
    levels = ctx.result.survey.model.scoring.levels if ctx.result.survey.model.scoring else []
    for row in coverage.to_dict("records"):
        doc.heading(str(row["label"]), 2)
        sentences = dimension_finding(
            pd.Series(row),
            activities.get(str(row["dimension"]), []),
            gaps,
            w,
            confidence=conf,
            level=_level(levels, row.get("mean_score")),
        )
        doc.paragraph(" ".join(sentences))


def _activities(ctx: ReportContext) -> dict[str, list[tuple[str, int]]]:
    """Per dimension, the activity types reported, most frequent first: ``[(label, n)]``."""
    gaps = ctx.result.survey.model.gaps
    tidy = ctx.result.responses.tidy if ctx.result.responses is not None else None
    question = gaps.activities_question if gaps else None
    if not question or tidy is None or tidy.empty:
        return {}
    rows = as_text(tidy[tidy["question_id"] == question])
    fields = ctx.result.survey.fields_of(question)
    labels = (
        ctx.result.survey.choice_labels(fields[0].choices) if fields and fields[0].choices else {}
    )
    counts = rows.groupby(["dimension", "answer"])["entity_id"].nunique().rename("n").reset_index()
    counts = counts.sort_values(["dimension", "n", "answer"], ascending=[True, False, True])
    out: dict[str, list[tuple[str, int]]] = {}
    for dim, group in counts.groupby("dimension"):
        out[str(dim)] = [
            (labels.get(a, a), int(n)) for a, n in zip(group["answer"], group["n"], strict=True)
        ]
    return out


def _level(survey_levels: Sequence[Any], score: float | None) -> str:
    """The scoring level (name) a mean score falls in."""
    if score is None or pd.isna(score):
        return ""
    name = ""
    for level in survey_levels:
        if score >= level.min:
            name = level.name
    return name


def summary(ctx: ReportContext) -> list[str]:
    """The executive summary's paragraph on coverage: the best and least covered."""
    return [coverage_sentence(ctx.table("coverage"), ctx.words)]


def method(doc: ReportDocument, ctx: ReportContext) -> None:
    """The methodology's "Confidence intervals" section, from the ``coverage:`` block."""
    w, c = ctx.words, ctx.result.survey.model.coverage
    if c is None:
        return
    doc.heading("Confidence intervals", 2)
    doc.paragraph(
        f"Mean scores come with a {percent(c.confidence)} bootstrap confidence interval: the "
        f"responding {w.entities} were resampled with replacement {count(c.bootstrap_resamples)} "
        f"times (random seed {c.seed}, so every run gives the same interval). With few "
        f"{w.entities} the intervals are wide; read them as a range, not a precise value."
    )
