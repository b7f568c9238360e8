"""analyse(): every declared analysis runs, undeclared ones are skipped, and the same
functions serve other surveys (the ESS survey, and a small survey written here)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.analyses import analyse
from pipeline.registry import Registry
from pipeline.spec import Survey, load_survey
from pipeline.tables import TIDY_COLUMNS, Responses

ALL_TABLES = {
    "scores",
    "heatmap",
    "coverage",
    "gaps",
    "topic_coverage",
    "activity_matrix",
    "network_nodes",
    "network_edges",
    "pairs",
    "projects",
    "project_summary",
    "ranking",
    "response_status",
    "workplan",  # the survey asks who would lead (workplan:)
    "workplan_roles",
    "open_answers",  # the survey declares themes for its open answers
    "theme_counts",
}


def make_submissions(rows: dict[str, dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame = frame.rename_axis("entity_id").reset_index()
    text = [c for c in frame.columns if not c.startswith("ks_rank_")]
    frame[text] = frame[text].astype("string")
    for c in frame.columns:
        if c.startswith("ks_rank_"):
            frame[c] = frame[c].astype("Int64")
    frame["submitted_at"] = pd.Timestamp("2026-03-02T10:00:00Z")
    frame["source_file"] = "kobo.xlsx"
    frame["reader"] = "kobo_xlsx"
    frame["n_submissions"] = 1
    return frame


def responses(subs: pd.DataFrame, repeats: dict[str, pd.DataFrame] | None = None) -> Responses:
    return Responses(
        submissions=subs, repeats=repeats or {}, tidy=pd.DataFrame(columns=TIDY_COLUMNS)
    )


RANKS = {"project_db": 1, "community": 2, "webinars": 3, "repository": 4, "newsletter": 5}
EWASTE = {
    "UNEP": {
        "engagement_raw_materials": "major",
        "activities_raw_materials": "policy research data",
        "engagement_final_disposal": "none",
        "topics": "epr esm",
        "collaborators": "ITU UNU",
        **{f"ks_rank_{k}": v for k, v in RANKS.items()},
        "ks_rank_missions": 6,
    },
    "ITU": {
        "engagement_raw_materials": "minor",
        "engagement_final_disposal": "major",
        "activities_final_disposal": "capacity",
        "topics": "epr",
        "collaborators": "UNEP",
        **{f"ks_rank_{k}": 7 - v for k, v in RANKS.items()},
        "ks_rank_missions": 1,
    },
    "UNU": {"engagement_raw_materials": "moderate", "collaborators": None},
}


@pytest.fixture(scope="module")
def ewaste_run(survey: Survey, registry: Registry):
    projects = pd.DataFrame(
        {
            "entity_id": ["UNEP"],
            "instance": ["1"],
            "project_title": ["Circular electronics"],
            "project_status": ["ongoing"],
            "project_stages": ["raw_materials"],
            "regions": ["africa"],
            "partners": ["ITU"],
            "budget_usd": [250000.0],
        }
    )
    return analyse(responses(make_submissions(EWASTE), {"projects": projects}), survey, registry)


def test_every_declared_table_is_made(ewaste_run) -> None:  # type: ignore[no-untyped-def]
    tables, _ = ewaste_run
    assert set(tables) == ALL_TABLES
    assert all(isinstance(t, pd.DataFrame) for t in tables.values())


def test_tables_agree_with_each_other(ewaste_run) -> None:  # type: ignore[no-untyped-def]
    tables, _ = ewaste_run
    scores = tables["scores"]
    unep = scores[(scores["entity_id"] == "UNEP") & (scores["dimension"] == "raw_materials")]
    assert unep["score"].iloc[0] == pytest.approx(1.0)  # 0.75 + 0.25 x 3/3
    raw = tables["coverage"].set_index("dimension").loc["raw_materials"]
    assert (raw["n_engaged"], raw["n_strong"], raw["lead_entities"]) == (2, 1, "UNEP")
    # totals: ITU 0.2475 + 0.75 + 0.25/3 = 1.08; UNEP 1.0; UNU 0.5025
    assert tables["heatmap"].index.tolist() == ["ITU", "UNEP", "UNU"]
    assert tables["projects"]["partners"].tolist() == ["ITU"]
    assert tables["project_summary"]["n_projects"].sum() > 0
    edges = tables["network_edges"]
    assert edges.loc[(edges["source"] == "UNEP") & (edges["target"] == "ITU"), "reciprocated"].all()
    assert tables["ranking"]["option"].iloc[0] in {"project_db", "missions"}


def test_a_desk_mapping_entity_that_did_not_answer_is_no_respondent(survey: Survey, registry: Registry) -> None:
    """Desk rows join the projects (source desk); an entity found only there stays out of
    the respondents, the response rate and the work plan."""
    desk = pd.DataFrame(
        {
            "entity_id": ["CBD", "UNEP"],
            "title": ["Mining guidance", "Circular electronics"],  # UNEP's: the survey's project
            "type": ["policy", "project"],
            "stages": ["raw_materials", "raw_materials"],
            "source_url": ["https://cbd.int/m", "https://unep.org/c"],
            "_source_file": ["desk.xlsx", "desk.xlsx"],
            "_source_sheet": ["Initiatives", "Initiatives"],
            "_source_row": ["2", "3"],
        }
    ).astype("string")
    projects = pd.DataFrame(
        {
            "entity_id": ["UNEP"], "instance": ["1"], "project_title": ["Circular electronics"],
            "project_status": ["ongoing"], "project_stages": ["raw_materials"],
        }
    )  # fmt: skip
    subs = make_submissions(EWASTE)
    tables, stats = analyse(responses(subs, {"projects": projects}), survey, registry, desk=desk)
    assert tables["projects"][["entity_id", "source"]].values.tolist() == [["UNEP", "survey"], ["CBD", "desk"]]
    assert len(tables["desk_matches"]) == 1
    assert stats["n_respondents"] == 3 and stats["desk"]["desk_only_entities"] == ["CBD"]
    status = tables["response_status"].set_index("entity_id")
    assert not bool(status.loc["CBD", "responded"]) and status["responded"].sum() == 3
    assert "CBD" not in set(tables["scores"]["entity_id"])


def test_stats(ewaste_run, registry: Registry) -> None:  # type: ignore[no-untyped-def]
    _, stats = ewaste_run
    assert stats["n_respondents"] == 3
    assert stats["n_invited"] == len(registry)
    assert stats["response_rate"] == pytest.approx(3 / len(registry))
    assert stats["network"]["n_edges"] == 3 and stats["network"]["n_reciprocated"] == 2
    # two raters in opposite order: W = 0
    assert stats["ranking"]["n_raters"] == 2
    assert stats["ranking"]["kendall_w"] == pytest.approx(0.0)
    assert stats["ranking"]["agreement"] == "weak"


def test_undeclared_analyses_are_skipped(survey: Survey, registry: Registry) -> None:
    model = survey.model.model_copy(update={"ranking": None, "links": None, "projects": None})
    trimmed = Survey(model, survey.path, survey.sha256)
    tables, stats = analyse(responses(make_submissions(EWASTE)), trimmed, registry)
    assert set(tables) == ALL_TABLES - {
        "ranking",
        "network_nodes",
        "network_edges",
        "pairs",
        "projects",
        "project_summary",
    }
    assert "ranking" not in stats and "network" not in stats


def test_no_respondents_at_all(survey: Survey, registry: Registry) -> None:
    empty = make_submissions(EWASTE).iloc[0:0]
    tables, stats = analyse(responses(empty), survey, registry)
    assert set(tables) == ALL_TABLES
    assert tables["scores"].empty and tables["projects"].empty and tables["pairs"].empty
    assert stats["n_respondents"] == 0 and stats["response_rate"] == 0.0


def test_ess_survey_orders_choices_by_score(root: Path, registry: Registry) -> None:
    # ESS lists its coverage choices strongest first and has an unscored "not applicable"
    ess = load_survey(root / "surveys" / "ess_safeguards")
    subs = make_submissions(
        {
            "UNDP": {"coverage_human_rights": "mandatory"},
            "UNEP": {"coverage_human_rights": "guidance"},
            "FAO": {"coverage_human_rights": "not_applicable"},
            "IFAD": {"coverage_human_rights": "under_development"},
        }
    )
    tables, _ = analyse(responses(subs), ess, registry)
    assert {"scores", "coverage", "gaps", "response_status"} <= set(tables)
    assert "ranking" not in tables and "network_nodes" not in tables
    row = tables["coverage"].set_index("dimension").loc["human_rights"]
    # not applicable is outside the order: 3 respondents, mean of 1, 0.5, 0.25
    assert (row["n_engaged"], row["n_strong"], row["n_respondents"]) == (2, 1, 3)
    assert row["mean_score"] == pytest.approx(1.75 / 3)
    assert row["lead_entities"] == "UNDP"
    gap = tables["gaps"].set_index("dimension").loc["human_rights"]
    assert gap["kind"] == "requirement"
    assert gap["evidence"] == (
        "2 of 3 agencies engaged at guidance only or above (UNDP, UNEP); "
        "1 at mandatory requirement (UNDP)"
    )


MINI_SURVEY = """
id: mini
title: A small survey
form_version: "1"
entity_noun: office
entity_plural: offices
choices:
  effort:
    - {name: low, label: Low}
    - {name: mid, label: Medium}
    - {name: high, label: High}
  tool:
    - {name: x, label: Tool X}
    - {name: y, label: Tool Y}
    - {name: z, label: Tool Z}
dimension_sets:
  area:
    label: area
    plural: areas
    items:
      - {id: north, label: North}
      - {id: south, label: South}
sections:
  - id: who
    label: Who
    questions:
      - {id: office, type: entity, required: true, label: Office}
  - id: work
    label: Work
    per_dimension: area
    questions:
      - {id: effort, type: select_one, choices: effort, label: "{dimension}: effort"}
      - {id: tools, type: select_multiple, choices: tool, label: "{dimension}: tools"}
scoring:
  dimension_set: area
  rule: "score = share of tools used, full at 2"
  components:
    - {question: tools, weight: 1, method: selected_share, full_at: 2}
  levels:
    - {name: none, min: 0}
    - {name: some, min: 0.5}
coverage:
  question: effort
  engaged_at_least: mid
  strong: high
  bootstrap_resamples: 200
  seed: 1
gaps:
  min_entities: 2
"""


def test_a_survey_declared_from_scratch(tmp_path: Path, registry: Registry) -> None:
    (tmp_path / "survey.yaml").write_text(MINI_SURVEY, encoding="utf-8")
    mini = load_survey(tmp_path)
    subs = make_submissions(
        {
            "UNEP": {"effort_north": "high", "tools_north": "x y", "effort_south": "low"},
            "ITU": {"effort_north": "low", "tools_north": "x", "tools_south": "z"},
        }
    )
    tables, stats = analyse(responses(subs), mini, registry)
    assert set(tables) == {"scores", "heatmap", "coverage", "gaps", "response_status"}
    scores = tables["scores"].set_index(["entity_id", "dimension"])
    assert scores.loc[("UNEP", "north"), ["score", "level"]].tolist() == [1.0, "some"]
    assert scores.loc[("ITU", "north"), ["score", "level"]].tolist() == [0.5, "some"]
    assert pd.isna(scores.loc[("UNEP", "south"), "score"])
    assert list(scores.columns) == ["score", "level", "rule", "tools"]
    north = tables["coverage"].set_index("dimension").loc["north"]
    # effort has no scores: declared order low < mid < high
    assert (north["n_engaged"], north["n_strong"], north["n_respondents"]) == (1, 1, 2)
    assert north["mean_score"] == pytest.approx(0.75)
    gaps = tables["gaps"].set_index("dimension")
    assert gaps.loc["north", "evidence"] == (
        "1 of 2 offices engaged at medium or above (UNEP); 1 at high (UNEP)"
    )
    assert gaps.loc["south", "severity"] == "critical"
    assert gaps.loc["south", "evidence"] == "0 of 1 office engaged at medium or above; none at high"
    assert set(gaps["kind"]) == {"area"}
    assert stats["n_respondents"] == 2
