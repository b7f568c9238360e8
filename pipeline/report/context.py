"""The report kit every chapter writer shares, blind to any survey: the report context
(the run, the survey's words, its charts and acronyms), figures, capped tables, and the
methodology's "Who was asked" and "Data sources" sections."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.report import words as nar
from pipeline.report.document import ReportDocument, clean_text
from pipeline.report.words import Words
from pipeline.report.workbook import sheet_for
from pipeline.tables import RunResult

WORKBOOK = "results.xlsx"
MAX_FILE_ROWS = 30


@dataclass
class ReportContext:
    """What every section needs: the run, the survey's words, charts and acronyms."""

    result: RunResult
    words: Words
    charts: dict[str, Any]
    acronyms: dict[str, str]

    def table(self, name: str) -> pd.DataFrame:
        """A table of the run, or an empty frame when the run did not compute it."""
        frame = self.result.tables.get(name)
        return frame if isinstance(frame, pd.DataFrame) else pd.DataFrame()

    def acr(self, entity_id: object) -> str:
        return self.acronyms.get(str(entity_id), clean_text(entity_id, True))

    @property
    def stats(self) -> dict[str, Any]:
        return self.result.stats or {}

    def ranking_stats(self) -> dict[str, Any]:
        stats = dict(self.stats.get("ranking") or {})
        extra = self.table("ranking_stats")
        if not stats and not extra.empty:
            stats = extra.iloc[0].to_dict()
        return stats


def chart(doc: ReportDocument, ctx: ReportContext, chart_id: str) -> None:
    chart = ctx.charts.get(chart_id)
    if chart is None:
        return
    doc.figure(
        Path(chart.png),
        caption=getattr(chart, "caption", "") or getattr(chart, "title", chart_id),
        alt_text=getattr(chart, "alt_text", "") or getattr(chart, "title", ""),
        title=getattr(chart, "title", ""),
    )


def capped(
    frame: pd.DataFrame,
    limit: int,
    what: str,
    *,
    table: str | None = None,
    where: str | None = None,
    by: str | None = None,
) -> tuple[pd.DataFrame, str | None]:
    """The first ``limit`` rows and, when rows were left out, a note saying how many and
    where all of them are: the sheet of ``results.xlsx`` holding the run's ``table``
    (:func:`~pipeline.report.workbook.sheet_for`), or ``where`` for a table kept elsewhere.
    ``by`` says what the rows are sorted by ("largest budget first"): sort ``frame`` by
    what matters before cutting it."""
    if len(frame) <= limit:
        return frame, None
    place = where or WORKBOOK + (f", sheet '{sheet_for(table)}'" if table else "")
    order = f" ({by})" if by else ""
    return frame.head(limit), (
        f"The first {limit} of {len(frame)} {what}{order} are shown; all {len(frame)} are in {place}."
    )


def who_was_asked(doc: ReportDocument, ctx: ReportContext) -> None:
    """The methodology's "Who was asked" section: response, who did not answer, the source
    and the response chart."""
    w, m = ctx.words, ctx.result.survey.model
    doc.heading("Who was asked", 2)
    doc.paragraph(nar.response_sentence(ctx.stats, w))
    status = ctx.table("response_status")
    if not status.empty and "responded" in status:
        missing = sorted(status.loc[~status["responded"].astype(bool), "acronym"].astype(str))
        if missing:
            doc.paragraph(
                f"Did not answer: {nar.join_names(missing, limit=20)}. The annex “Respondents and "
                f"non-respondents” lists every "
                f"{w.entity} invited, with the date and source of its answer."
            )
    if m.source_note:
        doc.paragraph(f"Source: {m.source_note}.")
    review = nar.review_sentence(
        list(m.review.set_aside), list(m.review.warn), int(ctx.stats.get("submissions_set_aside", 0))
    )
    if review:
        doc.paragraph(review)
    chart(doc, ctx, "response")


def data_sources(doc: ReportDocument, ctx: ReportContext) -> None:
    files = ctx.result.files
    doc.heading("Data sources", 2)
    if not files:
        doc.paragraph("No input files are recorded for this run.")
        return
    frame = pd.DataFrame(
        {
            "File": [f.path for f in files],
            "Read by": [f.reader or "(no reader)" for f in files],
            "Rows": pd.array([f.rows for f in files], dtype="Int64"),
        }
    )
    frame, note = capped(frame, MAX_FILE_ROWS, "input files", where="the run's manifest.json")
    doc.paragraph(
        f"The run read {nar.plural(len(files), 'file', 'files')} of round {ctx.result.round}. "
        "Input files are never changed; their hashes are in the run's manifest."
    )
    doc.table(frame, "Input files and the reader that read them", weights=[6, 2, 1], note=note)
