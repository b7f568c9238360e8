"""Worksheets read by fastexcel into Arrow, as the same grids of clean text the calamine
path builds, without a Python object per cell.

:func:`pipeline.ingest.detect._text_grid` turns calamine's Python values into text one
cell at a time (whole numbers without ``.0``, dates as date-times, ``True``/``False``),
then cleans it (:func:`~pipeline.ingest.headers.clean_text`). Here fastexcel reads each
sheet with every column as text, in Rust, and the cleaning runs on whole Arrow columns.
fastexcel's text is the calamine path's for text cells, whole numbers and dates; for the
few cells where it is not (numbers with decimals, booleans, minus zero: see
:mod:`pipeline.ingest.cell_types`) the exact text is derived from the value saved in the
file, which the safety check found while it read the sheet's XML. A sheet where that is
not sure (an ISO date cell, a time or duration cell, an unusual layout) is left to the
calamine path: :func:`text_grids` gives None for it.

The grid starts at A1 like calamine's ``to_python(skip_empty_area=False)``; fastexcel
starts at the first filled cell. A sheet is read through Arrow only when fastexcel's table
ends where the safety check found the last cell and so starts at A1 (as every export
does); a table placed lower or further right goes the calamine way.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.ingest import source
from pipeline.ingest.cell_types import CellTypes
from pipeline.ingest.extent import SheetScan
from pipeline.ingest.headers import clean_text

_DATE_LIKE = re.compile(r"^(\d{4})-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
FIRST_SURE_YEAR = 1901  # fastexcel writes times and durations as dates of 1899/1900
_STRING = pd.StringDtype()


def text_grids(
    path: Path, scans: dict[str, tuple[SheetScan, CellTypes]], max_sheets: int | None = None
) -> dict[str, pd.DataFrame | None]:
    """``{sheet: grid of clean text}`` of the worksheets named in ``scans`` (workbook
    order, the first ``max_sheets``), None for a sheet the Arrow read cannot give exactly.
    Raises what fastexcel raises on a damaged file."""
    import fastexcel

    reader = fastexcel.read_excel(source.read_bytes(path))
    grids: dict[str, pd.DataFrame | None] = {}
    for name, (scan, types) in list(scans.items())[:max_sheets]:
        if types.unsure or scan.slow:
            grids[name] = None
            continue
        grids[name] = _sheet_grid(reader, name, scan, types)
    return grids


def _sheet_grid(reader, name: str, scan: SheetScan, types: CellTypes) -> pd.DataFrame | None:  # type: ignore[no-untyped-def]
    if not scan.cells:
        return pd.DataFrame().astype(_STRING)
    sheet = reader.load_sheet(name, header_row=None, dtypes="string")
    batch = sheet.to_arrow()
    top, left = scan.rows - batch.num_rows, scan.columns - batch.num_columns
    if top or left:  # not from A1, or a cell the scan counts and calamine does not
        return None
    raw = [batch.column(i) for i in range(batch.num_columns)]
    fixed = _special_texts(raw, types, top, left)
    if fixed is None:
        return None
    columns: dict[int, pd.Series] = {}
    for i, column in enumerate(raw):
        text = _clean_column(column)
        if text is None:
            return None
        if i in fixed:
            rows, values = fixed[i]
            text = pc.replace_with_mask(
                text, _mask(len(text), rows), pa.array(values, type=pa.string())
            )
        columns[left + i] = pd.Series(pd.arrays.ArrowStringArray(text), copy=False)
    grid = pd.DataFrame(columns)
    grid.index = pd.RangeIndex(len(grid))
    return grid.astype(_STRING)


def _mask(n: int, rows: list[int]) -> pa.Array:
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return pa.array(mask)


def _clean_column(column: pa.Array) -> pa.Array | None:
    """Stripped text, null when empty, Excel date-times as ISO 8601 (the calamine path's
    ``_clean_text``, on a whole column; the few date-times go through it cell by cell).
    None when a date-time is one the calamine path writes otherwise (a time, a duration)."""
    text = pc.utf8_trim_whitespace(column)
    size = pc.binary_length(text)
    text = pc.if_else(pc.equal(size, 0), pa.scalar(None, pa.string()), text)
    long = pc.fill_null(pc.greater_equal(size, 19), False)  # a date-time has 19 characters
    if not pc.any(long).as_py():
        return text
    where = pa.array(np.flatnonzero(long.to_numpy(zero_copy_only=False)))
    candidates = text.take(where)
    dated = pc.and_(
        pc.greater_equal(pc.utf8_length(candidates), 19),
        pc.and_(
            pc.equal(pc.utf8_slice_codeunits(candidates, 4, 5), "-"),
            pc.equal(pc.utf8_slice_codeunits(candidates, 10, 11), " "),
        ),
    )
    if not pc.any(dated).as_py():
        return text
    values = pc.filter(candidates, dated).to_pylist()
    for value in values:
        found = _DATE_LIKE.match(value)
        if found and int(found[1]) < FIRST_SURE_YEAR:
            return None
    mask = np.zeros(len(text), dtype=bool)
    mask[pc.filter(where, dated).to_numpy()] = True
    cleaned = pa.array([clean_text(v) for v in values], type=pa.string())
    return pc.replace_with_mask(text, pa.array(mask), cleaned)


def _special_texts(
    raw: list[pa.Array], types: CellTypes, top: int, left: int
) -> dict[int, tuple[list[int], list[str | None]]] | None:
    """``{column: (rows, texts)}`` (0-based in the Arrow read) of the special cells, each
    as the calamine path writes it before cleaning; None when one is not sure."""
    fixed: dict[int, tuple[list[int], list[str | None]]] = {}
    for row, column, kind, saved in types.cells:
        r, c = row - 1 - top, column - 1 - left
        if not (r >= 0 and 0 <= c < len(raw) and r < len(raw[c])):
            return None
        shown = raw[c][r].as_py()
        text = _exact_text(kind, saved, shown)
        if text is False:
            return None
        rows, texts = fixed.setdefault(c, ([], []))
        rows.append(r)
        texts.append(text)
    return {c: _cleaned(v) for c, v in fixed.items()}


def _cleaned(pair: tuple[list[int], list[str | None]]) -> tuple[list[int], list[str | None]]:
    rows, texts = pair
    return rows, [None if t is None else clean_text(t) for t in texts]


def _exact_text(kind: str, saved: str, shown: str | None) -> str | bool | None:
    """The text the calamine path gives a special cell (before cleaning), or False when
    it cannot be told from the saved value and fastexcel's text."""
    if kind == "b":
        return {"1": "True", "0": "False"}.get(saved.strip(), False)
    if shown is None:
        return False  # a number fastexcel could not write: a duration, an error
    dated = _DATE_LIKE.match(shown)
    if dated:  # a number with a date format: calamine's date-time, unless a fraction
        return shown if int(dated[1]) >= FIRST_SURE_YEAR and len(shown) == 19 else False
    try:
        value = float(saved)
    except ValueError:
        return False
    if not math.isfinite(value):
        return False
    return str(int(value)) if value.is_integer() else str(value)
