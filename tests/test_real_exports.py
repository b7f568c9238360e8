"""Exports laid out as KoboToolbox and ODK Central write them (see real_exports.py): the
run gives the true numbers or stops with an error that says what to do (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from catalogue import Project, cli, new_project, validate_round
from docx import Document
from real_exports import (
    kobo_export_tables,
    write_central_csv,
    write_formpack_xlsx,
    write_kobo_csv_export,
)

from pipeline.exports import example_round
from pipeline.registry import Registry
from pipeline.spec import Survey

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
