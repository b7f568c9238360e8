"""The draft joint work plan: one goal per gap, who would lead (strongest first) and
contribute, their related projects, the preferred knowledge-sharing option, and the gaps
no agency offers to lead flagged for the IMG."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from docx import Document

from pipeline.analyses.gaps.compute import GAP_COLUMNS
from pipeline.analyses.workplan.compute import WORKPLAN_COLUMNS, work_plan
from pipeline.analyses.workplan.document import write_workplan
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.report.workbook import write_workbook
from pipeline.spec import Survey
from pipeline.tables import Responses, RunResult

ANSWERS = {
    # UNEP and UN-Habitat both major on raw materials; UN-Habitat is more engaged overall
    "UNEP": {
        "engagement_raw_materials": "major",
        "engagement_design_manufacturing": "none",
        "engagement_distribution_use": "minor",
        "stage_role_raw_materials": "lead",
        "stage_role_design_manufacturing": "neither",
        "topic_role_chemicals": "lead",
        "topics": "chemicals epr",
    },
    "UNHABITAT": {
        "engagement_raw_materials": "major",
        "engagement_design_manufacturing": "major",
        "engagement_distribution_use": "none",
        "stage_role_raw_materials": "lead",
        "topic_role_chemicals": "contribute",
    },
    "ITU": {
        "engagement_raw_materials": "moderate",
        "engagement_design_manufacturing": "minor",
        "stage_role_raw_materials": "contribute",
        "stage_role_design_manufacturing": "contribute",
        "topic_role_chemicals": "contribute",
        "topics": "chemicals",
    },
    "UNU": {
        "engagement_raw_materials": "minor",
        "stage_role_raw_materials": "neither",
        "stage_role_design_manufacturing": "contribute",
    },
}
GAPS = [
    ["stage", "raw_materials", "Raw materials and extraction", "gap", "fewer than 3 agencies engaged", "2 of 4 agencies"],
    ["stage", "design_manufacturing", "Design and manufacturing", "critical", "no agency at major level", "1 of 4 agencies"],
    ["topic", "chemicals", "Chemicals and releases", "gap", "fewer than 3 agencies work on this topic", "2 of 4 agencies select it"],
    ["activity", "raw_materials", "Raw materials and extraction", "gap", "types of activity no agency reports", "none reports: Financing"],
]  # fmt: skip
PROJECTS = [
    # entity, title, stages, topics, source
    ["UNEP", "Mine tailings and e-waste", "Raw materials and extraction", "Chemicals and releases", "survey"],
    ["UNHABITAT", "Urban mining pilot", "Raw materials and extraction", None, "desk"],
    ["UNU", "Critical raw materials study", "Raw materials and extraction", None, "survey"],
    ["ITU", "Eco-design standard", "Design and manufacturing", None, "survey"],
]  # fmt: skip


@pytest.fixture(scope="module")
def submissions(survey: Survey) -> pd.DataFrame:
    columns = sorted({k for a in ANSWERS.values() for k in a})
    frame = pd.DataFrame.from_dict(ANSWERS, orient="index").reindex(columns=columns)
    return frame.rename_axis("entity_id").reset_index().astype("string")


@pytest.fixture(scope="module")
def gaps() -> pd.DataFrame:
    return pd.DataFrame(GAPS, columns=GAP_COLUMNS).astype("string")


@pytest.fixture(scope="module")
def projects() -> pd.DataFrame:
    frame = pd.DataFrame(PROJECTS, columns=["entity_id", "title", "stages", "topics", "source"])
    return frame.astype("string")


@pytest.fixture(scope="module")
def ranking() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "option": ["webinars", "project_db"],
            "label": ["Joint webinars", "Shared project database"],
            "mean_rank": [1.5, 2.5],
            "median_rank": [1.0, 2.0],
            "n": [4, 4],
            "rank_order": pd.array([1, 2], dtype="Int64"),
        }
    )


@pytest.fixture(scope="module")
def plan(gaps, submissions, survey, registry, projects, ranking):  # type: ignore[no-untyped-def]
    return work_plan(gaps, submissions, survey, registry, projects, ranking)


def test_one_goal_per_gap_worded_from_the_survey(plan, gaps, survey: Survey) -> None:  # type: ignore[no-untyped-def]
    table, _ = plan
    assert list(table.columns) == WORKPLAN_COLUMNS
    assert table["goal_no"].tolist() == [1, 2, 3, 4]
    assert table[["kind", "dimension", "label", "reason", "evidence"]].astype(str).values.tolist() == (
        gaps[["kind", "dimension", "label", "reason", "evidence"]].astype(str).values.tolist()
    )
    goals = survey.model.workplan.goals
    assert table.loc[0, "goal"] == goals["stage"].goal.format(
        item="Raw materials and extraction", item_lower="raw materials and extraction"
    )
    assert "chemicals and releases" in table.loc[2, "goal"]
    assert table.loc[3, "goal"].startswith("Fill the missing types of activity")


def test_leads_strongest_engagement_first_and_contributors(plan) -> None:  # type: ignore[no-untyped-def]
    table, roles = plan
    raw = table.iloc[0]
    # both major on raw materials: UN-Habitat has the higher engagement overall
    assert raw["leads"] == "UN-Habitat, UNEP"
    assert raw["contributors"] == "ITU"  # UNU said neither
    assert (raw["n_leads"], raw["n_contributors"]) == (2, 1)
    assert raw["flag"] == ""
    # the activity gap on the same stage asks the same question
    assert table.iloc[3]["leads"] == "UN-Habitat, UNEP"
    # topic: UNEP leads; contributors who work on the topic come first (ITU selects it)
    chem = table.iloc[2]
    assert chem["leads"] == "UNEP" and chem["contributors"] == "ITU, UN-Habitat"
    on_topic = roles[roles["goal_no"] == 3].set_index("acronym")["engagement"]
    assert on_topic.to_dict() == {"UNEP": "works on it", "ITU": "works on it", "UN-Habitat": "not among its topics"}
    first = roles[(roles["goal_no"] == 1)].iloc[0]
    assert (first["acronym"], first["role"], first["engagement"]) == ("UN-Habitat", "lead", "major")


def test_a_gap_no_agency_leads_is_flagged(plan, survey: Survey) -> None:  # type: ignore[no-untyped-def]
    table, _ = plan
    design = table.iloc[1]
    assert design["n_leads"] == 0 and design["leads"] == ""
    assert design["contributors"] == "ITU, UNU"
    assert design["flag"] == "No agency offers to lead: for the IMG to decide"
    assert survey.model.workplan.no_lead.format(noun="agency", decides="the IMG") == design["flag"]
    assert (table["flag"] != "").sum() == 1


def test_related_projects_of_the_willing_agencies_survey_and_desk_told_apart(plan) -> None:  # type: ignore[no-untyped-def]
    table, roles = plan
    raw = table.iloc[0]
    # UNU's project addresses the stage but UNU would not lead or contribute
    assert raw["projects"] == "UNEP: Mine tailings and e-waste; UN-Habitat: Urban mining pilot (desk)"
    assert (raw["n_projects_survey"], raw["n_projects_desk"]) == (2, 1)
    assert table.iloc[2]["projects"] == "UNEP: Mine tailings and e-waste"  # by topic
    habitat = roles[(roles["goal_no"] == 1) & (roles["acronym"] == "UN-Habitat")].iloc[0]
    assert habitat["projects"] == "Urban mining pilot (desk)"


def test_preferred_knowledge_sharing_option_is_the_rankings_first(plan) -> None:  # type: ignore[no-untyped-def]
    table, _ = plan
    assert set(table["sharing"]) == {"Joint webinars (mean rank 1.50)"}  # as the workbook shows it


def test_no_gap_no_goal(submissions, survey: Survey, registry: Registry) -> None:  # type: ignore[no-untyped-def]
    table, roles = work_plan(pd.DataFrame(columns=GAP_COLUMNS), submissions, survey, registry)
    assert table.empty and roles.empty and list(table.columns) == WORKPLAN_COLUMNS


def test_workplan_docx_and_sheet(plan, submissions, survey: Survey, registry: Registry, projects, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    table, roles = plan
    result = RunResult(
        survey=survey,
        registry=registry,
        round="2026-R1",
        run_date="2026-05-01",
        responses=Responses(submissions, {}, pd.DataFrame()),
        tables={"workplan": table, "workplan_roles": roles, "projects": projects},
        stats={"desk": {"desk_only_entities": ["CBD"]}},
        log=IssueLog(),
    )
    path = write_workplan(result, tmp_path / "workplan.docx")
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Goal 2. Design and manufacturing" in headings
    assert "For the IMG to decide" in headings
    assert text.count("No agency offers to lead: for the IMG to decide") >= 1
    assert "CBD appears in the desk mapping but did not answer the survey" in text
    assert "3 projects reported in the survey and 1 initiative found by desk research" in text
    assert "2 projects reported in the survey and 1 initiative found by desk research address raw materials and extraction" in text
    glance = doc.tables[0]
    assert [c.text for c in glance.rows[0].cells] == [
        "No.", "Gap", "Would lead", "Would contribute", "Projects (survey)", "Initiatives (desk)"
    ]  # fmt: skip
    assert [c.text for c in glance.rows[2].cells][2] == "none"
    book = write_workbook(result, tmp_path / "results.xlsx")
    sheet = pd.read_excel(book, sheet_name="Work plan", engine="openpyxl")
    assert sheet.loc[1, "flag"] == "No agency offers to lead: for the IMG to decide"
    assert sheet.loc[0, "leads"] == "UN-Habitat, UNEP"


def test_who_would_lead_is_asked_in_the_xlsform_and_the_questionnaire(tmp_path: Path, survey: Survey, registry: Registry) -> None:  # type: ignore[no-untyped-def]
    from xml.etree import ElementTree

    from openpyxl import load_workbook
    from pyxform.xls2xform import convert

    from pipeline.forms import write_questionnaire
    from pipeline.xlsform import write_xlsform

    xf = "{http://www.w3.org/2002/xforms}"
    form = write_xlsform(survey, registry, tmp_path / "form.xlsx")
    xform = ElementTree.fromstring(convert(xlsform=str(form), warnings=[]).xform)
    binds = {b.get("nodeset").rsplit("/", 1)[-1]: b for b in xform.iter(f"{xf}bind")}
    topics = [c.name for c in survey.choices("topic")]
    stages = [i.id for i in survey.model.dimension_sets["stage"].items]
    for name in [f"stage_role_{s}" for s in stages] + [f"topic_role_{t}" for t in topics]:
        assert binds[name].get("type") == "string"  # a select_one
    # one group per topic, labelled with the topic
    sheet = load_workbook(form)["survey"]
    header = [c.value for c in sheet[1]]
    groups = [
        dict(zip(header, (c.value for c in row), strict=False))
        for row in sheet.iter_rows(min_row=2)
        if row[header.index("type")].value == "begin_group"
    ]
    assert any(
        "Extended producer responsibility" in " ".join(str(v) for k, v in g.items() if k and k.startswith("label"))
        for g in groups
    )
    offline = load_workbook(write_questionnaire(survey, registry, tmp_path / "q.xlsx"))
    keys = [r[0].value for r in offline["Answers"].iter_rows() if r[0].value]
    assert "topic_role_epr" in keys and "stage_role_final_disposal" in keys


def test_a_broken_workplan_block_is_named(tmp_path: Path, root: Path) -> None:
    import yaml

    from pipeline.errors import SpecError
    from pipeline.spec import load_survey

    spec = yaml.safe_load((root / "surveys" / "ewaste_img" / "survey.yaml").read_text(encoding="utf-8"))
    spec["workplan"]["lead"] = "leads"  # not a choice of the role list
    spec["workplan"]["goals"]["topic"]["question"] = "topics"  # a multi-select asked once
    spec["workplan"]["goals"]["stage"]["goal"] = "Strengthen the work."  # no {item}
    spec["desk"]["types"] = "no_such_list"
    path = tmp_path / "survey.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_survey(path)
    messages = [i.message for i in caught.value.issues]
    assert "workplan.lead: 'leads' is not a choice of role" in messages
    assert any(m.startswith("workplan.goals.topic.question: 'topics' must be a select_one asked per item") for m in messages)
    assert any(m.startswith("workplan.goals.stage.goal: the wording needs '{item}'") for m in messages)
    assert "desk.types: unknown choice list 'no_such_list'" in messages
    assert all(i.file == str(path) for i in caught.value.issues)
