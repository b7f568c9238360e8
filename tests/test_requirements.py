"""The benchmark analysis on a hand-worked example: 4 agencies x 5 requirements.

The example survey is the ESS definition cut down to 5 requirements (2 principles, 1
thematic area, 2 procedural requirements) and 2 building blocks, written to a temporary
folder, so every name comes from a real survey file. Answers (M mandatory, G guidance,
U under development, N not covered, X not applicable):

            lnob  rights  biodiv  screen  grm
    UNDP     M      M       M       M      M
    UNEP     M      M       G       M      X
    FAO      M      G       X       U      N
    WFP      G      X       X       N      N

Worked by hand: share mandatory (n/a out of the denominator) lnob 3/4, rights 2/3,
biodiv 1/2, screen 2/4, grm 1/3. At 0.6 (margin 0.15): core lnob and rights, within
reach biodiv and screen (>= 0.45), aspirational grm.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.analyses.benchmark.adoption import (
    adoption_rates,
    benchmark,
    maturity_table,
    minimum_requirements,
    sensitivity,
    to_adopt,
)
from pipeline.analyses.benchmark.answers import (
    comparison_labels,
    comparison_matrix,
    requirement_items,
)
from pipeline.analyses.benchmark.compute import analyse_requirements, documentation_warnings
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.spec import Survey, load_survey
from pipeline.tables import Responses

KEEP = ["leave_no_one_behind", "human_rights", "biodiversity", "screening", "grievance_mechanism"]
LABELS = {
    "leave_no_one_behind": "Leave no one behind",
    "human_rights": "Human rights",
    "biodiversity": "Biodiversity, ecosystems and sustainable natural resource management",
    "screening": "Screening and risk categorisation",
    "grievance_mechanism": "Project-level grievance mechanism",
}
CODES = {
    "M": "mandatory",
    "G": "guidance",
    "U": "under_development",
    "N": "not_covered",
    "X": "not_applicable",
}
ANSWERS = {
    "UNDP": "MMMMM",
    "UNEP": "MMGMX",
    "FAO": "MGXUN",
    "WFP": "GXXNN",
}


@pytest.fixture(scope="module")
def ess_survey(root: Path) -> Survey:
    return load_survey(root / "surveys" / "ess_safeguards")


@pytest.fixture(scope="module")
def small_survey(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Survey:
    """The ESS survey definition with 5 requirements and 2 building blocks."""
    data = yaml.safe_load((root / "surveys" / "ess_safeguards" / "survey.yaml").read_text("utf-8"))
    sets = data["dimension_sets"]
    sets["requirement"]["items"] = [i for i in sets["requirement"]["items"] if i["id"] in KEEP]
    sets["building_block"]["items"] = sets["building_block"]["items"][:2]
    folder = tmp_path_factory.mktemp("small_survey")
    (folder / "survey.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return load_survey(folder)


def make_submissions(
    survey: Survey,
    answers: dict[str, str],
    documents: dict[tuple[str, str], str] | None = None,
    maturity: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """A ``Responses.submissions`` frame: ``entity_id``, ``source_file`` and one string
    column per non-personal main field, filled from the letter codes above."""
    names = [f.name for f in survey.fields() if not f.personal]
    coverage = [f for f in survey.fields_of("coverage")]
    blocks = survey.fields_of("maturity")
    rows = []
    for entity, letters in answers.items():
        row: dict[str, object] = {n: pd.NA for n in names}
        row["entity_id"] = entity
        row["source_file"] = f"questionnaires/{entity}.xlsx"
        for f, letter in zip(coverage, letters, strict=True):
            row[f.name] = CODES[letter] if letter != "-" else pd.NA
            if letter == "M":
                row[f"document_{f.dimension}"] = f"https://example.org/{entity}/{f.dimension}"
        for (ent, dim), text in (documents or {}).items():
            if ent == entity:
                row[f"document_{dim}"] = text
        for f, level in zip(blocks, (maturity or {}).get(entity, []), strict=False):
            row[f.name] = level
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["entity_id", "source_file", *names])
    return frame.astype("string")


@pytest.fixture(scope="module")
def subs(small_survey: Survey) -> pd.DataFrame:
    return make_submissions(small_survey, ANSWERS)


def test_items_follow_group_order(small_survey: Survey) -> None:
    items = requirement_items(small_survey)
    assert items["requirement"].tolist() == KEEP
    assert items["group"].tolist() == [
        "principle",
        "principle",
        "thematic",
        "procedure",
        "procedure",
    ]
    assert items["group_label"].iloc[0] == "Guiding principles"


def test_comparison_matrix(small_survey: Survey, subs: pd.DataFrame, registry: Registry) -> None:
    matrix = comparison_matrix(subs, small_survey, registry)
    assert matrix.index.name == "acronym"
    assert matrix.index.tolist() == ["FAO", "UNDP", "UNEP", "WFP"]
    assert matrix.columns.tolist() == KEEP
    assert matrix.loc["WFP"].tolist() == [
        "guidance",
        "not_applicable",
        "not_applicable",
        "not_covered",
        "not_covered",
    ]
    labels = comparison_labels(matrix, small_survey)
    assert labels.columns.tolist() == [LABELS[k] for k in KEEP]
    assert labels.loc["FAO", "Human rights"] == "Guidance only"
    assert labels.loc["WFP", "Human rights"] == "Not applicable to our mandate"


def test_adoption_shares_leave_not_applicable_out(small_survey: Survey, subs: pd.DataFrame) -> None:
    adoption = adoption_rates(subs, small_survey).set_index("requirement")
    assert adoption.index.tolist() == KEEP
    counts = adoption[
        ["n_mandatory", "n_guidance", "n_under_development", "n_not_covered", "n_not_applicable"]
    ]
    assert counts.to_numpy().tolist() == [
        [3, 1, 0, 0, 0],
        [2, 1, 0, 0, 1],
        [1, 1, 0, 0, 2],
        [2, 0, 1, 1, 0],
        [1, 0, 0, 2, 1],
    ]
    assert adoption["n_answered"].tolist() == [4, 3, 2, 4, 3]
    np.testing.assert_allclose(adoption["share_mandatory"], [3 / 4, 2 / 3, 1 / 2, 2 / 4, 1 / 3])
    np.testing.assert_allclose(adoption["share_guidance_or_better"], [1, 1, 1, 2 / 4, 1 / 3])
    assert adoption.loc["biodiversity", "label"] == LABELS["biodiversity"]
    assert adoption.loc["screening", "group"] == "procedure"


def test_tiers_at_declared_threshold(small_survey: Survey, subs: pd.DataFrame) -> None:
    minimum = minimum_requirements(adoption_rates(subs, small_survey), small_survey)
    assert minimum["requirement"].tolist() == [
        "leave_no_one_behind",
        "human_rights",
        "biodiversity",
        "screening",
        "grievance_mechanism",
    ]
    assert minimum["tier"].tolist() == [
        "core",
        "core",
        "within_reach",
        "within_reach",
        "aspirational",
    ]
    # ceil(0.6 x answered) - mandatory: 3-3, 2-2, 2-1, 3-2, 2-1
    assert minimum["n_more_for_core"].tolist() == [0, 0, 1, 1, 1]


def test_tiers_at_other_share(small_survey: Survey, subs: pd.DataFrame) -> None:
    adoption = adoption_rates(subs, small_survey)
    at_half = minimum_requirements(adoption, small_survey, share=0.5).set_index("requirement")
    # a share exactly at the threshold reaches it
    assert at_half.loc["screening", "tier"] == "core"
    assert at_half.loc["grievance_mechanism", "tier"] == "aspirational"  # 1/3 < 0.35
    at_07 = minimum_requirements(adoption, small_survey, share=0.7).set_index("requirement")
    assert at_07["tier"].to_dict() == {
        "leave_no_one_behind": "core",
        "human_rights": "within_reach",
        "biodiversity": "aspirational",
        "screening": "aspirational",
        "grievance_mechanism": "aspirational",
    }


def test_sensitivity_table(small_survey: Survey, subs: pd.DataFrame) -> None:
    table = sensitivity(adoption_rates(subs, small_survey), small_survey)
    assert table["threshold"].tolist() == [0.4, 0.5, 0.6, 0.7, 0.8]
    assert table["declared"].tolist() == [False, False, True, False, False]
    assert table["n_core"].tolist() == [4, 4, 2, 1, 0]
    assert table["n_within_reach"].tolist() == [1, 0, 2, 1, 2]
    assert table["n_aspirational"].tolist() == [0, 1, 1, 3, 3]
    assert table["entered_core"].tolist() == ["", "", "", "", ""]
    assert table["left_core"].tolist() == [
        "",
        "",
        f"{LABELS['biodiversity']}; {LABELS['screening']}",
        "Human rights",
        "Leave no one behind",
    ]
    assert table.loc[2, "core"] == "Leave no one behind; Human rights"


def test_to_adopt_lists(small_survey: Survey, subs: pd.DataFrame, registry: Registry) -> None:
    minimum = minimum_requirements(adoption_rates(subs, small_survey), small_survey)
    table = to_adopt(subs, minimum, small_survey, registry).set_index("entity_id")
    assert table.loc["UNDP", "n_to_adopt"] == 0 and table.loc["UNDP", "to_adopt"] == ""
    assert table.loc["UNEP", "n_to_adopt"] == 0
    assert table.loc["FAO", "to_adopt"] == "Human rights"
    # WFP: lnob is guidance only; human rights does not apply to it
    assert table.loc["WFP", "to_adopt"] == "Leave no one behind"
    assert table.loc["WFP", "n_core_applicable"] == 1
    assert table["n_to_adopt"].to_dict() == {"FAO": 1, "UNDP": 0, "UNEP": 0, "WFP": 1}
    by_ids = to_adopt(subs, ["screening"], small_survey, registry).set_index("entity_id")
    assert by_ids["to_adopt"].to_dict() == {
        "FAO": LABELS["screening"],
        "UNDP": "",
        "UNEP": "",
        "WFP": LABELS["screening"],
    }


def test_benchmark_shares(small_survey: Survey, subs: pd.DataFrame, registry: Registry) -> None:
    table = benchmark(subs, small_survey, registry)
    assert table["entity_id"].tolist() == ["UNDP", "UNEP", "FAO", "WFP"]  # best first
    table = table.set_index("entity_id")
    assert table["n_applicable"].to_dict() == {"UNDP": 5, "UNEP": 4, "FAO": 4, "WFP": 3}
    assert table["n_mandatory"].to_dict() == {"UNDP": 5, "UNEP": 3, "FAO": 1, "WFP": 0}
    np.testing.assert_allclose(table["share_mandatory"], [1, 0.75, 0.25, 0])
    np.testing.assert_allclose(table["share_principle"], [1, 1, 0.5, 0])
    np.testing.assert_allclose(table["share_thematic"], [1, 0, np.nan, np.nan])
    np.testing.assert_allclose(table["share_procedure"], [1, 1, 0, 0])
    assert table.loc["UNEP", "missing"] == LABELS["biodiversity"]
    assert table.loc["FAO", "missing"] == (
        f"Human rights; {LABELS['screening']}; {LABELS['grievance_mechanism']}"
    )
    assert table.loc["WFP", "n_missing"] == 3
    assert table.loc["UNDP", "missing"] == ""


def test_unanswered_is_neither_met_nor_missing(small_survey: Survey, registry: Registry) -> None:
    subs = make_submissions(small_survey, {"UNDP": "M-MMM", "UNEP": "MMMMM"})
    adoption = adoption_rates(subs, small_survey).set_index("requirement")
    assert adoption.loc["human_rights", "n_answered"] == 1
    row = benchmark(subs, small_survey, registry).set_index("entity_id").loc["UNDP"]
    assert (row["n_applicable"], row["n_unanswered"], row["share_mandatory"]) == (4, 1, 1.0)
    adopt = to_adopt(subs, ["human_rights"], small_survey, registry).set_index("entity_id")
    assert adopt.loc["UNDP", "n_to_adopt"] == 0
    assert adopt.loc["UNDP", "not_reported"] == "Human rights"


def test_maturity_table(small_survey: Survey, registry: Registry) -> None:
    subs = make_submissions(
        small_survey,
        ANSWERS,
        maturity={
            "UNDP": ["embedded", "established"],
            "UNEP": ["established", "established"],
            "FAO": ["planned", "not_started"],
            "WFP": ["in_progress"],
        },
    )
    table = maturity_table(subs, small_survey, registry).set_index("building_block")
    assert table.index.tolist() == ["policies", "procedures"]
    assert table["n_answered"].tolist() == [4, 3]
    np.testing.assert_allclose(table["mean"], [(1 + 0.75 + 0.25 + 0.5) / 4, 1.5 / 3])
    np.testing.assert_allclose(table["median"], [0.625, 0.75])
    levels = ["n_not_started", "n_planned", "n_in_progress", "n_established", "n_embedded"]
    assert [c for c in table.columns if c.startswith("n_") and c != "n_answered"] == levels
    assert table.loc["policies", levels].tolist() == [0, 1, 1, 1, 1]
    assert table.loc["procedures", "UNDP"] == 0.75
    assert np.isnan(table.loc["procedures", "WFP"])


def test_documentation_warnings_name_entity_and_requirement(
    small_survey: Survey,
) -> None:
    subs = make_submissions(
        small_survey,
        {"UNDP": "MGNNN", "UNEP": "MNNNN", "FAO": "GNNNN"},
        documents={("UNDP", "leave_no_one_behind"): None, ("UNEP", "leave_no_one_behind"): "  "},
    )
    log = IssueLog()
    issues = documentation_warnings(subs, small_survey, log)
    assert len(log) == len(issues) == 2
    by_entity = {i.entity: i for i in issues}
    assert set(by_entity) == {"UNDP", "UNEP"}  # FAO's guidance needs no document
    issue = by_entity["UNDP"]
    assert issue.severity == "warning"
    assert issue.code == "requirement-undocumented"
    assert issue.column == "document_leave_no_one_behind"
    assert issue.file == "questionnaires/UNDP.xlsx"
    assert "UNDP" in issue.message and "Leave no one behind" in issue.message


def test_documentation_warnings_on_raw_rows(small_survey: Survey) -> None:
    raw = pd.DataFrame(
        {
            "agency": ["UN Environment"],
            "coverage_screening": ["mandatory"],
            "document_screening": [pd.NA],
            "_source_file": ["kobo.xlsx"],
            "_source_sheet": ["Sheet1"],
            "_source_row": ["7"],
        },
        dtype="string",
    )
    (issue,) = documentation_warnings(raw, small_survey, IssueLog())
    assert (issue.file, issue.sheet, issue.row, issue.entity) == (
        "kobo.xlsx",
        "Sheet1",
        7,
        "UN Environment",
    )
    assert LABELS["screening"] in issue.message


def test_analyse_requirements_small(
    small_survey: Survey, subs: pd.DataFrame, registry: Registry
) -> None:
    log = IssueLog()
    tables, stats = analyse_requirements(
        Responses(subs, {}, pd.DataFrame()), small_survey, registry, log
    )
    assert {
        "comparison_matrix",
        "adoption",
        "benchmark",
        "minimum_requirements",
        "sensitivity",
        "to_adopt",
        "maturity",
        "clusters",
        "cluster_drivers",
    } <= set(tables)
    assert stats["n_compared"] == 4 and stats["n_core"] == 2 and stats["consensus_share"] == 0.6
    assert stats["most_adopted"] == "Leave no one behind"
    assert stats["least_adopted"] == LABELS["grievance_mechanism"]
    assert tables["comparison_matrix"]["acronym"].tolist() == stats["cluster_leaf_order"]
    assert len(stats["cluster_linkage"]) == 3
    assert len(log) == 0  # every mandatory answer cites a document


def test_analyse_requirements_on_demo_round(ess_survey: Survey, registry: Registry) -> None:
    """The full survey on a synthetic round: tables have the contracted shape."""
    from pipeline.demo import demo_round_answers

    assert ess_survey.model.demo is not None
    main = demo_round_answers(ess_survey, registry, ess_survey.model.demo.rounds[0]).main
    subs = main.rename(columns={"agency": "entity_id"}).drop(columns=["focal_name", "focal_email"])
    subs["source_file"] = "demo.xlsx"
    log = IssueLog()
    tables, stats = analyse_requirements(
        Responses(subs, {}, pd.DataFrame()), ess_survey, registry, log
    )
    assert len(tables["adoption"]) == 22
    assert (
        tables["adoption"]["group"].tolist()
        == ["principle"] * 5 + ["thematic"] * 8 + ["procedure"] * 9
    )
    assert (tables["adoption"]["n_answered"] <= 16).all()
    assert tables["comparison_matrix"].shape == (16, 23)
    assert len(tables["maturity"]) == 11
    assert stats["n_compared"] == 16
    assert stats["n_core"] == (tables["minimum_requirements"]["tier"] == "core").sum()
    assert 2 <= stats["n_clusters"] <= 5
    assert -1 <= stats["cophenetic_correlation"] <= 1
    assert len(tables["cluster_drivers"]) == 8
    assert set(tables["clusters"]["entity_id"]) == set(subs["entity_id"])
    assert stats["n_undocumented"] == len(log.warnings)


def test_empty_and_single_entity_rounds(small_survey: Survey, registry: Registry) -> None:
    for answers in ({}, {"UNDP": "MMGNX"}):
        subs = make_submissions(small_survey, answers)
        tables, stats = analyse_requirements(
            Responses(subs, {}, pd.DataFrame()), small_survey, registry, IssueLog()
        )
        json.dumps(stats)  # the stats are plain numbers, strings and lists
        assert stats["n_compared"] == len(answers)
        assert len(tables["adoption"]) == 5 and len(tables["sensitivity"]) == 5
        assert len(tables["clusters"]) == len(answers)
        assert stats["cophenetic_correlation"] is None
    assert stats["n_core"] == 2  # the lone agency's two mandatory answers
