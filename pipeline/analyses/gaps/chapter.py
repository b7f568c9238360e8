"""The "Gaps" chapter (a ``gaps:`` block): the gaps with the evidence for each, the gaps
chart, and the topics with the entities that work on them."""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.gaps.words import dimension_gaps, gaps_sentence, kind_words
from pipeline.report import words as nar
from pipeline.report.context import ReportContext, chart
from pipeline.report.document import ReportDocument
from pipeline.report.words import Words
from pipeline.wording import fewer_than


def gaps_chapter(doc: ReportDocument, ctx: ReportContext) -> None:
    if "gaps" not in ctx.result.tables:
        return
    gaps = ctx.table("gaps")
    w = ctx.words
    doc.heading("Gaps", 1)
    doc.paragraph(gaps_sentence(gaps, w))
    if not gaps.empty:
        _gap_table(doc, gaps, w)
    chart(doc, ctx, "gaps")
    _topics(doc, ctx)


def _gap_table(doc: ReportDocument, gaps: pd.DataFrame, w: Words) -> None:
    kind_order = {"topic": 1, "activity": 2}
    order = gaps["kind"].map(kind_order).fillna(3).mask(dimension_gaps(gaps, w), 0)
    gaps = gaps.assign(_s=gaps["severity"].ne("critical"), _k=order).sort_values(
        ["_s", "_k", "label"]
    )
    kinds = {k: nar.capitalise(kind_words(k, w)[0]) for k in gaps["kind"].unique()}
    frame = pd.DataFrame(
        {
            "Severity": gaps["severity"].map(nar.capitalise),
            "Type": gaps["kind"].map(kinds),
            "Area": gaps["label"],
            "Reason": gaps["reason"],
            "Evidence": gaps["evidence"],
        }
    )
    doc.table(frame, "Gaps and the evidence for each", weights=[1.4, 1.8, 3.2, 4, 5])


def _topics(doc: ReportDocument, ctx: ReportContext) -> None:
    topics, w = ctx.table("topic_coverage"), ctx.words
    if topics.empty or "sdg_targets" in ctx.result.tables:  # the SDG chapter lists them
        return
    topics = topics.sort_values(["n_entities", "label"], ascending=[False, True])
    frame = pd.DataFrame(
        {
            nar.capitalise(w.topic[0]): topics["label"],
            nar.capitalise(w.entities): topics["n_entities"].astype("Int64"),
            f"Which {w.entities}": topics["entities"].fillna(""),
        }
    )
    doc.table(
        frame,
        f"{nar.capitalise(w.topic[1])} and the {w.entities} that {w.topic_verb[1]} them",
        weights=[4, 1.4, 6],
    )


def summary(ctx: ReportContext) -> list[str]:
    """The executive summary's paragraph on gaps."""
    if "gaps" not in ctx.result.tables:
        return []
    return [gaps_sentence(ctx.table("gaps"), ctx.words)]


def method(doc: ReportDocument, ctx: ReportContext) -> None:
    """The methodology's "What makes a gap" section, from the ``gaps:`` block's thresholds."""
    w, g = ctx.words, ctx.result.survey.model.gaps
    if g is None:
        return
    doc.heading("What makes a gap", 2)
    text = (
        f"{nar.capitalise(nar.article(w.dimension))} is flagged as a gap when "
        f"{fewer_than(g.min_entities, w.entity, w.entities, w.engages)} it {w.at_engaged}"
    )
    if g.require_strong and not w.binary:
        text += (
            f", or when no {w.entity} answers '{w.strong}'; the gap is critical "
            f"when both hold or when no {w.entity} is engaged at all"
        )
    elif g.min_entities > 1:
        text += f"; it is critical when no {w.entity} is engaged at all"
    text += "."
    if g.topics_question:
        text += (
            f" {nar.capitalise(nar.article(w.topic[0]))} is flagged when "
            f"{fewer_than(g.topic_min_entities, w.entity, w.entities, w.topic_verb)} it"
            + (" (critical when none does)." if g.topic_min_entities > 1 else ".")
        )
    if g.activities_question:
        text += (
            f" In each {w.dimension}, {nar.article(w.activity[0])} that none of the engaged "
            f"{w.entities} {w.activity_verb[0]} is flagged too."
        )
    doc.paragraph(text + " Each gap is listed with the evidence that made it one.")
