"""Exports laid out as KoboToolbox and ODK Central write them (see real_exports.py): the
run gives the true numbers or stops with an error that says what to do (issue 11)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from catalogue import Project, cli, new_project, questionnaire, validate_round
from docx import Document
from real_exports import (
    KOBO_DEPLOYMENT,
    kobo_export_tables,
    write_central_csv,
    write_formpack_xlsx,
    write_kobo_csv_export,
)

from pipeline.errors import IssueLog, PipelineError
from pipeline.exports import example_round
from pipeline.forms import ANSWER_HEADER, FORM_VERSION_FIELD, KEY_HEADER
from pipeline.ingest.round_reader import read_round
from pipeline.registry import Registry
from pipeline.rounds import check_round, process_round
from pipeline.spec import Survey
from pipeline.xlsform import write_xlsform

Example = tuple[pd.DataFrame, dict[str, pd.DataFrame]]


def report_text(project: Project) -> str:
    doc = Document(str(project.outputs / "report.docx"))
    return "\n".join(p.text for p in doc.paragraphs)


# -- 1. repeat data missing -------------------------------------------------------------------
def test_kobo_csv_without_projects_stops_with_what_to_do(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    main, repeats = example
    write_kobo_csv_export(kobo_export_tables(main, repeats, survey, registry), project.raw / "kobo.csv")
    outcome = validate_round(project)
    assert outcome.code == 1
    issue = outcome.only("repeat-missing")
    assert issue.file == "kobo.csv" and issue.severity == "error"
    assert "4 submission(s) without their projects" in issue.message
    assert "as XLSX" in issue.message and "--no-repeat projects" in issue.message


def test_odk_main_csv_without_its_repeat_file_names_the_file(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    main, repeats = example
    write_central_csv(main, repeats, survey, registry, project.raw, "ewaste_img")
    (project.raw / "ewaste_img-projects.csv").unlink()
    outcome = validate_round(project)
    issue = outcome.only("repeat-missing")
    assert outcome.code == 1 and issue.file == "ewaste_img.csv"
    assert "'ewaste_img-projects.csv'" in issue.message and "unzip" in issue.message


@pytest.mark.slow
def test_no_repeat_says_not_collected_never_none_reported(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    project = new_project(tmp_path)
    main, repeats = example_round(survey, registry, n=6)
    write_kobo_csv_export(kobo_export_tables(main, repeats, survey, registry), project.raw / "kobo.csv")
    outcome = cli(project, "run", "--no-repeat", "projects", "--run-date", "2026-11-25")
    assert outcome.code == 0, outcome.text
    text = report_text(project)
    assert "were not collected in this round" in text
    assert "No projects were reported" not in text
    # the work plan neither counts 0 projects nor lists 'none' for them
    plan = Document(str(project.outputs / "workplan.docx"))
    words = "\n".join(
        [p.text for p in plan.paragraphs]
        + [c.text for t in plan.tables for r in t.rows for c in r.cells]
    )
    assert "0 projects reported" not in words and "none listed" not in words
    assert "not collected in this round" in words


def test_no_repeat_with_project_rows_present_is_an_error(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    main, repeats = example
    write_formpack_xlsx(kobo_export_tables(main, repeats, survey, registry), project.raw / "kobo.xlsx")
    outcome = validate_round(project, "--no-repeat", "projects")
    issue = outcome.only("repeat-not-collected")
    assert outcome.code == 1 and issue.file == "kobo.xlsx"
    assert "3 'projects' row(s)" in issue.message


def test_no_repeat_of_an_unknown_group_is_a_usage_error(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    outcome = cli(project, "validate", "--no-repeat", "project")
    assert outcome.code == 2
    assert "no repeat group 'project'" in outcome.text and "projects" in outcome.text


def compare_cli(project: Project, *extra: str) -> object:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from catalogue import Outcome

    from pipeline.cli import main

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        code = main(["compare", "ewaste_img", "--rounds", "2025-R1", "2026-R1", "--root", str(project.root), *extra])
    return Outcome(code, " ".join(out.getvalue().split()))


@pytest.mark.slow
def test_compare_no_repeat_names_the_round_that_collected_none(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    """An earlier round exported as Kobo CSV (no projects) compared with one exported as
    XLSX: ``compare`` says what ``run`` says, for the round concerned."""
    project = new_project(tmp_path)  # round 2026-R1: the XLSX export, with its projects
    main, repeats = example
    tables = kobo_export_tables(main, repeats, survey, registry)
    write_formpack_xlsx(tables, project.raw / "kobo.xlsx")
    write_kobo_csv_export(tables, project.layout.raw("ewaste_img", "2025-R1") / "kobo.csv")

    stopped = compare_cli(project)
    assert stopped.code == 1
    assert "data/raw/ewaste_img/2025-R1/kobo.csv" in stopped.text
    assert "4 submission(s) without their projects" in stopped.text
    assert "compare with --no-repeat 2025-R1:projects" in stopped.text

    both = compare_cli(project, "--no-repeat", "projects")  # wrong for 2026-R1: it has them
    assert both.code == 1 and "data/raw/ewaste_img/2026-R1/kobo.xlsx" in both.text
    assert "--no-repeat projects says this round collected no projects" in both.text
    assert "compare without --no-repeat 2026-R1:projects" in both.text

    assert compare_cli(project, "--no-repeat", "2024-R1:projects").code == 2
    assert compare_cli(project, "--no-repeat", "2025-R1:project").code == 2
    done = compare_cli(project, "--no-repeat", "2025-R1:projects", "--run-date", "2026-11-25")
    assert done.code == 0, done.text
    folder = project.root / "outputs" / "ewaste_img" / "2026-R1-vs-2025-R1"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [r["no_repeat"] for r in manifest["rounds"]] == [["projects"], []]
    log = pd.read_excel(folder / "comparison.xlsx", sheet_name="Data quality", engine="calamine")
    assert log.astype(str).apply(lambda c: c.str.contains("not collected in this round")).any().any()


@pytest.mark.slow
def test_run_compares_with_a_previous_round_as_it_was_run_without_repeat_data(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    """The previous round came as a Kobo CSV (no projects) and was run with --no-repeat:
    the next round's run compares with it read the same way, not 'skipped: errors'."""
    project = new_project(tmp_path)
    main, repeats = example
    tables = kobo_export_tables(main, repeats, survey, registry)
    write_formpack_xlsx(tables, project.raw / "kobo.xlsx")
    earlier = project.layout.raw("ewaste_img", "2025-R1")
    write_kobo_csv_export(tables, earlier / "kobo.csv")
    run_date = ("--run-date", "2026-11-25")

    skipped = cli(project, "run", *run_date)
    assert skipped.code == 0, skipped.text
    assert "comparison skipped: round 2025-R1 has errors (1)" in skipped.text
    assert "if round 2025-R1 did not collect projects, run it once with --no-repeat projects" in skipped.text

    done = main_cli(project, "run", "ewaste_img", "--round", "2025-R1", "--no-repeat", "projects", *run_date)
    assert done.code == 0, done.text
    manifest = json.loads((project.layout.outputs("ewaste_img", "2025-R1") / "manifest.json").read_text())
    assert manifest["no_repeat"] == ["projects"]
    again = cli(project, "run", *run_date)  # not up to date: the previous round's run changed
    assert again.code == 0 and "compared with the previous round 2025-R1" in again.text, again.text
    assert "comparison skipped" not in again.text
    ours = json.loads((project.outputs / "manifest.json").read_text())
    assert ours["compared_with"]["compared"] is True and ours["no_repeat"] == []
    assert "Change since the previous round" in report_text(project)


def main_cli(project: Project, *argv: str) -> object:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from catalogue import Outcome

    from pipeline.cli import main

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        code = main([*argv, "--root", str(project.root)])
    return Outcome(code, " ".join(out.getvalue().split()))


@pytest.mark.parametrize("headers", ["xml", "label"])
def test_formpack_xlsx_carries_the_projects(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example, headers: str
) -> None:
    project = new_project(tmp_path)
    main, repeats = example
    tables = kobo_export_tables(main, repeats, survey, registry, headers=headers)
    write_formpack_xlsx(tables, project.raw / "kobo.xlsx")
    outcome = validate_round(project)
    assert "repeat-missing" not in outcome.codes()


# -- 2. review states ---------------------------------------------------------------------------
def with_late_test_submission(example: Example) -> Example:
    """The example round plus, from the first agency, a later test submission whose
    answers differ everywhere they can (engagement 'none' in every stage)."""
    main, repeats = example
    late = main.iloc[[0]].copy()
    late["_submission_id"] = "example:test"
    late["_submitted_at"] = "2026-03-20T08:00:00+0000"
    for column in [c for c in main.columns if c.startswith("engagement_")]:
        late[column] = "none"
    for column in [c for c in main.columns if c.startswith("activities_")]:
        late[column] = pd.NA
    return pd.concat([main, late], ignore_index=True), repeats


def engagement(outcome_project: Project) -> pd.DataFrame:
    subs = pd.read_csv(outcome_project.processed / "submissions.csv", dtype=str)
    return subs.set_index("entity_id").filter(like="engagement_").sort_index()


@pytest.fixture(scope="module")
def unreviewed_engagement(
    tmp_path_factory: pytest.TempPathFactory, survey: Survey, registry: Registry, example: Example
) -> pd.DataFrame:
    """The engagement answers a run keeps from the example round without review states
    (one run for both header kinds below: only read)."""
    baseline = new_project(tmp_path_factory.mktemp("baseline"))
    write_formpack_xlsx(kobo_export_tables(*example, survey, registry), baseline.raw / "kobo.xlsx")
    assert cli(baseline, "run", "--run-date", "2026-11-25").code == 0
    return engagement(baseline)


@pytest.mark.slow
@pytest.mark.parametrize("headers", ["xml", "label"])
def test_kobo_not_approved_submission_never_wins(
    tmp_path: Path,
    survey: Survey,
    registry: Registry,
    example: Example,
    headers: str,
    unreviewed_engagement: pd.DataFrame,
) -> None:
    main, repeats = with_late_test_submission(example)
    statuses = ["approved", None, "on_hold", None, "not_approved"]
    project = new_project(tmp_path / "reviewed")
    tables = kobo_export_tables(main, repeats, survey, registry, headers=headers, statuses=statuses)
    write_formpack_xlsx(tables, project.raw / "kobo.xlsx")
    outcome = validate_round(project)
    assert outcome.code == 0, outcome.text
    aside = outcome.only("review-set-aside")
    # as Kobo's interface names it, with the uid an XML-values export holds
    label = "'Not approved'" + ("" if headers == "label" else " (validation_status_not_approved)")
    assert aside.file == "kobo.xlsx" and aside.row == 6 and aside.column == "_validation_status"
    assert f"{label} in KoboToolbox" in aside.message and "other submission" in aside.message
    held = outcome.only("review-to-check")
    assert held.row == 4 and held.severity == "warning"
    assert "duplicate-submission" not in {i.code for i in outcome.log.issues}

    assert cli(project, "run", "--run-date", "2026-11-25").code == 0
    pd.testing.assert_frame_equal(engagement(project), unreviewed_engagement)
    text = report_text(project)
    assert "Not approved" in text and "set aside" in text and "(1 submission in this round)" in text


def test_central_rejected_is_set_aside_and_has_issues_kept(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = with_late_test_submission(example)
    project = new_project(tmp_path)
    states = [None, "approved", "hasIssues", "edited", "rejected"]
    write_central_csv(main, repeats, survey, registry, project.raw, "ewaste_img", states)
    outcome = validate_round(project)
    assert outcome.code == 0, outcome.text
    aside = outcome.only("review-set-aside")
    assert aside.file == "ewaste_img.csv" and aside.row == 6 and aside.column == "ReviewState"
    assert "'rejected' in ODK Central" in aside.message
    held = outcome.only("review-to-check")
    assert held.row == 4 and "'hasIssues'" in held.message
    _, raw = check_round(project.layout, "ewaste_img", "2026-R1")
    assert raw is not None and "example:test" not in set(raw.main["_submission_id"])
    assert len(raw.main) == 4


def test_only_submission_rejected_means_not_answered(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    project = new_project(tmp_path)
    statuses = ["not_approved", None, None, None]
    tables = kobo_export_tables(main, repeats, survey, registry, statuses=statuses)
    write_formpack_xlsx(tables, project.raw / "kobo.xlsx")
    outcome = validate_round(project)
    aside = outcome.only("review-set-aside")
    assert "no other submission, so it counts as not having answered" in aside.message
    _, raw = check_round(project.layout, "ewaste_img", "2026-R1")
    assert raw is not None and len(raw.main) == 3
    # its project rows go with it
    assert len(raw.repeats["projects"]) == 1


# -- 3. text typed with a leading '=' -----------------------------------------------------------
def read_main(folder: Path, survey: Survey, registry: Registry, *no_repeat: str) -> tuple[pd.DataFrame, IssueLog]:
    log = IssueLog()
    raw = read_round(folder, survey, registry, log, no_repeat)
    fields = [f.name for f in survey.fields()]
    return raw.main.set_index("_source_row")[fields].reset_index(drop=True), log


def test_formula_text_reads_as_typed_in_kobo_xlsx_csv_and_central(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    typed = "=SUM(A1:A3) is text, not a formula"
    assert (main == typed).any().any()
    tables = kobo_export_tables(main, repeats, survey, registry)
    xlsx = write_formpack_xlsx(tables, tmp_path / "xlsx" / "kobo.xlsx")
    with zipfile.ZipFile(xlsx) as book:  # as Kobo writes it: a formula with a saved 0
        assert "<f>SUM(A1:A3) is text, not a formula</f><v>0</v>" in book.read(
            "xl/worksheets/sheet1.xml"
        ).decode()
    write_kobo_csv_export(tables, tmp_path / "csv" / "kobo.csv")
    write_central_csv(main, repeats, survey, registry, tmp_path / "odk", "ewaste_img")

    from_xlsx, log = read_main(xlsx.parent, survey, registry)
    from_csv, _ = read_main(tmp_path / "csv", survey, registry, "projects")
    from_odk, _ = read_main(tmp_path / "odk", survey, registry)
    assert (from_xlsx == typed).any().any() and not (from_xlsx == "0").any().any()
    pd.testing.assert_frame_equal(from_xlsx, from_csv)
    pd.testing.assert_frame_equal(from_xlsx, from_odk)
    warned = [i for i in log.issues if i.code == "formula-cell"]
    cells = {(i.sheet, i.row, i.column) for i in warned}
    expected = {
        (sheet, row + 2, header)
        for sheet, table in tables.items()
        for header, values in table.items()
        for row, value in enumerate(values)
        if value == typed
    }
    assert cells == expected and {i.sheet for i in warned} == {"E-waste IMG gap analysis", "projects"}
    assert "read as the text typed" in warned[0].message


def test_formula_without_saved_value_in_a_kobo_like_workbook(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    xlsx = write_formpack_xlsx(kobo_export_tables(main, repeats, survey, registry), tmp_path / "kobo.xlsx")
    book = openpyxl.load_workbook(xlsx)  # re-saved by a script: formulas lose their value
    sheet = book.worksheets[0]
    column = next(c.column for c in sheet[1] if c.value == "views/strengths")
    sheet.cell(3, column).value = "=1+1"
    book.save(xlsx)
    got, log = read_main(tmp_path, survey, registry)
    assert got.loc[1, "strengths"] == "=1+1"
    issue = next(
        i for i in log.issues
        if i.code == "formula-cell" and i.row == 3 and i.column == "views/strengths"
    )
    assert "no saved value" in issue.message


def test_questionnaire_formula_without_saved_value_says_open_and_save(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    path = questionnaire(survey, registry, example, 0, tmp_path / "UNEP.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Answers"]
    keys = [sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)]
    row = keys.index("ks_rank_webinars") + 1
    header = keys.index(KEY_HEADER) + 1
    answer = next(c.column for c in sheet[header] if c.value == ANSWER_HEADER)
    sheet.cell(row, answer).value = "=1+2"
    book.save(path)
    log = IssueLog()
    read_round(tmp_path, survey, registry, log)
    issue = next(i for i in log.issues if i.code == "formula-no-value")
    assert issue.sheet == "Answers" and issue.row == row
    assert "open and save the file in Excel or LibreOffice" in issue.message


# -- 4. form version: the form's own hidden field, not Kobo's deployment id -------------------------
def test_xlsform_carries_its_version_in_a_hidden_field(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    from pyxform.xls2xform import convert

    path = write_xlsform(survey, registry, tmp_path / "ewaste_img.xlsx")
    xml = convert(xlsform=str(path), warnings=[]).xform
    assert f"<{FORM_VERSION_FIELD}/>" in xml
    assert f'calculate="\'{survey.model.form_version}\'"' in xml
    assert f'nodeset="/data/{FORM_VERSION_FIELD}"' in xml  # top level: a plain column


@pytest.mark.parametrize(("version", "warned"), [("2026.1", False), ("2025.1", True)])
def test_kobo_deployment_id_is_recorded_not_compared(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example, version: str, warned: bool
) -> None:
    project = new_project(tmp_path)
    main, repeats = example
    tables = kobo_export_tables(main, repeats, survey, registry)
    first = next(iter(tables.values()))
    assert list(first)[:3] == ["start", "end", FORM_VERSION_FIELD]  # form order: first field
    first[FORM_VERSION_FIELD] = [version] * len(main)
    write_formpack_xlsx(tables, project.raw / "kobo.xlsx")
    outcome = validate_round(project)
    assert outcome.code == 0, outcome.text
    deployment = outcome.only("kobo-deployment")
    assert f"'{KOBO_DEPLOYMENT}' (4 submission(s))" in deployment.message
    versions = [i for i in outcome.log.issues if i.code == "form-version"]
    assert bool(versions) == warned
    if warned:
        assert "'2025.1' in 4 submission(s)" in versions[0].message


def test_central_export_of_our_form_gives_no_version_warning(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    main, repeats = example
    write_central_csv(main, repeats, survey, registry, project.raw, "ewaste_img")
    outcome = validate_round(project)
    assert outcome.code == 0 and "form-version" not in outcome.codes("warning")


# -- 5. the group separator chosen in Kobo's export settings ------------------------------------
@pytest.mark.parametrize("headers", ["xml", "label"])
@pytest.mark.parametrize("separator", [".", ":", "|"])
def test_kobo_group_separator_is_detected_from_the_headers(
    tmp_path: Path,
    survey: Survey,
    registry: Registry,
    example: Example,
    headers: str,
    separator: str,
) -> None:
    main, repeats = example
    slash = write_formpack_xlsx(
        kobo_export_tables(main, repeats, survey, registry, headers=headers),
        tmp_path / "slash" / "kobo.xlsx",
    )
    tables = kobo_export_tables(main, repeats, survey, registry, headers=headers, separator=separator)
    heads = list(next(iter(tables.values())))
    if headers == "xml":
        assert f"lifecycle{separator}raw_materials{separator}engagement_raw_materials" in heads
    else:
        assert any(h.startswith(f"{survey.model.sections[1].label}{separator}") for h in heads)
    other = write_formpack_xlsx(tables, tmp_path / "other" / "kobo.xlsx")
    write_kobo_csv_export(tables, tmp_path / "csv" / "kobo.csv")
    expected, _ = read_main(slash.parent, survey, registry)
    got, log = read_main(other.parent, survey, registry)
    pd.testing.assert_frame_equal(got, expected)
    from_csv, _ = read_main(tmp_path / "csv", survey, registry, "projects")
    pd.testing.assert_frame_equal(from_csv, expected)
    assert not log.errors and "column-unknown" not in {i.code for i in log.issues}
    assert any(i.code == "group-separator" and f"'{separator}'" in i.message for i in log.issues)
    raw_log = IssueLog()
    raw = read_round(other.parent, survey, registry, raw_log)
    assert len(raw.repeats["projects"]) == len(repeats["projects"])


# -- 6. cross-field checks declared in the survey ------------------------------------------------
@pytest.mark.slow  # a whole run
def test_cross_field_checks_warn_with_file_sheet_row_and_reach_the_annex(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    main, repeats = example_round(survey, registry, n=6)
    projects = repeats["projects"].copy()
    assert len(projects) >= 3
    changes = {  # row of the 'projects' sheet (header = 1) -> answers
        2: {"project_status": "planned", "start_year": "2018", "end_year": "2020"},
        3: {"project_status": "ongoing", "start_year": "2015", "end_year": "2022"},
        4: {"project_status": "completed", "start_year": "2019", "end_year": "2017"},
    }
    for row, answers in changes.items():
        for column, value in answers.items():
            projects.loc[row - 2, column] = value
    project = new_project(tmp_path)
    tables = kobo_export_tables(main, {"projects": projects}, survey, registry)
    write_formpack_xlsx(tables, project.raw / "kobo.xlsx")
    outcome = validate_round(project)
    assert outcome.code == 0, outcome.text
    found = {
        (i.row, i.message.split(":")[0])
        for i in outcome.log.issues
        if i.code == "cross-check" and i.file == "kobo.xlsx" and i.sheet == "projects"
    }
    assert found == {
        (2, "a planned project whose end year has passed"),
        (3, "an ongoing project that ended more than a year before this round"),
        (4, "a project that ends before it starts"),
    }
    planned = next(i for i in outcome.log.issues if i.code == "cross-check" and i.row == 2)
    assert planned.column == "end_year" and planned.severity == "warning"
    assert '"End year" is 2020; expected at least 2026 (the round\'s year)' in planned.message
    before = next(i for i in outcome.log.issues if i.code == "cross-check" and i.row == 4)
    assert 'expected at least "Start year" (2019)' in before.message

    assert cli(project, "run", "--run-date", "2026-11-25").code == 0
    doc = Document(str(project.outputs / "report.docx"))
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "a planned project whose end year has passed" in cells


def test_a_round_without_a_year_skips_round_year_checks(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    from pipeline.crosschecks import round_year

    assert round_year("2026-R1") == 2026 and round_year("R1-2019b") == 2019
    assert round_year("spring") is None
    main, repeats = example
    raw_log = IssueLog()
    raw = read_round(
        write_formpack_xlsx(kobo_export_tables(main, repeats, survey, registry), tmp_path / "k.xlsx").parent,
        survey,
        registry,
        raw_log,
    )
    from pipeline.validate import validate

    log = IssueLog()
    validate(raw, survey, registry, log, "spring")
    skipped = [i for i in log.issues if i.code == "cross-check-skipped"]
    assert len(skipped) == 1 and "planned_but_ended" in skipped[0].message


# -- 7. messages that lead to the fix -------------------------------------------------------------
def test_semicolons_and_spaces_both_separate_several_answers(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    main = main.copy()
    main.loc[0, "topics"] = "epr; chemicals"
    main.loc[1, "topics"] = "Extended producer responsibility;Chemicals and releases"
    main.loc[2, "topics"] = "epr chemicals"
    main.loc[3, "topics"] = "epr; chemcals"
    project = new_project(tmp_path)
    tables = kobo_export_tables(main, repeats, survey, registry, headers="xml")
    write_formpack_xlsx(tables, project.raw / "kobo.xlsx")
    outcome = validate_round(project)
    bad = outcome.only("choice-invalid")
    assert bad.row == 5 and "'chemcals'" in bad.message
    assert "several separated by ';' or by spaces" in bad.message
    _, raw = check_round(project.layout, "ewaste_img", "2026-R1")
    assert raw is not None
    assert raw.main["topics"].tolist()[:3] == ["epr chemicals"] * 3


def test_questionnaire_cells_take_semicolons_or_spaces_and_the_check_lists_labels(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    """The questionnaire asks for ';' between answers; answers separated by spaces are
    read too, and a wrong one is named with the labels the questionnaire shows."""
    main, repeats = example
    projects = repeats["projects"].copy()
    first = projects.index[0]
    projects["regions"] = projects["regions"].astype(object)
    projects.at[first, "regions"] = "africa europe"
    project = new_project(tmp_path)
    path = questionnaire(survey, registry, (main, {"projects": projects}), 0, project.raw / "q.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Projects"]
    column = next(c.column for c in sheet[1] if c.value == "regions")
    note = sheet.cell(2, column).comment.text
    assert note.startswith("Type one or more of these, separated by ';': Global; Africa;")
    sheet.cell(3, column).value = "Africa Europe"  # typed with a space, not ';'
    sheet.cell(4, column).value = "Africa; Europa"
    sheet.cell(4, column - 1).value = sheet.cell(4, column - 1).value or 2020
    book.save(path)
    outcome = validate_round(project)
    bad = outcome.only("choice-invalid")
    assert (bad.sheet, bad.row, bad.column) == ("Projects", 4, "regions")
    assert "'Europa' is not one of the choices; did you mean europe (Europe)?" in bad.message
    assert "global, africa, asia_pacific (Asia and the Pacific), europe" in bad.message
    assert "several separated by ';' or by spaces" in bad.message
    sheet.cell(4, column).value = None
    book.save(path)
    _, raw = check_round(project.layout, "ewaste_img", "2026-R1")
    assert raw is not None and raw.repeats["projects"]["regions"].iloc[0] == "africa europe"


@pytest.mark.parametrize(
    ("name", "advice"),
    [("answers.ods", "save it as .xlsx"), ("answers.numbers", "Export To > Excel")],
)
def test_other_spreadsheet_formats_say_save_as_xlsx(tmp_path: Path, name: str, advice: str) -> None:
    project = new_project(tmp_path)
    (project.raw / name).write_bytes(b"PK\x03\x04" + bytes(200))
    outcome = validate_round(project)
    issue = outcome.only("file-other-spreadsheet")
    assert outcome.code == 1 and issue.file == name and advice in issue.message


def test_central_export_of_another_survey_is_named_as_that_survey(
    tmp_path: Path, registry: Registry
) -> None:
    from pipeline.spec import load_survey

    other = load_survey(Path(__file__).resolve().parents[1] / "surveys" / "ess_safeguards")
    main, repeats = example_round(other, registry, n=2)
    project = new_project(tmp_path)
    write_central_csv(main, repeats, other, registry, project.raw, "ess_safeguards")
    outcome = validate_round(project)
    assert outcome.code == 1
    issue = next(i for i in outcome.log.errors if i.file == "ess_safeguards.csv")
    assert "this is an export of ess_safeguards" in issue.message
    assert "emg-pipeline validate ess_safeguards --round 2026-R1" in issue.message


def test_kobo_xlsx_of_another_survey_is_named_without_warnings_on_its_cells(
    tmp_path: Path, registry: Registry
) -> None:
    from pipeline.spec import load_survey

    other = load_survey(Path(__file__).resolve().parents[1] / "surveys" / "ess_safeguards")
    main, repeats = example_round(other, registry, n=2)  # its answers hold '=...' texts
    project = new_project(tmp_path)
    write_formpack_xlsx(kobo_export_tables(main, repeats, other, registry), project.raw / "ess.xlsx")
    outcome = validate_round(project)
    assert outcome.code == 1
    issue = next(i for i in outcome.log.errors if i.file == "ess.xlsx")
    assert "this is an export of ess_safeguards" in issue.message
    # its rows are not read: no warning about its cells (formula texts) either
    assert not [i for i in outcome.log.warnings if i.file == "ess.xlsx"]


def test_repeated_warnings_become_one_with_a_count_and_the_first_rows(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    main, repeats = example_round(survey, registry, n=25)
    tables = kobo_export_tables(main, repeats, survey, registry)
    first = next(iter(tables.values()))
    # re-saved by a spreadsheet program: the submission times in its own date format
    first["_submission_time"] = [f"{2 + i % 20:02d}/03/2026 10:05" for i in range(25)]
    project = new_project(tmp_path)
    write_kobo_csv_export(tables, project.raw / "kobo.csv")
    outcome = validate_round(project, "--no-repeat", "projects")
    dates = [i for i in outcome.log.issues if "timestamp" in i.code]
    assert len(dates) == 1  # one warning for the one cause, at the file's own column
    assert dates[0].row == 2 and dates[0].file == "kobo.csv" and dates[0].column == "_submission_time"
    assert "'02/03/2026 10:05' is not a date and time" in dates[0].message
    assert "saved again in a spreadsheet program" in dates[0].message
    assert "(the same in 25 rows: 2, 3, 4, 5, 6 and 20 more)" in dates[0].message


def test_collapse_keeps_errors_and_different_columns_apart() -> None:
    from pipeline.errors import Issue, collapse_repeats

    issues = [
        Issue("warning", "skip-answered", "answered although skipped", "a.xlsx", "s", 2, "x"),
        Issue("error", "not-a-number", "'x' is not a number", "a.xlsx", "s", 2, "y"),
        Issue("warning", "skip-answered", "answered although skipped", "a.xlsx", "s", 3, "x"),
        Issue("error", "not-a-number", "'z' is not a number", "a.xlsx", "s", 3, "y"),
        Issue("warning", "skip-answered", "answered although skipped", "a.xlsx", "s", 3, "w"),
        Issue("warning", "skip-answered", "answered although skipped", "a.xlsx", "s", 7, "x"),
        Issue("warning", "skip-answered", "answered although skipped", "a.xlsx", "s", 8, "w"),
    ]
    got = collapse_repeats(issues)
    assert [(i.code, i.row, i.column) for i in got] == [
        ("skip-answered", 2, "x"),
        ("not-a-number", 2, "y"),
        ("not-a-number", 3, "y"),
        ("skip-answered", 3, "w"),
        ("skip-answered", 8, "w"),  # twice only: listed row by row
    ]
    assert got[0].message.endswith("(the same in 3 rows: 2, 3, 7)")


@pytest.mark.slow
# -- the same answers through every way in ---------------------------------------------------------
def test_same_answers_through_every_export_give_the_same_scores_projects_and_links(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    """Kobo XLSX (formpack), ODK Central CSVs and offline questionnaires (in English and in
    French) give identical scores, projects and links; the Kobo CSV, which holds no projects, stops with the
    error of item 1, and with --no-repeat gives the same scores and links."""
    main, repeats = example_round(survey, registry, n=8)
    main["agency"] = registry.ids[:8]  # eight different agencies: one submission each
    tables = kobo_export_tables(main, repeats, survey, registry)
    french = survey.in_language("fr")
    ways = {
        "kobo-xlsx": lambda folder: write_formpack_xlsx(tables, folder / "kobo.xlsx"),
        "odk": lambda folder: write_central_csv(main, repeats, survey, registry, folder, "ewaste_img"),
        "questionnaires": lambda folder: [
            questionnaire(survey, registry, (main, repeats), i, folder / f"{main.at[i, 'agency']}.xlsx")
            for i in range(len(main))
        ],
        "questionnaires-fr": lambda folder: [  # the French questionnaire, filled in French
            questionnaire(french, registry, (main, repeats), i, folder / f"{main.at[i, 'agency']}.xlsx")
            for i in range(len(main))
        ],
        "kobo-csv": lambda folder: write_kobo_csv_export(tables, folder / "kobo.csv"),
    }
    results = {}
    for way, write in ways.items():
        project = new_project(tmp_path / way)
        write(project.raw)
        no_repeat = ("projects",) if way == "kobo-csv" else ()
        if no_repeat:
            with pytest.raises(PipelineError) as stopped:
                process_round(project.layout, "ewaste_img", "2026-R1", run_date="2026-11-25")
            assert [i.code for i in stopped.value.issues] == ["repeat-missing"]
        result, _ = process_round(
            project.layout, "ewaste_img", "2026-R1", run_date="2026-11-25", no_repeat=no_repeat
        )
        results[way] = result.tables

    def table(way: str, name: str, keys: list[str]) -> pd.DataFrame:
        frame = results[way][name]
        drop = [c for c in ("source_file", "source_row") if c in frame]
        return frame.drop(columns=drop).sort_values(keys).reset_index(drop=True)

    for way in ("odk", "questionnaires", "questionnaires-fr", "kobo-csv"):
        pd.testing.assert_frame_equal(
            table(way, "scores", ["entity_id", "dimension"]),
            table("kobo-xlsx", "scores", ["entity_id", "dimension"]),
        )
        pd.testing.assert_frame_equal(
            table(way, "network_edges", ["source", "target"]),
            table("kobo-xlsx", "network_edges", ["source", "target"]),
        )
        for name in ("pairs", "coverage", "gaps"):  # overlaps and complementarities too
            frame = results["kobo-xlsx"][name]
            pd.testing.assert_frame_equal(
                table(way, name, list(frame.columns[:2])), table("kobo-xlsx", name, list(frame.columns[:2]))
            )
    assert len(results["kobo-xlsx"]["scores"]) == 8 * 7  # agencies x life-cycle stages
    assert len(results["kobo-xlsx"]["network_edges"]) > 0
    assert min(len(results["kobo-xlsx"][name]) for name in ("pairs", "coverage", "gaps")) > 0
    assert len(results["kobo-xlsx"]["projects"]) == len(repeats["projects"]) > 0
    for way in ("odk", "questionnaires", "questionnaires-fr"):
        pd.testing.assert_frame_equal(
            table(way, "projects", ["entity_id", "instance"]),
            table("kobo-xlsx", "projects", ["entity_id", "instance"]),
        )
    assert results["kobo-csv"]["projects"].empty


# -- 8. forms and exports in another language ------------------------------------------------------
def test_xlsform_has_a_label_column_per_language(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    from pyxform.xls2xform import convert

    path = write_xlsform(survey, registry, tmp_path / "ewaste_img.xlsx", lang="fr")
    book = openpyxl.load_workbook(path)
    heads = [c.value for c in book["survey"][1]]
    assert "label::English (en)" in heads and "label::French (fr)" in heads and "label" not in heads
    rows = {r[1]: r for r in book["survey"].iter_rows(min_row=2, values_only=True)}
    fr = heads.index("label::French (fr)")
    assert rows["engagement_raw_materials"][fr] == (
        "Matières premières et extraction : niveau d'engagement de votre agence"
    )
    settings = dict(zip([c.value for c in book["settings"][1]], [c.value for c in book["settings"][2]], strict=True))
    assert settings["default_language"] == "French (fr)"
    xml = convert(xlsform=str(path), warnings=[]).xform
    assert 'lang="French (fr)"' in xml and "Projets sur les déchets électroniques" in xml


def test_kobo_label_export_in_french_is_read(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    english = write_formpack_xlsx(
        kobo_export_tables(main, repeats, survey, registry, headers="xml"), tmp_path / "xml" / "k.xlsx"
    )
    french = survey.in_language("fr")
    tables = kobo_export_tables(main, repeats, french, registry, headers="label")
    heads = list(next(iter(tables.values())))
    assert any(h.startswith("Engagement tout au long du cycle de vie") for h in heads)
    assert "Votre agence" in " ".join(heads)
    write_formpack_xlsx(tables, tmp_path / "fr" / "k.xlsx")
    expected, _ = read_main(english.parent, survey, registry)
    got, log = read_main(tmp_path / "fr", survey, registry)
    assert not log.errors, [str(i) for i in log.errors]
    assert "column-unknown" not in {i.code for i in log.issues}
    pd.testing.assert_frame_equal(got, expected)


def test_form_lang_fr_writes_a_french_questionnaire_read_back_as_the_survey(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    outcome = cli_form(project, "--lang", "fr")
    assert outcome.code == 0, outcome.text
    blank = tmp_path / "forms" / "ewaste_img_questionnaire_fr.xlsx"
    answers = openpyxl.load_workbook(blank)["Réponses"]
    texts = {c.value for row in answers.iter_rows() for c in row if isinstance(c.value, str)}
    assert "Votre agence" in texts and "Statut" not in texts  # Statut is on the Projets sheet
    assert cli_form(project, "--lang", "de").code == 2

    french = survey.in_language("fr")
    main, repeats = example
    row = main.iloc[0]
    record = {k: (None if pd.isna(v) else str(v)) for k, v in row.items() if not k.startswith("_")}
    from pipeline.demo import repeats_of
    from pipeline.questionnaire_fill import fill_questionnaire

    rows = repeats_of(repeats, str(row["_submission_id"]))
    fill_questionnaire(french, registry, record, rows["projects"], project.raw / "UNEP.xlsx")
    log, raw = check_round(project.layout, "ewaste_img", "2026-R1")
    assert raw is not None
    # the French help texts, 'Oui' and the French sheet names are the form's own: no warning
    assert not [str(i) for i in log.issues if i.file == "UNEP.xlsx" and i.severity != "info"]
    assert len(raw.repeats["projects"]) == len(rows["projects"]) > 0
    for f in survey.fields():
        got, want = raw.main.at[0, f.name], row[f.name]
        assert (pd.isna(got) and pd.isna(want)) or got == want, f.name


def cli_form(project: Project, *extra: str) -> object:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from catalogue import Outcome

    from pipeline.cli import main

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        code = main(["form", "ewaste_img", "--out", str(project.root / "forms"), "--root", str(project.root), *extra])
    return Outcome(code, " ".join(out.getvalue().split()))
