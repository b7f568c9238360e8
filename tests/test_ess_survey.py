"""The ESS safeguards comparison survey definition loads and declares what the analysis needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.spec import Survey, load_survey

PRINCIPLES = [
    "Leave no one behind",
    "Human rights",
    "Gender equality and women's empowerment",
    "Sustainability and resilience",
    "Accountability",
]
THEMATIC = [
    "Biodiversity, ecosystems and sustainable natural resource management",
    "Climate change and disaster risk",
    "Pollution prevention and resource efficiency",
    "Community health, safety and security",
    "Cultural heritage",
    "Displacement and involuntary resettlement",
    "Indigenous peoples",
    "Labour and working conditions",
]
BUILDING_BLOCKS = [
    "Policies",
    "Procedures",
    "Accountability",
    "High-level political commitment",
    "Institutional anchoring",
    "Human and financial resources",
    "Capacity building and knowledge sharing",
    "Awareness raising and communications",
    "Transparency and accountability",
    "Monitoring, evaluation and reporting",
    "Alignment with other UN initiatives and national systems",
]


@pytest.fixture(scope="module")
def ess_survey(root: Path) -> Survey:
    return load_survey(root / "surveys" / "ess_safeguards")


def test_identity_and_unique_field_names(ess_survey: Survey) -> None:
    assert ess_survey.id == "ess_safeguards"
    assert ess_survey.model.entity_noun == "agency"
    names = [f.name for f in ess_survey.fields("all")]
    assert len(names) == len(set(names))
    assert ess_survey.entity_field.name == "agency"
    assert set(ess_survey.personal_fields) == {"focal_name", "focal_email"}
    assert ess_survey.repeat_sections == []


def test_requirements_in_their_groups(ess_survey: Survey) -> None:
    items = ess_survey.model.dimension_sets["requirement"].items
    by_group: dict[str, list[str]] = {}
    for item in items:
        by_group.setdefault(item.group or "", []).append(item.label)
    assert by_group["principle"] == PRINCIPLES
    assert by_group["thematic"] == THEMATIC
    assert len(by_group["procedure"]) == 9
    assert set(by_group) == {"principle", "thematic", "procedure"}
    spec = ess_survey.model.requirements
    assert spec is not None
    assert list(spec.groups) == ["principle", "thematic", "procedure"]
    assert spec.groups["procedure"] == "Procedural requirements"
    assert spec.consensus_share == 0.6 and spec.within_reach_margin == 0.15
    assert spec.sensitivity == [0.4, 0.5, 0.6, 0.7, 0.8]


def test_building_blocks_and_maturity(ess_survey: Survey) -> None:
    blocks = ess_survey.model.dimension_sets["building_block"].items
    assert [b.label for b in blocks] == BUILDING_BLOCKS
    requirement_ids = {i.id for i in ess_survey.model.dimension_sets["requirement"].items}
    assert not requirement_ids & {b.id for b in blocks}  # a dimension id means one thing
    maturity = ess_survey.fields_of("maturity")
    assert len(maturity) == 11 and all(f.type == "select_one" for f in maturity)
    scores = [c.score for c in ess_survey.choices("maturity")]
    assert scores == sorted(scores) and scores[0] == 0 and scores[-1] == 1
    assert ess_survey.model.maturity is not None
    assert ess_survey.model.maturity.dimension_set == "building_block"


def test_per_requirement_questions(ess_survey: Survey) -> None:
    for question, kind in (("coverage", "select_one"), ("document", "text"), ("comment", "text")):
        fields = ess_survey.fields_of(question)
        assert len(fields) == 22
        assert {f.type for f in fields} == {kind}
        assert all(f.dimension_set == "requirement" for f in fields)
    screening = ess_survey.field("coverage_screening")
    assert screening.required and screening.choices == "ess_coverage"
    assert screening.label.startswith("Screening and risk categorisation")
    assert ess_survey.field("document_screening").skip_field == "coverage_screening"


def test_coverage_scale_scores_and_not_applicable(ess_survey: Survey) -> None:
    scores = {c.name: c.score for c in ess_survey.choices("ess_coverage")}
    assert scores == {
        "mandatory": 1,
        "guidance": 0.5,
        "under_development": 0.25,
        "not_covered": 0,
        "not_applicable": None,
    }
    spec = ess_survey.model.requirements
    assert spec is not None
    assert spec.mandatory in scores and spec.not_applicable in scores


def test_system_questions_and_ranges(ess_survey: Survey) -> None:
    year = ess_survey.field("system_year")
    assert (year.type, year.min, year.max) == ("integer", 1990, 2030)
    categories = ess_survey.field("n_risk_categories")
    assert (categories.min, categories.max) == (0, 10)
    days = ess_survey.field("disclosure_days")
    assert (days.type, days.min, days.max) == ("integer", 0, 365)
    scope = ess_survey.field("system_scope")
    assert scope.type == "select_multiple"
    assert [c.name for c in ess_survey.choices("system_scope")] == [
        "programmes",
        "projects",
        "facilities_operations",
    ]
    assert [c.name for c in ess_survey.choices("participation")] == ["yes", "no", "considering"]
    assert ess_survey.field("strengths").type == ess_survey.field("challenges").type == "text"


def test_scoring_coverage_gaps_demo(ess_survey: Survey) -> None:
    model = ess_survey.model
    assert model.scoring is not None and model.scoring.dimension_set == "requirement"
    assert [(c.question, c.method, c.weight) for c in model.scoring.components] == [
        ("coverage", "choice_score", 1)
    ]
    assert [lv.name for lv in model.scoring.levels] == ["none", "partial", "full"]
    assert model.coverage is not None
    assert (model.coverage.engaged_at_least, model.coverage.strong) == ("guidance", "mandatory")
    assert model.gaps is not None and model.gaps.min_entities == 3
    assert model.links is None and model.ranking is None and model.projects is None
    assert model.demo is not None
    (round_,) = model.demo.rounds
    assert round_.id == "2026-R1" and round_.questionnaires == 3
    assert {"UNDP", "UNEP", "FAO", "IFAD"} <= set(model.demo.always_respond)
    assert set(model.demo.boost) <= set(model.demo.always_respond)
    strongest = sorted(model.demo.boost, key=model.demo.boost.get, reverse=True)[:4]
    assert set(strongest) == {"UNDP", "UNEP", "FAO", "IFAD"}


def test_demo_ids_are_registry_entities(ess_survey: Survey, registry) -> None:
    assert ess_survey.model.demo is not None
    assert all(e in registry for e in ess_survey.model.demo.always_respond)
