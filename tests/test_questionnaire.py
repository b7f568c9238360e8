"""Reading back the offline questionnaire: a filled file gives the canonical wide tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.errors import IssueLog
from pipeline.ingest import questionnaire
from pipeline.questionnaire_fill import fill_questionnaire
from pipeline.tables import META_COLUMNS, REPEAT_META_COLUMNS
from pipeline.xlsform import write_xlsform

REL = "questionnaires/UNEP.xlsx"


def _main_answers(survey) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    """An answer to every main field, canonical form; one stage engaged 'none' (skip)."""
    answers: dict[str, str | None] = {}
    for i, f in enumerate(survey.fields()):
        names = [c.name for c in survey.choices(f.list_name)] if f.choices else []
        if f.type == "select_one":
            answers[f.name] = names[i % len(names)]
        elif f.type == "select_multiple":
            answers[f.name] = " ".join(names[:: 2 + i % 2])
        elif f.type == "text":
            answers[f.name] = f"Answer to {f.label}"
        elif f.type == "integer":  # the ranks
            answers[f.name] = None
    answers.update(
        {
            "agency": "UNEP",
            "focal_email": "focal.point@un.org",
            "collaborators": "ITU UNHABITAT UNU",
            "engagement_reuse_repair": "none",
            "activities_reuse_repair": None,
            "collaboration_notes": "=SUM(A1:A3) is text, not a formula",
            "weaknesses": "2026",
            "date_completed": "2026-03-04",
        }
    )
    ranks = [f.name for f in survey.fields_of("ks_rank")]
    answers.update({name: str(r) for name, r in zip(ranks, [3, 1, 6, 2, 5, 4], strict=True)})
    return answers


PROJECTS: list[dict[str, str | None]] = [
    {
        "project_title": "E-waste take-back schemes in West Africa",
        "project_status": "ongoing",
        "start_year": "2021",
        "end_year": "2025",
        "regions": "africa europe",
        "countries": "Ghana, Nigeria",
        "project_stages": "collection_transboundary distribution_use",
        "partners": "ITU UNHABITAT",
        "budget_usd": "250000",
    },
    {
        "project_title": "Repair cafés",
        "project_status": "planned",
        "start_year": "2026",
        "end_year": None,
        "regions": "global",
        "countries": None,
        "project_stages": "reuse_repair",
        "partners": None,
        "budget_usd": "1500.5",
    },
]


@pytest.fixture
def filled(tmp_path: Path, survey, registry) -> Path:  # type: ignore[no-untyped-def]
    return fill_questionnaire(
        survey, registry, _main_answers(survey), PROJECTS, tmp_path / "UNEP.xlsx"
    )


def _read(path: Path, survey, registry) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], IssueLog]:  # type: ignore[no-untyped-def]
    log = IssueLog()
    main, repeats = questionnaire.read(path, REL, survey, registry, log)
    return main, repeats, log


def _row_of(ws: Worksheet, key: str) -> int:
    return next(c.row for c in ws["A"] if c.value == key)


def _edit(path: Path, edits: dict[tuple[str, str], object]) -> Path:
    """Change the answer cell of each (sheet, key) as a person would (About: column B)."""
    wb = load_workbook(path)
    for (sheet, key), value in edits.items():
        ws = wb[sheet]
        if sheet == "About":
            ws.cell(next(c.row for c in ws["A"] if c.value == key), 2, value)
        else:
            ws.cell(_row_of(ws, key), 4, value)
    out = path.with_name(f"edited_{path.name}")
    wb.save(out)
    return out


def test_round_trip(filled: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    main, repeats, log = _read(filled, survey, registry)
    assert log.issues == []
    assert len(main) == 1
    assert set(main.dtypes) == {pd.StringDtype()}
    got = main.iloc[0]
    expected = _main_answers(survey)
    for f in survey.fields():
        value = None if pd.isna(got[f.name]) else got[f.name]
        assert value == expected[f.name], f.name
    meta = got[META_COLUMNS].to_dict()
    assert meta == {
        "_submission_id": f"questionnaire:{REL}",
        "_submitted_at": "2026-03-04",
        "_source_file": REL,
        "_source_sheet": "Answers",
        "_source_row": meta["_source_row"],
        "_reader": "offline-questionnaire",
        "_form_version": "2026.1",
        "_review_state": None,  # an offline questionnaire has no review state
    }
    ws = load_workbook(filled)["Answers"]
    assert ws.cell(int(meta["_source_row"]), 1).value == "agency"

    projects = repeats["projects"]
    assert list(projects.columns[:4]) == REPEAT_META_COLUMNS
    want = pd.DataFrame(PROJECTS, columns=[f.name for f in survey.fields("projects")])
    pd.testing.assert_frame_equal(
        projects[want.columns].reset_index(drop=True), want.astype("string")
    )
    assert projects["_source_row"].tolist() == ["3", "4"]
    assert (projects["_submission_id"] == f"questionnaire:{REL}").all()
    assert (projects["_source_sheet"] == "Projects").all()


def test_cells_hold_labels_like_a_person_picks(filled: Path) -> None:
    wb = load_workbook(filled)
    ws = wb["Answers"]
    assert ws.cell(_row_of(ws, "agency"), 4).value == "UNEP - United Nations Environment Programme"
    assert ws.cell(_row_of(ws, "engagement_reuse_repair"), 4).value == "None"
    assert ws.cell(_row_of(ws, "collaborators/ITU"), 4).value == "Yes"
    assert ws.cell(_row_of(ws, "ks_rank_community"), 4).value == 1
    notes = ws.cell(_row_of(ws, "collaboration_notes"), 4)
    assert notes.data_type == "s"
    projects = wb["Projects"]
    assert projects["F3"].value == "Africa; Europe"
    assert projects["C4"].value == "Planned"


def test_can_read(tmp_path: Path, filled: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a zip file")
    csv = tmp_path / "export.csv"
    csv.write_text("a,b\n1,2\n")
    form = write_xlsform(survey, registry, tmp_path / "form.xlsx")
    assert questionnaire.can_read(filled)
    assert not questionnaire.can_read(garbage)
    assert not questionnaire.can_read(csv)
    assert not questionnaire.can_read(form)
    assert not questionnaire.can_read(tmp_path / "missing.xlsx")


def test_questionnaire_of_another_survey_is_an_error(filled: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    other = _edit(filled, {("About", "survey_id"): "ess_standards"})
    main, repeats, log = _read(other, survey, registry)
    assert main.empty and repeats["projects"].empty
    (issue,) = log.errors
    assert issue.code == "questionnaire-survey"
    assert "'ess_standards'" in issue.message and "'ewaste_img'" in issue.message
    assert (issue.file, issue.sheet) == (REL, "About")


def test_labels_map_back_and_typos_pass_through(filled: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    edited = _edit(
        filled,
        {
            ("Answers", "engagement_raw_materials"): "Moderat",
            ("Answers", "engagement_final_disposal"): "  MAJOR ",
            ("Answers", "agency"): "unep  -  united nations environment programme",
            ("Answers", "topics/epr"): "x",
            ("Answers", "topics/chemicals"): "maybe",
        },
    )
    wb = load_workbook(edited)
    wb["Projects"]["F3"] = "afrika;  Asia and the Pacific\nEUROPE"
    wb["Projects"]["I3"] = "UN Environment; ILO"
    wb.save(edited)
    main, repeats, log = _read(edited, survey, registry)
    row = main.iloc[0]
    assert row["engagement_raw_materials"] == "Moderat"
    assert row["engagement_final_disposal"] == "major"
    assert row["agency"] == "UNEP"
    assert "epr" in row["topics"].split() and "chemicals" not in row["topics"].split()
    (warning,) = log.warnings
    assert warning.code == "questionnaire-yes-no"
    assert warning.row == _row_of(wb["Answers"], "topics/chemicals")
    assert warning.entity == "UNEP"
    projects = repeats["projects"]
    assert projects.loc[0, "regions"] == "afrika asia_pacific europe"
    assert projects.loc[0, "partners"] == "UNEP ILO"


def test_missing_rows_unknown_keys_and_old_version(filled: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    wb = load_workbook(filled)
    ws = wb["Answers"]
    ws.cell(_row_of(ws, "focal_email"), 1).value = None  # required
    ws.cell(_row_of(ws, "collaboration_notes"), 1).value = "mystery_question"  # optional
    next(c for c in wb["About"]["B"] if c.value == "2026.1").value = "2025.2"
    path = filled.with_name("broken.xlsx")
    wb.save(path)
    main, _, log = _read(path, survey, registry)
    codes = {(i.severity, i.code, i.column) for i in log.issues}
    assert ("error", "questionnaire-missing-field", "focal_email") in codes
    assert ("warning", "questionnaire-missing-field", "collaboration_notes") in codes
    assert ("warning", "questionnaire-version", "form_version") in codes
    unknown = next(i for i in log.issues if i.code == "questionnaire-unknown-key")
    assert unknown.sheet == "Answers" and unknown.row == _row_of(ws, "mystery_question")
    assert main.loc[0, "_extra:mystery_question"].startswith("=SUM")
    assert pd.isna(main.loc[0, "focal_email"]) and main.loc[0, "_form_version"] == "2025.2"
    assert "older" in next(i for i in log.issues if i.code == "questionnaire-version").message


def test_missing_answers_sheet(filled: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    wb = load_workbook(filled)
    del wb["Answers"]
    path = filled.with_name("no_answers.xlsx")
    wb.save(path)
    main, _, log = _read(path, survey, registry)
    assert main.empty
    assert [i.code for i in log.errors] == ["questionnaire-no-answers"]


def test_empty_questionnaire_reads_as_blank_submission(tmp_path: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    path = fill_questionnaire(survey, registry, {}, [], tmp_path / "blank.xlsx")
    main, repeats, log = _read(path, survey, registry)
    fields = [f.name for f in survey.fields()]
    assert main[fields].isna().all(axis=None)
    assert pd.isna(main.loc[0, "_submitted_at"])
    assert main.loc[0, "_source_row"] == str(_row_of(load_workbook(path)["Answers"], "agency"))
    assert repeats["projects"].empty
    assert list(repeats["projects"].columns[:4]) == REPEAT_META_COLUMNS
    assert log.issues == []


def test_more_projects_than_the_empty_table_offers(tmp_path: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    rows = [{"project_title": f"Project {i}", "project_status": "completed"} for i in range(23)]
    path = fill_questionnaire(survey, registry, {"agency": "ITU"}, rows, tmp_path / "ITU.xlsx")
    _, repeats, log = _read(path, survey, registry)
    projects = repeats["projects"]
    assert projects["project_title"].tolist() == [r["project_title"] for r in rows]
    assert (projects["project_status"] == "completed").all()
    assert projects["_source_row"].tolist() == [str(r) for r in range(3, 26)]
    assert not log.has_errors()


def test_validation_names_the_row_of_each_answer(filled: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    """One submission spans many rows: an issue points at the question's own row."""
    from pipeline.tables import RawRound
    from pipeline.validate import validate

    edited = _edit(
        filled,
        {("Answers", "engagement_final_disposal"): "Moderat", ("Answers", "ks_rank_webinars"): "first"},
    )
    main, repeats, log = _read(edited, survey, registry)
    validate(RawRound(main=main, repeats=repeats), survey, registry, log)
    ws = load_workbook(edited)["Answers"]
    rows = {i.column: i.row for i in log.errors}
    assert rows["engagement_final_disposal"] == _row_of(ws, "engagement_final_disposal")
    assert rows["ks_rank_webinars"] == _row_of(ws, "ks_rank_webinars")
    assert rows["engagement_final_disposal"] != int(main.loc[0, "_source_row"])
