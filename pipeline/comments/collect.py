"""`emg-pipeline comments`: reviewed copies in, ``<round>-comments/`` out.

The folder ``outputs/<survey>/<round>-comments/`` holds ``comments.xlsx`` (the table the
analyst answers in its Response and Action columns) and ``comments.docx`` (the same table
for circulating). A run of the round never touches it. Each call reads the table as the
analyst left it, adds the comments of the copies given, and replaces the folder all at
once; if the table the analyst is answering cannot be read, nothing is written.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.comments.read import ReviewedCopyError, read_reviewed_copy
from pipeline.comments.table import (
    HEADERS,
    as_sheet,
    comment_rows,
    from_sheet,
    merge_comments,
)
from pipeline.errors import Issue, PipelineError
from pipeline.locks import round_lock
from pipeline.paths import Layout, check_run_date, folder_name
from pipeline.privacy import mask_email
from pipeline.staging import staged

SHEET = "Comments"
WORKBOOK, DOCUMENT = "comments.xlsx", "comments.docx"


@dataclass
class CommentsOutcome:
    folder: Path
    table: pd.DataFrame
    added: int
    kept_responses: int


def comments_dir(layout: Layout, survey_id: str, round_id: str) -> Path:
    return layout.outputs(survey_id, folder_name(f"{round_id}-comments"))


def _previous(folder: Path) -> pd.DataFrame | None:
    """The table the analyst is answering, or None on the first call."""
    from pipeline.ingest.safe import check_file

    path = folder / WORKBOOK
    if not path.exists():
        return None
    where = f"{folder.name}/{WORKBOOK}"
    if (folder / f"~${WORKBOOK}").exists():
        raise PipelineError(
            [Issue("error", "comments-open", "the table is open in Excel; save and close it, then run again", file=where)]
        )
    problem = check_file(path, where)
    if problem is not None:
        raise PipelineError([problem])
    try:
        sheet = pd.read_excel(path, sheet_name=SHEET, dtype="string", engine="calamine")
        return from_sheet(sheet, where)
    except ValueError as exc:
        raise PipelineError(
            [
                Issue(
                    "error",
                    "comments-unreadable",
                    f"the table cannot be read back ({exc}); the responses in it would be "
                    "lost, so nothing was written. Restore the sheet 'Comments' as written",
                    file=where,
                )
            ]
        ) from exc


def _write_docx(table: pd.DataFrame, path: Path, title: str, run_date: str) -> None:
    from pipeline.report.document import ReportDocument

    doc = ReportDocument()
    doc.landscape_throughout()
    doc.properties(f"Comments received: {title}", date=run_date)
    doc.footer(f"{title}: comments and responses, {run_date}")
    doc.heading("Comments received and responses", 1, new_page=False)
    counts = table.groupby("reviewer", sort=True).size() if len(table) else pd.Series(dtype=int)
    by_reviewer = [f"{name} ({n})" for name, n in counts.items()]
    if len(by_reviewer) > 1:
        by_reviewer = [", ".join(by_reviewer[:-1]) + " and " + by_reviewer[-1]]
    doc.paragraph(
        f"{len(table)} comment(s) and suggested change(s) received on the draft"
        + (f" from {by_reviewer[0]}." if by_reviewer else ".")
        + " Each row gives the section and the text it refers to; the Response and Action "
        f"columns are filled in {WORKBOOK}, from which this table is made."
    )
    shown = table[["number", "reviewer", "section", "quoted", "kind", "text", "response", "action"]]
    doc.table(
        shown.rename(columns=HEADERS).fillna(""),
        "Comments on the draft, in the order received",
        weights=[0.4, 0.9, 1.3, 2.2, 1.0, 2.6, 2.0, 1.2],
        keep_together=False,
    )
    doc.save(path)


def collect_comments(
    layout: Layout,
    survey_id: str,
    round_id: str,
    copies: list[Path],
    *,
    run_date: str | None = None,
) -> CommentsOutcome:
    """Read ``copies`` (reviewed .docx files), merge their comments into the round's
    comment table and write the comments folder. Raises :class:`PipelineError` naming every
    copy that cannot be read; nothing is written then."""
    from pipeline.report.workbook import write_sheets
    from pipeline.rounds import open_survey

    survey, registry = open_survey(layout, survey_id)
    folder = comments_dir(layout, survey_id, round_id)
    errors: list[Issue] = []
    new: list[pd.DataFrame] = []
    for path in copies:
        shown = mask_email(path.name)
        try:
            new.append(comment_rows(read_reviewed_copy(path), path.name, registry))
        except ReviewedCopyError as exc:
            errors.append(Issue("error", "review-unreadable", f"cannot be read: {exc}", file=shown))
        except OSError as exc:
            errors.append(Issue("error", "review-unreadable", f"cannot be read: {exc.strerror}", file=shown))
    if errors:
        raise PipelineError(errors)
    run_date = check_run_date(
        run_date or os.environ.get("EMG_RUN_DATE") or dt.date.today().isoformat()
    )
    title = f"{survey.title}, round {round_id}"
    # read, merge and write under the folder's lock: two collections at once would each
    # keep only the responses the other had not yet written
    with round_lock(folder, f"the comment table of round {round_id} of {survey.id}"):
        previous = _previous(folder)
        table = merge_comments(previous, new)
        before = 0 if previous is None else len(previous)
        kept = 0
        if previous is not None:
            answered = previous[["response", "action"]].fillna("").ne("").any(axis=1)
            kept = int(answered.sum())
        with staged(folder) as (stage,):
            write_sheets(stage / WORKBOOK, {SHEET: as_sheet(table)}, run_date)
            _write_docx(table, stage / DOCUMENT, title, run_date)
    return CommentsOutcome(folder, table, len(table) - before, kept)
