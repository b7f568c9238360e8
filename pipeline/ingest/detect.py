"""The protocol every reader follows, and the low-level loading the readers share.

Readers follow one protocol (:class:`Reader`): a short ``NAME``, a cheap ``can_read(path)``
that never raises, and ``read(path, rel, survey, registry, log)`` returning the canonical
``(main, repeats)`` tables. :mod:`pipeline.ingest.choose` lists them in detection order
and picks the one that takes a file.

Loading helpers: :func:`decode_text` (UTF-8 with or without BOM, UTF-16, falling back to
cp1252 with a warning), :func:`sniff_delimiter`, :func:`csv_header`, :func:`load_csv` and
:func:`load_workbook`, each producing :class:`~pipeline.ingest.headers.RawSheet` tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from pipeline.errors import IssueLog
from pipeline.ingest import source
from pipeline.ingest.formulas import FormulaCell, formula_cells
from pipeline.ingest.headers import (
    RawSheet,
    clean_text,
    excel_column,
    frame_to_sheet,
)
from pipeline.ingest.safe import (
    TEXT_SUFFIXES,
    WORKBOOK_SUFFIXES,
    check_file,
    reader_failure,
    utf16_without_bom,
)
from pipeline.registry import Registry
from pipeline.spec import Survey

ReadResult = tuple[pd.DataFrame, dict[str, pd.DataFrame]]
DELIMITERS = (";", ",", "\t")
SNIFF_BYTES = 64 * 1024
MAX_HEADER_BYTES = 16 * 2**20
MAX_FIELD_CHARS = 16 * 2**20  # a free-text cell may be long
MAX_ROW_ISSUES = 20
MAX_REMEMBERED = 100_000  # distinct cell values remembered while a workbook is read
ARROW_READ = True  # read workbooks through fastexcel/Arrow where exact (tests turn it off)


class Reader(Protocol):
    """What every reader module or object offers."""

    NAME: str

    def can_read(self, path: Path) -> bool: ...

    def read(
        self, path: Path, rel: str, survey: Survey, registry: Registry, log: IssueLog
    ) -> ReadResult: ...


@dataclass(frozen=True)
class ReaderSpec:
    """A reader made of two functions (when one module holds several readers)."""

    NAME: str
    can_read: Callable[[Path], bool]
    read: Callable[[Path, str, Survey, Registry, IssueLog], ReadResult]


# -- text files -----------------------------------------------------------------------------
def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes of a text file -> (text, encoding used). UTF-8 (BOM or not), UTF-16 with BOM,
    UTF-16 without BOM (``utf-16-le``/``utf-16-be``, recognised by its zero bytes, see
    :func:`~pipeline.ingest.safe.utf16_without_bom`), else cp1252 (which decodes any byte;
    the caller warns about the fallback)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    codec = utf16_without_bom(data[:SNIFF_BYTES])
    if codec:
        return data[: len(data) - len(data) % 2].decode(codec, errors="replace"), codec
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str) -> str:
    """The delimiter (``;``, ``,`` or tab) that splits the header into the most columns
    while the next rows agree with it."""
    best, best_key = ",", (-1.0, 0)
    for delim in DELIMITERS:
        try:
            rows = list(_rows(text, delim, limit=20))
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:-1] if len(rows) > 2 else rows[1:]  # the sample may cut the last row
        agree = sum(len(r) == width for r in body) / len(body) if body else 1.0
        key = (agree, width)
        if key > best_key:
            best, best_key = delim, key
    return best


def csv_reader(text: str, delim: str) -> Any:
    """A :func:`csv.reader` over ``text`` that takes fields of up to :data:`MAX_FIELD_CHARS`
    characters. The limit is the process's, set here before every parse (sniffing too), so
    that what a file gives never depends on what was read before it."""
    if csv.field_size_limit() < MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delim)


def _rows(text: str, delim: str, limit: int) -> Iterator[list[str]]:
    """The first ``limit`` rows of CSV text."""
    reader = csv_reader(text, delim)
    for i, row in enumerate(reader):
        if i >= limit:
            return
        yield row


def _head_text(path: Path) -> str:
    """The start of a text file, long enough to hold its header row and the next one
    (reads 64 KB, then more, up to 16 MB, when the header row is longer)."""
    size = SNIFF_BYTES
    while True:
        data = source.read_head(path, size)
        text, _ = decode_text(data)
        if len(data) < size or size >= MAX_HEADER_BYTES or _has_header_row(text):
            return text
        size *= 4


def _has_header_row(text: str) -> bool:
    """True when ``text`` holds a whole header row (of 2+ cells) and the start of the next."""
    for delim in DELIMITERS:
        try:
            rows = list(_rows(text, delim, limit=2))
        except csv.Error:
            continue
        if len(rows) >= 2 and len(rows[0]) >= 2:
            return True
    return False


def csv_header(path: Path) -> list[str] | None:
    """The header row of a text file (cheap: reads only the first rows), or None.

    Never raises.
    """
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return None
    try:
        text = _head_text(path)
        for row in _rows(text, sniff_delimiter(text), limit=1):
            return [h.strip() for h in row]
    except (OSError, csv.Error, UnicodeDecodeError):
        return None
    return None


def load_csv(path: Path, rel: str, log: IssueLog) -> RawSheet | None:
    """A CSV export as a :class:`RawSheet`; None (with an error logged) when unreadable.

    Logs a warning when the file is not UTF-8 and is read as Windows-1252.
    """
    problem = check_file(path, rel)
    if problem:
        log.add(problem)
        return None
    try:
        data = source.read_bytes(path)
    except OSError as exc:
        log.error("file-unreadable", f"cannot read the file: {exc}", file=rel)
        return None
    text, encoding = decode_text(data)
    if encoding == "cp1252":
        log.warning(
            "encoding-fallback",
            "the file is not UTF-8; it was read as Windows-1252 (Western European): check "
            "accented letters, or export it again as CSV UTF-8",
            file=rel,
        )
    if encoding.startswith("utf-16-"):
        log.info(
            "encoding-utf16",
            f"the file is UTF-16 text without a byte-order mark; read as {encoding.upper()} "
            "(save it as CSV UTF-8 to be sure)",
            file=rel,
        )
    delim = sniff_delimiter(text)
    reader = csv_reader(text, delim)
    rows: list[list[str]] = []
    lines: list[int] = []  # the line of the file each record starts on
    start = 1
    try:
        for row in reader:
            lines.append(start)
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        log.error(
            "csv-malformed",
            f"the CSV file cannot be parsed with delimiter '{delim}' ({exc}); check the quotes",
            file=rel,
            row=reader.line_num,
        )
        return None
    width = len(rows[0]) if rows else 0
    if _swallowed_records(rows, lines, width, delim, rel, log):
        return None
    widest = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([r + [""] * (widest - len(r)) for r in rows], dtype=object)
    if grid.shape[1] > width:
        _report_long_rows(grid, width, rel, log)
        grid = grid.iloc[:, :width]
    return frame_to_sheet(grid, rel, None)


def _swallowed_records(
    rows: list[list[str]], lines: list[int], width: int, delim: str, rel: str, log: IssueLog
) -> bool:
    """True, with an error, when a quote that is never closed made the csv module read
    whole records as the lines of one answer.

    The records are counted a second time without the csv module's quote rules: a line
    inside a multi-line answer that splits by itself into a full record (as many cells as
    the header, three or more) is a record that was swallowed. The error names the row
    (as a spreadsheet shows it) and the column where the quote opened."""
    if width < 3:
        return False
    for i, row in enumerate(rows):
        for c, cell in enumerate(row):
            if "\n" not in cell and "\r" not in cell:
                continue
            inner = cell.splitlines()[1:]
            swallowed = sum(
                len(next(csv_reader(line, delim), [])) >= width for line in inner if delim in line
            )
            if not swallowed:
                continue
            header = rows[0][c].strip() if c < len(rows[0]) and i else ""
            log.error(
                "csv-unclosed-quote",
                f"a quote opens in this cell and is not closed where the cell should end: "
                f"the next {len(inner)} line(s) of the file (lines {lines[i] + 1} to "
                f"{lines[i] + len(inner)}), {swallowed} of them whole records, were read as "
                "part of this one answer; remove the stray quote (or write it twice: \"\") "
                "and save the file again; the file is not read",
                file=rel,
                row=i + 1,
                column=header,
            )
            return True
    return False


def _report_long_rows(grid: pd.DataFrame, width: int, rel: str, log: IssueLog) -> None:
    """An error for each row with filled cells beyond the header's last column."""
    beyond = grid.iloc[:, width:].fillna("").astype(str).apply(lambda c: c.str.strip() != "")
    log.errors_at_rows(
        "csv-row-too-long",
        [int(i) + 1 for i in grid.index[beyond.any(axis=1)]],
        lambda _row: f"this row has more cells than the header ({width}); a delimiter or a "
        "quote is probably missing or extra in it; the extra cells are not read",
        "more rows with more cells than the header",
        MAX_ROW_ISSUES,
        file=rel,
    )


# -- workbooks ---------------------------------------------------------------------------
def workbook_headers(path: Path, max_sheets: int = 10) -> dict[str, list[str]] | None:
    """``{sheet: header row}`` of an .xlsx (cheap sniffing), or None. Never raises.

    The file must pass :func:`~pipeline.ingest.safe.check_file` first.
    """
    if path.suffix.lower() not in WORKBOOK_SUFFIXES or check_file(path, path.name):
        return None
    try:
        grids = workbook_grids(path, max_sheets)
    except BaseException as exc:
        if not reader_failure(exc):
            raise
        _DAMAGED[_file_key(path)] = f"{type(exc).__name__}: {exc}"
        return None
    out: dict[str, list[str]] = {}
    for name, grid in grids.items():
        filled = grid.notna().any(axis=1).to_numpy()
        first = grid.iloc[int(filled.argmax())].tolist() if filled.any() else []
        out[name] = ["" if pd.isna(c) else str(c) for c in first]
    return out


# The text grids built by the last :func:`workbook_grids`, so that :func:`load_workbook`
# does not read the same file a second time (key: the path and a hash of its bytes, so a
# file rewritten in between is read again).
_GRIDS: dict[tuple[str, str], dict[str, pd.DataFrame]] = {}
# Why the reader failed on a workbook that passed the safety checks (same key), so that a
# damaged file is reported as damaged, not as a file of another survey.
_DAMAGED: dict[tuple[str, str], str] = {}


def workbook_damage(path: Path) -> str | None:
    """Why calamine could not read a workbook that :func:`workbook_headers` was asked
    about (truncated XML, a shared-string index out of range, ...), or None."""
    try:
        return _DAMAGED.get(_file_key(path))
    except OSError:
        return None


def _file_key(path: Path) -> tuple[str, str]:
    return (str(path.resolve()), source.sha256(path))


def workbook_grids(path: Path, max_sheets: int | None = None) -> dict[str, pd.DataFrame]:
    """Every worksheet of an .xlsx (chart sheets left out; the first ``max_sheets``) as a
    headerless grid of clean text from A1 (string dtype, <NA> when empty), so that row
    numbers are the ones a person sees. Kept for one :func:`load_workbook` of the same,
    unchanged file. The file must pass the safety checks first; raises what the reader
    raises on a damaged file.

    Read through Arrow (:mod:`pipeline.ingest.arrow_grid`) where the text comes out the
    same as calamine's cells converted one by one (:func:`_text_grid`), which reads the
    other sheets and the whole file when the Arrow reader fails on it."""
    key = _file_key(path)
    cached = _GRIDS.get(key)
    if cached is not None and (max_sheets is None or len(cached) <= max_sheets):
        return cached
    _GRIDS.clear()
    grids, complete = _read_grids(path, max_sheets)
    if complete:
        _GRIDS[key] = grids
    return grids


def _read_grids(path: Path, max_sheets: int | None) -> tuple[dict[str, pd.DataFrame], bool]:
    """(grids, whether every worksheet is in them)."""
    from pipeline.ingest.safe import worksheet_scans

    scans = worksheet_scans(path) if ARROW_READ else None
    fast: dict[str, pd.DataFrame | None] = {}
    if scans is not None:
        try:
            from pipeline.ingest.arrow_grid import text_grids

            fast = text_grids(path, scans, max_sheets)
        except BaseException as exc:  # the calamine path reports a damaged file its way
            if not reader_failure(exc):
                raise
            fast = {}
    if fast and all(g is not None for g in fast.values()):
        return {n: g for n, g in fast.items() if g is not None}, len(fast) == len(scans or {})
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    with CalamineWorkbook.from_filelike(source.open_binary(path)) as book:
        names = [s.name for s in book.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
        grids: dict[str, pd.DataFrame] = {}
        for name in names[:max_sheets]:
            known = fast.get(name)
            if known is None:
                known = _text_grid(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
            grids[name] = known
    return grids, max_sheets is None or len(names) <= max_sheets


def workbook_rows(path: Path) -> dict[str, list[list[Any]]]:
    """The cells of every worksheet of an .xlsx (chart sheets left out) as calamine gives
    them, from A1: what the desk mapping's reader reads. Raises what calamine raises on a
    damaged file; the file must pass the safety checks first."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    with CalamineWorkbook.from_filelike(source.open_binary(path)) as book:
        names = [s.name for s in book.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
        return {
            name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in names
        }


def grid_rows(grid: pd.DataFrame, n: int | None = None) -> list[list[str]]:
    """The first ``n`` rows of a text grid as lists of text ("" when empty), the shape of
    :func:`workbook_rows` for a sniffer that only compares text."""
    top = grid.iloc[:n] if n is not None else grid
    return top.astype(object).where(top.notna(), "").to_numpy().tolist()


def _cell_text(value: Any) -> str | None:
    """A non-text calamine cell as the text ``pd.read_excel(dtype=str)`` gives it (whole
    numbers without '.0', dates as date-times), then cleaned as :func:`_clean_text`."""
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else str(value)
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        text = str(dt.datetime(value.year, value.month, value.day))
    else:
        text = str(value)
    return _clean_text(text)


_clean_text = clean_text  # one cell cleaned (pipeline.ingest.headers)


def _remember(known: dict[Any, str | None], value: Any) -> str | None:
    """The clean text of a cell, remembered for the next cell with the same value (only
    text and floats; booleans are never looked up, as ``True == 1.0``)."""
    text = _clean_text(value) if type(value) is str else _cell_text(value)
    if type(value) in (str, float) and len(known) < MAX_REMEMBERED:
        known[value] = text
    return text


def _text_grid(rows: list[list[Any]]) -> pd.DataFrame:
    """Calamine rows -> a headerless grid of clean text (string dtype, <NA> when empty):
    one pass over the cells, the same values as ``pd.read_excel(header=None, dtype=str)``
    followed by :func:`~pipeline.ingest.headers.clean_cells`. Consumes ``rows``: each row
    is freed once converted, so that the parsed and the converted cells of a large sheet
    are not all in memory at once."""
    known: dict[Any, str | None] = {"": None}  # repeated cells (0/1 options, choice names)
    width = max((len(r) for r in rows), default=0)
    grid = np.full((len(rows), width), None, dtype=object)
    for i, row in enumerate(rows):
        rows[i] = []
        grid[i, : len(row)] = [
            known[v] if v in known and type(v) is not bool else _remember(known, v) for v in row
        ]
    return pd.DataFrame(grid).astype("string")


def load_workbook(path: Path, rel: str, log: IssueLog) -> dict[str, RawSheet] | None:
    """Every sheet of an .xlsx as a :class:`RawSheet` (in workbook order); None with an
    error logged when the file is refused or cannot be parsed.

    A formula cell is read as the text typed (``=`` and its formula), never as its value:
    KoboToolbox writes an answer typed with a leading ``=`` as a formula whose saved value
    is 0. Each such cell gets a warning naming it."""
    problem = check_file(path, rel)
    if problem:
        log.add(problem)
        return None
    try:
        sheets = dict(_GRIDS.pop(_file_key(path), None) or workbook_grids(path))
        _GRIDS.clear()
        formulas = formula_cells(path)
        out: dict[str, RawSheet] = {}
        for name in list(sheets):  # one sheet at a time
            grid = sheets.pop(name)
            cells = formulas.get(str(name), [])
            if cells:
                grid = _typed_formulas(grid, cells)
            out[name] = frame_to_sheet(grid, rel, str(name), clean=False)
            if cells:
                _report_formulas(out[name], cells, log)
    except BaseException as exc:  # calamine's own errors, and a panic of its Rust code
        if not reader_failure(exc):
            raise
        log.error(
            "file-corrupt",
            f"the workbook is damaged and cannot be read ({type(exc).__name__}: {exc}); "
            "open it in Excel or LibreOffice, save it again as .xlsx and put it back",
            file=rel,
        )
        return None
    return out


def _typed_formulas(grid: pd.DataFrame, cells: list[FormulaCell]) -> pd.DataFrame:
    """The grid with each formula cell holding ``=`` + its formula (the text typed); a
    shared formula's copy (no text of its own) keeps its saved value."""
    typed = [c for c in cells if c.text]
    if not typed:
        return grid
    rows = max(c.row for c in typed)
    cols = max(c.column for c in typed)
    if rows > grid.shape[0] or cols > grid.shape[1]:  # a formula without value past the end
        grid = grid.reindex(index=range(max(rows, grid.shape[0])), columns=range(max(cols, grid.shape[1])))
    grid = grid.astype("string")
    for c in typed:
        grid.iat[c.row - 1, c.column - 1] = _clean_text("=" + c.text)
    return grid


def _report_formulas(sheet: RawSheet, cells: list[FormulaCell], log: IssueLog) -> None:
    """A warning per formula cell of the data (below the header row)."""
    for c in cells:
        if c.row <= sheet.header_row:
            continue
        header = sheet.headers[c.column - 1] if c.column <= len(sheet.headers) else ""
        saved = "" if c.has_value else " (the file holds no saved value for it)"
        log.warning(
            "formula-cell",
            "the cell holds a formula" + saved + ": an answer typed with a leading '=' is "
            "written so by KoboToolbox's XLSX export; it is read as the text typed, never "
            "as a computed value: check the answer",
            **sheet.where(),
            row=c.row,
            column=header or f"(column {excel_column(c.column - 1)})",
        )
