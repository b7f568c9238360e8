"""Files of the right kind with the wrong shape: missing, duplicated, foreign or extra
columns, merged cells and older versions of the offline questionnaire. Through
`emg-pipeline validate`; raw inputs are checked byte-identical after each run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from catalogue import (
    Example,
    Project,
    edit_workbook,
    header_columns,
    located,
    main_sheet,
    new_project,
    questionnaire,
    validate_round,
)

from pipeline.exports import write_kobo_xlsx
from pipeline.ingest.headers import EXTRA_PREFIX, KOBO_META
from pipeline.registry import Registry
from pipeline.rounds import check_round
from pipeline.spec import Survey

# a language the survey declares no labels in (its French labels are read: test_real_exports)
SPANISH = {
    "Your agency": "Su agencia",
    "Name of the focal point for this survey": "Nombre del punto focal para esta encuesta",
    "E-mail of the focal point": "Correo electrónico del punto focal",
}


@pytest.fixture
def project(tmp_path: Path, survey: Survey, registry: Registry, example: Example) -> Project:
    """A round holding one good Kobo export (XML headers) of four submissions."""
    project = new_project(tmp_path)
    main, repeats = example
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "export.xlsx")
    return project


def key_row(ws, key: str) -> int:  # type: ignore[no-untyped-def]
    """The row of the Answers sheet whose hidden key (column A) is ``key``."""
    return next(c.row for c in ws["A"] if c.value == key)


def test_missing_required_columns_are_one_error_without_row_errors(
    project: Project, survey: Survey
) -> None:
    def drop(book) -> None:  # type: ignore[no-untyped-def]
        ws = book[main_sheet(survey)]
        for header in ("identification/focal_email", "identification/agency"):
            ws.delete_cols(header_columns(ws)[header])

    edit_workbook(project.raw / "export.xlsx", drop)
    outcome = validate_round(project)
    assert outcome.code == 1
    assert outcome.codes() == ["column-missing"]  # not one 'answer required' per row too
    issue = outcome.only("column-missing")
    assert located(issue, "export.xlsx", main_sheet(survey), 1)
    assert "'agency' (Your agency)" in issue.message and "'focal_email'" in issue.message
    assert "form version 2026.1" in issue.message and "not read" in issue.message
    assert f"export.xlsx, sheet '{main_sheet(survey)}', row 1" in outcome.text


def test_a_duplicated_column_names_both_columns(
    project: Project, survey: Survey
) -> None:
    letters = {}

    def duplicate(book) -> None:  # type: ignore[no-untyped-def]
        ws = book[main_sheet(survey)]
        heads = header_columns(ws)
        cell = ws.cell(1, heads["views/strengths"])
        letters["copy"], letters["first"] = cell.column_letter, ws.cell(1, heads["views/weaknesses"]).column_letter
        cell.value = "views/weaknesses"

    edit_workbook(project.raw / "export.xlsx", duplicate)
    outcome = validate_round(project)
    assert outcome.code == 1
    issue = outcome.only("column-duplicate")
    assert located(issue, "export.xlsx", main_sheet(survey), 1, "views/weaknesses")
    assert f"(columns {letters['copy']} and {letters['first']})" in issue.message  # strengths came first


def test_headers_in_another_language_list_the_missing_questions(
    tmp_path: Path,
    survey: Survey,
    registry: Registry,
    example: Example,
) -> None:
    project = new_project(tmp_path)
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, project.raw / "export_es.xlsx",
                           headers="label")

    def translate(book) -> None:  # type: ignore[no-untyped-def]
        for ws in book.worksheets:
            for n, cell in enumerate(ws[1]):
                if cell.value is None or str(cell.value) in KOBO_META:
                    continue
                last = str(cell.value).split("/")[-1]
                cell.value = SPANISH.get(last, f"Pregunta {n} (en español)")

    edit_workbook(path, translate)
    outcome = validate_round(project)
    assert outcome.code == 1
    issue = outcome.only("file-wrong-survey")
    assert outcome.codes() == ["file-wrong-survey"] and outcome.codes("warning") == []
    assert located(issue, "export_es.xlsx", main_sheet(survey), 1)
    for words in (
        "neither the form's XML names nor its labels",
        "another language",
        "form version 2026.1",
        "'Su agencia'",
        "'agency' (Your agency)",
        "'engagement_raw_materials'",
    ):
        assert words in issue.message
    assert "1 file(s), 0 submission(s): 1 error(s)" in outcome.text


def test_extra_columns_are_kept_and_reported_not_fatal(
    project: Project, survey: Survey
) -> None:
    def extend(book) -> None:  # type: ignore[no-untyped-def]
        ws = book[main_sheet(survey)]
        col = ws.max_column + 1
        ws.cell(1, col).value = "notes_internes"
        ws.cell(3, col).value = "à vérifier"

    edit_workbook(project.raw / "export.xlsx", extend)
    outcome = validate_round(project)
    assert outcome.code == 0, outcome.text
    issue = outcome.only("column-unknown")
    assert issue.severity == "warning"
    assert located(issue, "export.xlsx", main_sheet(survey), 1, "notes_internes")
    assert f"'{EXTRA_PREFIX}notes_internes'" in issue.message
    _, raw = check_round(project.layout, "ewaste_img", "2026-R1")
    assert raw is not None
    kept = raw.main[f"{EXTRA_PREFIX}notes_internes"]
    assert kept.tolist()[:2] == [pd.NA, "à vérifier"]


def test_merged_answer_cells_in_a_questionnaire_are_errors(
    tmp_path: Path,
    survey: Survey,
    registry: Registry,
    example: Example,
) -> None:
    project = new_project(tmp_path)
    path = questionnaire(survey, registry, example, 0, project.raw / "BRS.xlsx")
    rows = {}

    def merge(book) -> None:  # type: ignore[no-untyped-def]
        ws = book["Answers"]
        first, last = key_row(ws, "topics/epr"), key_row(ws, "topics/law_enforcement")
        rows["topics"] = (first, last)
        ws.merge_cells(f"D{first}:D{last}")  # one 'Yes' meant for several options
        name = key_row(ws, "focal_name")
        ws.merge_cells(f"D{name}:E{name}")  # within one row: harmless
        book["Projects"].merge_cells("C3:C4")

    edit_workbook(path, merge)
    outcome = validate_round(project)
    assert outcome.code == 1
    merged = sorted(
        (i for i in outcome.log.issues if i.code == "questionnaire-merged-cells"),
        key=lambda i: i.sheet,
    )
    assert len(merged) == 2, [str(i) for i in outcome.log.issues]
    first, last = rows["topics"]
    assert located(merged[0], "BRS.xlsx", "Answers", first, "D")
    assert f"D{first}:D{last}" in merged[0].message and "unmerge" in merged[0].message
    assert located(merged[1], "BRS.xlsx", "Projects", 3, "C")
    assert f"BRS.xlsx, sheet 'Answers', row {first}, column 'D'" in outcome.text


def test_questionnaires_from_an_older_form_version(
    tmp_path: Path,
    survey: Survey,
    registry: Registry,
    example: Example,
) -> None:
    """An older form lacked a question: optional -> warnings, required -> an error."""
    project = new_project(tmp_path)

    def older(missing: str):  # type: ignore[no-untyped-def]
        def change(book) -> None:  # type: ignore[no-untyped-def]
            ws = book["Answers"]
            ws.delete_rows(key_row(ws, missing))
            next(c for c in book["About"]["B"] if c.value == "2026.1").value = "2025.1"

        return change

    edit_workbook(questionnaire(survey, registry, example, 0, project.raw / "BRS.xlsx"),
                  older("collaboration_notes"))
    edit_workbook(questionnaire(survey, registry, example, 1, project.raw / "CMS.xlsx"),
                  older("engagement_final_disposal"))
    outcome = validate_round(project)
    assert outcome.code == 1
    # the structural error, and the answer it leaves missing
    assert outcome.codes() == ["questionnaire-missing-field", "required-missing"]
    for error in outcome.log.errors:
        assert located(error, "CMS.xlsx", "Answers", column="engagement_final_disposal")
    warned = {(i.file, i.code, i.column) for i in outcome.log.warnings}
    assert ("BRS.xlsx", "questionnaire-missing-field", "collaboration_notes") in warned
    for name in ("BRS.xlsx", "CMS.xlsx"):
        assert (name, "questionnaire-version", "form_version") in warned
    version = next(i for i in outcome.log.warnings if i.code == "questionnaire-version")
    assert "2025.1, older than the current version 2026.1" in version.message
