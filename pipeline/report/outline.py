"""The outline of the draft Word report of a run: ``write_report(result, charts, path)``.

It lays out the title page, contents, executive summary and methodology, then the chapters
of the analyses the survey switches on, in the order the survey declares
(``report.chapters``, else :data:`pipeline.spec.CHAPTERS`; each chapter lives in its
analysis' folder, ``pipeline/analyses/<name>/chapter.py``), then the recommendations and
the declared annexes, with :class:`~pipeline.report.document.ReportDocument`. The summary
and the methodology take each analysis' own paragraphs (its record's ``summary`` and
``method``). Any table or chart may be missing or empty (a survey may declare fewer
analyses, a round may have no projects): the section is then left out, or says so in a
sentence. The report never grows with the number of
submissions: long tables are capped and point to the results workbook.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.analyses import chapter_writers, method_writers, report_body, summary_writers
from pipeline.analyses.base import load
from pipeline.analyses.compare.chapter import change_from_run, change_summary, write_change_chapter
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
from pipeline.spec import ANNEXES, CHAPTERS
from pipeline.tables import RunResult


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
    ]
    for summary in summary_writers(r.survey):
        paragraphs += summary(ctx)
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
    w = ctx.words
    doc.heading("Methodology", 1)
    who_was_asked(doc, ctx)
    for write in method_writers(ctx.result.survey):
        write(doc, ctx)
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


def write_report(result: RunResult, charts: list, path: Path, template: Path | None = None) -> Path:
    """Write the draft Word report of ``result`` to ``path`` and return the path.

    ``charts``: objects with ``id, title, caption, alt_text, png`` (ids used: heatmap,
    coverage, gaps, network, projects, response, ranking); a missing chart or PNG is
    skipped. ``template``: the reference .docx (default: the committed house template).

    Inside :func:`pipeline.report.chart_cache.chart_cache`, a report of the same run, charts
    and template as one written before is copied from the cache (the same bytes; see
    :mod:`pipeline.report.run_documents`).
    """
    from functools import partial

    from pipeline.report.run_documents import cached_run_document, charts_content, file_digest

    def extra() -> list[object]:
        return [charts_content(charts or []), None if template is None else file_digest(template)]

    cached_run_document("report", result, extra, Path(path), partial(_write_report, result, charts, template=template))
    return Path(path)


def _write_report(result: RunResult, charts: list, path: Path, template: Path | None = None) -> Path:
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
