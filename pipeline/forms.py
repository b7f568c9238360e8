"""Survey definition -> the instruments agencies answer.

* :func:`pipeline.xlsform.write_xlsform` writes the XLSForm (sheets ``survey``,
  ``choices``, ``settings``) that KoboToolbox or ODK deploy as a web / mobile form.
* :func:`write_questionnaire` writes the offline Excel questionnaire for agencies that
  answer by e-mail: an ``Instructions`` sheet, an ``Answers`` sheet (one row per field,
  dropdowns for choices), one sheet per repeat section (``Projects``), and hidden ``Lists``
  and ``About`` sheets. :mod:`pipeline.ingest.questionnaire` reads the filled file back.
* :func:`fill_questionnaire` writes a questionnaire filled the way a person fills it
  (choice *labels* picked from the dropdowns) from canonical wide answers; the demo
  generator and the tests use it.

Both instruments are built from ``survey.fields("all")``, so a change to
``surveys/<id>/survey.yaml`` changes them without code.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.form_names import (  # noqa: F401 (names of the form, kept importable from here)
    ABOUT_SHEET,
    ANSWER_HEADER,
    ANSWERS_SHEET,
    DATE_HELP,
    DATE_KEY,
    EMAIL_REGEX,
    FORM_VERSION_FIELD,
    HELP_HEADER,
    INSTRUCTIONS_SHEET,
    KEY_HEADER,
    LISTS_SHEET,
    MULTI_SEPARATOR,
    PROJECT_ROWS,
    QUESTIONNAIRE_KIND,
    ROW_NUMBER_KEY,
    entity_label,
    field_options,
)
from pipeline.form_texts import FormTexts, form_texts, number_text, tidy
from pipeline.registry import Registry
from pipeline.spec import FormField, Question, Survey
from pipeline.wording import article

_WIDTHS = {"A": 30, "B": 30, "C": 62, "D": 44, "E": 56}
_HEADER_FILL = PatternFill("solid", start_color="1F4E79")
_SECTION_FILL = PatternFill("solid", start_color="D9E2F3")
_SUBSECTION_FILL = PatternFill("solid", start_color="EDF2FA")
_ANSWER_FILL = PatternFill("solid", start_color="FFF7D6")
_DUPLICATE_FILL = PatternFill("solid", start_color="F4B6B6")
_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


# == shared helpers =======================================================================
def repeat_sheet_title(survey: Survey, section_id: str) -> str:
    """The sheet of the offline questionnaire that holds a repeat section (``Projects``;
    in another language the title its translation gives, ``sheets:``)."""
    t = survey.model.translations.get(survey.language)
    if t is not None and t.sheets.get(section_id):
        return t.sheets[section_id]
    return section_id.replace("_", " ").capitalize()[:31]


def _questions(survey: Survey) -> dict[str, Question]:
    return {q.id: q for s in survey.model.sections for q in s.questions}


def is_rank(survey: Survey, f: FormField) -> bool:
    """True when ``f`` is one option of a ``rank`` question (an integer 1..n)."""
    q = _questions(survey).get(f.question)
    return q is not None and q.type == "rank"


# == offline questionnaire ================================================================
@dataclass
class RepeatLayout:
    """Where a repeat section lives in the questionnaire."""

    sheet: str
    columns: dict[str, int]  # field name -> 1-based column
    first_row: int
    n_rows: int


@dataclass
class QuestionnaireLayout:
    """Where each answer goes: Answers-sheet row per key, and the repeat tables."""

    answer_rows: dict[str, int] = field(default_factory=dict)
    repeats: dict[str, RepeatLayout] = field(default_factory=dict)


class _Validations:
    """Data validations of one sheet, shared between cells that take the same rule.

    A range already covered by the rule is not added again, as ``DataValidation.add``
    does; that method compares the new range with every range of the rule, which made
    a questionnaire's hundreds of answer cells quadratic: here a single cell is looked
    up in a set and only compared with the rule's multi-cell ranges."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.rules: dict[tuple[str, ...], DataValidation] = {}
        self.cells: dict[tuple[str, ...], set[tuple[int, int]]] = {}
        self.spans: dict[tuple[str, ...], list[CellRange]] = {}

    def add(self, key: tuple[str, ...], cell_range: str, **rule: object) -> None:
        if key not in self.rules:
            dv = DataValidation(allow_blank=True, showErrorMessage=True, **rule)  # type: ignore[arg-type]
            self.ws.add_data_validation(dv)
            self.rules[key], self.cells[key], self.spans[key] = dv, set(), []
        new = CellRange(cell_range)
        corner = (new.min_col, new.min_row)
        single = corner == (new.max_col, new.max_row)
        if (single and corner in self.cells[key]) or any(new <= s for s in self.spans[key]):
            return
        self.rules[key].sqref.ranges.add(new)
        if single:
            self.cells[key].add(corner)
        else:
            self.spans[key].append(new)


class _Lists:
    """The hidden ``Lists`` sheet: one column of labels per choice list, each a named range."""

    def __init__(self, wb: Workbook):
        self.wb = wb
        self.ws = wb.create_sheet(LISTS_SHEET)
        self.ws.sheet_state = "hidden"
        self.names: dict[str, str] = {}

    def name_for(self, list_id: str, values: Sequence[str | int]) -> str:
        if list_id in self.names:
            return self.names[list_id]
        col = len(self.names) + 1
        letter = get_column_letter(col)
        self.ws.cell(1, col, list_id).font = Font(bold=True)
        for i, value in enumerate(values, start=2):
            cell = self.ws.cell(i, col, value)
            cell.data_type = "s" if isinstance(value, str) else cell.data_type
        self.ws.column_dimensions[letter].width = min(
            max(len(str(v)) for v in [list_id, *values]) + 2, 70
        )
        name = f"list_{list_id}"
        ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)
        self.names[list_id] = name
        return name


def _list_rule(name: str, texts: FormTexts, message: str) -> dict[str, object]:
    return {
        "type": "list",
        "formula1": name,
        "errorTitle": texts("title_pick"),
        "error": message,
    }


def _number_rule(f: FormField, texts: FormTexts) -> dict[str, object]:
    kind = "whole" if f.type == "integer" else "decimal"
    if f.min is not None and f.max is not None:
        op: dict[str, object] = {
            "operator": "between",
            "formula1": number_text(f.min),
            "formula2": number_text(f.max),
        }
    elif f.min is not None:
        op = {"operator": "greaterThanOrEqual", "formula1": number_text(f.min)}
    elif f.max is not None:
        op = {"operator": "lessThanOrEqual", "formula1": number_text(f.max)}
    else:
        op = {"operator": "between", "formula1": "-1000000000000", "formula2": "1000000000000"}
    key = "enter_whole_number" if kind == "whole" else "enter_number"
    return {
        "type": kind,
        **op,
        "errorTitle": texts("title_not_number"),
        "error": tidy(texts(key, range=texts.range(f.min, f.max))),
    }


def field_help(survey: Survey, registry: Registry, f: FormField) -> str:
    """The text of the Help column of the offline questionnaire for a question, in the
    language ``survey`` is written in (:meth:`~pipeline.spec.Survey.in_language`)."""
    texts = form_texts(survey)
    parts = [f.hint] if f.hint else []
    if is_rank(survey, f):
        parts.append(tidy(texts("rank_rule", range=texts.range(f.min, f.max))))
    elif f.type in {"select_one", "entity"}:
        parts.append(texts("help_pick"))
    elif f.is_multiple:
        parts.append(texts("help_multiple", yes=texts("yes")))
    elif f.type == "email":
        parts.append(texts("help_email"))
    elif f.type in {"integer", "decimal"}:
        key = "help_whole_number" if f.type == "integer" else "help_number"
        parts.append(tidy(texts(key, range=texts.range(f.min, f.max))))
    if f.skip_field:
        skip = survey.field(f.skip_field)
        value = dict(field_options(survey, registry, skip)).get(f.skip_value or "", f.skip_value)
        parts.append(texts("help_skip", answer=value))
    if f.required:
        parts.append(texts("help_required"))
    return " ".join(parts)


def answers_sheet_title(survey: Survey) -> str:
    """The title of the Answers sheet in the language ``survey`` is written in."""
    return form_texts(survey)("answers_sheet")


def _style_header(cells: Sequence[Cell]) -> None:
    for cell in cells:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = _BOX


def _print_setup(ws: Worksheet, title_rows: str | None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def _repeat_example(survey: Survey, registry: Registry) -> str:
    """Two answers of a repeat section's first multiple-choice question, as typed in one
    cell (``Africa; Asia and the Pacific``), in the survey's language."""
    for section in survey.repeat_sections:
        for f in survey.fields(section):
            if f.type == "select_multiple":
                labels = [lbl for _, lbl in field_options(survey, registry, f)]
                two = labels[1:3] if len(labels) > 2 else labels[:2]
                return f"{MULTI_SEPARATOR} ".join(two)
    return ""


def _entities_example(registry: Registry) -> str:
    return f"{MULTI_SEPARATOR} ".join(registry.acronyms()[i] for i in registry.ids[:2])


def _instructions(wb: Workbook, survey: Survey, registry: Registry, repeat_titles: list[str]) -> None:
    texts = form_texts(survey)
    ws = wb.active
    ws.title = texts("instructions_sheet")
    ws.column_dimensions["A"].width = 110
    noun, plural = survey.model.entity_noun, survey.model.entity_plural
    fields = survey.fields("all")
    steps = [
        texts("fill_answers", answers=texts("answers_sheet"), answer=texts("column_answer")),
    ]
    if any(f.is_multiple for f in survey.fields()):
        steps.append(texts("fill_multiple", yes=texts("yes")))
    if any(is_rank(survey, f) for f in fields):
        steps.append(texts("fill_ranks"))
    steps.append(texts("fill_date", date_completed=texts("date_completed")))
    if repeat_titles:
        text = texts(
            "fill_repeats",
            sheets=" / ".join(repeat_titles),
            separator=MULTI_SEPARATOR,
            example=_repeat_example(survey, registry),
        )
        if any(f.type == "entities" for s in survey.repeat_sections for f in survey.fields(s)):
            text += " " + texts("fill_repeats_entities", plural=plural, example=_entities_example(registry))
        steps.append(text)
    lines: list[tuple[str, str]] = [
        ("title", texts("questionnaire_title", title=survey.title)),
        ("text", survey.model.subtitle),
        ("text", texts("form_version", version=survey.model.form_version)),
        ("head", texts("what_to_fill")),
        *(("text", f"{n}. {step}") for n, step in enumerate(steps, start=1)),
        ("head", texts("send_back")),
        ("text", texts("send_back_text", noun=noun)),
        ("text", texts("keep_layout")),
        ("head", texts("your_data")),
        ("text", texts("your_data_text", plural=plural)),
    ]
    for i, (kind, text) in enumerate(lines, start=1):
        cell = ws.cell(i, 1, text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind == "title":
            cell.font = Font(bold=True, size=16, color="1F4E79")
            ws.row_dimensions[i].height = 26
        elif kind == "head":
            cell.font = Font(bold=True, size=12, color="1F4E79")
            ws.row_dimensions[i].height = 24
        elif text:
            # spreadsheet programs do not grow a row for wrapped text on opening a file
            ws.row_dimensions[i].height = 15 * math.ceil(len(text) / 115) + 4
    ws.sheet_view.showGridLines = False
    _print_setup(ws, None)


def _about(wb: Workbook, survey: Survey) -> None:
    ws = wb.create_sheet(ABOUT_SHEET)
    rows = [
        ("kind", QUESTIONNAIRE_KIND),
        ("survey_id", survey.id),
        ("survey_title", survey.title),
        ("form_version", survey.model.form_version),
        ("language", survey.language),
        ("answers_sheet", answers_sheet_title(survey)),
        *((f"repeat:{s}", repeat_sheet_title(survey, s)) for s in survey.repeat_sections),
    ]
    for r, (key, value) in enumerate(rows, start=1):
        ws.cell(r, 1, key)
        ws.cell(r, 2, value).data_type = "s"
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 50
    ws.sheet_state = "hidden"


class _AnswersWriter:
    """Writes the Answers sheet row by row and records where each key's answer goes."""

    def __init__(self, wb: Workbook, survey: Survey, registry: Registry, lists: _Lists):
        self.survey, self.registry, self.lists = survey, registry, lists
        self.texts = form_texts(survey)
        self.ws = wb.create_sheet(self.texts("answers_sheet"), 1)
        self.dv = _Validations(self.ws)
        self.rows: dict[str, int] = {}
        self.rank_rows: dict[str, list[int]] = {}

    @property
    def next_row(self) -> int:
        return self.ws.max_row + 1

    def band(self, text: str, fill: PatternFill, size: int = 11) -> None:
        r = self.next_row
        for c in range(2, 6):
            self.ws.cell(r, c).fill = fill
        self.ws.cell(r, 2, text).font = Font(bold=True, size=size, color="1F4E79")
        self.ws.row_dimensions[r].height = 20

    def row(
        self,
        key: str | None,
        section: str,
        question: str,
        help_text: str = "",
        answer: bool = True,
        indent: int = 0,
    ) -> int:
        r = self.next_row
        ws = self.ws
        ws.cell(r, 1, key)
        ws.cell(r, 2, section).font = Font(color="7F7F7F", size=9)
        q = ws.cell(r, 3, question)
        q.alignment = Alignment(wrap_text=True, vertical="top", indent=indent)
        ws.cell(r, 5, help_text or None).font = Font(italic=True, color="595959", size=9)
        ws.cell(r, 2).alignment = Alignment(vertical="top")  # clipped: the bands name sections
        ws.cell(r, 5).alignment = _WRAP
        # spreadsheet programs do not grow rows for wrapped text when opening a file
        lines = max(
            math.ceil(len(question) / _WIDTHS["C"]),
            math.ceil(len(help_text) / (_WIDTHS["E"] * 1.25)),  # help is in a smaller font
            1,
        )
        if lines > 1:
            ws.row_dimensions[r].height = 15 * lines
        a = ws.cell(r, 4)
        a.alignment = _WRAP
        if answer:
            a.fill = _ANSWER_FILL
            a.border = _BOX
            a.protection = Protection(locked=False)
        if key:
            self.rows[key] = r
        return r

    def date_row(self) -> None:
        texts = self.texts
        r = self.row(DATE_KEY, texts("about_section"), texts("date_completed"), texts("date_help"))
        self.ws.cell(r, 4).number_format = "yyyy-mm-dd"
        self.dv.add(
            ("date",),
            f"D{r}",
            type="date",
            operator="greaterThanOrEqual",
            formula1="36526",
            errorTitle=texts("title_not_date"),
            error=texts("enter_date"),
        )

    def field(self, f: FormField, section_label: str) -> None:
        survey, registry, texts = self.survey, self.registry, self.texts
        mark = " *" if f.required else ""
        help_text = field_help(survey, registry, f)
        if f.is_multiple:
            self.row(None, section_label, f.label + mark, help_text, answer=False)
            yes, no = texts("yes"), texts("no")
            self.ws.cell(self.ws.max_row, 4, texts("yes_for_each", yes=yes)).font = Font(
                italic=True, color="7F7F7F"
            )
            for name, label in field_options(survey, registry, f):
                r = self.row(f"{f.name}/{name}", section_label, label, indent=2)
                self.dv.add(
                    ("yes_no",),
                    f"D{r}",
                    type="list",
                    formula1=f'"{yes},{no}"',
                    errorTitle=texts("title_yes_no", yes=yes, no=no),
                    error=texts("choose_yes_no", yes=yes, no=no),
                )
            return
        r = self.row(f.name, section_label, f.label + mark, help_text)
        cell = f"D{r}"
        if f.type in {"select_one", "entity"}:
            options = field_options(survey, registry, f)
            name = self.lists.name_for(f.list_name or "", [lbl for _, lbl in options])
            message = (
                texts("pick_entity", a_noun=article(survey.model.entity_noun))
                if f.type == "entity"
                else texts("pick_answer")
            )
            self.dv.add(("list", name), cell, **_list_rule(name, texts, message))
        elif is_rank(survey, f):
            n = int(f.max or 0)
            name = self.lists.name_for(f"rank_{n}", list(range(1, n + 1)))
            self.dv.add(("list", name), cell, **_list_rule(name, texts, texts("pick_rank")))
            self.rank_rows.setdefault(f.question, []).append(r)
        elif f.type in {"integer", "decimal"}:
            self.dv.add(("number", f.name), cell, **_number_rule(f, texts))
        elif f.type == "email":
            self.dv.add(
                ("email", f.name),
                cell,
                type="custom",
                formula1=f'ISNUMBER(SEARCH("@",{cell}))',
                errorTitle=texts("title_not_email"),
                error=texts("enter_email"),
            )

    def finish(self) -> None:
        ws = self.ws
        for rows in self.rank_rows.values():  # a rank used twice turns red
            top, bottom = min(rows), max(rows)
            ws.conditional_formatting.add(
                f"D{top}:D{bottom}",
                FormulaRule(
                    formula=[f"COUNTIF($D${top}:$D${bottom},D{top})>1"], fill=_DUPLICATE_FILL
                ),
            )
        for letter, width in _WIDTHS.items():
            ws.column_dimensions[letter].width = width
        ws.column_dimensions["A"].hidden = True
        ws.freeze_panes = "C4"
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
        ws.sheet_view.showGridLines = False
        _print_setup(ws, "3:3")
        ws.print_area = f"B1:E{ws.max_row}"


def _answers_sheet(
    wb: Workbook, survey: Survey, registry: Registry, lists: _Lists
) -> dict[str, int]:
    w = _AnswersWriter(wb, survey, registry, lists)
    ws, texts = w.ws, w.texts
    ws.cell(1, 2, texts("questionnaire_title", title=survey.title)).font = Font(
        bold=True, size=14, color="1F4E79"
    )
    ws.cell(
        2,
        2,
        texts(
            "answers_note",
            answer=texts("column_answer"),
            instructions=texts("instructions_sheet"),
        ),
    ).font = Font(italic=True)
    heads = [KEY_HEADER, *(texts(f"column_{c}") for c in ("section", "question", "answer", "help"))]
    for c, title in enumerate(heads, start=1):
        ws.cell(3, c, title)
    _style_header([ws.cell(3, c) for c in range(1, 6)])
    w.date_row()
    main = survey.fields()
    for section in survey.model.sections:
        fields = [f for f in main if f.section == section.id]
        if not fields:
            continue
        w.band(section.label, _SECTION_FILL, size=12)
        if section.per_dimension:
            for item in survey.dimension_items(section.per_dimension):
                w.band(item.label, _SUBSECTION_FILL)
                for f in fields:
                    if f.dimension == item.id:
                        w.field(f, section.label)
        else:
            for f in fields:
                w.field(f, section.label)
    w.finish()
    return w.rows


def _repeat_comment(survey: Survey, registry: Registry, f: FormField) -> str:
    texts = form_texts(survey)
    help_text = field_help(survey, registry, f)
    if f.type == "entities":
        help_text = texts(
            "note_entities",
            noun=survey.model.entity_noun,
            separator=MULTI_SEPARATOR,
            example=_entities_example(registry),
        )
    elif f.is_multiple:
        labels = [lbl for _, lbl in field_options(survey, registry, f)]
        help_text = texts(
            "note_multiple", separator=MULTI_SEPARATOR, choices=f"{MULTI_SEPARATOR} ".join(labels)
        )
    return help_text


def _repeat_sheet(
    wb: Workbook, survey: Survey, registry: Registry, lists: _Lists, section_id: str, n_rows: int
) -> RepeatLayout:
    """A table with a hidden row of field names, a header row of labels and ``n_rows`` rows."""
    title = repeat_sheet_title(survey, section_id)
    texts = form_texts(survey)
    ws = wb.create_sheet(title)
    dv = _Validations(ws)
    fields = survey.fields(section_id)
    first, last = 3, 2 + n_rows
    ws.cell(1, 1, ROW_NUMBER_KEY)
    ws.cell(2, 1, "#")
    columns: dict[str, int] = {}
    for c, f in enumerate(fields, start=2):
        columns[f.name] = c
        letter = get_column_letter(c)
        ws.cell(1, c, f.name)
        head = ws.cell(2, c, f.label + (" *" if f.required else ""))
        note = _repeat_comment(survey, registry, f)
        if note:
            head.comment = Comment(note, "emg-pipeline", width=320, height=160)
        span = f"{letter}{first}:{letter}{last}"
        if f.type in {"select_one", "entity"}:
            options = field_options(survey, registry, f)
            name = lists.name_for(f.list_name or "", [lbl for _, lbl in options])
            dv.add(("list", name), span, **_list_rule(name, texts, texts("pick_answer")))
        elif f.type in {"integer", "decimal"}:
            dv.add(("number", f.name), span, **_number_rule(f, texts))
        wide = f.type == "text" or f.is_multiple
        ws.column_dimensions[letter].width = 40 if wide else max(14, min(len(f.label) + 4, 28))
    _style_header([ws.cell(2, c) for c in range(1, len(fields) + 2)])
    for r in range(first, last + 1):
        ws.cell(r, 1, r - first + 1).font = Font(color="7F7F7F")
        for c in range(2, len(fields) + 2):
            cell = ws.cell(r, c)
            cell.fill = _ANSWER_FILL
            cell.border = _BOX
            cell.alignment = _WRAP
    ws.column_dimensions["A"].width = 5
    ws.row_dimensions[1].hidden = True
    ws.row_dimensions[2].height = 32
    ws.freeze_panes = "B3"
    _print_setup(ws, "2:2")
    return RepeatLayout(sheet=title, columns=columns, first_row=first, n_rows=n_rows)


def build_questionnaire(
    survey: Survey, registry: Registry, repeat_rows: Mapping[str, int] | None = None
) -> tuple[Workbook, QuestionnaireLayout]:
    """The empty offline questionnaire as an openpyxl workbook, and where each answer goes.

    ``repeat_rows`` asks for more than :data:`PROJECT_ROWS` rows in a repeat sheet.
    """
    wb = Workbook()
    repeat_titles = [repeat_sheet_title(survey, s) for s in survey.repeat_sections]
    _instructions(wb, survey, registry, repeat_titles)
    lists = _Lists(wb)
    layout = QuestionnaireLayout(answer_rows=_answers_sheet(wb, survey, registry, lists))
    for section_id in survey.repeat_sections:
        n = max(PROJECT_ROWS, (repeat_rows or {}).get(section_id, 0))
        layout.repeats[section_id] = _repeat_sheet(wb, survey, registry, lists, section_id, n)
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    _about(wb, survey)
    wb.active = 0
    wb.properties.title = form_texts(survey)("questionnaire_title", title=survey.title)
    wb.properties.creator = "emg-pipeline"
    wb.properties.created = dt.datetime(2000, 1, 1)
    return wb, layout


def save_workbook(wb: Workbook, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_questionnaire(survey: Survey, registry: Registry, path: Path) -> Path:
    """Write the empty offline Excel questionnaire of ``survey`` to ``path`` and return it."""
    wb, _ = build_questionnaire(survey, registry)
    return save_workbook(wb, path)
