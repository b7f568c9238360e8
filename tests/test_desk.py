"""The desk mapping beside the survey: its template, a filled copy recognised in the round
folder, checked cell by cell, merged with the survey's projects (near-duplicates matched
and listed), and entities known only from desk research never counted as respondents."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from pipeline.analyses.projects.inventory import project_inventory
from pipeline.cli import main
from pipeline.desk import read as desk
from pipeline.desk.columns import DATA_SHEET, KEY_SHEET, desk_columns
from pipeline.desk.merge import merge_projects
from pipeline.desk.template import write_desk_template
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.spec import Survey

REL = "desk/desk_mapping.xlsx"


def _fill(path: Path, rows: list[list[object]]) -> Path:
    """Type rows into the Initiatives sheet the way an analyst does (from row 2)."""
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    wb.save(path)
    return path


@pytest.fixture
def template(tmp_path: Path, survey: Survey, registry: Registry) -> Path:
    return write_desk_template(survey, registry, tmp_path / "desk_mapping.xlsx")


def _read(path: Path, survey: Survey, registry: Registry) -> tuple[pd.DataFrame, IssueLog]:
    log = IssueLog()
    return desk.read(path, REL, survey, registry, log), log


def test_form_desk_writes_a_documented_template(tmp_path: Path, survey: Survey, root: Path) -> None:
    assert main(["form", "ewaste_img", "--desk", "--out", str(tmp_path), "--root", str(root), "-q"]) == 0
    path = tmp_path / "ewaste_img_desk_mapping.xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames == ["Instructions", DATA_SHEET, "Lists", KEY_SHEET]
    assert wb[KEY_SHEET].sheet_state == "hidden"
    headers = [c.value for c in wb[DATA_SHEET][1]]
    assert headers == [
        "Agency", "Title", "Type", "Topics", "Life-cycle stages", "Regions",
        "Start year", "End year", "Source URL", "Notes",
    ]  # fmt: skip
    instructions = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    for header in headers:
        assert header in instructions  # every column is explained
    assert "did not answer the survey" in instructions
    # dropdowns for the entity and the type, whole years
    rules = {str(dv.sqref): dv for dv in wb[DATA_SHEET].data_validations.dataValidation}
    assert rules["A2:A501"].formula1 == "desk_entity_id" and rules["G2:G501"].type == "whole"
    assert desk.can_read(path)
    # a survey without a desk block: a usage error, nothing written
    assert main(["form", "ess_safeguards", "--desk", "--out", str(tmp_path / "x"), "--root", str(root), "-q"]) == 2


def test_header_signature_recognises_a_copy_without_the_key(tmp_path: Path, survey: Survey, registry: Registry, template: Path) -> None:  # type: ignore[no-untyped-def]
    headers = [c.header for c in desk_columns(survey)]
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(headers)
    ws.append(["UNEP", "E-waste policy brief", "Publication or dataset", None, None, None, 2020, None, "https://unep.org/x"])
    copy = tmp_path / "pasted.xlsx"
    wb.save(copy)
    assert desk.can_read(copy)
    frame, log = _read(copy, survey, registry)
    assert not log.errors and frame.loc[0, "entity_id"] == "UNEP" and frame.loc[0, "type"] == "publication"
    other = Workbook()
    other.active.append(["agency", "title", "budget"])
    other.save(tmp_path / "other.xlsx")
    assert not desk.can_read(tmp_path / "other.xlsx")


def test_bad_rows_give_cell_precise_errors(survey: Survey, registry: Registry, template: Path) -> None:
    _fill(
        template,
        [
            ["UNEP", "Good row", "Project", "Chemicals and releases; epr", "Final disposal", "Africa", 2019, 2022, "https://unep.org/a"],
            ["UNEPP", "Unknown entity", "Project", None, None, None, 2019, None, "https://x.org/b"],
            ["ITU", None, "Webinar", "Chemical; Batteries", None, None, "20x5", 2010, "www.itu.int"],
            ["ILO", "Ends before it starts", "Project", None, None, None, 2021, 2018, "https://ilo.org/c"],
            [None, None, None, None, None, None, None, None, None],  # blank: skipped
            ["UNEP", "good row", "Project", None, None, None, None, None, "https://unep.org/dup"],
        ],
    )
    frame, log = _read(template, survey, registry)
    where: dict[tuple[int | None, str], list[str]] = {}
    for i in log.errors:
        where.setdefault((i.row, i.column), []).append(i.message)
    assert all(i.file == REL and i.sheet == DATA_SHEET for i in log.errors)
    (entity,) = where[(3, "Agency (A)")]
    assert "unknown agency 'UNEPP'" in entity and "closest: UNEP" in entity
    assert "'Title' is empty" in where[(4, "Title (B)")][0]
    assert "'Webinar' is not in the list" in where[(4, "Type (C)")][0]
    chemicals, batteries = where[(4, "Topics (D)")]
    assert "'Chemical' is not in the list" in chemicals and "'Chemicals and releases'" in chemicals
    assert "'Batteries' is not in the list" in batteries
    assert "expected a whole number from 1990 to 2040" in where[(4, "Start year (G)")][0]
    assert "not a web address" in where[(4, "Source URL (I)")][0]
    assert "before the start year 2021" in where[(5, "End year (H)")][0]
    assert len(log.errors) == 8
    # the good row is read with choice names; the same initiative again is a warning
    good = frame.iloc[0]
    assert (good["topics"], good["stages"], good["regions"]) == ("chemicals epr", "final_disposal", "africa")
    (dup,) = log.warnings
    assert dup.code == "desk-duplicate" and dup.row == 7
    assert frame["_source_row"].tolist() == ["2", "3", "4", "5"]


def test_a_desk_file_makes_validate_fail_with_its_errors(tmp_path: Path, survey: Survey, registry: Registry, root: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    project = tmp_path / "project"
    shutil.copytree(root / "surveys", project / "surveys")
    shutil.copytree(root / "data" / "reference", project / "data" / "reference")
    from pipeline.exports import example_round, write_kobo_xlsx

    main_rows, repeats = example_round(survey, registry, n=4)
    folder = project / "data" / "raw" / "ewaste_img" / "2026-R1"
    write_kobo_xlsx(main_rows, repeats, survey, registry, folder / "export.xlsx")
    _fill(write_desk_template(survey, registry, folder / "desk" / "desk_mapping.xlsx"),
          [["UNEP", "A row", "Project", None, None, None, 2108, None, "https://unep.org/a"]])
    assert main(["validate", "ewaste_img", "--round", "2026-R1", "--root", str(project), "-q"]) == 1


SURVEY_PROJECTS = pd.DataFrame(
    {
        "entity_id": ["UNEP", "UNEP", "ITU"],
        "instance": ["kobo:1/1", "kobo:1/2", "kobo:2/1"],
        "project_title": ["Circular electronics initiative (UNEP 1)", "Green procurement", "E-waste statistics"],
        "project_status": ["ongoing", "completed", "ongoing"],
        "project_stages": ["treatment_recycling", "distribution_use", "final_disposal"],
    }
).astype("string")


def test_desk_and_survey_merge_with_a_near_duplicate_title(survey: Survey, registry: Registry, template: Path) -> None:
    _fill(
        template,
        [
            # the survey's project as a website names it: one initiative
            ["UNEP", "Circular Electronics Initiative - UNEP", "Programme or partnership", None, "Treatment, recycling and recovery", None, 2020, None, "https://unep.org/circular"],
            # same title, other entity: not the same initiative
            ["ITU", "Green procurement", "Project", None, None, None, 2018, 2020, "https://itu.int/gp"],
            # an entity that did not answer the survey
            ["CBD", "Biodiversity and mining guidance", "Policy or guidance document", "Chemicals and releases", "Raw materials and extraction", None, 2019, 2024, "https://cbd.int/m"],
        ],
    )
    rows, log = _read(template, survey, registry)
    assert not log.errors
    inventory = project_inventory(SURVEY_PROJECTS, survey, registry)
    merged = merge_projects(inventory, rows, survey, registry, log)
    projects = merged.projects
    assert len(projects) == 5  # 3 survey + 2 desk; the near-duplicate counted once
    assert projects["source"].tolist() == ["survey"] * 3 + ["desk"] * 2
    first = projects[projects["title"] == "Circular electronics initiative (UNEP 1)"].iloc[0]
    assert first["source"] == "survey" and first["source_url"] == "https://unep.org/circular"
    (match,) = merged.matches.to_dict("records")
    assert (match["acronym"], match["survey_title"], match["desk_title"]) == (
        "UNEP", "Circular electronics initiative (UNEP 1)", "Circular Electronics Initiative - UNEP"
    )  # fmt: skip
    assert 88 <= match["similarity"] < 100 and match["desk_row"] == "2"
    (listed,) = [i for i in log.issues if i.code == "desk-match"]
    assert (listed.file, listed.sheet, listed.row, listed.entity) == (REL, DATA_SHEET, 2, "UNEP")
    cbd = projects[projects["entity_id"] == "CBD"].iloc[0]
    assert cbd["stages"] == "Raw materials and extraction" and cbd["topics"] == "Chemicals and releases"
    stats = merged.stats(pd.DataFrame({"entity_id": ["UNEP", "ITU"]}))
    assert stats["desk_only_entities"] == ["CBD"]
    assert (stats["n_desk_read"], stats["n_desk_added"], stats["n_desk_matched"]) == (3, 2, 1)


@pytest.mark.slow
def test_demo_round_desk_mapping_non_respondent_and_work_plan_mix(tmp_path: Path, survey: Survey, registry: Registry) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from pipeline.demo import demo_round_answers, write_demo_round
    from pipeline.paths import Layout
    from pipeline.rounds import process_round

    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "surveys", tmp_path / "surveys")
    shutil.copytree(root / "data" / "reference", tmp_path / "data" / "reference")
    spec = survey.model.demo.rounds[0]
    folder = tmp_path / "data" / "raw" / survey.id / spec.id
    written = write_demo_round(survey, registry, spec, folder)
    assert folder / "desk_mapping.xlsx" in written
    respondents = set(demo_round_answers(survey, registry, spec).main["agency"])
    result, _ = process_round(Layout(tmp_path), survey.id, spec.id, run_date="2026-05-01")
    desk_stats = result.stats["desk"]
    (absent,) = desk_stats["desk_only_entities"]
    assert absent not in respondents
    status = result.tables["response_status"].set_index("entity_id")
    assert not bool(status.loc[absent, "responded"])
    assert result.stats["n_respondents"] == len(respondents) == spec.respondents
    assert absent in set(result.tables["projects"]["entity_id"])
    assert desk_stats["n_desk_matched"] == 1
    plan = result.tables["workplan"]
    assert len(plan) == len(result.tables["gaps"])
    assert (plan["n_leads"] > 0).any() and (plan["n_leads"] == 0).any()
    assert absent not in " ".join(plan["leads"].fillna("")) + " ".join(plan["contributors"].fillna(""))


def test_counts_of_projects_say_survey_and_desk(survey: Survey, registry: Registry, template: Path) -> None:
    from pipeline.analyses.projects.inventory import project_summary
    from pipeline.analyses.projects.words import projects_sentence
    from pipeline.report.words import Words

    _fill(
        template,
        [
            ["UNEP", "Circular Electronics Initiative - UNEP", "Project", None, "Treatment, recycling and recovery", None, 2020, None, "https://unep.org/c"],
            ["CBD", "Mining guidance", "Project", None, "Raw materials and extraction", "Africa", 2019, None, "https://cbd.int/m"],
        ],
    )  # fmt: skip
    rows, log = _read(template, survey, registry)
    merged = merge_projects(project_inventory(SURVEY_PROJECTS, survey, registry), rows, survey, registry, log)
    summary = project_summary(merged.typed(SURVEY_PROJECTS), survey, registry)
    status = summary[summary["by"] == "status"].set_index("key")
    assert status.loc["Desk research", "n_projects"] == status.loc["Desk research", "n_desk"] == 1
    assert status.loc["ongoing", "n_desk"] == 0 and status.loc["ongoing", "n_projects"] == 2
    raw = summary[(summary["by"] == "stage") & (summary["key"] == "raw_materials")]
    assert raw["n_desk"].sum() == 1 and raw["n_projects"].sum() == 1
    stats = merged.stats(pd.DataFrame({"entity_id": ["UNEP", "ITU"]}))
    text = projects_sentence(
        merged.projects, Words.from_survey(survey), survey.choice_labels("project_status"),
        desk=stats, acronyms=registry.acronyms(),
    )  # fmt: skip
    assert text.startswith("3 projects were reported in the survey by 2 agencies")
    assert "Desk research adds 1 initiative of 1 agency, CBD among them, which did not answer the survey." in text
    assert "One initiative found by desk research is also in the survey and counted once" in text
