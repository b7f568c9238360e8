"""Filling an offline questionnaire as a person would (answers typed into the Answers
sheet, rows into the repeat sheets, Excel's cell types): the demo rounds and the tests
write real questionnaires this way, never through the reader's own tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl.cell.cell import Cell

from pipeline.form_texts import form_texts
from pipeline.forms import (
    DATE_KEY,
    MULTI_SEPARATOR,
    answers_sheet_title,
    build_questionnaire,
    field_options,
    save_workbook,
)
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or str(value).strip() == ""  # NaN / NA
    except (TypeError, ValueError):  # pd.NA refuses to be a bool
        return True


def _number(value: str) -> int | float | str:
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return value


def _set_text(cell: Cell, value: object) -> None:
    """Write ``value`` so that text starting with ``=`` stays text, never a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _cell_value(
    survey: Survey, registry: Registry, f: FormField, value: str, multi_separator: str
) -> object:
    if f.is_select:
        labels = dict(field_options(survey, registry, f))
        names = value.split() if f.is_multiple else [value]
        return multi_separator.join(labels.get(n, n) for n in names)
    if f.type in {"integer", "decimal"}:
        return _number(value)
    return value


def _date_value(value: str) -> object:
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return value


def fill_questionnaire(
    survey: Survey,
    registry: Registry,
    main_row: Mapping[str, str | None],
    repeat_rows: Sequence[Mapping[str, str | None]],
    path: Path,
) -> Path:
    """Write a questionnaire answered with canonical values and return ``path``.

    ``main_row`` maps main-form field names to canonical text (choice names, entity ids,
    select-multiple as space-separated names; None or NA when unanswered); an optional
    ``date_completed`` (ISO date) fills the "Date completed" row. ``repeat_rows`` are the
    rows of the survey's first repeat section (``projects``). Cells get the choice *labels*
    a person picks from the dropdowns. Keys starting with ``_`` are ignored; other unknown
    keys raise ``KeyError``.
    """
    repeats = survey.repeat_sections
    wb, layout = build_questionnaire(
        survey, registry, {repeats[0]: len(repeat_rows)} if repeats else None
    )
    ws = wb[answers_sheet_title(survey)]
    yes = form_texts(survey)("yes")
    main = {f.name: f for f in survey.fields()}
    for key, value in main_row.items():
        if key.startswith("_") or _is_blank(value):
            continue
        if key == "date_completed":
            cell = ws.cell(layout.answer_rows[DATE_KEY], 4)
            _set_text(cell, _date_value(str(value)))
            continue
        if key not in main:
            raise KeyError(f"'{key}' is not a field of the main form of {survey.id}")
        f, text = main[key], str(value)
        if f.is_multiple:
            for name in text.split():
                if f"{key}/{name}" not in layout.answer_rows:
                    raise ValueError(f"'{name}' is not an option of '{key}'")
                _set_text(ws.cell(layout.answer_rows[f"{key}/{name}"], 4), yes)
            continue
        _set_text(ws.cell(layout.answer_rows[key], 4), _cell_value(survey, registry, f, text, " "))
    if repeat_rows:
        if not repeats:
            raise KeyError(f"{survey.id} has no repeat section for repeat_rows")
        rep = layout.repeats[repeats[0]]
        sheet = wb[rep.sheet]
        fields = {f.name: f for f in survey.fields(repeats[0])}
        for i, row in enumerate(repeat_rows):
            for key, value in row.items():
                if key.startswith("_") or _is_blank(value):
                    continue
                if key not in fields:
                    raise KeyError(f"'{key}' is not a field of the repeat section {repeats[0]}")
                cell = sheet.cell(rep.first_row + i, rep.columns[key])
                sep = f"{MULTI_SEPARATOR} "
                _set_text(cell, _cell_value(survey, registry, fields[key], str(value), sep))
    return save_workbook(wb, path)
