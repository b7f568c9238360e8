"""Project inventory and summary, and the response status of the invited entities."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.analyses.projects.inventory import project_inventory, project_summary
from pipeline.analyses.response.compute import response_status
from pipeline.registry import Registry
from pipeline.spec import Survey

PROJECT_FIELDS = [
    "entity_id",
    "instance",
    "project_title",
    "project_status",
    "start_year",
    "end_year",
    "regions",
    "countries",
    "project_stages",
    "partners",
    "budget_usd",
]


def make_projects(rows: list[list[object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=PROJECT_FIELDS)
    text = [c for c in PROJECT_FIELDS if c not in {"start_year", "end_year", "budget_usd"}]
    frame[text] = frame[text].astype("string")
    frame["start_year"] = frame["start_year"].astype("Int64")
    frame["end_year"] = frame["end_year"].astype("Int64")
    frame["budget_usd"] = frame["budget_usd"].astype("Float64")
    return frame


PROJECTS = make_projects(
    [
        # stages given out of declared order; partners by id, one with a registry acronym
        ["UNEP", "kobo:1/1", "Circular electronics", "ongoing", 2020, 2023, "global africa",
         "Kenya; Ghana", "treatment_recycling raw_materials", "UNU UNHABITAT", 1000.0],
        ["ITU", "kobo:2/1", "E-waste statistics", "completed", 2015, None, "africa",
         None, "raw_materials", None, None],
        ["UNEP", "kobo:1/2", "Green procurement", "ongoing", None, None, None,
         None, "raw_materials", "ITU", 500.0],
    ]
)  # fmt: skip


def test_inventory_is_readable(survey: Survey, registry: Registry) -> None:
    table = project_inventory(PROJECTS, survey, registry)
    assert list(table.columns) == [
        "entity_id",
        "instance",
        "title",
        "status",
        "start_year",
        "end_year",
        "regions",
        "countries",
        "stages",
        "partners",
        "budget_usd",
        "topics",
        "source",
        "source_url",
    ]
    assert set(table["source"]) == {"survey"}
    assert table["instance"].tolist() == ["kobo:2/1", "kobo:1/1", "kobo:1/2"]  # by entity
    first = table.iloc[1]
    assert first["title"] == "Circular electronics"
    assert first["status"] == "Ongoing"
    assert (first["start_year"], first["end_year"]) == (2020, 2023)
    assert first["regions"] == "Global; Africa"
    assert first["countries"] == "Kenya; Ghana"
    assert first["stages"] == "Raw materials and extraction; Treatment, recycling and recovery"
    assert first["partners"] == "UN-Habitat; UNU"
    assert first["budget_usd"] == 1000.0
    itu = table.iloc[0]
    assert pd.isna(itu["end_year"]) and pd.isna(itu["partners"]) and pd.isna(itu["countries"])
    assert math.isnan(itu["budget_usd"])


def test_summary_counts_by_status_stage_and_region(survey: Survey) -> None:
    summary = project_summary(PROJECTS, survey)
    assert list(summary.columns) == [
        "by", "key", "label", "status", "n_projects", "budget_usd", "n_desk"
    ]
    assert (summary["n_desk"] == 0).all()
    assert summary["by"].unique().tolist() == ["status", "stage", "region", "partner"]

    def get(by: str, key: str, status: str) -> tuple[int, float]:
        r = summary[(summary["by"] == by) & (summary["key"] == key) & (summary["status"] == status)]
        assert len(r) == 1
        return int(r["n_projects"].iloc[0]), float(r["budget_usd"].iloc[0])

    assert get("status", "ongoing", "Ongoing") == (2, 1500.0)
    n, budget = get("status", "completed", "Completed")
    assert n == 1 and math.isnan(budget)  # no budget known
    n, budget = get("status", "planned", "Planned")
    assert n == 0 and math.isnan(budget)
    assert get("stage", "raw_materials", "Ongoing") == (2, 1500.0)
    assert get("stage", "treatment_recycling", "Ongoing") == (1, 1000.0)
    assert get("stage", "final_disposal", "Ongoing")[0] == 0
    assert get("region", "africa", "Ongoing") == (1, 1000.0)
    assert get("region", "africa", "Completed")[0] == 1
    assert get("region", "global", "Ongoing") == (1, 1000.0)
    # every declared stage and region for every status
    stages = summary[summary["by"] == "stage"]
    assert len(stages) == 7 * 3
    assert stages.loc[stages["key"] == "raw_materials", "label"].iloc[0] == (
        "Raw materials and extraction"
    )
    assert len(summary[summary["by"] == "region"]) == 7 * 3


def test_summary_keeps_projects_without_status(survey: Survey) -> None:
    projects = PROJECTS.copy()
    projects.loc[1, "project_status"] = pd.NA
    summary = project_summary(projects, survey)
    status = summary[summary["by"] == "status"].set_index("key")
    assert status.loc["Not stated", "n_projects"] == 1
    assert status["n_projects"].sum() == 3


def test_zero_projects(survey: Survey, registry: Registry) -> None:
    empty = PROJECTS.iloc[0:0]
    inventory = project_inventory(empty, survey, registry)
    assert inventory.empty and "budget_usd" in inventory.columns
    summary = project_summary(empty, survey)
    assert summary.empty and summary.columns[0] == "by"
    assert project_inventory(pd.DataFrame(), survey, registry).empty
    assert project_summary(pd.DataFrame(), survey).empty


# -- response status ----------------------------------------------------------------------
def make_submissions() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "entity_id": ["UNEP", "UNHABITAT", "ITU"],
            "submitted_at": pd.to_datetime(
                ["2026-03-02T10:00:00Z", "2026-03-05T09:30:00Z", "2026-03-04T08:00:00Z"]
            ),
            "source_file": ["kobo.xlsx", "questionnaires/UN-Habitat.xlsx", "kobo.xlsx"],
            "reader": ["kobo_xlsx", "questionnaire", "kobo_xlsx"],
            "n_submissions": [2, 1, 1],
        }
    )
    return frame.astype({"entity_id": "string", "source_file": "string", "reader": "string"})


def test_status_against_the_whole_registry(registry: Registry) -> None:
    table, stats = response_status(make_submissions(), registry)
    assert list(table.columns) == [
        "entity_id",
        "acronym",
        "full_name",
        "responded",
        "submitted_at",
        "n_submissions",
        "source_file",
    ]
    assert len(table) == len(registry)
    assert table["entity_id"].tolist()[:3] == ["ITU", "UNHABITAT", "UNEP"]  # by acronym
    assert table["responded"].sum() == 3
    unep = table.set_index("entity_id").loc["UNEP"]
    assert unep["n_submissions"] == 2 and unep["source_file"] == "kobo.xlsx"
    assert unep["full_name"] == registry.full_name("UNEP")
    assert unep["submitted_at"] == pd.Timestamp("2026-03-02T10:00:00Z")
    others = table[~table["responded"]]
    assert (others["n_submissions"] == 0).all() and others["submitted_at"].isna().all()
    assert stats["n_invited"] == len(registry)
    assert stats["n_respondents"] == 3
    assert stats["response_rate"] == pytest.approx(3 / len(registry))
    assert stats["uninvited"] == []


def test_status_with_an_invitation_list(registry: Registry) -> None:
    table, stats = response_status(make_submissions(), registry, invited=["UNEP", "ILO", "WHO"])
    # respondents first (the uninvited ones too), then by acronym
    assert table["entity_id"].tolist() == ["ITU", "UNHABITAT", "UNEP", "ILO", "WHO"]
    assert stats == {
        "n_invited": 3,
        "n_respondents": 1,
        "response_rate": pytest.approx(1 / 3),
        "uninvited": ["ITU", "UNHABITAT"],
    }


def test_status_with_no_submissions(registry: Registry) -> None:
    table, stats = response_status(make_submissions().iloc[0:0], registry, invited=["UNEP"])
    assert table["responded"].tolist() == [False]
    assert stats["response_rate"] == 0.0


def test_summary_counts_projects_by_partner_named(survey: Survey, registry: Registry) -> None:
    summary = project_summary(PROJECTS, survey, registry)
    partners = summary[summary["by"] == "partner"]
    # only the three partners named, by acronym; one project each, all ongoing
    assert sorted(partners["label"].unique()) == ["ITU", "UN-Habitat", "UNU"]
    ongoing = partners[partners["status"] == "Ongoing"].set_index("key")
    assert ongoing.loc["UNHABITAT", "n_projects"] == 1
    assert ongoing.loc["ITU", "budget_usd"] == 500.0
    assert partners.loc[partners["status"] == "Completed", "n_projects"].sum() == 0
