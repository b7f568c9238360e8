"""The outline of the draft Word report of a run: ``write_report(result, charts, path)``.

It lays out the title page, contents, executive summary and methodology, then the chapters
of the analyses the survey switches on, in the order the survey declares
(``report.chapters``, else :data:`pipeline.spec.CHAPTERS`; each chapter lives in its
analysis' folder, ``pipeline/analyses/<name>/chapter.py``), then the recommendations and
the declared annexes, with :class:`~pipeline.report.document.ReportDocument`. The summary
takes its sentences from each analysis' ``words`` module. Any table or chart may be missing or empty (a
survey may declare fewer analyses, a round may have no projects): the section is then
left out, or says so in a sentence. The report never grows with the number of
submissions: long tables are capped and point to the results workbook.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.analyses import chapter_writers, report_body
from pipeline.analyses.base import load
from pipeline.analyses.compare.chapter import change_from_run, change_summary, write_change_chapter
from pipeline.analyses.coverage.words import coverage_sentence
from pipeline.analyses.gaps.words import gaps_sentence
from pipeline.analyses.links.words import network_sentences
from pipeline.analyses.projects.chapter import projects_summary
from pipeline.analyses.ranking.chapter import ranking_topic
from pipeline.analyses.ranking.words import ranking_sentence
from pipeline.analyses.sdg import chapter as sdg_chapter
from pipeline.analyses.tallies import chapter as tallies_chapter
from pipeline.report import words as nar
from pipeline.report.annexes import write_annexes
from pipeline.report.context import (
    ReportContext,
    data_sources,
    who_was_asked,
)
from pipeline.report.document import ReportDocument
from pipeline.report.recommendations import draft, write_recommendations
from pipeline.report.words import Words
from pipeline.score import rule_text
from pipeline.spec import ANNEXES, CHAPTERS
from pipeline.tables import RunResult
from pipeline.wording import fewer_than


# -- sections --------------------------------------------------------------------------
def _title_page(doc: ReportDocument, ctx: ReportContext) -> None:
    r = ctx.result
    doc.title_page(
        r.survey.title,
        r.survey.model.subtitle,
        [f"Round {r.round}", "Draft for review", f"Generated {r.run_date}"],
    )


def _executive_summary(doc: ReportDocument, ctx: ReportContext) -> None:
    doc.heading("Executive summary", 1)
    w, r = ctx.words, ctx.result
    paragraphs = [
        w.background,
        nar.response_sentence(ctx.stats, w),
        coverage_sentence(ctx.table("coverage"), w),
        gaps_sentence(ctx.table("gaps"), w) if "gaps" in r.tables else "",
        *sdg_chapter.summary_paragraphs(ctx),
        *tallies_chapter.summary_paragraphs(ctx),
        " ".join(network_sentences(ctx.stats.get("network") or {}, w)),
    ]
    if r.survey.model.projects is not None:
        paragraphs.append(projects_summary(ctx))
    paragraphs.append(
        ranking_sentence(ctx.table("ranking"), ctx.ranking_stats(), w, ranking_topic(ctx))
    )
    change = change_from_run(r, ctx.charts, w)
    if change is not None:
        paragraphs.append(change_summary(change))
    n_recs = len(draft(ctx).main)
    if n_recs:
        paragraphs.append(
            f"The Recommendations section drafts {nar.plural(n_recs, 'action', 'actions')} "
            "from these findings, each with the reason for it."
        )
    for text in paragraphs:
        if text:
            doc.paragraph(text)
    doc.paragraph(
        "This is a draft generated from the survey data. The sentences state what the numbers "
        f"show; the interpretation and the final recommendations are for {w.decides} to make."
    )


def _methodology(doc: ReportDocument, ctx: ReportContext) -> None:
    w, m = ctx.words, ctx.result.survey.model
    doc.heading("Methodology", 1)
    who_was_asked(doc, ctx)
    if m.scoring:
        doc.heading("How answers were scored", 2)
        doc.paragraph(
            f"Each {w.entity}'s answers give a score from 0 to 1 per {w.dimension}: {rule_text(ctx.result.survey)}."
        )
        levels = [lv.name for lv in m.scoring.levels]
        bands = [f"'{lv.name}' from {lv.min:.2f}" for lv in m.scoring.levels]
        doc.paragraph(
            f"Scores are grouped into {len(levels)} levels: {nar.join_names(bands)}. "
            + _threshold_sentence(w)
        )
    if m.gaps:
        doc.heading("What makes a gap", 2)
        g = m.gaps
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
    if m.coverage:
        doc.heading("Confidence intervals", 2)
        c = m.coverage
        doc.paragraph(
            f"Mean scores come with a {c.confidence:.0%} bootstrap confidence interval: the "
            f"responding {w.entities} were resampled with replacement {c.bootstrap_resamples:,} "
            f"times (random seed {c.seed}, so every run gives the same interval). With few "
            f"{w.entities} the intervals are wide; read them as a range, not a precise value."
        )
    data_sources(doc, ctx)
    doc.heading("Limits", 2)
    doc.bullets(
        [
            f"Answers are self-reported by each {w.entity} and were not verified.",
            f"The number of {w.entities} is small, so one answer can move a mean score "
            "noticeably; differences between close scores are not meaningful.",
            f"{nar.capitalise(w.entities)} that did not answer are missing from every "
            "figure: a gap may reflect missing answers rather than missing work.",
            "Scores measure the breadth of reported engagement, not its quality or results.",
        ]
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


def write_report(result: RunResult, charts: list, path: Path, template: Path | None = None) -> Path:
    """Write the draft Word report of ``result`` to ``path`` and return the path.

    ``charts``: objects with ``id, title, caption, alt_text, png`` (ids used: heatmap,
    coverage, gaps, network, projects, response, ranking); a missing chart or PNG is
    skipped. ``template``: the reference .docx (default: the committed house template).
    """
    words = Words.from_survey(result.survey)
    acronyms = result.registry.acronyms() if result.registry is not None else {}
    ctx = ReportContext(result, words, {c.id: c for c in charts or []}, acronyms)
    doc = ReportDocument(template)
    title = result.survey.title
    doc.properties(
        title=f"{title} – round {result.round} (draft)",
        subject=result.survey.model.subtitle,
        keywords=f"DRAFT; {result.survey.id}; round {result.round}",
        date=result.run_date,
    )
    doc.footer(f"DRAFT – {title} – round {result.round} – generated {result.run_date}")
    change = change_from_run(result, ctx.charts, words)
    _title_page(doc, ctx)
    doc.toc()
    owner = report_body(result.survey)
    if owner is not None and owner.body is not None:  # e.g. a benchmark: a body of its own
        extra = (lambda: write_change_chapter(doc, change)) if change is not None else None
        load(owner.body)(doc, ctx, extra)
        return doc.save(Path(path))
    _executive_summary(doc, ctx)
    _methodology(doc, ctx)
    writers = chapter_writers(result.survey)
    for name in result.survey.model.report.chapters or CHAPTERS:
        if name in writers:
            writers[name](doc, ctx)
    write_recommendations(doc, ctx)
    write_annexes(doc, ctx, result.survey.model.report.annexes or ANNEXES)
    return doc.save(Path(path))


def report_recommendations(result: RunResult, charts: list | None = None) -> list[tuple[str, str]]:
    """The recommendations the report drafts for ``result``, in the report's order, as
    ``(lead sentence, why and how)``: for the slides, which must say what the report says."""
    words = Words.from_survey(result.survey)
    acronyms = result.registry.acronyms() if result.registry is not None else {}
    ctx = ReportContext(result, words, {c.id: c for c in charts or []}, acronyms)
    owner = report_body(result.survey)
    if owner is not None and owner.body_recommendations is not None:
        return load(owner.body_recommendations)(ctx)
    return draft(ctx).pairs
