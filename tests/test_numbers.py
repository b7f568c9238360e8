"""One number formatter for the report and the workbook: halves away from zero, as Excel
shows a formatted cell (0.625 -> 0.63, 62.5 % -> 63 %), p-values below 0.001 as "< 0.001"
in both, and changes that are the difference of the values shown."""

from __future__ import annotations

import csv
import shutil
import subprocess
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
