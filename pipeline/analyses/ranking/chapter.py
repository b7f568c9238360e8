"""The ranking chapter (a ``ranking:`` block): the options by mean rank, how far the
entities agree, and the chart; the chapter is titled by the section that asks the question."""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.ranking.words import ranking_sentence
from pipeline.report.context import ReportContext, chart
from pipeline.report.document import ReportDocument


def ranking_chapter(doc: ReportDocument, ctx: ReportContext) -> None:
    spec, ranking = ctx.result.survey.model.ranking, ctx.table("ranking")
    if spec is None or ranking.empty:
        return
    doc.heading(ranking_topic(ctx) or "Ranking of options", 1)
    doc.paragraph(ranking_sentence(ranking, ctx.ranking_stats(), ctx.words))
    ordered = ranking.sort_values(["mean_rank", "label"])
    frame = pd.DataFrame(
        {
            "Rank": pd.array(range(1, len(ordered) + 1), dtype="Int64"),
            "Option": ordered["label"],
            "Mean rank": pd.to_numeric(ordered["mean_rank"]),
            "Median rank": pd.to_numeric(ordered["median_rank"]),
            "Answers": ordered["n"].astype("Int64"),
        }
    )
    doc.table(
        frame,
        "Options ranked by mean rank (1 = most preferred)",
        formats={"Mean rank": "rank", "Median rank": "rank"},
        weights=[1, 5, 1.5, 1.5, 1.3],
    )
    chart(doc, ctx, "ranking")


def ranking_topic(ctx: ReportContext) -> str:
    """The label of the survey section that holds the ranking question ("" when none)."""
    spec = ctx.result.survey.model.ranking
    if spec is None:
        return ""
    for section in ctx.result.survey.model.sections:
        if any(q.id == spec.question for q in section.questions):
            return section.label
    return ""


def summary(ctx: ReportContext) -> list[str]:
    """The executive summary's paragraph on the ranking: the first options, the agreement."""
    return [ranking_sentence(ctx.table("ranking"), ctx.ranking_stats(), ctx.words, ranking_topic(ctx))]
