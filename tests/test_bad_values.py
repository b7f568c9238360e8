"""Bad and awkward values: each error is located (file, sheet, row, column) and says what
was expected; every problem of a round is reported in one run; awkward free text
(control characters, 100 000 characters, right-to-left and CJK scripts, text that looks
like a formula) goes through a whole run into the Word report, the results workbook and
the processed CSVs without breaking them; personal data never reaches any output."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from catalogue import (
    OLE_BYTES,
    Example,
    Outcome,
    Project,
    cli,
    edit_workbook,
    header_columns,
    located,
    main_sheet,
    new_project,
    no_charts,
    questionnaire,
    snapshot,
    validate_round,
)
from docx import Document

from pipeline.exports import write_kobo_xlsx, write_odk_csv
from pipeline.registry import Registry
from pipeline.rounds import check_round
from pipeline.spec import Survey

CONTROL = "Ctrl\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f and \ufffe\uffff end"
LONG = ("A very long answer about e-waste. " * 3100)[:100_000]
RTL_CJK = "التعاون الإقليمي في أفريقيا — שיתוף פעולה — 电子废物回收合作 — 電子廃棄物のリサイクル"
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3 cmd", "@SUM(A1:A2)"]
NAME = "Zoë Ñúñez-O'Brien \u202e<b>"
EMAIL = "zoe.nunez+e-waste@agency.example.org"


# -- located errors, all in one run ---------------------------------------------------------
def bad_values(example: Example) -> Example:
    """The example round with one bad value of each kind (rows as Excel shows them:
    submissions 2-5, a conflicting duplicate of ECA in 6, a blank one in 7; projects 2-4)."""
    main, repeats = example[0].copy(), {k: v.copy() for k, v in example[1].items()}
    main.loc[0, "engagement_raw_materials"] = "majro"
    main.loc[1, "agency"] = "UN Environmnt Programme"
    main.loc[3, "ks_rank_webinars"] = "first"
    duplicate = main.iloc[[2]].copy()
    duplicate["_submission_id"] = "example:3-again"
    duplicate["_submitted_at"] = "2026-03-20T10:00:00+0000"
    duplicate["engagement_final_disposal"] = "none"
    duplicate["activities_final_disposal"] = pd.NA
    blank = main.iloc[[3]].copy()
    blank["_submission_id"] = "example:blank"
    for column in blank.columns:
        if not column.startswith("_"):
            blank[column] = pd.NA
    blank["agency"] = "UNICEF"
    main = pd.concat([main, duplicate, blank], ignore_index=True)
    projects = repeats["projects"]
    projects.loc[0, "start_year"] = "2108"
    projects.loc[0, "end_year"] = "twenty"
    projects.loc[1, "budget_usd"] = "-5000"
    repeats["projects"] = projects
    return main, repeats


def orphan_project(book: openpyxl.Workbook) -> None:
    """A last project row whose _parent_index points to no submission."""
    ws = book["projects"]
    heads = header_columns(ws)
    row = ws.max_row + 1
    for column in range(1, ws.max_column + 1):
        ws.cell(row, column).value = ws.cell(row - 1, column).value
    ws.cell(row, heads["_parent_index"]).value = 99
    ws.cell(row, heads["_index"]).value = 99


@pytest.fixture(scope="module")
def checked(
    tmp_path_factory: pytest.TempPathFactory, survey: Survey, registry: Registry, example: Example
) -> tuple[Project, Outcome]:
    project = new_project(tmp_path_factory.mktemp("values"))
    main, repeats = bad_values(example)
    path = write_kobo_xlsx(main, repeats, survey, registry, project.raw / "export.xlsx")
    edit_workbook(path, orphan_project)
    return project, validate_round(project)


MAIN = "E-waste IMG gap analysis"
EXPECTED = [
    # code, sheet, row, column, words in the message
    ("choice-invalid", MAIN, 2, "engagement_raw_materials", ["'majro'", "did you mean major"]),
    ("entity-unknown", MAIN, 3, "agency", ["'UN Environmnt Programme'", "did you mean UNEP"]),
    ("not-a-number", MAIN, 5, "ks_rank_webinars", ["'first' is not a number", "whole number"]),
    ("all-blank", MAIN, 7, "agency", ["all answers blank"]),
    ("out-of-range", "projects", 2, "start_year", ["'2108' is out of range", "1990 to 2040"]),
    ("not-a-number", "projects", 2, "end_year", ["'twenty' is not a number"]),
    ("out-of-range", "projects", 3, "budget_usd", ["'-5000' is out of range", "at least 0"]),
    ("repeat-orphan", "projects", 5, "_parent_index", ["belongs to no submission", "99"]),
]


@pytest.mark.parametrize(
    ("code", "sheet", "row", "column", "words"),
    EXPECTED,
    ids=[f"{c}-{col}" for c, _, _, col, _ in EXPECTED],
)
def test_each_bad_value_is_located_with_what_was_expected(
    checked: tuple[Project, Outcome], code: str, sheet: str, row: int, column: str, words: list[str]
) -> None:
    _, outcome = checked
    found = [i for i in outcome.log.errors if located(i, "export.xlsx", sheet, row, column)]
    assert len(found) == 1, [str(i) for i in outcome.log.issues]
    issue = found[0]
    assert issue.code == code, issue
    assert all(w in issue.message for w in words), issue.message
    assert f"{issue.location()} {issue.message}" in outcome.text


def test_all_errors_come_in_one_run(checked: tuple[Project, Outcome]) -> None:
    _, outcome = checked
    assert outcome.code == 1
    assert len(outcome.log.errors) == len(EXPECTED), [str(i) for i in outcome.log.errors]
    assert f"{len(EXPECTED)} error(s)" in outcome.text


def test_the_same_agency_twice_keeps_the_latest_and_names_the_conflicts(
    checked: tuple[Project, Outcome],
) -> None:
    _, outcome = checked
    issue = next(i for i in outcome.log.warnings if "sent 2 submissions" in i.message)
    assert located(issue, "export.xlsx", MAIN, 6, "agency")
    assert "ECA" in issue.message and "latest (2026-03-20 10:00 UTC) is kept" in issue.message
    assert "engagement_final_disposal" in issue.message


def test_every_problem_of_a_bad_round_in_one_run_and_nothing_written(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    """Bad files and bad values side by side: one `run` lists them all and writes nothing."""
    project = new_project(tmp_path)
    main, repeats = bad_values(example)
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "export.xlsx")
    (project.raw / "empty.xlsx").write_bytes(b"")
    (project.raw / "old.xls").write_bytes(OLE_BYTES)
    (project.raw / "notes.csv").write_bytes(b"\x00\x01binary\x02" * 50)
    path = questionnaire(survey, registry, example, 1, project.raw / "CMS.xlsx")
    edit_workbook(path, lambda book: book["Projects"].merge_cells("B3:B4"))
    before = snapshot(project.raw)

    outcome = cli(project, "run")

    assert outcome.code == 1
    log, _ = check_round(project.layout, "ewaste_img", "2026-R1")
    for code, file in (
        ("file-empty", "empty.xlsx"),
        ("file-xls", "old.xls"),
        ("file-not-csv", "notes.csv"),
        ("questionnaire-merged-cells", "CMS.xlsx"),
        ("choice-invalid", "export.xlsx"),
        ("entity-unknown", "export.xlsx"),
        ("out-of-range", "export.xlsx"),
        ("all-blank", "export.xlsx"),
    ):
        issue = next(i for i in log.errors if i.code == code)
        assert issue.file == file and f"ERROR {issue.location()} {issue.message}" in outcome.text
    assert f"Stopped: {len(log.errors)} error(s) in the inputs; nothing was written" in outcome.text
    assert not project.outputs.exists() and not project.processed.exists()
    assert snapshot(project.raw) == before


# -- awkward free text through a whole run --------------------------------------------------
@pytest.fixture(scope="module")
def awkward_run(
    tmp_path_factory: pytest.TempPathFactory, survey: Survey, registry: Registry, example: Example
) -> tuple[Project, Outcome, dict[str, bytes]]:
    """A whole run on an ODK CSV export (CSV keeps control characters) full of awkward text."""
    project = new_project(tmp_path_factory.mktemp("text"))
    main, repeats = example[0].copy(), {k: v.copy() for k, v in example[1].items()}
    main.loc[0, "strengths"] = CONTROL
    main.loc[0, "weaknesses"] = LONG
    main.loc[0, "recommendations"] = RTL_CJK
    for i, text in enumerate(FORMULAS):
        main.loc[i, "collaboration_notes"] = text
    main.loc[1, "focal_name"] = NAME
    main.loc[1, "focal_email"] = EMAIL
    projects = repeats["projects"]
    projects.loc[0, "project_title"] = "Recycling\x07 hub \ufffe電子廃棄物"
    projects.loc[1, "project_title"] = "=1+1 looks like a formula"
    write_odk_csv(main, {"projects": projects}, survey, registry, project.raw, "ewaste_img")
    assert "\x07" in (project.raw / "ewaste_img-projects.csv").read_text(encoding="utf-8")
    before = snapshot(project.raw)
    with pytest.MonkeyPatch.context() as patch:  # charts show no free text
        patch.setattr("pipeline.analyses.make_charts", no_charts)
        outcome = cli(project, "run", "--run-date", "2026-11-25")
    assert outcome.code == 0, outcome.text
    assert snapshot(project.raw) == before
    return project, outcome, before


def workbook_xml(project: Project) -> dict[str, str]:
    with zipfile.ZipFile(project.outputs / "results.xlsx") as book:
        return {n: book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml")}


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_report_opens_and_holds_the_cleaned_text(
    awkward_run: tuple[Project, Outcome, dict[str, bytes]],
) -> None:
    project, _, _ = awkward_run
    text = docx_text(project.outputs / "report.docx")
    assert "Recycling hub 電子廃棄物" in text  # control and non-characters removed
    with zipfile.ZipFile(project.outputs / "report.docx") as doc:
        xml = doc.read("word/document.xml").decode("utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", xml)


def test_the_workbook_never_holds_a_formula(
    awkward_run: tuple[Project, Outcome, dict[str, bytes]],
) -> None:
    project, _, _ = awkward_run
    sheets = {n: x for n, x in workbook_xml(project).items() if n.startswith("xl/worksheets/")}
    assert sheets and not any(re.search(r"<f[ >]", x) for x in sheets.values())
    book = openpyxl.load_workbook(project.outputs / "results.xlsx", read_only=True)
    tidy = book["Tidy responses"]
    values = [v for row in tidy.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    for text in [*FORMULAS, "=1+1 looks like a formula"]:
        assert text in values  # the text itself, as text


def test_right_to_left_cjk_and_long_text_survive_into_the_tidy_sheet(
    awkward_run: tuple[Project, Outcome, dict[str, bytes]],
) -> None:
    project, _, _ = awkward_run
    book = openpyxl.load_workbook(project.outputs / "results.xlsx", read_only=True)
    values = [v for row in book["Tidy responses"].iter_rows(values_only=True) for v in row]
    assert RTL_CJK in values
    long_cells = [v for v in values if isinstance(v, str) and v.startswith("A very long answer")]
    assert len(long_cells) == 1 and 30_000 < len(long_cells[0]) <= 32_767  # Excel's cell limit
    tidy = pd.read_csv(project.processed / "tidy_responses.csv", dtype=str, keep_default_na=False)
    assert LONG in set(tidy["answer"])  # the processed table keeps every character
    assert RTL_CJK in set(tidy["answer"])


def test_formula_like_text_is_prefixed_in_the_processed_csvs(
    awkward_run: tuple[Project, Outcome, dict[str, bytes]],
) -> None:
    project, _, _ = awkward_run
    tidy = pd.read_csv(project.processed / "tidy_responses.csv", dtype=str, keep_default_na=False)
    answers = set(tidy["answer"])
    for text in FORMULAS:
        assert "'" + text in answers and text not in answers
    titles = pd.read_csv(project.processed / "projects.csv", dtype=str)["project_title"]
    assert "'=1+1 looks like a formula" in set(titles)


def test_personal_data_reaches_no_output_and_no_log(
    awkward_run: tuple[Project, Outcome, dict[str, bytes]],
) -> None:
    project, outcome, _ = awkward_run
    report = docx_text(project.outputs / "report.docx")
    xml = "".join(workbook_xml(project).values())
    files = [p for p in (*project.outputs.rglob("*"), *project.processed.rglob("*")) if p.is_file()]
    everything = b"".join(p.read_bytes() for p in files)
    for secret in (NAME, "Ñúñez", EMAIL, "zoe.nunez", "Lucas Moreau", "focal2@agency2"):
        assert secret not in report and secret not in xml and secret not in outcome.text
        assert secret.encode() not in everything


def test_an_invalid_email_and_an_odd_name_are_not_echoed(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    main, repeats = example[0].copy(), example[1]
    main.loc[2, "focal_email"] = "zoe.nunez(at)agency"
    main.loc[2, "focal_name"] = NAME
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "export.xlsx")
    outcome = validate_round(project)
    assert outcome.code == 1
    issue = outcome.only("email-invalid")
    assert located(issue, "export.xlsx", main_sheet(survey), 4, "focal_email")
    assert "not valid" in issue.message
    logged = outcome.text + "".join(str(i) for i in outcome.log.issues)
    for secret in ("zoe.nunez", "Ñúñez", NAME):
        assert secret not in logged
