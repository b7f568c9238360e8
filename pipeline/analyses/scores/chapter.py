"""What the scores analysis writes in the report: how answers were scored, for the
methodology (the formula in words from :func:`pipeline.score.rule_text`, the levels and
the thresholds of the coverage scale)."""

from __future__ import annotations

from pipeline.numbers import score
from pipeline.report import words as nar
from pipeline.report.context import ReportContext
from pipeline.report.document import ReportDocument
from pipeline.report.words import Words
from pipeline.score import rule_text


def method(doc: ReportDocument, ctx: ReportContext) -> None:
    """The methodology's "How answers were scored" section."""
    w, m = ctx.words, ctx.result.survey.model
    if m.scoring is None:
        return
    doc.heading("How answers were scored", 2)
    doc.paragraph(
        f"Each {w.entity}'s answers give a score from 0 to 1 per {w.dimension}: {rule_text(ctx.result.survey)}."
    )
    levels = [lv.name for lv in m.scoring.levels]
    bands = [f"'{lv.name}' from {score(lv.min)}" for lv in m.scoring.levels]
    doc.paragraph(
        f"Scores are grouped into {len(levels)} levels: {nar.join_names(bands)}. "
        + _threshold_sentence(w)
    )


def _threshold_sentence(w: Words) -> str:
    """When an entity counts as engaged and as strong, in the scale's own terms."""
    who = nar.capitalise(nar.article(w.entity))
    answers = nar.join_names([f"'{x}'" for x in w.engaged_labels], conj="or")
    if not answers:
        return f"{who} counts as engaged in {nar.article(w.dimension)} at the '{w.engaged}' level or above."
    if w.binary:
        return f"{who} counts as engaged in {nar.article(w.dimension)} when it answers {answers}."
    return (
        f"{who} counts as engaged in {nar.article(w.dimension)} when it answers {answers}, "
        f"and as strong when it answers '{w.strong}'."
    )
