"""KoboToolbox exports: ``kobo-xlsx`` and ``kobo-csv``.

An XLSX export has the submissions on its first sheet (one row each, with Kobo's meta
columns ``_id``, ``_uuid``, ``_submission_time``, ``_index``, ``__version__`` ...) and one
sheet per repeat group, named after the repeat (``projects``), whose rows point to their
submission by ``_parent_index`` (= the main sheet's ``_index``). A CSV export holds the
submissions only (``;`` or ``,`` delimited). Headers may be XML names with group paths or
labels; :mod:`pipeline.ingest.headers` maps them to fields.

``_submission_id`` is ``kobo:<_uuid>`` (``kobo:<_id>`` when there is no uuid).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import IssueLog
from pipeline.form_names import FORM_VERSION_FIELD
from pipeline.ingest.canonical import (
    assemble_main,
    assemble_repeat,
    empty_table,
    fill_missing_ids,
    first_of,
    iso_timestamps,
    read_fields,
)
from pipeline.ingest.detect import (
    ReaderSpec,
    ReadResult,
    csv_header,
    load_csv,
    load_workbook,
    workbook_headers,
)
from pipeline.ingest.headers import KOBO_META, RawSheet, normalise_text
from pipeline.registry import Registry
from pipeline.spec import Survey

XLSX_NAME = "kobo-xlsx"
CSV_NAME = "kobo-csv"
MARKERS = frozenset({"_uuid", "_submission_time"})
ID_PREFIX = "kobo:"
VERSION_COLUMNS = ("__version__", "_version_")
SHEET_NAME_LIMIT = 31  # Excel truncates sheet names; Kobo names repeat sheets after the repeat


def can_read_xlsx(path: Path) -> bool:
    """True for an .xlsx whose main sheet has Kobo's meta columns (_uuid, _submission_time)."""
    heads = workbook_headers(path)
    return bool(heads) and any(MARKERS & set(h) for h in heads.values())


def can_read_csv(path: Path) -> bool:
    """True for a CSV whose header has Kobo's meta columns (_uuid, _submission_time)."""
    header = csv_header(path)
    return bool(header) and bool(MARKERS & set(header or []))


def read_xlsx(
    path: Path, rel: str, survey: Survey, registry: Registry, log: IssueLog
) -> ReadResult:
    """A Kobo XLSX export -> canonical (main, repeats); problems go to ``log``."""
    repeats: dict[str, pd.DataFrame] = {}
    sheets = load_workbook(path, rel, log)
    if not sheets:
        return empty_table(survey), repeats
    main_name = _main_sheet(sheets)
    main, meta = _read_main(sheets[main_name], XLSX_NAME, survey, registry, log)
    for name, sheet in sheets.items():
        if name == main_name:
            continue
        section = _section_of(name, survey)
        if section is None:
            if sheet.headers:
                log.warning(
                    "sheet-ignored",
                    f"the sheet '{name}' is neither the submissions nor a repeat of survey "
                    f"'{survey.id}' ({', '.join(survey.repeat_sections) or 'none'}); it is not read",
                    file=rel,
                    sheet=name,
                )
            continue
        repeats[section] = empty_table(survey, section)
        if main is not None and sheet.headers:
            repeats[section] = _read_repeat(sheet, section, main, meta, survey, registry, log)
    # a repeat without a sheet is left out of ``repeats``: read_round reports it
    return (main if main is not None else empty_table(survey)), repeats


def read_csv(path: Path, rel: str, survey: Survey, registry: Registry, log: IssueLog) -> ReadResult:
    """A Kobo CSV export (submissions only: Kobo CSVs hold no repeat rows, so ``repeats``
    is empty and read_round reports the missing repeat data)."""
    repeats: dict[str, pd.DataFrame] = {}
    sheet = load_csv(path, rel, log)
    if sheet is None:
        return empty_table(survey), repeats
    main, _ = _read_main(sheet, CSV_NAME, survey, registry, log)
    return (main if main is not None else empty_table(survey)), repeats


def _main_sheet(sheets: dict[str, RawSheet]) -> str:
    """The first sheet with Kobo's meta columns and no _parent_index, else the first."""
    for name, sheet in sheets.items():
        heads = set(sheet.headers)
        if heads & MARKERS and "_parent_index" not in heads:
            return name
    return next(iter(sheets))


def _section_of(sheet_name: str, survey: Survey) -> str | None:
    """The repeat section a sheet holds: its id or label (possibly cut to 31 characters)."""
    wanted = normalise_text(sheet_name)
    for section in survey.model.sections:
        if not section.repeat:
            continue
        for name in (section.id, section.label):
            if wanted in {normalise_text(name), normalise_text(name[:SHEET_NAME_LIMIT])}:
                return section.id
    return None


def _read_main(
    sheet: RawSheet, reader: str, survey: Survey, registry: Registry, log: IssueLog
) -> tuple[pd.DataFrame | None, dict[str, pd.Series]]:
    values, meta = read_fields(sheet, survey.fields(), survey, registry, log, KOBO_META)
    if values is None:
        return None, {}
    index = values.index
    ids = first_of(meta, ("_uuid", "_id"), index)
    ids = (ID_PREFIX + ids).astype("string")
    ids = fill_missing_ids(ids, ID_PREFIX, sheet, "_uuid or _id", log)
    submitted = first_of(meta, ("_submission_time",), index)
    submitted = iso_timestamps(submitted, sheet, "_submission_time", log)
    _record_deployments(first_of(meta, VERSION_COLUMNS, index), sheet, meta, log)
    main = assemble_main(
        values,
        sheet,
        submission_id=ids,
        submitted_at=submitted,
        form_version=first_of(meta, (FORM_VERSION_FIELD,), index),
        reader=reader,
        survey=survey,
        review_state=first_of(meta, ("_validation_status",), index),
    )
    links = {name: series.reset_index(drop=True) for name, series in meta.items()}
    return main, links


def _record_deployments(
    deployments: pd.Series, sheet: RawSheet, meta: dict[str, pd.Series], log: IssueLog
) -> None:
    """Kobo's own deployment ids (``__version__``, e.g. ``vQ3s...``) are recorded in the
    log, never compared with the form version: that is the form's own hidden field
    :data:`~pipeline.forms.FORM_VERSION_FIELD`."""
    counts = deployments.dropna().value_counts(sort=False)
    if len(counts):
        listed = ", ".join(f"'{v}' ({n} submission(s))" for v, n in counts.sort_index().items())
        log.info(
            "kobo-deployment",
            f"KoboToolbox form deployment(s): {listed}; recorded only (the form version "
            f"is read from the column '{FORM_VERSION_FIELD}')",
            **sheet.where(),
            column="__version__",
        )
    if FORM_VERSION_FIELD not in meta and len(sheet.body):
        log.info(
            "form-version-unknown",
            f"no column '{FORM_VERSION_FIELD}': the form was not written by a recent "
            "`emg-pipeline form`, so the form version of these submissions is not checked",
            **sheet.where(),
            row=sheet.header_row,
        )


def _read_repeat(
    sheet: RawSheet,
    section: str,
    main: pd.DataFrame,
    main_meta: dict[str, pd.Series],
    survey: Survey,
    registry: Registry,
    log: IssueLog,
) -> pd.DataFrame:
    """A repeat sheet, each row linked to its submission by _parent_index -> _index
    (or by _submission__uuid -> _uuid when the export has no _index)."""
    values, meta = read_fields(sheet, survey.fields(section), survey, registry, log, KOBO_META)
    if values is None:
        return empty_table(survey, section)
    ids = main["_submission_id"]
    if "_parent_index" in meta and "_index" in main_meta:
        header = "_parent_index"
        lookup = dict(zip(main_meta["_index"], ids, strict=True))
    elif "_submission__uuid" in meta and "_uuid" in main_meta:
        header = "_submission__uuid"
        lookup = dict(zip(main_meta["_uuid"], ids, strict=True))
    else:
        log.error(
            "repeat-unlinked",
            f"the '{section}' rows cannot be linked to their submissions: the sheet needs a "
            "_parent_index column (and the main sheet an _index column)",
            **sheet.where(),
            row=sheet.header_row,
        )
        return empty_table(survey, section)
    lookup = {k: v for k, v in lookup.items() if pd.notna(k)}
    said = meta[header]
    parents = said.map(lookup).astype("string")
    return assemble_repeat(values, sheet, section, parents, header, said, survey, log)


XLSX_READER = ReaderSpec(XLSX_NAME, can_read_xlsx, read_xlsx)
CSV_READER = ReaderSpec(CSV_NAME, can_read_csv, read_csv)
