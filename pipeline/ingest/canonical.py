"""The canonical wide tables of a round (one column per form field, meta columns first)
assembled from a reader's sheets: the fields read through the header map, submission
times in ISO form, missing ids filled, repeat rows tied to their submission."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from pipeline.errors import IssueLog
from pipeline.ingest.headers import (
    HeaderMap,
    RawSheet,
    check_required,
    map_headers,
    to_canonical,
    whole_number_text,
)
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey
from pipeline.tables import META_COLUMNS, REPEAT_META_COLUMNS

MAX_ROW_ISSUES = 20
MAX_LISTED_MISSING = 8  # required questions named in a wrong-survey message


def canonical_columns(survey: Survey, repeat: str | None = None) -> list[str]:
    """Column order of a canonical table: meta columns, then the fields in survey order."""
    meta = META_COLUMNS if repeat is None else REPEAT_META_COLUMNS
    return [*meta, *(f.name for f in survey.fields(repeat))]


def empty_table(survey: Survey, repeat: str | None = None) -> pd.DataFrame:
    """A canonical table with no rows."""
    return pd.DataFrame({c: pd.Series(dtype="string") for c in canonical_columns(survey, repeat)})


def read_fields(
    sheet: RawSheet,
    fields: list[FormField],
    survey: Survey,
    registry: Registry,
    log: IssueLog,
    meta_names: Iterable[str],
) -> tuple[pd.DataFrame | None, dict[str, pd.Series]]:
    """Field values (canonical, with ``_extra:`` columns) and meta columns of a sheet.

    Returns ``(None, {})`` with one error, instead of a warning per column and an error
    per row, when the sheet is not an export of this survey (no header is one of its
    questions, or fewer than half are while required ones are missing: another form, or
    labels in another language), and when a required question has no column.
    """
    scratch = IssueLog()
    hmap = map_headers(sheet, fields, survey, registry, meta_names, scratch)
    present = set(hmap.fields) | set(hmap.options)
    required = [f for f in fields if f.required and f.name not in present]
    if not present or (required and len(present) < len(fields) / 2):
        log.error(
            "file-wrong-survey",
            _foreign_message(hmap, fields, len(present), required, survey),
            **sheet.where(),
            row=sheet.header_row,
        )
        return None, {}
    log.extend(scratch.issues)
    if not check_required(sheet, hmap, fields, survey, log):
        return None, {}
    values = to_canonical(sheet, hmap, fields, survey, registry, log)
    meta = {name: whole_number_text(sheet.body[pos]) for name, pos in hmap.meta.items()}
    return values, meta


def _foreign_message(
    hmap: HeaderMap,
    fields: list[FormField],
    matched: int,
    required: list[FormField],
    survey: Survey,
) -> str:
    """Why a sheet is taken for an export of another form, and what to do about it."""
    named = list(hmap.extra.values())[:3]
    message = (
        f"{matched or 'none'} of the {len(fields)} questions of survey "
        f"'{survey.id}' ({survey.title}, form version {survey.model.form_version}) "
        f"{'has' if matched == 1 else 'have'} a column here: the headers "
        f"{'(e.g. ' + ', '.join(repr(h) for h in named) + ') ' if named else ''}are neither the form's XML names nor its "
        "labels. Is this an export of another form, or with labels in another language? "
        "Export it again from this survey's form with 'XML values and headers'"
    )
    if required:
        message += "; required questions without a column: " + "; ".join(
            f"'{f.name}' ({f.label})" for f in required[:MAX_LISTED_MISSING]
        )
        if len(required) > MAX_LISTED_MISSING:
            message += f" and {len(required) - MAX_LISTED_MISSING} more"
    return message + "; the file's rows are not read"


def first_of(meta: dict[str, pd.Series], names: Iterable[str], index: pd.Index) -> pd.Series:
    """Row-wise first non-empty value among the meta columns ``names`` (<NA> if none)."""
    out = pd.Series(pd.NA, index=index, dtype="string")
    for name in names:
        if name in meta:
            out = out.fillna(meta[name])
    return out


def iso_timestamps(values: pd.Series, sheet: RawSheet, header: str, log: IssueLog) -> pd.Series:
    """Timestamps as ISO 8601 text in UTC (``2026-03-02T10:05:33+0000``); naive times are
    UTC (as Kobo and ODK write them). Unparseable cells are kept as they are, each with a
    warning at its row (the log lists the same warning on many rows once, with the count
    and the first rows: a file re-saved by a spreadsheet program gives one warning)."""
    parsed = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
    text = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S%z").astype("string")
    bad = values.notna() & text.isna()
    for row, value in values[bad].items():  # the unreadable cells only
        log.warning(
            "timestamp-invalid",
            f"'{value}' is not a date and time as the survey tool writes it (ISO 8601, such "
            "as 2026-03-02T10:05:33): was the file opened and saved again in a spreadsheet "
            "program? Download it again from the tool; the submission counts as the oldest "
            "when the latest is chosen",
            column=header,
            row=int(row),
            **sheet.where(),
        )
    return text.fillna(values).astype("string")


def assemble_main(
    values: pd.DataFrame,
    sheet: RawSheet,
    *,
    submission_id: pd.Series,
    submitted_at: pd.Series,
    form_version: pd.Series,
    reader: str,
    survey: Survey,
    review_state: pd.Series | None = None,
) -> pd.DataFrame:
    """Meta columns + field values -> a canonical main table (index reset)."""
    index = values.index
    if review_state is None:
        review_state = pd.Series(pd.NA, index=index, dtype="string")
    meta = pd.DataFrame(
        {
            "_submission_id": submission_id,
            "_submitted_at": submitted_at,
            "_source_file": pd.Series(sheet.file, index=index, dtype="string"),
            "_source_sheet": pd.Series(sheet.sheet, index=index, dtype="string"),
            "_source_row": pd.Series(index.astype(str), index=index, dtype="string"),
            "_reader": pd.Series(reader, index=index, dtype="string"),
            "_form_version": form_version,
            "_review_state": review_state,
        },
        index=index,
    )
    return _ordered(pd.concat([meta, values], axis=1), survey, None)


def fill_missing_ids(
    ids: pd.Series, prefix: str, sheet: RawSheet, columns: str, log: IssueLog
) -> pd.Series:
    """Submission ids; rows with none get ``<prefix><file>#row<n>`` and one warning."""
    missing = ids.isna()
    if not missing.any():
        return ids.astype("string")
    row = int(missing.idxmax())
    log.warning(
        "submission-id-missing",
        f"{int(missing.sum())} row(s) have no {columns}; they are identified by file and row",
        row=row,
        **sheet.where(),
    )
    fallback = pd.Series(
        [f"{prefix}{sheet.file}#row{r}" for r in ids.index], index=ids.index, dtype="string"
    )
    return ids.fillna(fallback).astype("string")


def assemble_repeat(
    values: pd.DataFrame,
    sheet: RawSheet,
    section: str,
    parent_ids: pd.Series,
    parent_header: str,
    parent_values: pd.Series,
    survey: Survey,
    log: IssueLog,
) -> pd.DataFrame:
    """A canonical repeat table; rows whose parent is unknown are reported and dropped.

    ``parent_ids`` holds each row's parent ``_submission_id`` (<NA> when not found);
    ``parent_values`` what the file says (reported in the error).
    """
    orphan = parent_ids.isna()
    for row in list(orphan[orphan].index)[:MAX_ROW_ISSUES]:
        said = parent_values.get(row, pd.NA)
        what = f"'{said}'" if pd.notna(said) else "nothing"
        log.error(
            "repeat-orphan",
            f"this '{section}' row belongs to no submission: {parent_header} is {what}, which "
            "matches no row of the main data",
            row=int(row),
            column=parent_header,
            **sheet.where(),
        )
    if orphan.sum() > MAX_ROW_ISSUES:
        log.error(
            "repeat-orphan",
            f"... and {int(orphan.sum()) - MAX_ROW_ISSUES} more '{section}' rows that belong to "
            "no submission",
            **sheet.where(),
        )
    keep = ~orphan
    index = values.index[keep]
    meta = pd.DataFrame(
        {
            "_submission_id": parent_ids[keep].astype("string"),
            "_source_file": pd.Series(sheet.file, index=index, dtype="string"),
            "_source_sheet": pd.Series(sheet.sheet, index=index, dtype="string"),
            "_source_row": pd.Series(index.astype(str), index=index, dtype="string"),
        },
        index=index,
    )
    return _ordered(pd.concat([meta, values.loc[keep]], axis=1), survey, section)


def _ordered(frame: pd.DataFrame, survey: Survey, repeat: str | None) -> pd.DataFrame:
    columns = canonical_columns(survey, repeat)
    extras = [c for c in frame.columns if c not in columns]
    return frame.reindex(columns=[*columns, *extras]).astype("string").reset_index(drop=True)
