"""Reading a filled desk mapping: recognised by its hidden key (or its header row), every
cell checked, every problem named by file, sheet, row and column with what was expected.

Protocol of the readers (:mod:`pipeline.ingest`): :func:`can_read` is cheap and never
raises; :func:`read` returns the rows (all text, ``<NA>`` when empty) and adds its problems
to the log. Values are read with python-calamine (cell values only; nothing is executed).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from rapidfuzz import process

from pipeline.desk.columns import (
    DATA_SHEET,
    KEY_SHEET,
    KIND,
    SEPARATOR,
    SIGNATURE,
    DeskColumn,
    desk_columns,
)
from pipeline.errors import IssueLog
from pipeline.ingest.questionnaire_cells import cell_text
from pipeline.ingest.safe import check_file, reader_failure
from pipeline.registry import Registry
from pipeline.spec import Survey

NAME = "desk-mapping"
SUFFIXES = {".xlsx", ".xlsm"}
META = ["_source_file", "_source_sheet", "_source_row"]
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)
_HEADER_ROWS = 5  # rows searched for the header when the key sheet is missing


def _key(text: object) -> str:
    return " ".join(str(text).split()).casefold()


def _book(path: Path):  # type: ignore[no-untyped-def]
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path))


def _key_values(book) -> dict[str, str]:  # type: ignore[no-untyped-def]
    if KEY_SHEET not in book.sheet_names:
        return {}
    return _key_pairs(book.get_sheet_by_name(KEY_SHEET).to_python(nrows=20))


def _key_pairs(rows: list[list[object]]) -> dict[str, str]:
    return {str(r[0]).strip(): str(r[1]).strip() for r in rows if len(r) >= 2 and r[0] != ""}


def _header_sheet(book) -> tuple[str, int] | None:  # type: ignore[no-untyped-def]
    """(sheet, header row number) of the first sheet whose header carries the signature."""
    return _find_header(
        book.sheet_names,
        lambda name: book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=_HEADER_ROWS),
    )


def _find_header(
    sheet_names: list[str], top_rows: Callable[[str], list[list[object]]]
) -> tuple[str, int] | None:
    names = [DATA_SHEET] if DATA_SHEET in sheet_names else []
    names += [n for n in sheet_names[:3] if n not in names and n != KEY_SHEET]
    for name in names:
        for r, row in enumerate(top_rows(name)[:_HEADER_ROWS], start=1):
            heads = {_key(v) for v in row if v not in ("", None)}
            if all(s in heads for s in SIGNATURE):
                return name, r
    return None


def _from_used_area(rows: list[list[object]]) -> list[list[object]]:
    """Rows without the empty rows and columns before the first filled cell (as calamine's
    ``to_python()`` gives a sheet by default)."""
    def first(row: list[object]) -> int | None:
        return next((c for c, v in enumerate(row) if v not in ("", None)), None)

    starts = [first(row) for row in rows]
    top = next((r for r, c in enumerate(starts) if c is not None), None)
    if top is None:
        return []
    left = min(c for c in starts if c is not None)
    return [row[left:] for row in rows[top:]]


def can_read(path: Path) -> bool:
    """True for an .xlsx whose hidden key says it is a desk mapping, or whose header row
    has the desk mapping's signature columns (entity, title, source URL).

    The workbook is read once, as text grids (:func:`pipeline.ingest.detect.workbook_grids`),
    and that read is kept for the Kobo reader that reads the same file next."""
    from pipeline.ingest.detect import grid_rows, workbook_grids

    path = Path(path)
    if path.suffix.lower() not in SUFFIXES or not path.is_file():
        return False
    try:
        if not zipfile.is_zipfile(path) or check_file(path, path.name) is not None:
            return False
        sheets = workbook_grids(path)
        if KEY_SHEET in sheets:
            key = _key_pairs(_from_used_area(grid_rows(sheets[KEY_SHEET]))[:20])
            if key.get("kind") == KIND:
                return True
        return _find_header(list(sheets), lambda name: grid_rows(sheets[name], _HEADER_ROWS)) is not None
    except BaseException as exc:  # any garbage file: not ours
        if not reader_failure(exc):
            raise
        return False


def _text(value: object) -> str | None:
    """A cell as the questionnaire reader reads it, dates without a time, spaces collapsed."""
    if isinstance(value, dt.datetime):
        value = value.date()
    text = cell_text(value)
    return " ".join(text.split()) or None if text else None


class _Lookup:
    """What an analyst may type for a list's value (label or name, any case) -> name."""

    def __init__(self, survey: Survey, list_name: str):
        self.choices = survey.choices(list_name)
        self.map = {_key(c.label): c.name for c in self.choices} | {
            _key(c.name): c.name for c in self.choices
        }

    def __call__(self, text: str) -> str | None:
        return self.map.get(_key(text))

    def closest(self, text: str) -> str:
        labels = [c.label for c in self.choices]
        best = process.extract(text, labels, limit=2)
        return " or ".join(f"'{b[0]}'" for b in best)


def read(
    path: Path, rel: str, survey: Survey, registry: Registry, log: IssueLog
) -> pd.DataFrame:
    """The initiatives of a filled desk mapping, checked.

    Out: one row per non-blank row of the sheet: the keys of
    :func:`~pipeline.desk.columns.desk_columns` (``entity_id`` resolved through the
    registry; ``type`` a choice name; ``topics``, ``stages``, ``regions`` space-separated
    choice names; years as text) and ``_source_file, _source_sheet, _source_row``. Every
    bad cell is an error in ``log`` (a row with an error is still returned, for the run
    stops on errors anyway); the same initiative twice is a warning, the first kept.
    """
    columns = desk_columns(survey)
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in [x.key for x in columns] + META})
    if survey.model.desk is None:
        log.error(
            "desk-not-declared",
            f"a desk mapping, but survey '{survey.id}' declares none (no desk: block in its "
            "survey.yaml); remove the file or declare the block",
            file=rel,
        )
        return empty
    with _book(path) as book:
        key = _key_values(book)
        if key.get("survey_id") and key["survey_id"] != survey.id:
            log.error(
                "desk-other-survey",
                f"the desk mapping of survey '{key['survey_id']}', not of '{survey.id}'; "
                "move it to that survey's round folder",
                file=rel,
            )
            return empty
        found = _header_sheet(book)
        if found is None:
            log.error(
                "desk-no-header",
                f"no sheet '{DATA_SHEET}' with the header row "
                f"({', '.join(c.header for c in columns)}); write the mapping on the template "
                f"from `emg-pipeline form {survey.id} --desk`",
                file=rel,
            )
            return empty
        sheet, header_row = found
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    header = [_key(v) for v in rows[header_row - 1]]
    position: dict[str, int] = {}
    for col in columns:
        names = [_key(col.header), _key(col.key), _key(col.key.replace("_", " "))]
        if col.kind == "entity":
            names.append("entity")
        for name in names:
            if name in header:
                position[col.key] = header.index(name)
                break
    missing = [c.header for c in columns if c.key not in position and c.key != "notes"]
    if missing:
        log.error(
            "desk-missing-columns",
            f"the header row lacks the column(s) {', '.join(repr(m) for m in missing)}; "
            "keep the template's headers as written",
            file=rel,
            sheet=sheet,
            row=header_row,
        )
        return empty
    lookups = {c.key: _Lookup(survey, c.list_name) for c in columns if c.list_name}
    noun = survey.model.entity_noun
    out: list[dict[str, str | None]] = []
    seen: dict[tuple[str, str], int] = {}
    for r, values in enumerate(rows[header_row:], start=header_row + 1):
        cells = {k: _text(values[i]) if i < len(values) else None for k, i in position.items()}
        if not any(cells.values()):
            continue
        record: dict[str, str | None] = {"_source_file": rel, "_source_sheet": sheet, "_source_row": str(r)}

        def bad(col: DeskColumn, message: str, record: dict = record, r: int = r) -> None:
            letter = _letter(position[col.key])
            log.error("desk-value", message, file=rel, sheet=sheet, row=r,
                      column=f"{col.header} ({letter})", entity=record.get("entity_id") or "")

        for col in columns:
            value = cells.get(col.key)
            record[col.key] = None
            if value is None:
                if col.required:
                    bad(col, f"'{col.header}' is empty; expected {col.help[0].lower() + col.help[1:]}")
                continue
            if col.kind == "entity":
                entity = registry.resolve(value)
                if entity is None:
                    near = ", ".join(registry.suggest(value))
                    bad(col, f"unknown {noun} '{value}'; expected an acronym or name of the "
                             f"registry (closest: {near}); or add it to data/reference/entities.csv")
                record[col.key] = entity
            elif col.kind == "choice":
                name = lookups[col.key](value)
                if name is None:
                    bad(col, f"'{value}' is not in the list; expected one of the '{col.header}' "
                             f"values of the Lists sheet (closest: {lookups[col.key].closest(value)})")
                record[col.key] = name
            elif col.kind == "choices":
                names, unknown = [], []
                for token in [t.strip() for t in value.split(SEPARATOR) if t.strip()]:
                    name = lookups[col.key](token)
                    (names.append(name) if name else unknown.append(token))
                for token in unknown:
                    bad(col, f"'{token}' is not in the list; expected values of the "
                             f"'{col.header}' list separated by '{SEPARATOR}' (closest: "
                             f"{lookups[col.key].closest(token)})")
                record[col.key] = " ".join(dict.fromkeys(names)) or None
            elif col.kind == "year":
                number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
                if pd.isna(number) or float(number) != int(number) or not col.min <= int(number) <= col.max:
                    bad(col, f"'{value}' is not a year; expected a whole number from {col.min} to {col.max}")
                else:
                    record[col.key] = str(int(number))
            elif col.kind == "url":
                if not URL.match(value):
                    bad(col, f"'{value}' is not a web address; expected the source's address "
                             "starting with http:// or https://")
                record[col.key] = value
            else:
                record[col.key] = value
        start, end = record.get("start_year"), record.get("end_year")
        if start and end and int(end) < int(start):
            end_col = next(c for c in columns if c.key == "end_year")
            bad(end_col, f"the end year {end} is before the start year {start}; expected "
                         f"{start} or later")
        ident = (str(record.get("entity_id")), _key(record.get("title") or ""))
        if record.get("entity_id") and record.get("title") and ident in seen:
            log.warning(
                "desk-duplicate",
                f"the same initiative as row {seen[ident]} ('{record['title']}'); the first is kept",
                file=rel, sheet=sheet, row=r, entity=str(record["entity_id"]),
            )
            continue
        seen.setdefault(ident, r)
        out.append(record)
    if not out:
        log.warning("desk-empty", "the desk mapping lists no initiative", file=rel, sheet=sheet)
        return empty
    return pd.DataFrame(out, columns=[c.key for c in columns] + META).astype("string")


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
