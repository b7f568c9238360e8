"""One number formatter for the report and the workbook: halves away from zero, as Excel
shows a formatted cell (0.625 -> 0.63, 62.5 % -> 63 %), p-values below 0.001 as "< 0.001"
in both, and changes that are the difference of the values shown."""

from __future__ import annotations

import ast
import csv
import math
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from pipeline import numbers
from pipeline.report.document import format_value
from pipeline.wording import p_text, percent, score


@pytest.mark.parametrize(
    "value, shown",
    [(0.625, "0.63"), (0.975, "0.98"), (0.97499, "0.97"), (0.125, "0.13"), (0.0, "0.00"),
     (-0.001, "0.00"), (-0.625, "-0.63"), (1.0, "1.00"), (0.1 + 0.2, "0.30"), (None, "n/a"),
     (float("nan"), "n/a")],
)  # fmt: skip
def test_scores_round_half_away_from_zero(value: float | None, shown: str) -> None:
    assert numbers.score(value) == shown
    assert score(value) == shown  # the sentence helper says the same


@pytest.mark.parametrize(
    "share, shown",
    [(0.625, "63%"), (0.615, "62%"), (0.005, "1%"), (0.0, "0%"), (1.0, "100%"), (58.0, "58%"),
     (None, "n/a")],
)  # fmt: skip
def test_percentages_round_half_away_from_zero(share: float | None, shown: str) -> None:
    assert numbers.percent(share) == shown
    assert percent(share) == shown


def test_p_values_money_counts_and_changes() -> None:
    assert [numbers.p_value(p) for p in (0.00096, 0.001, 0.0125, 0.5)] == ["< 0.001", "0.001", "0.013", "0.500"]
    assert p_text(0.0004) == "p < 0.001" and p_text(0.0125) == "p = 0.013"
    assert numbers.money(1_800_000.5) == "1,800,001" and numbers.count(12345) == "12,345"
    # the change is the difference of the values shown: 0.63 -> 0.24 is -0.39
    assert numbers.change(0.625, 0.2449) == "-0.39"
    assert numbers.change(0.25, 0.30) == "+0.05" and numbers.change(0.2, 0.2) == "0.00"
    assert numbers.round_half_up(2.5) == 3.0 and numbers.round_half_up(-2.5) == -3.0


def test_signed_differences_ranks_points_and_numbers_as_given() -> None:
    assert [numbers.signed(v) for v in (0.05, -0.375, 0.0, -0.001, None)] == ["+0.05", "-0.38", "0.00", "0.00", "n/a"]
    assert numbers.signed(0.125, 1) == "+0.1" and numbers.signed(0.15, 1) == "+0.2"
    assert numbers.rank(2.445) == "2.45" and numbers.rank(3) == "3.00"  # as the workbook's 0.00
    assert numbers.percentage_points(0.125) == "13" and numbers.percentage_points(0.1) == "10"
    assert [numbers.plain(v) for v in (0.5, 0.05, 2014, 12.25, 1 / 3, -0.0, None)] == [
        "0.5", "0.05", "2014", "12.25", "0.333333333333333", "0", "n/a"
    ]
    assert numbers.plain(12345.5, thousands=True) == "12,345.5" and numbers.plain(1e6) == "1000000"


@pytest.mark.parametrize(
    "old, new",
    [(0.625, 0.2449), (0.3449, 0.345), (0.125, 0.875), (0.615, 0.625), (0.97499, 0.975),
     (0.0, 1.0), (0.335, 0.334999), (0.1 + 0.2, 0.3)],
)  # fmt: skip
def test_a_shown_difference_subtracts_as_printed(old: float, new: float) -> None:
    """The change column beside two values: earlier + change == later, as printed, on the
    page (:func:`numbers.change`) and as the workbook shows the stored difference."""
    stored = numbers.shown_difference(old, new)
    shown = numbers.signed(stored)
    assert shown == numbers.change(old, new)
    assert Decimal(numbers.score(old)) + Decimal(shown) == Decimal(numbers.score(new))
    assert numbers.format_number(stored, "change") == shown  # the table cell
    assert math.isnan(numbers.shown_difference(None, new))


def test_table_cells_take_kinds_and_python_format_strings_alike() -> None:
    assert format_value(0.625, "{:.2f}") == format_value(0.625, "score") == "0.63"
    assert format_value(0.625, "{:.0%}") == format_value(0.625, "percent") == "63%"
    assert format_value(1.5, "{:.0%}") == "150%"  # a format string's share is always a share
    assert format_value(0.05, "{:+.2f}") == "+0.05" and format_value(-0.05, "{:+.2f}") == "-0.05"
    assert format_value(0.0, "{:+.2f}") == "+0.00"  # a sign asked for is written
    assert format_value(2_500_000.0, "{:,.0f}") == "2,500,000"
    assert format_value(12345.678, "{:,.4g}") == "1.235e+04"  # other formats as Python writes them
    assert format_value(pd.NA, "score") == "" and format_value(None, "{:.2f}") == ""
    assert format_value(True, "{:.2f}") == "yes"
    assert format_value(-0.375, "change") == "-0.38" and format_value(2.5, "rank") == "2.50"
    assert format_value(2014.0, "plain") == "2014" and format_value(12345.678, "number") == "12,345.678"
    assert format_value(2013.5, "year") == "2014" and format_value(2013.0, "year") == "2013"  # a median of years


VALUES = [0.625, 0.975, 0.125, 0.615, 0.00096, 0.0125, 1_800_000.5, 0.3449, 0.345]


def _calc() -> bool:
    """LibreOffice with its spreadsheet (Calc), which reads the .xlsx."""
    soffice = shutil.which("soffice")
    return soffice is not None and any(Path(soffice).resolve().parent.glob("libsclo.*"))


@pytest.mark.skipif(not _calc(), reason="LibreOffice Calc not installed")
def test_the_workbook_formats_show_the_digits_the_report_writes(tmp_path: Path) -> None:
    """Each value written with the workbook's number format of its kind, shown by
    LibreOffice (a CSV 'as shown'), reads exactly as the report writes it."""
    book = Workbook()
    sheet = book.active
    kinds = ["score", "percent", "p", "money"]
    for r, value in enumerate(VALUES, start=1):
        for c, kind in enumerate(kinds, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            cell.number_format = numbers.EXCEL_FORMATS[kind]
    book.save(tmp_path / "formats.xlsx")
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
         "--convert-to", 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true', "--outdir", str(tmp_path), str(tmp_path / "formats.xlsx")],
        capture_output=True, timeout=180, check=True,
    )  # fmt: skip
    with (tmp_path / "formats.csv").open(newline="") as handle:
        shown = list(csv.reader(handle))
    expected = [[numbers.format_number(v, k) for k in kinds] for v in VALUES]
    assert shown == expected


# -- no number written for a person outside pipeline.numbers ----------------------------------
ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("pipeline/analyses", "pipeline/report")
FLOAT_SPEC = re.compile(r"[,_]|\.\d+|[eEfFgG%n]$")  # decimals, thousands, %, general
PERCENT_FORMAT = re.compile(r"%[-+ 0#]*\d*(?:\.\d+)?[eEfFgG%]")
TABLE_FORMAT = re.compile(r"\{:[^{}]*\}")
# (file, function): why its Python formatting is not a number shown to a person
ALLOWED = {
    ("pipeline/report/workbook.py", "_width"): "sizes a column from the longest number; writes nothing",
    ("pipeline/report/office_uno.py", "_connect"): "runs in LibreOffice's own Python, which cannot import the pipeline",
}


class _Formatting(ast.NodeVisitor):
    """Python's own number formatting in one module: f-string specs with decimals,
    thousands or percent, ``round()`` and ``format()``, ``str.format`` and ``%`` with a
    float conversion, and table format strings such as ``"{:.2f}"``."""

    def __init__(self, path: str) -> None:
        self.path, self.where = path, ["<module>"]
        self.found: list[str] = []
        self.allowed: set[tuple[str, str]] = set()

    def hit(self, node: ast.AST, what: str) -> None:
        if (self.path, self.where[-1]) in ALLOWED:
            self.allowed.add((self.path, self.where[-1]))
        else:
            self.found.append(f"{self.path}:{node.lineno} ({self.where[-1]}): {what}")  # type: ignore[attr-defined]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.where.append(node.name)
        self.generic_visit(node)
        self.where.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        if isinstance(node.format_spec, ast.JoinedStr):
            spec = "".join(v.value for v in node.format_spec.values if isinstance(v, ast.Constant))
            if FLOAT_SPEC.search(spec):
                self.hit(node, f"f-string format ':{spec}'")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in {"round", "format"}:
            self.hit(node, f"{func.id}()")
        if (
            isinstance(func, ast.Attribute) and func.attr == "format"
            and isinstance(func.value, ast.Constant) and isinstance(func.value.value, str)
            and any(FLOAT_SPEC.search(m.group(0)[2:-1]) for m in TABLE_FORMAT.finditer(func.value.value))
        ):  # fmt: skip
            self.hit(node, f"'{func.value.value}'.format()")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        left = node.left
        if (
            isinstance(node.op, ast.Mod) and isinstance(left, ast.Constant)
            and isinstance(left.value, str) and PERCENT_FORMAT.search(left.value)
        ):  # fmt: skip
            self.hit(node, f"'{left.value}' % ...")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and TABLE_FORMAT.fullmatch(node.value) and FLOAT_SPEC.search(node.value[2:-1]):
            self.hit(node, f"format string '{node.value}' (a table's: use a kind of pipeline.numbers)")


def python_number_formatting(source: str, path: str = "<text>") -> _Formatting:
    """Where ``source`` formats a number with Python rather than :mod:`pipeline.numbers`
    (``.found``), and the allowed places it does (``.allowed``)."""
    scan = _Formatting(path)
    scan.visit(ast.parse(source))
    return scan


def test_the_scan_finds_each_way_python_formats_a_number() -> None:
    source = '''
def chart(x, share, n):
    a = f"{x:.2f} and {share:.0%} of {n:,} ({x:g}, {x:+.2f})"
    b = round(x, 2), format(x, ".1f"), "{:.3f} left".format(x), "%.1f%%" % x
    c = {"Mean": "{:.2f}"}
    return f"{n} of {n:d}, {x!r:>8}, {n:03d}", "{}".format(n), "{0}".format(x), "100%"
'''
    found = python_number_formatting(source).found
    assert [f.split(": ", 1)[1] for f in found] == [
        "f-string format ':.2f'", "f-string format ':.0%'", "f-string format ':,'",
        "f-string format ':g'", "f-string format ':+.2f'", "round()", "format()",
        "'{:.3f} left'.format()", "'%.1f%%' % ...",
        "format string '{:.2f}' (a table's: use a kind of pipeline.numbers)",
    ]  # fmt: skip


def test_report_and_analyses_format_numbers_only_through_pipeline_numbers() -> None:
    """Every number the analyses and the report write for a person goes through
    pipeline.numbers, which rounds as the workbook shows the value (0.625 -> 0.63, never
    0.62 in one place and 0.63 in another); the allow-list says why each exception is one."""
    found: list[str] = []
    allowed: set[tuple[str, str]] = set()
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            scan = python_number_formatting(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
            found += scan.found
            allowed |= scan.allowed
    assert found == [], "\n".join(found)
    assert allowed == set(ALLOWED), "an allowed exception is gone: take it off the list"
