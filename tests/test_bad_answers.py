"""Answers that contradict themselves or sit where nothing is read (issue 10): a
select-multiple cell that disagrees with its 0/1 option columns, an option column
holding 2, an offline-questionnaire answer typed one column to the right (in the Help
column), and two submissions of one agency with the same time. Each is reported at the
cell (file, sheet, row, column) and the raw files stay byte-identical."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from catalogue import (
    Example,
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

from pipeline.exports import write_kobo_xlsx
from pipeline.forms import ANSWERS_SHEET
from pipeline.registry import Registry
from pipeline.spec import Survey

ACTIVITIES = "lifecycle/raw_materials/activities_raw_materials"


@pytest.fixture
def project(tmp_path: Path, survey: Survey, registry: Registry, example: Example) -> Project:
    """A round holding one Kobo export of four submissions, with the summary column and
    the 0/1 column of each option of a select-multiple question, as Kobo exports them."""
    project = new_project(tmp_path)
    main, repeats = example
    main = main.copy()
    main.loc[1, "activities_raw_materials"] = "capacity data"
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "export.xlsx")
    return project


def set_cells(path: Path, sheet: str, row: int, values: dict[str, object]) -> None:
    def change(book: openpyxl.Workbook) -> None:
        ws = book[sheet]
        heads = header_columns(ws)
        for header, value in values.items():
            ws.cell(row, heads[header]).value = value

    edit_workbook(path, change)


# -- select-multiple answers given twice -----------------------------------------------------
def test_a_summary_cell_that_disagrees_with_its_option_columns_is_an_error_at_the_cell(
    project: Project, survey: Survey
) -> None:
    path = project.raw / "export.xlsx"
    book = openpyxl.load_workbook(path, read_only=True)
    heads = [c.value for c in next(book[main_sheet(survey)].iter_rows(max_row=1))]
    book.close()
    assert ACTIVITIES in heads and f"{ACTIVITIES}/policy" in heads  # both forms, as Kobo's
    set_cells(path, main_sheet(survey), 3, {ACTIVITIES: "policy research"})

    outcome = validate_round(project)

    assert outcome.code == 1
    assert outcome.codes() == ["option-disagree"]
    issue = outcome.only("option-disagree")
    assert located(issue, "export.xlsx", main_sheet(survey), 3, ACTIVITIES)
    assert "the cell says 'policy research'" in issue.message
    assert "say 'capacity data'" in issue.message and "agree" in issue.message
    assert f"ERROR {issue.location()} {issue.message}" in outcome.text


def test_an_option_column_holding_2_is_an_error_at_the_cell(
    project: Project, survey: Survey
) -> None:
    set_cells(project.raw / "export.xlsx", main_sheet(survey), 4, {f"{ACTIVITIES}/data": 2})

    outcome = validate_round(project)

    assert outcome.code == 1
    issue = next(i for i in outcome.log.errors if i.code == "option-cell")
    assert located(issue, "export.xlsx", main_sheet(survey), 4, f"{ACTIVITIES}/data")
    assert "'2' in the option column 'data'" in issue.message
    assert "expected 1 (chosen) or 0 (not chosen)" in issue.message
    assert [i.code for i in outcome.log.errors] == ["option-cell"]


def test_answers_given_twice_that_agree_give_no_issue(project: Project) -> None:
    outcome = validate_round(project)
    assert outcome.code == 0, outcome.text
    assert "option" not in " ".join(outcome.codes("warning") + outcome.codes())


# -- an offline questionnaire answer in the Help column ---------------------------------------
def test_text_right_of_the_answers_of_a_questionnaire_is_warned_at_its_cell(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    path = questionnaire(survey, registry, example, 0, project.raw / "UNEP.xlsx")
    rows: dict[str, int] = {}

    def type_beside(book: openpyxl.Workbook) -> None:
        ws = book[ANSWERS_SHEET]
        for r in range(1, ws.max_row + 1):
            key = ws.cell(r, 1).value
            if key:
                rows[str(key)] = r
        ws.cell(rows["strengths"], 4).value = None  # typed one column too far right
        ws.cell(rows["strengths"], 5).value = "Regional take-back schemes"
        ws.cell(rows["agency"], 6).value = "see e-mail"

    edit_workbook(path, type_beside)

    outcome = validate_round(project)

    found = {
        (i.row, i.column): i
        for i in outcome.log.warnings
        if i.code == "questionnaire-text-outside"
    }
    assert len(found) == 2, [str(i) for i in outcome.log.issues]
    typed = found[(rows["strengths"], "E")]
    assert located(typed, "UNEP.xlsx", ANSWERS_SHEET)
    assert "'Regional take-back schemes' is in the Help column" in typed.message
    assert "the answer cell is empty" in typed.message and "move it to column D" in typed.message
    note = found[(rows["agency"], "F")]
    assert "'see e-mail' is in a column right of the answers" in note.message
    assert outcome.code == 0, outcome.text  # warnings: the rest of the questionnaire is read


def test_yes_typed_beside_an_option_is_warned_at_its_cell(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    path = questionnaire(survey, registry, example, 0, project.raw / "UNEP.xlsx")
    rows: dict[str, int] = {}

    def type_beside(book: openpyxl.Workbook) -> None:
        ws = book[ANSWERS_SHEET]
        rows.update({str(ws.cell(r, 1).value): r for r in range(1, ws.max_row + 1)})
        ws.cell(rows["activities_raw_materials/data"], 4).value = None
        ws.cell(rows["activities_raw_materials/data"], 5).value = "Yes"

    edit_workbook(path, type_beside)
    outcome = validate_round(project)
    issue = outcome.only("questionnaire-text-outside")
    assert located(issue, "UNEP.xlsx", ANSWERS_SHEET, rows["activities_raw_materials/data"], "E")
    assert "'Yes' is in the Help column" in issue.message


def test_the_help_texts_of_a_filled_questionnaire_give_no_warning(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    questionnaire(survey, registry, example, 1, project.raw / "BRS.xlsx")
    outcome = validate_round(project)
    assert "questionnaire-text-outside" not in outcome.codes("warning"), outcome.text


# -- two submissions with the same time ------------------------------------------------------
def test_two_submissions_of_one_agency_at_the_same_time_are_called_a_tie(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    main, repeats = example
    again = main.iloc[[0]].copy()
    again["_submission_id"] = "example:1-again"
    again["strengths"] = "A second answer sent the same second"
    main = pd.concat([main, again], ignore_index=True)
    assert main.loc[0, "_submitted_at"] == main.loc[4, "_submitted_at"]
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "export.xlsx")

    outcome = validate_round(project)

    issue = next(i for i in outcome.log.issues if i.code == "duplicate-submission")
    assert located(issue, "export.xlsx", main_sheet(survey), 6, "agency")
    assert "2 of them have the same, latest submission time (2026-03-02 09:15:00" in issue.message
    assert "a tie, decided by the order the files were read in (file name, then row)" in issue.message
    assert "the last one read, export.xlsx row 6, is kept" in issue.message
    assert "the latest (" not in issue.message


@pytest.mark.slow  # a whole run, then a stopped one
def test_a_contradicting_answer_stops_the_run_and_leaves_the_previous_outputs(
    project: Project, survey: Survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipeline.analyses.make_charts", no_charts)
    assert cli(project, "run", "--run-date", "2026-11-25").code == 0
    outputs, processed = snapshot(project.outputs), snapshot(project.processed)
    set_cells(project.raw / "export.xlsx", main_sheet(survey), 3, {ACTIVITIES: "policy research"})
    before = snapshot(project.raw)

    outcome = cli(project, "run", "--run-date", "2026-11-25")

    assert outcome.code == 1
    assert f"row 3, column '{ACTIVITIES}' the answer contradicts itself" in outcome.text
    assert snapshot(project.raw) == before
    assert snapshot(project.outputs) == outputs and snapshot(project.processed) == processed
