"""The results workbook of a run (.xlsx), and CSV files that are safe to open in Excel.

:func:`write_workbook` writes one sheet per table of a :class:`~pipeline.tables.RunResult`
(``README`` first, then scores, coverage, gaps, ..., the data-quality log and the tidy
responses). Every table sheet has a bold, frozen header row, a filter, column widths taken
from the content and number formats (scores ``0.00``, budgets ``#,##0``); long text wraps.

Safety: a text cell is always written as a string cell (``t="inlineStr"``), never as a
formula, whatever it starts with (``=``, ``+``, ``-``, ``@``, tab, CR); those cells also
carry Excel's "quote prefix" so that editing them keeps them text. Characters that XML
cannot hold (control characters) are removed from text.

The sheets are streamed with openpyxl's write-only mode and shared named styles, so tables
of tens of thousands of rows are written quickly.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from pipeline.numbers import EXCEL_FORMATS, count
from pipeline.report.chart_cache import cached_file
from pipeline.report.zipstamp import run_datetime, stamp_zip
from pipeline.tables import RunResult

# Text that a spreadsheet could take for a formula (or a DDE command) when it is typed in.
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
# Characters XML 1.0 cannot hold (tab, LF and CR are allowed).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
MAX_CELL_TEXT = 32767  # Excel's limit per cell
MAX_WIDTH = 60
MIN_WIDTH = 8
WIDTH_SAMPLE = 5000  # rows looked at to size columns

LOG_SHEET = ("Data quality", "The data-quality log: every problem found in the inputs, errors first.")
TIDY_SHEET = (
    "Tidy responses",
    "Every answer, one row per {noun}, question and answer (no personal data).",
)
# Above this many rows the tidy responses get no sheet (the README says where they are):
# at survey-system scale (thousands of submissions) they run to hundreds of thousands of
# rows, which would take most of the workbook's writing time and size, while the same
# table is in data/processed/<survey>/<round>/tidy_responses.csv (see docs/performance.md).
MAX_TIDY_ROWS = 20_000

# the report writes the same digits (pipeline.numbers rounds as Excel shows these)
SCORE_FORMAT = EXCEL_FORMATS["score"]
MONEY_FORMAT = EXCEL_FORMATS["money"]
P_FORMAT = EXCEL_FORMATS["p"]
PERCENT_FORMAT = EXCEL_FORMATS["percent"]
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _styles() -> dict[str, NamedStyle]:
    """The few shared styles every cell uses (one definition each in the file)."""
    thin = Side(style="thin", color="999999")
    header = NamedStyle(name="emg header")
    header.font = Font(bold=True)
    header.fill = PatternFill("solid", fgColor="E8EEF4")
    header.border = Border(bottom=thin)
    header.alignment = Alignment(vertical="top", wrap_text=True)
    out = {"header": header}
    for name, fmt in (
        ("score", SCORE_FORMAT),
        ("money", MONEY_FORMAT),
        ("p", P_FORMAT),
        ("percent", PERCENT_FORMAT),
        ("date", DATE_FORMAT),
    ):
        style = NamedStyle(name=f"emg {name}")
        style.number_format = fmt
        out[name] = style
    wrap = NamedStyle(name="emg wrap")
    wrap.alignment = Alignment(vertical="top", wrap_text=True)
    out["wrap"] = wrap
    title = NamedStyle(name="emg title")
    title.font = Font(bold=True, size=14)
    out["title"] = title
    label = NamedStyle(name="emg label")
    label.font = Font(bold=True)
    out["label"] = label
    return out


# -- values ---------------------------------------------------------------------------------


def clean_text(values: pd.Series) -> pd.Series:
    """Text without the characters XML cannot hold, cut to Excel's 32,767 per cell."""
    text = values.astype("string")
    return text.str.replace(XML_ILLEGAL, "", regex=True).str.slice(0, MAX_CELL_TEXT)


def _as_text(value: Any) -> str:
    """One non-scalar value (list, dict, ...) as readable text."""
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _column_values(series: pd.Series) -> tuple[list[Any], str]:
    """Python values of a column (``None`` where missing) and its kind:
    ``bool``, ``int``, ``float``, ``date`` or ``text``."""
    if isinstance(series.dtype, pd.CategoricalDtype):  # written as its values
        categories = series.cat.categories
        return _column_values(series.astype("string" if categories.dtype == "string" else object))
    missing = series.isna().to_numpy()
    if pd.api.types.is_bool_dtype(series):
        values = series.astype(object).tolist()
        kind = "bool"
    elif pd.api.types.is_integer_dtype(series):
        values = series.astype("Int64").astype(object).tolist()
        kind = "int"
    elif pd.api.types.is_float_dtype(series):
        floats = series.astype("float64").to_numpy()
        missing = missing | ~np.isfinite(floats)
        values = floats.tolist()
        kind = "float"
    elif isinstance(series.dtype, pd.DatetimeTZDtype):
        values = series.map(lambda t: t.isoformat(), na_action="ignore").astype(object).tolist()
        kind = "text"
    elif pd.api.types.is_datetime64_any_dtype(series):
        values = [t.to_pydatetime() if not pd.isna(t) else None for t in series]
        kind = "date"
    elif pd.api.types.is_string_dtype(series) and pd.api.types.infer_dtype(series, skipna=True) in (
        "string",
        "empty",
    ):
        values = clean_text(series).astype(object).tolist()
        kind = "text"
    else:  # object columns of mixed things: numbers stay numbers, the rest becomes text
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
            return _column_values(pd.to_numeric(series, errors="coerce"))
        if inferred == "boolean":
            return _column_values(series.astype("boolean"))
        text = series.map(_as_text, na_action="ignore")
        values = clean_text(text).astype(object).tolist()
        kind = "text"
    if missing.any():
        values = [None if m else v for v, m in zip(values, missing, strict=True)]
    return values, kind


def _number_style(column: str, kind: str) -> str | None:
    """The named style for a numeric column, from its name and kind."""
    name = str(column).lower()
    if kind == "date":
        return "date"
    if kind not in {"int", "float"}:
        return None
    if "budget" in name or name.endswith("_usd"):
        return "money"
    if name in {"p_value", "p"} or name.startswith("p_"):
        return "p"
    if name.endswith(("_rate", "_share")) or name == "share" or "share_" in name:
        return "percent"  # shares, and their changes (change_share_engaged: +5%)
    if kind == "float":
        return "score"
    return None


def _width(header: str, values: list[Any], kind: str, style: str | None) -> float:
    """Column width in characters, from the header and the longest value (capped)."""
    sample = values[:WIDTH_SAMPLE]
    longest = 0
    if kind == "text":
        lengths = pd.Series([v for v in sample if v is not None], dtype="string").str.len()
        longest = int(lengths.max()) if len(lengths) else 0
    elif kind == "float":
        finite = [abs(v) for v in sample if v is not None]
        biggest = max(finite, default=0.0)
        longest = len(f"{biggest:,.0f}") + (0 if style == "money" else 3)
    elif kind == "int":
        longest = max((len(str(v)) for v in sample if v is not None), default=0)
    elif kind == "date":
        longest = 19
    elif kind == "bool":
        longest = 5
    header_len = len(str(header)) + 3  # room for the filter button
    return float(min(MAX_WIDTH, max(MIN_WIDTH, header_len, longest + 2)))


def _needs_string_cell(value: str) -> bool:
    return bool(FORMULA_START.match(value)) or value in ERROR_CODES


def _style_array(ws: Any, style: str | None, quote_prefix: bool = False) -> StyleArray:
    """The style of a named style as one array that many cells can share (write-only
    cells are never changed once made, so one array per style is enough)."""
    cache: dict[tuple[str | None, bool], StyleArray] = ws.__dict__.setdefault("_emg_styles", {})
    key = (style, quote_prefix)
    if key not in cache:
        probe = WriteOnlyCell(ws)
        if style:
            probe.style = style
        if quote_prefix:
            probe.quotePrefix = True
        cache[key] = probe._style
    return cache[key]


def _text_cell(ws: Any, value: str, style: str | None = None) -> Cell:
    """A cell that holds ``value`` as a string, never as a formula or an error code."""
    cell = Cell(ws, 1, 1, value=value, style_array=_style_array(ws, style, _needs_string_cell(value)))
    cell.data_type = "s"
    return cell


def _cells(ws: Any, values: list[Any], kind: str, style: str | None) -> list[Any]:
    """Values ready to append: plain values where openpyxl writes them as they are, cells
    where a style is needed or where text could be taken for a formula or an error code."""
    if kind == "text":
        return [
            v
            if v is None or (style is None and not _needs_string_cell(v))
            else _text_cell(ws, v, style)
            for v in values
        ]
    if style is None:
        return values
    shared = _style_array(ws, style)
    return [None if v is None else Cell(ws, 1, 1, value=v, style_array=shared) for v in values]


def safe_value(ws: Any, value: Any, style: str | None = None) -> Any:
    """One value for a hand-built row (the README): text as a string cell, numbers as is."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if isinstance(value, (bool, int, float, np.integer, np.floating)):
        return Cell(ws, 1, 1, value=value, style_array=_style_array(ws, style)) if style else value
    text = XML_ILLEGAL.sub("", _as_text(value))[:MAX_CELL_TEXT]
    return _text_cell(ws, text, style)


# -- sheets ---------------------------------------------------------------------------------


def _with_index(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a meaningful index (e.g. the score matrix's acronyms) as a column."""
    if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None:
        return frame
    if frame.index.name is None and frame.index.equals(pd.RangeIndex(len(frame))):
        return frame.reset_index(drop=True)
    names = [n if n is not None else "index" for n in frame.index.names]
    out = frame.copy()
    out.index = out.index.set_names(names)
    return out.reset_index()


def write_table(ws: Any, frame: pd.DataFrame) -> None:
    """Stream ``frame`` into a write-only sheet: bold frozen header, filter, widths, formats."""
    frame = _with_index(frame)
    frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    columns: list[list[Any]] = []
    for i, name in enumerate(frame.columns, start=1):
        values, kind = _column_values(frame.iloc[:, i - 1])
        style = _number_style(name, kind)
        width = _width(name, values, kind, style)
        if kind == "text" and width >= MAX_WIDTH:
            style = "wrap"
        ws.column_dimensions[get_column_letter(i)].width = width
        columns.append(_cells(ws, values, kind, f"emg {style}" if style else None))
    ws.freeze_panes = "A2"
    n_cols = max(len(frame.columns), 1)
    ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{len(frame) + 1}"
    ws.append([safe_value(ws, name, "emg header") for name in frame.columns])
    for row in zip(*columns, strict=True):
        ws.append(row)


def _sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name (at most 31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", name).strip("' ")[:31] or "Sheet"
    candidate, i = base, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" ({i})"
        candidate, i = base[: 31 - len(suffix)] + suffix, i + 1
    return candidate


def _stats_rows(stats: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    """The run's statistics as (name, value) rows, nested dicts flattened as 'a: b'."""
    for key, value in stats.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                yield f"{key}: {sub}", inner
        else:
            yield key, value


def _words(result: RunResult) -> dict[str, str]:
    model = result.survey.model
    dim = "dimension"
    if model.scoring and model.scoring.dimension_set in model.dimension_sets:
        dim = model.dimension_sets[model.scoring.dimension_set].label
    r = model.report
    return {
        "noun": model.entity_noun,
        "plural": model.entity_plural,
        "dim": dim,
        "topic": r.topics.one,
        "topics": r.topics.many,
        "topic_verb": r.topics.verb[1],
        "activities": r.activities.many,
        "tallies": model.tallies.heading if model.tallies else "",
    }


def _facts(result: RunResult) -> list[tuple[str, Any]]:
    model = result.survey.model
    return [
        ("Survey", f"{model.title} ({model.id})"),
        ("Round", result.round),
        ("Run date", result.run_date),
        ("Form version", model.form_version),
        ("Source", model.source_note),
    ]


def _readme(ws: Any, content: WorkbookContent) -> None:
    """The first sheet: what the workbook is, the run's statistics, what each sheet holds."""
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    ws.column_dimensions["C"].width = 10
    ws.append([safe_value(ws, content.title, "emg title")])
    ws.append([])
    for label, value in content.facts:
        ws.append([safe_value(ws, label, "emg label"), safe_value(ws, value)])
    if content.stats is not None:
        ws.append([])
        ws.append([safe_value(ws, "Statistics", "emg label")])
        for name, value in content.stats:
            style = "percent" if name.endswith("rate") or "share" in name else None
            if isinstance(value, float) and style is None:
                style = "score" if abs(value) < 1000 else None
            ws.append([safe_value(ws, name), safe_value(ws, value, f"emg {style}" if style else None)])
    ws.append([])
    ws.append([safe_value(ws, h, "emg header") for h in ("Sheet", "What it holds", "Rows")])
    for sheet, what, frame in content.sheets:
        ws.append([safe_value(ws, sheet), safe_value(ws, what, "emg wrap"), len(frame)])
    if content.empty:
        ws.append([])
        note = f"No sheet for these tables, empty in this round: {', '.join(content.empty)}."
        ws.append([safe_value(ws, "Not included", "emg label"), safe_value(ws, note, "emg wrap")])
    for note in content.moved:
        ws.append([])
        ws.append([safe_value(ws, "Not in this workbook", "emg label"), safe_value(ws, note, "emg wrap")])


def sheet_for(table: str) -> str:
    """The sheet of ``results.xlsx`` that holds the run's table ``table`` (``"projects"``
    -> ``"Projects"``; ``"issues"`` -> the data-quality log)."""
    if table == "issues":
        return LOG_SHEET[0]
    if table == "tidy":
        return TIDY_SHEET[0]
    from pipeline.analyses import sheets

    declared = sheets()
    return declared[table][0] if table in declared else table.replace("_", " ").capitalize()


@dataclass
class WorkbookContent:
    """Everything the results workbook shows (:func:`workbook_content`): the README's
    title, facts and statistics, the sheets in order (unique name, what it holds, table),
    the empty tables' sheet names, notes on tables kept out, and the run date (its date)."""

    title: str
    facts: list[tuple[str, Any]]
    stats: list[tuple[str, Any]] | None
    sheets: list[tuple[str, str, pd.DataFrame]]
    empty: list[str]
    moved: list[str]
    run_date: str


def workbook_content(result: RunResult) -> WorkbookContent:
    """What :func:`write_workbook` writes for ``result``, gathered without writing."""
    words = _words(result)
    frames: list[tuple[str, str, pd.DataFrame]] = []
    empty: list[str] = []
    from pipeline.analyses import sheets

    declared = sheets()
    known = [(name, *declared[name]) for name in declared if name in result.tables]
    tallies = result.survey.model.tallies
    if tallies is not None:  # the declared chapter's own name
        taken = {sheet for _, sheet, _ in known}
        title = re.sub(r"[\[\]:*?/\\]", " ", tallies.heading).strip()[:31] or "Tallies"
        known = [
            (n, title if n == "internal_management" and title not in taken else sheet, what)
            for n, sheet, what in known
        ]
    others = [
        (name, name.replace("_", " ").capitalize(), f"The '{name}' table.")
        for name in result.tables
        if name not in declared
    ]
    for name, sheet, what in known + others:
        frame = result.tables[name]
        if not isinstance(frame, pd.DataFrame):
            continue
        if frame.empty:
            empty.append(sheet)
        else:
            frames.append((sheet, what.format(**words), frame))
    frames.append((LOG_SHEET[0], LOG_SHEET[1], result.log.to_frame()))
    tidy = result.responses.tidy if result.responses is not None else None
    moved: list[str] = []
    if isinstance(tidy, pd.DataFrame) and len(tidy.columns) and len(tidy) <= MAX_TIDY_ROWS:
        frames.append((TIDY_SHEET[0], TIDY_SHEET[1].format(**words), tidy))
    elif isinstance(tidy, pd.DataFrame) and len(tidy.columns):
        moved.append(
            f"{TIDY_SHEET[0]}: {count(len(tidy))} rows, more than {count(MAX_TIDY_ROWS)}, so no sheet here; "
            f"the same table is data/processed/{result.survey.id}/{result.round}/tidy_responses.csv"
        )
    taken = {"README"}
    named: list[tuple[str, str, pd.DataFrame]] = []
    for sheet, what, frame in frames:
        unique = _sheet_name(sheet, taken)
        taken.add(unique)
        named.append((unique, what, frame))
    stats = list(_stats_rows(result.stats)) if isinstance(result.stats, dict) and result.stats else None
    title = f"{result.survey.model.title}: results"
    return WorkbookContent(title, _facts(result), stats, named, empty, moved, result.run_date)


def write_workbook(result: RunResult, path: Path) -> Path:
    """Write the run's results workbook to ``path`` and return it.

    Sheets: ``README`` (survey, round, run date, statistics, what each sheet holds), then
    one sheet per table of ``result.tables`` that has rows (see each analysis' ``sheets`` in :mod:`pipeline.analyses` for the
    order; tables not listed there follow under their own names), then ``Data quality``
    (``result.log``, also when empty) and ``Tidy responses`` (up to :data:`MAX_TIDY_ROWS`
    rows; a larger round's README points to ``tidy_responses.csv`` instead). Missing or
    empty tables get no sheet; the README names the empty ones.

    Inside :func:`pipeline.report.chart_cache.chart_cache`, a workbook of the same content
    (:class:`WorkbookContent`) as one written before is copied from the cache: the same bytes.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    content = workbook_content(result)
    cached_file("workbook", content, path, partial(_write_content, content), ("openpyxl",))
    return path


def _write_content(content: WorkbookContent, path: Path) -> Path:
    wb = Workbook(write_only=True)
    for style in _styles().values():
        wb.add_named_style(style)
    _readme(wb.create_sheet("README"), content)
    for sheet, _what, frame in content.sheets:
        write_table(wb.create_sheet(sheet), frame)
    return _save(wb, path, content.run_date)


def _save(wb: Workbook, path: Path, run_date: str) -> Path:
    """Save ``wb`` dated the run date (properties and zip headers) rather than the clock,
    so that the same results give a byte-identical workbook."""
    when = run_datetime(run_date)
    wb.properties.created = wb.properties.modified = when
    wb.properties.creator = "EMG pipeline"
    ExcelWriter(wb, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return stamp_zip(path, when)


def write_sheets(path: Path, sheets: dict[str, pd.DataFrame], run_date: str) -> Path:
    """Write a workbook of plain table sheets (``{sheet name: frame}``) in the house styles,
    each as :func:`write_table` lays it out, dated ``run_date``. Returns ``path`` (copied
    from the cache, inside :func:`pipeline.report.chart_cache.chart_cache`, when the same
    sheets were written before)."""
    cached_file("sheets", [sheets, run_date], path, partial(_write_sheets, sheets, run_date), ("openpyxl",))
    return path


def _write_sheets(sheets: dict[str, pd.DataFrame], run_date: str, path: Path) -> Path:
    wb = Workbook(write_only=True)
    for style in _styles().values():
        wb.add_named_style(style)
    for name, frame in sheets.items():
        write_table(wb.create_sheet(name), frame)
    return _save(wb, path, run_date)


# -- CSV --------------------------------------------------------------------------------------


def _risky_texts(values: Iterable[Any]) -> list[str]:
    """The texts a spreadsheet could run as a formula (plain numbers such as ``-3`` are not)."""
    return [
        v for v in values if isinstance(v, str) and FORMULA_START.match(v) and not PLAIN_NUMBER.fullmatch(v)
    ]


def write_csv_safe(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as UTF-8 CSV, text that a spreadsheet could run as a formula
    prefixed with ``'`` (OWASP's advice for CSV injection); plain numbers such as ``-3``
    are left alone. Returns ``path``.

    The prefix changes the text: a program reading the CSV back sees ``'=...``. The
    pipeline itself reads its own tables from memory, not from these files.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = _with_index(frame).copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):  # the tidy table's repeated texts
            if not _risky_texts(series.cat.categories):
                continue  # written as its text, each category checked once
            series = series.astype(object)
        if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
            continue
        if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "mixed", "mixed-integer"):
            continue
        text = series.astype("string")
        # checked once per distinct value (a tidy table repeats its ids, fields and choices)
        distinct = text.dropna().unique()
        flagged = _risky_texts(distinct)
        risky = text.isin(flagged).fillna(False).astype(bool) if flagged else None
        if risky is not None:
            series = series.astype(object)
            series[risky.to_numpy()] = "'" + text[risky]
            out[column] = series
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path
