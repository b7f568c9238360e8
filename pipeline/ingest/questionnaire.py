"""Reader for the offline Excel questionnaire (:mod:`pipeline.forms`) filled by an agency.

Protocol shared by every reader: ``NAME``, ``can_read(path) -> bool`` (cheap, never
raises) and ``read(path, rel, survey, registry, log) -> (main, repeats)`` returning the
canonical wide tables of docs/architecture.md (every value text, ``<NA>`` when empty).

A file first passes :func:`pipeline.ingest.safe.check_file` (no zip bomb, no disguised or
encrypted file); the workbook is then opened with openpyxl read-only and ``data_only=True``: cached values only,
nothing is ever executed. Answers are found by the hidden key in column A of the
``Answers`` sheet, so inserted or moved rows do not matter; choice labels are mapped back
to choice names (case- and space-insensitive), a label that matches no choice is passed
through unchanged for the validator to report with a suggestion.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipeline.errors import Issue, IssueLog
from pipeline.form_texts import form_texts
from pipeline.forms import (
    ABOUT_SHEET,
    ANSWER_HEADER,
    ANSWERS_SHEET,
    DATE_KEY,
    KEY_HEADER,
    MULTI_SEPARATOR,
    ROW_NUMBER_KEY,
    field_help,
    field_options,
    repeat_sheet_title,
)
from pipeline.ingest import source
from pipeline.ingest.formulas import formula_cells
from pipeline.ingest.questionnaire_cells import Choices, answer_key, cell_text
from pipeline.ingest.safe import check_file, reader_failure
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey
from pipeline.tables import FIELD_ROW_PREFIX, META_COLUMNS, REPEAT_META_COLUMNS

NAME = "offline-questionnaire"
SUFFIXES = {".xlsx", ".xlsm"}
_YES = {"yes", "y", "x", "true", "1", "oui", "si", "sí"}
_NO = {"no", "n", "false", "0", "non"}
_MAX_ABOUT_ROWS = 50


# -- detection ----------------------------------------------------------------------------
def _about(wb) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The key/value pairs of the About sheet (empty when the sheet is missing)."""
    if ABOUT_SHEET not in wb.sheetnames:
        return {}
    out: dict[str, str] = {}
    ws = wb[ABOUT_SHEET]
    for row in ws.iter_rows(min_row=1, max_row=_MAX_ABOUT_ROWS, max_col=2, values_only=True):
        if len(row) >= 2 and row[0] is not None and row[1] is not None:
            out.setdefault(str(row[0]).strip(), str(row[1]).strip())
    return out


def can_read(path: Path) -> bool:
    """True when ``path`` is an .xlsx/.xlsm whose ``About`` sheet names a survey id."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES or not path.is_file():
        return False
    try:
        if check_file(path, path.name) is not None or not zipfile.is_zipfile(
            source.open_binary(path)
        ):
            return False
        from python_calamine import CalamineWorkbook

        # the sheet names alone (no cell is parsed): a large export is never opened here
        with CalamineWorkbook.from_filelike(source.open_binary(path)) as book:
            if ABOUT_SHEET not in book.sheet_names:
                return False
        wb = load_workbook(source.open_binary(path), read_only=True, data_only=True)
        try:
            return bool(_about(wb).get("survey_id"))
        finally:
            wb.close()
    except BaseException as exc:  # any garbage file (a reader panic too): not ours
        if not reader_failure(exc):
            raise
        return False


# -- sheets -------------------------------------------------------------------------------
def _rows(ws) -> Iterator[tuple[int, tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    """(Excel row number, values) of every row, merged-cell gaps read as None."""
    if hasattr(ws, "reset_dimensions"):  # read-only: trust the cells, not <dimension>
        ws.reset_dimensions()
    for r, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
        yield r, tuple(values)


def _cell(values: tuple[object, ...], col: int) -> object:
    return values[col - 1] if 0 < col <= len(values) else None


@dataclass
class _Context:
    rel: str
    survey: Survey
    registry: Registry
    issues: list[Issue]

    sheet: str = ANSWERS_SHEET  # the title of the Answers sheet (in the form's language)
    answer_header: str = ANSWER_HEADER  # the heading of its answer column, as found
    language: str = "en"  # the questionnaire's language (its About sheet says)

    def texts(self, key: str) -> str:
        """A text of the form in the questionnaire's own language (``yes``, ``no``)."""
        lang = self.language if self.language in self.survey.languages else "en"
        return form_texts(self.survey, lang)(key)

    @property
    def help_of(self) -> dict[str, set[str]]:
        """Question -> the texts its Help cell has in the blank questionnaire, one per
        language the survey declares (compared case- and space-insensitively)."""
        cached = self.__dict__.get("_help_of")
        if cached is None:
            cached = {}
            for lang in self.survey.languages:
                written = self.survey.in_language(lang)
                for f in written.fields():
                    text = field_help(written, self.registry, f)
                    cached.setdefault(f.name, set()).add(answer_key(text))
            cached[DATE_KEY] = {answer_key(form_texts(self.survey, lang)("date_help")) for lang in self.survey.languages}
            self.__dict__["_help_of"] = cached
        return cached

    @property
    def yes_no(self) -> tuple[set[str], set[str]]:
        """The words read as Yes and as No: the usual ones and each declared language's."""
        langs = [form_texts(self.survey, lang) for lang in self.survey.languages]
        return _YES | {answer_key(t("yes")) for t in langs}, _NO | {answer_key(t("no")) for t in langs}

    def issue(self, severity: str, code: str, message: str, **where: object) -> None:
        self.issues.append(Issue(severity, code, message, file=self.rel, **where))  # type: ignore[arg-type]


def _answers(  # type: ignore[no-untyped-def]
    ws, ctx: _Context, beside: dict[str, list[tuple[int, object]]] | None = None
) -> tuple[dict[str, tuple[int, object]], int]:
    """Key -> (row, answer cell value) from the Answers sheet, and the answer column.

    ``beside`` (when given) gets, per key, the filled cells right of the answer column
    as (column, value): the Help column and beyond, where no answer is read."""
    found: dict[str, tuple[int, object]] = {}
    answer_col, header_row = 4, None
    for r, values in _rows(ws):
        first = cell_text(_cell(values, 1))
        if header_row is None:
            if first == KEY_HEADER:
                header_row = r
                heads = [answer_key(cell_text(v) or "") for v in values]
                answers = {
                    answer_key(form_texts(ctx.survey, lang)("column_answer")) for lang in ctx.survey.languages
                }
                found_heads = [c for c, h in enumerate(heads, start=1) if h in answers]
                if found_heads:
                    answer_col = found_heads[0]
                    ctx.answer_header = cell_text(values[answer_col - 1]) or ANSWER_HEADER
            continue
        if first is None:
            continue
        if first in found:
            ctx.issue(
                "warning",
                "questionnaire-duplicate-key",
                f"the answer key '{first}' appears again (first in row {found[first][0]}); "
                "the first one is kept",
                sheet=ctx.sheet,
                row=r,
                column="A",
            )
            continue
        found[first] = (r, _cell(values, answer_col))
        if beside is not None:
            filled = [(c, v) for c, v in enumerate(values[answer_col:], answer_col + 1) if cell_text(v)]
            if filled:
                beside[first] = filled
    if header_row is None:
        ctx.issue(
            "error",
            "questionnaire-layout",
            f"no header row with '{KEY_HEADER}' in column A was found; was the hidden "
            "column A deleted?",
            sheet=ctx.sheet,
        )
    return found, answer_col


def _expected_help(key: str, ctx: _Context) -> set[str]:
    """The Help texts (one per language, as :func:`_key` gives them) the blank
    questionnaire has in the row of ``key`` (empty for none)."""
    if "/" in key or key not in ctx.help_of:
        return set()  # an option row of a multi-select, or a key of no question
    return ctx.help_of[key]


def _check_beside(
    found: dict[str, tuple[int, object]],
    beside: dict[str, list[tuple[int, object]]],
    answer_col: int,
    ctx: _Context,
) -> None:
    """A warning at each cell right of the answer column that holds text the blank
    questionnaire does not have there: an answer typed one column too far right (in the
    Help column) or a note, which is not read."""
    answer = get_column_letter(answer_col)
    for key, cells in beside.items():
        row, value = found[key]
        for column, cell in cells:
            text = cell_text(cell) or ""
            if column == answer_col + 1 and answer_key(text) in _expected_help(key, ctx):
                continue  # the help text, as the form wrote it
            where = "the Help column" if column == answer_col + 1 else "a column"
            empty = "the answer cell is empty; " if cell_text(value) is None else ""
            ctx.issue(
                "warning",
                "questionnaire-text-outside",
                f"'{text[:80]}' is in {where} right of the answers, where nothing is read; "
                f"{empty}if it is the answer, move it to column {answer} ({ctx.answer_header}) of "
                "this row",
                sheet=ctx.sheet,
                row=row,
                column=get_column_letter(column),
            )


def _missing(ctx: _Context, f: FormField, sheet: str, what: str) -> None:
    severity = "error" if f.required else "warning"
    ctx.issue(
        severity,
        "questionnaire-missing-field",
        f"no {what} for the {'required ' if f.required else ''}field '{f.name}' "
        f"({f.label}); was it deleted?",
        sheet=sheet,
        column=f.name,
    )


def _yes_no(value: object, ctx: _Context, row: int, column: str) -> bool:
    text = cell_text(value)
    yes, no = ctx.yes_no
    if text is None or answer_key(text) in no:
        return False
    if answer_key(text) in yes:
        return True
    ctx.issue(
        "warning",
        "questionnaire-yes-no",
        f"'{text}' is not {ctx.texts('yes')} or {ctx.texts('no')} (the choices of the "
        "dropdown); read as not chosen",
        sheet=ctx.sheet,
        row=row,
        column=column,
    )
    return False


def _main_record(
    found: dict[str, tuple[int, object]], answer_col: int, ctx: _Context
) -> dict[str, str | None]:
    """The main-form answers (field name -> canonical text) of one Answers sheet."""
    column = f"{get_column_letter(answer_col)} ({ctx.answer_header})"
    record: dict[str, str | None] = {}
    used = {DATE_KEY}
    for f in ctx.survey.fields():
        if f.is_multiple:
            options = [n for n, _ in field_options(ctx.survey, ctx.registry, f)]
            keys = [f"{f.name}/{n}" for n in options]
            present = [k for k in keys if k in found]
            used.update(present)
            if not present:
                _missing(ctx, f, ctx.sheet, "Yes/No rows")
            elif len(present) < len(keys):
                gone = [k.split("/", 1)[1] for k in keys if k not in found]
                ctx.issue(
                    "warning",
                    "questionnaire-missing-option",
                    f"the rows of option(s) {', '.join(gone)} of '{f.name}' are missing",
                    sheet=ctx.sheet,
                    column=f.name,
                )
            chosen = [
                k.split("/", 1)[1]
                for k in present
                if _yes_no(found[k][1], ctx, found[k][0], column)
            ]
            record[f.name] = " ".join(chosen) or None
            continue
        if f.name not in found:
            _missing(ctx, f, ctx.sheet, "answer row")
            record[f.name] = None
            continue
        used.add(f.name)
        text = cell_text(found[f.name][1])
        if text is not None and f.type in {"select_one", "entity"}:
            text = Choices.of(ctx.survey, ctx.registry, f).one(text)
        record[f.name] = text
    for key, (r, value) in found.items():
        if key in used:
            continue
        ctx.issue(
            "warning",
            "questionnaire-unknown-key",
            f"the row key '{key}' is not a field of {ctx.survey.id}; kept as '_extra:{key}'",
            sheet=ctx.sheet,
            row=r,
            column="A",
        )
        record[f"_extra:{key}"] = cell_text(value)
    return record


def _submitted_at(found: dict[str, tuple[int, object]], ctx: _Context) -> str | None:
    if DATE_KEY not in found:
        return None
    r, value = found[DATE_KEY]
    if isinstance(value, dt.datetime | dt.date):
        return cell_text(value)
    text = cell_text(value)
    if text is None:
        return None
    try:
        return pd.Timestamp(text).date().isoformat()
    except (ValueError, TypeError):
        ctx.issue(
            "warning",
            "questionnaire-date",
            f"'{text}' is not a date such as 2026-03-15; the completion date is left empty",
            sheet=ctx.sheet,
            row=r,
            column=ctx.answer_header,
        )
        return None


def _repeat_rows(
    ws, section: str, submission_id: str, ctx: _Context
) -> list[dict[str, str | None]]:  # type: ignore[no-untyped-def]
    """The filled rows of a repeat sheet: hidden row 1 names the fields, row 2 the labels."""
    fields = {f.name: f for f in ctx.survey.fields(section)}
    rows = _rows(ws)
    first = next(rows, None)
    next(rows, None)  # the labels row is for people; columns are found by the hidden keys
    keys = [cell_text(v) for v in (first[1] if first else ())]
    for f in fields.values():
        if f.name not in keys:
            _missing(ctx, f, ws.title, "column")
    columns: dict[int, str] = {}
    for c, key in enumerate(keys, start=1):
        if key is None or key == ROW_NUMBER_KEY:
            continue
        if key not in fields:
            ctx.issue(
                "warning",
                "questionnaire-unknown-key",
                f"the column '{key}' is not a field of {section}; kept as '_extra:{key}'",
                sheet=ws.title,
                row=1,
                column=get_column_letter(c),
            )
            columns[c] = f"_extra:{key}"
        elif key in columns.values():
            ctx.issue(
                "warning",
                "questionnaire-duplicate-key",
                f"the column '{key}' appears twice; the first one is kept",
                sheet=ws.title,
                row=1,
                column=get_column_letter(c),
            )
        else:
            columns[c] = key
    choices = {
        n: Choices.of(ctx.survey, ctx.registry, f) for n, f in fields.items() if f.is_select
    }
    out: list[dict[str, str | None]] = []
    for r, values in rows:
        record: dict[str, str | None] = {}
        for c, name in columns.items():
            text = cell_text(_cell(values, c))
            if text is not None and name in choices:
                f = fields[name]
                if f.is_multiple:
                    tokens = [t.strip() for t in re.split(rf"[{MULTI_SEPARATOR}\n]", text)]
                    text = " ".join(choices[name].token(t) for t in tokens if t) or None
                else:
                    text = choices[name].one(text)
            record[name] = text
        if all(v is None for v in record.values()):
            continue
        record.update(
            {
                "_submission_id": submission_id,
                "_source_file": ctx.rel,
                "_source_sheet": ws.title,
                "_source_row": str(r),
            }
        )
        out.append(record)
    return out


# -- merged cells -------------------------------------------------------------------------
def _check_formulas(path: Path, areas: list[tuple[str, int | None, int]], ctx: _Context) -> None:
    """A warning for each formula cell in the answer areas. The value Excel or LibreOffice
    saved with a formula is what is read; a formula without a saved value (as scripts
    write them) reads as empty, so the file must be opened and saved once."""
    formulas = formula_cells(path)
    for title, column, first_row in areas:
        for cell in formulas.get(title, []):
            if cell.row < first_row or (column is not None and cell.column != column):
                continue
            message = (
                "the answer is a formula whose saved value is read; type the answer itself "
                "if the formula is not meant"
                if cell.has_value
                else "formula without a saved value: open and save the file in Excel or "
                "LibreOffice (which computes it), or type the answer itself; read as empty"
            )
            ctx.issue(
                "warning",
                "formula-cell" if cell.has_value else "formula-no-value",
                message,
                sheet=title,
                row=cell.row,
                column=get_column_letter(cell.column),
            )


def _check_merged(path: Path, areas: list[tuple[str, int | None, int]], ctx: _Context) -> None:
    """An error for each range of merged cells spanning several answer rows.

    ``areas``: (sheet title, the one answer column or None for every column, first answer
    row). Only the top-left cell of a merged range holds a value, so the rows below it
    would silently read as blank. Ranges within one row (cosmetic) are fine.
    """
    try:
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_filelike(source.open_binary(path)) as book:
            merged = {
                title: book.get_sheet_by_name(title).merged_cell_ranges or []
                for title, _, _ in areas
                if title in book.sheet_names
            }
    except BaseException as exc:  # merged ranges are a courtesy check; the file was read
        if not reader_failure(exc):
            raise
        return
    for title, column, first_row in areas:
        for (r0, c0), (r1, c1) in merged.get(title, []):
            top, bottom = r0 + 1, r1 + 1
            if bottom == top or bottom < first_row:
                continue
            if column is not None and not c0 + 1 <= column <= c1 + 1:
                continue
            first = f"{get_column_letter(c0 + 1)}{top}"
            ref = f"{first}:{get_column_letter(c1 + 1)}{bottom}"
            below = f"row {bottom}" if bottom == top + 1 else f"rows {top + 1}-{bottom}"
            ctx.issue(
                "error",
                "questionnaire-merged-cells",
                f"the cells {ref} are merged: only {first} holds an answer and {below} "
                "would read as blank; unmerge the cells and answer each row",
                sheet=title,
                row=top,
                column=get_column_letter(c0 + 1),
            )


# -- versions -----------------------------------------------------------------------------
def _version_key(version: str) -> tuple[tuple[int, object], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-_]", version))


def _check_version(found: str | None, ctx: _Context) -> None:
    expected = ctx.survey.model.form_version
    if not found or found == expected:
        return
    older = _version_key(found) < _version_key(expected)
    ctx.issue(
        "warning",
        "questionnaire-version",
        f"the questionnaire is form version {found}, "
        f"{'older' if older else 'other'} than the current version {expected}; "
        "questions added or changed since may be missing",
        sheet=ABOUT_SHEET,
        column="form_version",
    )


# -- the reader ---------------------------------------------------------------------------
def _empty(survey: Survey) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    main = pd.DataFrame(columns=[*META_COLUMNS, *(f.name for f in survey.fields())], dtype="string")
    repeats = {
        s: pd.DataFrame(
            columns=[*REPEAT_META_COLUMNS, *(f.name for f in survey.fields(s))], dtype="string"
        )
        for s in survey.repeat_sections
    }
    return main, repeats


def _frame(records: list[dict[str, str | None]], columns: list[str]) -> pd.DataFrame:
    extra = sorted({k for rec in records for k in rec} - set(columns))
    return pd.DataFrame(records, columns=[*columns, *extra]).astype("string")


def read(
    path: Path, rel: str, survey: Survey, registry: Registry, log: IssueLog
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Read one filled questionnaire into canonical wide tables.

    Returns ``(main, repeats)``: ``main`` has one row (none when the file cannot be used)
    with :data:`~pipeline.tables.META_COLUMNS` and one column per main-form field;
    ``repeats[section]`` one row per filled row of the section's sheet. Every problem goes
    to ``log`` naming ``rel``, the sheet, row and column.
    """
    ctx = _Context(rel, survey, registry, [])
    main, repeats = _empty(survey)
    problem = check_file(Path(path), rel)  # zip bombs, encrypted or disguised files
    if problem is not None:
        log.add(problem)
        return main, repeats
    try:
        wb = load_workbook(source.open_binary(path), read_only=True, data_only=True)
    except BaseException as exc:  # a damaged or foreign file: report and go on
        if not reader_failure(exc):
            raise
        log.error("questionnaire-unreadable", f"cannot open the workbook: {exc}", file=rel)
        return main, repeats
    try:
        about = _about(wb)
        found_id = about.get("survey_id")
        if found_id != survey.id:
            found_text = (
                f"is for survey '{found_id}'"
                if found_id
                else f"has no hidden '{ABOUT_SHEET}' sheet naming its survey"
            )
            ctx.issue(
                "error",
                "questionnaire-survey",
                f"this questionnaire {found_text}; expected a questionnaire of survey "
                f"'{survey.id}'; it was not read",
                sheet=ABOUT_SHEET,
                column="survey_id",
            )
            return main, repeats
        version = about.get("form_version")
        _check_version(version, ctx)
        answers_title = about.get("answers_sheet", ANSWERS_SHEET)
        if answers_title not in wb.sheetnames:
            ctx.issue(
                "error",
                "questionnaire-no-answers",
                f"the sheet '{answers_title}' with the answers is missing; "
                f"sheets found: {', '.join(wb.sheetnames)}",
                sheet=answers_title,
            )
            return main, repeats
        ctx.sheet = answers_title
        ctx.language = about.get("language", "en")
        beside: dict[str, list[tuple[int, object]]] = {}
        found, answer_col = _answers(wb[answers_title], ctx, beside)
        record = _main_record(found, answer_col, ctx)
        _check_beside(found, beside, answer_col, ctx)
        entity = survey.entity_field.name
        submission_id = f"questionnaire:{rel}"
        record.update(
            {
                "_submission_id": submission_id,
                "_submitted_at": _submitted_at(found, ctx),
                "_source_file": rel,
                "_source_sheet": answers_title,
                "_source_row": str(found[entity][0]) if entity in found else None,
                "_reader": NAME,
                "_form_version": version,
            }
        )
        main = _frame([record], list(main.columns))
        field_rows: dict[str, str] = {}
        for key, (row, _value) in found.items():  # a multi-select: its first option's row
            field_rows.setdefault(f"{FIELD_ROW_PREFIX}{key.split('/', 1)[0]}", str(row))
        main = main.assign(**field_rows).astype("string")
        areas: list[tuple[str, int | None, int]] = [(answers_title, answer_col, 1)]
        for section in survey.repeat_sections:
            title = about.get(f"repeat:{section}", repeat_sheet_title(survey, section))
            if title not in wb.sheetnames:  # read_round reports the missing repeat data
                del repeats[section]
                continue
            rows = _repeat_rows(wb[title], section, submission_id, ctx)
            repeats[section] = _frame(rows, list(repeats[section].columns))
            areas.append((title, None, 3))
        _check_merged(Path(path), areas, ctx)
        _check_formulas(Path(path), areas, ctx)
        agency = record.get(entity) or ""
        ctx.issues = [i if i.entity else replace(i, entity=agency) for i in ctx.issues]
        return main, repeats
    finally:
        wb.close()
        log.extend(ctx.issues)
