"""The results workbook: sheets, layout, formats, values, and text that must never run."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import pipeline.report.workbook as workbook_module
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.report.workbook import write_csv_safe, write_workbook
from pipeline.spec import Survey
from pipeline.tables import Responses, RunResult

DANGEROUS = [
    "=cmd|' /C calc'!A0",
    "+SUM(A1:A2)",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "#N/A",
    '=HYPERLINK("http://evil.example","click")',
]
LONG_TEXT = "Long-standing programme on treatment and recycling with country partners. " * 3


def _result(survey: Survey, registry: Registry, tables: dict[str, pd.DataFrame]) -> RunResult:
    log = IssueLog()
    log.error("bad-choice", "=1+1 is not a choice of engagement", file="kobo.xlsx", sheet="data", row=7, column="engagement_reuse_repair")
    log.warning("extra-column", "unknown column kept", file="kobo.xlsx", row=1, column="@foo")
    n = len(DANGEROUS)
    tidy = pd.DataFrame(
        {
            "survey_id": survey.id,
            "round": "2026-R1",
            "entity_id": ["UNEP"] * n,
            "question_id": "strengths",
            "field": "strengths",
            "dimension": pd.Series([pd.NA] * n, dtype="string"),
            "answer": pd.Series(DANGEROUS, dtype="string"),
            "answer_score": np.nan,
            "instance": pd.Series([pd.NA] * n, dtype="string"),
            "source_file": "kobo.xlsx",
            "source_row": np.arange(2, 2 + n),
            "submitted_at": "2026-03-05T10:00:00+00:00",
        }
    )
    submissions = pd.DataFrame({"entity_id": ["UNEP"]})
    return RunResult(
        survey=survey,
        registry=registry,
        round="2026-R1",
        run_date="2026-11-25",
        responses=Responses(submissions=submissions, repeats={}, tidy=tidy),
        tables=tables,
        stats={"response_rate": 0.5, "n_respondents": 3, "n_invited": 6, "ranking": {"kendall_w": 0.41}},
        log=log,
    )


def _tables() -> dict[str, pd.DataFrame]:
    scores = pd.DataFrame(
        {
            "entity_id": ["UNEP", "UNEP", "ITU", "ITU", "ILO", "ILO"],
            "dimension": ["raw_materials", "final_disposal"] * 3,
            "score": [0.75, 0.0, 1.0, 0.25, 0.333333, 0.0],
            "level": ["high", "none", "high", "low", "low", "none"],
            "rule": "score = 0.75 x engagement + 0.25 x activities",
        }
    )
    heatmap = scores.pivot(index="entity_id", columns="dimension", values="score")
    heatmap.index.name = "entity"
    coverage = pd.DataFrame(
        {
            "dimension": ["raw_materials", "final_disposal"],
            "label": ["Raw materials and extraction", "Final disposal"],
            "n_engaged": [2, 0],
            "n_strong": [2, 0],
            "n_respondents": [3, 3],
            "mean_score": [0.694444, 0.083333],
            "ci_low": [0.3, 0.0],
            "ci_high": [1.0, 0.25],
            "lead_entities": ["ITU, UNEP", ""],
        }
    )
    gaps = pd.DataFrame(
        {
            "kind": ["stage"],
            "dimension": ["final_disposal"],
            "label": ["Final disposal"],
            "severity": ["critical"],
            "reason": ["fewer than 3 agencies engaged"],
            "evidence": [LONG_TEXT],
        }
    )
    edges = pd.DataFrame({"source": ["UNEP", "ITU"], "target": ["ITU", "UNEP"], "reciprocated": [True, True]})
    projects = pd.DataFrame(
        {
            "entity_id": ["UNEP", "ITU"],
            "instance": ["p1", "p2"],
            "title": ["=IMPORTXML(A1)", "Circular electronics\x07 initiative\x00"],
            "status": ["Ongoing", "Planned"],
            "start_year": pd.array([2020, None], dtype="Int64"),
            "end_year": pd.array([2027, 2030], dtype="Int64"),
            "regions": ["Africa; Europe", "Global"],
            "countries": [None, "Ghana"],
            "stages": ["Final disposal", "Raw materials and extraction"],
            "partners": ["ITU", ""],
            "budget_usd": [1234567.0, np.nan],
        }
    )
    summary = pd.DataFrame(columns=["by", "key", "label", "status", "n_projects", "budget_usd"])
    status = pd.DataFrame(
        {
            "entity_id": ["UNEP", "ITU", "ILO", "WHO"],
            "acronym": ["UNEP", "ITU", "ILO", "WHO"],
            "full_name": ["UN Environment Programme", "International Telecommunication Union", "International Labour Organization", "World Health Organization"],
            "responded": [True, True, True, False],
            "submitted_at": pd.to_datetime(["2026-03-02 10:00", "2026-03-03 11:30", "2026-03-04 09:15", None]),
            "n_submissions": [1, 2, 1, 0],
            "source_file": ["kobo.xlsx", "kobo.xlsx", "questionnaires/ILO.xlsx", None],
        }
    )
    return {
        "scores": scores,
        "heatmap": heatmap,
        "coverage": coverage,
        "gaps": gaps,
        "network_edges": edges,
        "projects": projects,
        "project_summary": summary,
        "response_status": status,
    }


@pytest.fixture(scope="module")
def written(survey: Survey, registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    result = _result(survey, registry, _tables())
    path = write_workbook(result, tmp_path_factory.mktemp("wb") / "out" / "results.xlsx")
    return result, path


TABLE_SHEETS = ["Scores", "Score matrix", "Coverage", "Gaps", "Links", "Projects", "Response status", "Data quality", "Tidy responses"]


def test_sheets_come_in_order_after_the_readme(written) -> None:  # type: ignore[no-untyped-def]
    _, path = written
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["README", *TABLE_SHEETS]
    readme = [tuple(v for v in row if v is not None) for row in wb["README"].iter_rows(values_only=True)]
    flat = [v for row in readme for v in row]
    assert "E-waste IMG gap analysis (ewaste_img)" in flat and "2026-R1" in flat and "2026-11-25" in flat
    assert ("Scores", "Score (0-1) and level of each agency by life-cycle stage, with the rule that made it.", 6) in readme
    assert ("ranking: kendall_w", 0.41) in readme
    assert any("Project summary" in str(v) for v in flat)  # the empty table is named, not given a sheet


def test_table_sheets_have_a_frozen_bold_header_a_filter_and_sized_columns(written) -> None:  # type: ignore[no-untyped-def]
    _, path = written
    wb = openpyxl.load_workbook(path)
    for name in TABLE_SHEETS:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{ws.max_row}", name
        assert all(cell.font.bold for cell in ws[1]), name
        widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i in range(1, ws.max_column + 1)]
        assert all(8 <= w <= 60 for w in widths), (name, widths)
    gaps = wb["Gaps"]
    evidence = next(c for c in gaps[1] if c.value == "evidence").column_letter
    assert gaps.column_dimensions[evidence].width == 60
    assert gaps[f"{evidence}2"].alignment.wrap_text
    assert wb["Scores"].column_dimensions["E"].width == len("score = 0.75 x engagement + 0.25 x activities") + 2


def test_numbers_are_formatted(written) -> None:  # type: ignore[no-untyped-def]
    _, path = written
    wb = openpyxl.load_workbook(path)
    assert wb["Scores"]["C2"].number_format == "0.00"
    assert wb["Coverage"]["F2"].number_format == "0.00"
    projects = wb["Projects"]
    budget = next(c for c in projects[1] if c.value == "budget_usd").column_letter
    assert projects[f"{budget}2"].number_format == "#,##0"
    assert projects[f"{budget}2"].value == 1234567
    assert projects[f"{budget}3"].value is None
    assert wb["Response status"]["E2"].is_date


def test_text_that_looks_like_a_formula_stays_a_string(written) -> None:  # type: ignore[no-untyped-def]
    _, path = written
    wb = openpyxl.load_workbook(path)
    answers = [row[6] for row in wb["Tidy responses"].iter_rows(min_row=2)]
    assert [c.value for c in answers] == DANGEROUS
    assert all(c.data_type == "s" for c in answers)
    assert wb["Projects"]["C2"].value == "=IMPORTXML(A1)" and wb["Projects"]["C2"].data_type == "s"
    assert wb["Data quality"]["H2"].value == "=1+1 is not a choice of engagement"
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 1 + len(TABLE_SHEETS)
        for name in sheets:
            xml = z.read(name).decode("utf-8")
            assert not re.search(r"<f[ >/]", xml), name
        assert "=cmd|' /C calc'!A0" in z.read("xl/worksheets/sheet10.xml").decode("utf-8").replace("&apos;", "'")


def test_characters_xml_cannot_hold_are_removed(written) -> None:  # type: ignore[no-untyped-def]
    _, path = written
    wb = openpyxl.load_workbook(path)
    assert wb["Projects"]["C3"].value == "Circular electronics initiative"


def test_values_read_back_equal_the_tables(written) -> None:  # type: ignore[no-untyped-def]
    result, path = written
    for sheet, name in (("Scores", "scores"), ("Coverage", "coverage"), ("Links", "network_edges")):
        back = pd.read_excel(path, sheet_name=sheet, engine="calamine")
        expected = result.tables[name].replace({"": np.nan})  # an empty text cell reads back as blank
        pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    matrix = pd.read_excel(path, sheet_name="Score matrix", engine="calamine").set_index("entity")
    pd.testing.assert_frame_equal(matrix, result.tables["heatmap"], check_dtype=False, check_names=False)
    log = pd.read_excel(path, sheet_name="Data quality", engine="calamine")
    assert log["severity"].tolist() == ["error", "warning"] and log["row"].tolist() == [7, 1]


def test_missing_tables_give_no_sheet(survey: Survey, registry: Registry, tmp_path: Path) -> None:
    path = write_workbook(_result(survey, registry, {}), tmp_path / "results.xlsx")
    assert openpyxl.load_workbook(path).sheetnames == ["README", "Data quality", "Tidy responses"]


def test_a_large_table_is_streamed_with_shared_styles(
    survey: Survey, registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """15,000 rows go out whole; the styling work does not grow with the rows (one style
    array per style, shared by every cell); the time it takes is measured by ``make bench``."""
    n = 15_000
    rng = np.random.default_rng(0)
    big = pd.DataFrame(
        {
            "entity_id": rng.choice(["UNEP", "ITU", "ILO"], n),
            "dimension": rng.choice(["raw_materials", "final_disposal"], n),
            "score": rng.uniform(0, 1, n),
            "level": "medium",
            "rule": np.where(np.arange(n) % 500 == 0, "=1+1", "rule text"),
            "budget_usd": rng.uniform(0, 1e6, n),
            "n": rng.integers(0, 10, n),
            "flag": rng.integers(0, 2, n).astype(bool),
        }
    )
    result = _result(survey, registry, {"scores": big})
    probes: list[object] = []
    original = workbook_module.WriteOnlyCell

    def counting(*args: object, **kwargs: object) -> object:
        probes.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(workbook_module, "WriteOnlyCell", counting)
    path = write_workbook(result, tmp_path / "big.xlsx")
    assert 0 < len(probes) < 40  # per style and sheet, not per cell (120,000 cells)
    back = pd.read_excel(path, sheet_name="Scores", engine="calamine")
    assert len(back) == n
    assert back["rule"].iloc[0] == "=1+1"
    np.testing.assert_allclose(back["score"].to_numpy(), big["score"].to_numpy())


def test_csv_prefixes_formula_like_text_but_not_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Series(["=1+1", "-3", "-2+3", "@SUM(1)", "\tx", "plain", None], dtype="string"),
            "number": [1, -2, 3, 4, 5, 6, 7],
            "mixed": pd.Series(["+1", 5, None, "=x", 2.5, "y", "-1.5e3"], dtype=object),
        }
    )
    path = write_csv_safe(frame, tmp_path / "deep" / "t.csv")
    back = pd.read_csv(path, dtype="string", keep_default_na=False)
    assert back["text"].tolist() == ["'=1+1", "-3", "'-2+3", "'@SUM(1)", "'\tx", "plain", ""]
    assert back["number"].tolist() == ["1", "-2", "3", "4", "5", "6", "7"]
    assert back["mixed"].tolist() == ["+1", "5", "", "'=x", "2.5", "y", "-1.5e3"]
    assert frame["text"].iloc[0] == "=1+1"  # the caller's frame is left alone


def test_shares_and_their_changes_are_percentages() -> None:
    style = workbook_module._number_style
    for column in ("share", "share_engaged_old", "change_share_engaged", "response_rate", "consensus_share"):
        assert style(column, "float") == "percent", column
    for column in ("mean_change", "similarity", "n_shared"):
        assert style(column, "float") != "percent", column
