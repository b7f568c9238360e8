"""The desk-mapping template (.xlsx) an analyst fills from documents and websites.

Sheets: ``Instructions`` (what each column holds, how the file is used), ``Initiatives``
(a header row, dropdowns for the entity and the type, whole-number rules for the years),
``Lists`` (every valid value, label and name) and a hidden ``_emg`` sheet with the file's
key (kind, survey id, template version) by which the run recognises a filled copy.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.desk.columns import (
    DATA_SHEET,
    INSTRUCTIONS_SHEET,
    KEY_SHEET,
    KIND,
    LISTS_SHEET,
    SEPARATOR,
    TEMPLATE_VERSION,
    DeskColumn,
    desk_columns,
)
from pipeline.registry import Registry
from pipeline.spec import Survey

ROWS = 500  # rows the dropdowns and rules cover
_HEADER_FILL = PatternFill("solid", start_color="1F4E79")
_WRAP = Alignment(wrap_text=True, vertical="top")


def list_values(survey: Survey, registry: Registry, column: DeskColumn) -> list[str]:
    """What a column's cells may hold, as the template offers it (labels; acronyms)."""
    if column.kind == "entity":
        return [registry.acronym(e) for e in registry.ids]
    if column.list_name:
        return [c.label for c in survey.choices(column.list_name)]
    return []


def write_desk_template(survey: Survey, registry: Registry, path: Path) -> Path:
    """Write the desk-mapping template of ``survey`` to ``path`` and return it."""
    columns = desk_columns(survey)
    wb = Workbook()
    _instructions(wb.active, survey, columns)
    data = wb.create_sheet(DATA_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    key = wb.create_sheet(KEY_SHEET)
    for r, (k, v) in enumerate(
        (("kind", KIND), ("survey_id", survey.id), ("template_version", TEMPLATE_VERSION),
         ("form_version", survey.model.form_version)),
        start=1,
    ):
        key.cell(r, 1, k)
        key.cell(r, 2, v)
    key.sheet_state = "hidden"

    for c, col in enumerate(columns, start=1):
        cell = data.cell(1, c, col.header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        width = 46 if col.key in {"title", "source_url", "notes"} else 22
        data.column_dimensions[get_column_letter(c)].width = width
    data.freeze_panes = "A2"
    data.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"

    list_col = 0
    for c, col in enumerate(columns, start=1):
        letter = get_column_letter(c)
        cells = f"{letter}2:{letter}{ROWS + 1}"
        values = list_values(survey, registry, col)
        if values:
            list_col += 1
            lc = get_column_letter(list_col)
            lists.cell(1, list_col, col.header).font = Font(bold=True)
            for i, value in enumerate(values, start=2):
                lists.cell(i, list_col, value)
            lists.column_dimensions[lc].width = max(len(v) for v in [col.header, *values]) + 2
            name = f"desk_{col.key}"
            ref = f"{quote_sheetname(LISTS_SHEET)}!${lc}$2:${lc}${len(values) + 1}"
            wb.defined_names[name] = DefinedName(name, attr_text=ref)
        if col.kind in {"entity", "choice"}:
            dv = DataValidation(
                type="list", formula1=f"desk_{col.key}", allow_blank=True, showErrorMessage=True,
                errorTitle="Pick from the list", error=f"Pick the {col.header.lower()} from the list.",
            )
        elif col.kind == "year":
            dv = DataValidation(
                type="whole", operator="between", formula1=str(col.min), formula2=str(col.max),
                allow_blank=True, showErrorMessage=True, errorTitle="Not a year",
                error=f"Enter a year from {col.min} to {col.max}.",
            )
        else:
            dv = None
        if dv is not None:
            data.add_data_validation(dv)
            dv.add(cells)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _instructions(ws, survey: Survey, columns: list[DeskColumn]) -> None:  # type: ignore[no-untyped-def]
    ws.title = INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    plural = survey.model.entity_plural
    ws.cell(1, 1, f"Desk mapping of initiatives: {survey.title}").font = Font(bold=True, size=14)
    lines = [
        f"List, one per row of the '{DATA_SHEET}' sheet, the initiatives of the {plural} found "
        "by desk research (reports, websites, project databases), with the source of each.",
        "Put the filled file in the round folder, data/raw/<survey>/<round>/, next to the "
        "exports and questionnaires: the run recognises it, checks every cell and names each "
        "problem by sheet, row and column.",
        f"Several values in one cell (topics, stages, regions) are separated by '{SEPARATOR}'. "
        f"The valid values are on the '{LISTS_SHEET}' sheet; labels or names both work.",
        f"An initiative that a {survey.model.entity_noun} also reported in the survey (same "
        f"{survey.model.entity_noun}, a similar title) is counted once, as the survey's; each "
        "such match is listed in the data-quality log and the Desk matches sheet of the "
        "results workbook.",
        f"{survey.model.entity_plural.capitalize()} listed here that did not answer the survey "
        "are shown as not responding: their initiatives are counted as desk research, never "
        "as answers.",
        f"Do not rename the sheets or the column headers, and keep the hidden '{KEY_SHEET}' "
        "sheet: it tells the run what this file is.",
    ]
    r = 3
    for line in lines:
        ws.cell(r, 1, "•")
        ws.cell(r, 2, line).alignment = _WRAP
        r += 1
    r += 1
    ws.cell(r, 1, "Column").font = Font(bold=True)
    ws.cell(r, 2, "What it holds").font = Font(bold=True)
    for col in columns:
        r += 1
        ws.cell(r, 1, col.header)
        ws.cell(r, 2, col.help + (" Required." if col.required else "")).alignment = _WRAP
