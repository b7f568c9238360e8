"""Formula cells of an .xlsx, read from the worksheet XML (calamine gives only values).

KoboToolbox writes its XLSX exports with xlsxwriter's ``write()``, which turns any text
that starts with ``=`` into a formula cell whose saved value is 0: an answer typed as
``=SUM of the budgets`` arrives as ``<f>SUM of the budgets</f><v>0</v>``, and reading the
value would turn the answer into ``0``. Spreadsheets written by scripts (openpyxl) hold
formulas without any saved value. :func:`formula_cells` finds every formula cell, with
its text (as typed, without the leading ``=``) and whether a value was saved, so that the
readers can read what was typed and say which cells they are.

Only worksheets whose XML holds a formula element are parsed (with defusedxml); the
others are only scanned for one.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from defusedxml.ElementTree import fromstring, iterparse

from pipeline.ingest import source

MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
CHUNK = 1 << 20


@dataclass(frozen=True)
class FormulaCell:
    """A formula cell: its row and column as a person sees them (1-based), the formula
    as typed without the leading ``=`` ("" for a shared formula's copies) and whether
    the file holds a saved value for it."""

    row: int
    column: int
    text: str
    has_value: bool


def formula_cells(path: Path) -> dict[str, list[FormulaCell]]:
    """``{sheet name: formula cells}`` of the worksheets holding any. The file must have
    passed :func:`pipeline.ingest.safe.check_file`. Never raises: a part that cannot be
    read gives no cells (the value reader reports a damaged file)."""
    try:
        with zipfile.ZipFile(source.open_binary(path)) as archive:
            found: dict[str, list[FormulaCell]] = {}
            for name, part in _sheet_parts(archive).items():
                if part in archive.namelist() and _has_formula(archive, part):
                    cells = _cells(archive, part)
                    if cells:
                        found[name] = cells
            return found
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, SyntaxError):
        return {}


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the zip (``xl/worksheets/sheet1.xml``)."""
    book = fromstring(archive.read("xl/workbook.xml"))
    rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{PKG_REL_NS}Relationship")}
    parts: dict[str, str] = {}
    for sheet in book.iter(f"{MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{REL_NS}id"), "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        parts[sheet.get("name", "")] = posixpath.normpath(part)
    return parts


def _has_formula(archive: zipfile.ZipFile, part: str) -> bool:
    tail = b""
    with archive.open(part) as member:
        while block := member.read(CHUNK):
            data = tail + block
            # a sheet without formulas seldom holds an 'f' at all: the byte search is ten
            # times the tag search, which runs only where an 'f' is
            if b"f" in data and FORMULA_TAG.search(data):
                return True
            tail = block[-8:]
    return False


def _cells(archive: zipfile.ZipFile, part: str) -> list[FormulaCell]:
    cells: list[FormulaCell] = []
    with archive.open(part) as member:
        for _, element in iterparse(member, events=("end",)):
            if element.tag != f"{MAIN_NS}c":
                continue
            formula = element.find(f"{MAIN_NS}f")
            if formula is not None:
                match = CELL_REF.match(element.get("r", ""))
                if match:
                    value = element.find(f"{MAIN_NS}v")
                    cells.append(
                        FormulaCell(
                            row=int(match.group(2)),
                            column=_column_number(match.group(1)),
                            text=formula.text or "",
                            has_value=value is not None and bool(value.text),
                        )
                    )
            element.clear()
    return cells


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number
