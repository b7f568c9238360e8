"""The Arrow read of a workbook (pipeline/ingest/arrow_grid.py) gives the same text grids,
cell for cell, as calamine's cells converted one by one, and the same round, issues and all.

The fixtures are Kobo XLSX exports as formpack writes them (xlsxwriter, ``write()`` per
cell: whole numbers and decimals stay numbers, an answer typed with '=' becomes a formula,
dates get a date format), one re-saved by a script (openpyxl: shared strings, formulas
without saved values), and cells Kobo never writes but an analyst's Excel may: booleans,
times, durations, a table that starts below and right of A1.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from real_exports import kobo_export_tables, write_formpack_xlsx

from pipeline.errors import IssueLog
from pipeline.ingest import detect, safe
from pipeline.ingest.arrow_grid import text_grids
from pipeline.ingest.cell_types import CellTypes
from pipeline.ingest.round_reader import read_round
from pipeline.registry import Registry
from pipeline.spec import Survey

xlsxwriter = pytest.importorskip("xlsxwriter")

Example = tuple[pd.DataFrame, dict[str, pd.DataFrame]]
# answers an analyst's export may hold besides Kobo's own: (value, how xlsxwriter writes it)
ODD_CELLS: list[object] = [
    29.020000000000003,  # a decimal Excel saves with 17 digits
    1.5e-05,  # Python writes it with an exponent, fastexcel without
    -0.0,
    1e20,
    1.2345678901234567e25,
    123456789.123,
    0.1,
    "12.0",  # a number stored as text stays as typed
    "007",
    "  padded text  ",
    "=SUM of the budgets",  # Kobo's formula cell (saved value 0)
    "",
    dt.datetime(2026, 3, 4),
    dt.datetime(2026, 3, 4, 10, 30, 5),
    "2026-03-04 00:00:00",  # a date-time typed as text
    "true",
]


def _kobo_export(path: Path, example: Example, survey: Survey, registry: Registry) -> Path:
    main, repeats = example
    tables = kobo_export_tables(main, repeats, survey, registry)
    first = next(iter(tables.values()))
    n = len(first["_index"])
    for i, value in enumerate(ODD_CELLS):  # one odd answer per column, rows in turn
        first[f"extra_{i}"] = [value if r == i % n else None for r in range(n)]
    first["extra_bool"] = [True, False] + [None] * (n - 2)
    return write_formpack_xlsx(tables, path)


def _calamine_grids(path: Path) -> dict[str, pd.DataFrame]:
    """The reference: calamine's Python cells converted to text one by one."""
    book = CalamineWorkbook.from_path(str(path))
    return {
        name: detect._text_grid(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
        for name in book.sheet_names
    }


def _arrow_grids(path: Path) -> dict[str, pd.DataFrame | None]:
    assert safe.check_file(path, path.name) is None
    scans = safe.worksheet_scans(path)
    assert scans is not None
    return text_grids(path, scans)


def _assert_same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, slow, check_index_type=False, check_column_type=False)


def test_kobo_export_arrow_grids_equal_calamine_cells(
    tmp_path: Path, example: Example, survey: Survey, registry: Registry
) -> None:
    path = _kobo_export(tmp_path / "kobo.xlsx", example, survey, registry)
    fast, slow = _arrow_grids(path), _calamine_grids(path)
    assert list(fast) == list(slow)
    for name, grid in fast.items():
        assert grid is not None, f"sheet '{name}' was not read through Arrow"
        _assert_same(grid, slow[name])
    main = next(iter(fast.values()))
    assert main is not None
    cells = set(main.stack().tolist())
    # the cells fastexcel writes otherwise came out as calamine's
    assert {"1.5e-05", "100000000000000000000", "True", "False", "12.0", "007"} <= cells
    assert {"123456789.123", "0.1", "29.02"} <= cells  # xlsxwriter saves 16 digits
    assert {"2026-03-04", "2026-03-04T10:30:05", "padded text", "0"} <= cells
    assert "-0" not in cells and "true" in cells  # the text 'true' stays as typed


def test_resaved_workbook_with_shared_strings_equal(
    tmp_path: Path, example: Example, survey: Survey, registry: Registry
) -> None:
    path = _kobo_export(tmp_path / "kobo.xlsx", example, survey, registry)
    book = openpyxl.load_workbook(path)  # shared strings, formulas without a saved value
    book.active["C2"] = 0.1234567891234  # fastexcel would write 0.123456789
    book.active["D3"] = "=1+1"
    book.save(tmp_path / "resaved.xlsx")
    fast, slow = _arrow_grids(tmp_path / "resaved.xlsx"), _calamine_grids(tmp_path / "resaved.xlsx")
    for name, grid in fast.items():
        assert grid is not None
        _assert_same(grid, slow[name])
    main = next(iter(fast.values()))
    assert main is not None and main.iat[1, 2] == "0.1234567891234"


def test_times_and_durations_are_left_to_calamine(tmp_path: Path) -> None:
    """fastexcel writes a time of day or a duration as a date of 1899/1900: such a sheet
    is not read through Arrow, and the grids still come out as calamine's."""
    path = tmp_path / "times.xlsx"
    book = xlsxwriter.Workbook(str(path))
    plain, timed = book.add_worksheet("plain"), book.add_worksheet("timed")
    plain.write_row(0, 0, ["name", "amount"])
    plain.write_row(1, 0, ["a", 2.5])
    timed.write_row(0, 0, ["name", "time", "hours"])
    timed.write(1, 0, "a")
    timed.write_datetime(1, 1, dt.time(10, 30), book.add_format({"num_format": "hh:mm"}))
    timed.write_number(1, 2, 1.5, book.add_format({"num_format": "[h]:mm"}))
    book.close()
    fast = _arrow_grids(path)
    assert fast["plain"] is not None and fast["timed"] is None
    detect._GRIDS.clear()
    grids = detect.workbook_grids(path)
    slow = _calamine_grids(path)
    for name in ("plain", "timed"):
        _assert_same(grids[name], slow[name])
    assert grids["timed"].iat[1, 1] == "10:30:00"


def test_table_away_from_a1_keeps_the_rows_a_person_sees(tmp_path: Path) -> None:
    path = tmp_path / "offset.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C3"], sheet["D3"] = "_uuid", "_submission_time"
    sheet["C4"], sheet["D4"] = "u1", 4.0
    sheet["E5"] = 0.5
    book.save(path)
    assert _arrow_grids(path)[sheet.title] is None  # not from A1: the calamine way
    detect._GRIDS.clear()
    grid = detect.workbook_grids(path)[sheet.title]
    _assert_same(grid, _calamine_grids(path)[sheet.title])
    assert grid.shape == (5, 5) and grid.iat[2, 2] == "_uuid" and grid.iat[4, 4] == "0.5"


def test_cell_types_found_across_block_boundaries(tmp_path: Path) -> None:
    """The special cells are the same whether the part comes in one block or in pieces
    that cut rows, tags and values anywhere."""
    xml = (
        b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1.5</v></c></row>'
        b'<row r="2"><c r="A2" t="b"><v>1</v></c><c r="B2" s="3"><v>7</v></c>'
        b'<c r="C2"><f>SUM(A1)</f><v>-0</v></c><c r="D2" t="str"><f>A1</f><v>x.y</v></c></row>'
        b'<row r="3"><c r="AB3" s="1"><v>2.5E-7</v></c></row></sheetData>'
    )
    whole = CellTypes("sheet1")
    whole.feed(xml)
    whole.finish()
    assert whole.cells == [(1, 2, "n", "1.5"), (2, 1, "b", "1"), (2, 3, "n", "-0"), (3, 28, "n", "2.5E-7")]
    for size in (1, 7, 30):
        pieces = CellTypes("sheet1")
        for i in range(0, len(xml), size):
            pieces.feed(xml[i : i + size])
        pieces.finish()
        assert pieces.cells == whole.cells and not pieces.unsure
    dated = CellTypes("sheet1")
    dated.feed(b'<row r="1"><c r="A1" t="d"><v>2026-01-01T00:00:00</v></c></row>')
    assert "type 'd'" in dated.unsure


def test_round_read_through_arrow_equals_calamine_read(
    tmp_path: Path,
    example: Example,
    survey: Survey,
    registry: Registry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole round (tables, issues: formula warnings, unknown columns...) is the same
    with and without the Arrow read."""
    folder = tmp_path / "round"
    _kobo_export(folder / "kobo.xlsx", example, survey, registry)

    def read() -> tuple[pd.DataFrame, dict[str, pd.DataFrame], list[object]]:
        detect._GRIDS.clear()
        log = IssueLog()
        raw = read_round(folder, survey, registry, log)
        return raw.main, raw.repeats, log.issues

    fast = read()
    monkeypatch.setattr(detect, "ARROW_READ", False)
    slow = read()
    pd.testing.assert_frame_equal(fast[0], slow[0])
    assert fast[1].keys() == slow[1].keys()
    for section, frame in fast[1].items():
        pd.testing.assert_frame_equal(frame, slow[1][section])
    assert fast[2] == slow[2]
    assert any(i.code == "formula-cell" for i in fast[2])  # type: ignore[attr-defined]
