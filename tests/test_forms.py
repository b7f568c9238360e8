"""The XLSForm and the offline questionnaire generated from the survey definition."""

from __future__ import annotations

from pathlib import Path

import pytest
from defusedxml import ElementTree
from openpyxl import load_workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pyxform.xls2xform import convert

from pipeline.forms import (
    ABOUT_SHEET,
    ANSWERS_SHEET,
    LISTS_SHEET,
    PROJECT_ROWS,
    entity_label,
    write_questionnaire,
)
from pipeline.xlsform import write_xlsform

XF = "{http://www.w3.org/2002/xforms}"
JR = "{http://openrosa.org/javarosa}"


@pytest.fixture(scope="module")
def xlsform(tmp_path_factory: pytest.TempPathFactory, survey, registry) -> Path:  # type: ignore[no-untyped-def]
    return write_xlsform(survey, registry, tmp_path_factory.mktemp("form") / "ewaste_img.xlsx")


@pytest.fixture(scope="module")
def xform(xlsform: Path):  # type: ignore[no-untyped-def]
    warnings: list[str] = []
    result = convert(xlsform=str(xlsform), warnings=warnings)
    assert warnings == []
    return ElementTree.fromstring(result.xform)


def _sheet_rows(path: Path, sheet: str) -> list[dict[str, object]]:
    ws = load_workbook(path, read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def _binds(xform) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    return {b.get("nodeset").rsplit("/", 1)[-1]: dict(b.attrib) for b in xform.iter(f"{XF}bind")}


def test_xlsform_converts_with_groups_and_repeat(xform) -> None:  # type: ignore[no-untyped-def]
    data = xform.find(f".//{XF}instance/{XF}data")
    assert data.get("id") == "ewaste_img" and data.get("version") == "2026.1"
    # a per-dimension section holds one group per life-cycle stage
    stage = data.find(f"{XF}lifecycle/{XF}raw_materials")
    assert [c.tag.removeprefix(XF) for c in stage] == [
        "engagement_raw_materials",
        "activities_raw_materials",
    ]
    assert len(data.find(f"{XF}lifecycle")) == 7
    template = data.find(f"{XF}projects[@{JR}template]")
    assert template is not None and template.find(f"{XF}budget_usd") is not None
    assert data.find(f"{XF}identification/{XF}agency") is not None


def test_xlsform_rules(xform, survey) -> None:  # type: ignore[no-untyped-def]
    binds = _binds(xform)
    relevant = binds["activities_reuse_repair"]["relevant"]
    assert "/data/lifecycle/reuse_repair/engagement_reuse_repair" in relevant
    assert "!= 'none'" in relevant
    assert binds["start_year"]["constraint"] == ". >= 1990 and . <= 2040"
    message = binds["start_year"][f"{JR}constraintMsg"]  # in every language: an itext
    text_id = message.removeprefix("jr:itext('").removesuffix("')")
    texts = [t for t in xform.iter(f"{XF}text") if t.get("id") == text_id]
    assert len(texts) == 2 and all("1990" in "".join(t.itertext()) for t in texts)
    assert binds["budget_usd"]["constraint"] == ". >= 0"
    assert binds["focal_email"]["constraint"].startswith("regex(.")
    assert binds["agency"]["required"] == "true()"
    assert "required" not in binds["collaboration_notes"]
    ranks = [f.name for f in survey.fields_of("ks_rank")]
    for name in ranks:
        constraint = binds[name]["constraint"]
        assert ". >= 1 and . <= 6" in constraint
        others = [r for r in ranks if r != name]
        assert all(f"/{o} " in constraint for o in others)
        assert f"/{name} " not in constraint


def test_xlsform_choices_and_settings(xlsform: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    choices = _sheet_rows(xlsform, "choices")
    entity = [c for c in choices if c["list_name"] == "entity"]
    assert [c["name"] for c in entity] == registry.ids
    unep = next(c for c in entity if c["name"] == "UNEP")
    assert unep["label::English (en)"] == "UNEP - United Nations Environment Programme"
    used = {f.list_name for f in survey.fields("all") if f.list_name}
    assert {c["list_name"] for c in choices} == used
    stages = [c["name"] for c in choices if c["list_name"] == "stage"]
    assert stages == list(survey.dimension_labels("stage"))
    rows = _sheet_rows(xlsform, "survey")
    types = {r["name"]: r["type"] for r in rows if r["name"]}
    assert types["agency"] == "select_one entity"
    assert types["partners"] == "select_multiple entity"
    assert types["project_stages"] == "select_multiple stage"
    assert types["focal_email"] == "text"
    assert types["projects"] == "begin_repeat"
    names = [r["name"] for r in rows if r["type"] and "group" not in str(r["type"])]
    fields = [f.name for f in survey.fields("all")]
    assert [n for n in names if n in fields] == fields
    assert _sheet_rows(xlsform, "settings") == [
        {
            "form_title": survey.title,
            "form_id": "ewaste_img",
            "version": "2026.1",
            "default_language": "English (en)",  # the survey has French labels too
        }
    ]


# -- offline questionnaire ----------------------------------------------------------------
@pytest.fixture(scope="module")
def questionnaire(tmp_path_factory: pytest.TempPathFactory, survey, registry) -> Path:  # type: ignore[no-untyped-def]
    return write_questionnaire(survey, registry, tmp_path_factory.mktemp("q") / "q.xlsx")


def _row_of(ws: Worksheet, key: str) -> int:
    return next(c.row for c in ws["A"] if c.value == key)


def _validation(ws: Worksheet, coord: str) -> DataValidation:
    found = [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]
    assert len(found) == 1, f"{coord}: {len(found)} validations"
    return found[0]


def _list_values(wb, name: str) -> list[object]:  # type: ignore[no-untyped-def]
    ((sheet, ref),) = wb.defined_names[name].destinations
    return [row[0].value for row in wb[sheet][ref.replace("$", "")]]


def test_questionnaire_dropdowns(questionnaire: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    wb = load_workbook(questionnaire)
    ws = wb[ANSWERS_SHEET]
    agency = _validation(ws, f"D{_row_of(ws, 'agency')}")
    assert agency.type == "list" and agency.showErrorMessage
    assert _list_values(wb, agency.formula1) == [
        entity_label(registry.acronym(e), registry.full_name(e)) for e in registry.ids
    ]
    engagement = _validation(ws, f"D{_row_of(ws, 'engagement_final_disposal')}")
    assert _list_values(wb, engagement.formula1) == ["None", "Minor", "Moderate", "Major"]
    option = _validation(ws, f"D{_row_of(ws, 'collaborators/UNEP')}")
    assert option.formula1 == '"Yes,No"'
    rank = _validation(ws, f"D{_row_of(ws, 'ks_rank_webinars')}")
    assert _list_values(wb, rank.formula1) == [1, 2, 3, 4, 5, 6]
    date = _validation(ws, f"D{_row_of(ws, '_date_completed')}")
    assert date.type == "date"
    # one row per option of a multiple choice, every main field has its key
    keys = {c.value for c in ws["A"] if c.value}
    for f in survey.fields():
        if f.is_multiple:
            assert sum(str(k).startswith(f"{f.name}/") for k in keys) > 1
        else:
            assert f.name in keys
    assert ws.column_dimensions["A"].hidden and ws.freeze_panes == "C4"
    assert ws.protection.sheet and not ws[f"D{_row_of(ws, 'agency')}"].protection.locked


def test_questionnaire_projects_and_hidden_sheets(questionnaire: Path, survey) -> None:  # type: ignore[no-untyped-def]
    wb = load_workbook(questionnaire)
    ws = wb["Projects"]
    keys = [c.value for c in ws[1]]
    assert keys[1:] == [f.name for f in survey.fields("projects")]
    assert ws.row_dimensions[1].hidden
    assert ws.cell(2, keys.index("project_title") + 1).value == "Project title *"
    col = ws.cell(1, keys.index("start_year") + 1).column_letter
    year = _validation(ws, f"{col}{2 + PROJECT_ROWS}")
    assert (year.type, year.formula1, year.formula2) == ("whole", "1990", "2040")
    col = ws.cell(1, keys.index("project_status") + 1).column_letter
    assert _validation(ws, f"{col}3").type == "list"
    regions = ws.cell(2, keys.index("regions") + 1)
    assert "separated by ';'" in regions.comment.text and "Latin America" in regions.comment.text
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    about = wb[ABOUT_SHEET]
    assert about.sheet_state == "hidden"
    values = {r[0]: r[1] for r in about.iter_rows(values_only=True)}
    assert values["survey_id"] == "ewaste_img" and values["form_version"] == "2026.1"
    assert wb.sheetnames[0] == "Instructions"


def test_questionnaire_is_deterministic(tmp_path: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    def content(path: Path) -> list[tuple[str, tuple[object, ...]]]:
        wb = load_workbook(path)
        return [(ws.title, row) for ws in wb for row in ws.iter_rows(values_only=True)]

    a = write_questionnaire(survey, registry, tmp_path / "a.xlsx")
    b = write_questionnaire(survey, registry, tmp_path / "b.xlsx")
    assert content(a) == content(b)
