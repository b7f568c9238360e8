"""The SWFS synthesis survey: both versions load, and the history and comparison keys hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.registry import Registry
from pipeline.spec import Survey, load_survey

AREAS = [  # taxonomies.yaml swfs.areas_provisional [INF]
    "Climate change",
    "Biodiversity and ecosystems",
    "Oceans and seas",
    "Land and desertification",
    "Freshwater",
    "Chemicals, waste and pollution",
    "Resource efficiency and sustainable consumption and production",
    "Environmental governance and law",
    "Disasters and conflicts",
    "Environment and health",
]
EXAMPLE_TARGETS = [  # taxonomies.yaml swfs.environment_related_sdg_targets_examples [V]
    "1.5", "3.9", "6.3", "6.4", "6.6", "7.1", "11.3", "11.5", "11.6", "12.2",
    "12.4", "12.5", "13.1", "14.1", "14.3", "14.4", "15.1", "15.3", "15.4", "15.5",
]  # fmt: skip


@pytest.fixture(scope="module")
def swfs(root: Path) -> Survey:
    return load_survey(root / "surveys" / "swfs_synthesis")


@pytest.fixture(scope="module")
def swfs_2016(swfs: Survey) -> Survey:
    return swfs.for_round("2016-R1")


def test_both_versions_load_with_unique_field_names(swfs: Survey, swfs_2016: Survey) -> None:
    assert swfs.model.form_version == "2026.1"
    assert swfs_2016.model.form_version == "2016.1"
    assert swfs.id == swfs_2016.id == "swfs_synthesis"
    for s in (swfs, swfs_2016):
        names = [f.name for f in s.fields("all")]
        assert len(names) == len(set(names))
        assert s.entity_field.name == "entity"
        assert set(s.personal_fields) == {"focal_name", "focal_email"}


def test_history_maps_rounds_to_versions(swfs: Survey, swfs_2016: Survey) -> None:
    assert swfs_2016.path.name == "2016.1.yaml"
    assert swfs.for_round("2026-R1") is swfs
    assert swfs.for_round("2031-R1") is swfs
    assert "works_in_climate_change" in {f.name for f in swfs_2016.fields()}
    assert "involvement_climate_change" not in {f.name for f in swfs_2016.fields()}


def test_current_version_structure(swfs: Survey) -> None:
    m = swfs.model
    assert m.entity_noun == "entity"
    assert [i.label for i in m.dimension_sets["area"].items] == AREAS
    involvement = {c.name: c.score for c in swfs.choices("involvement")}
    assert involvement == {"none": 0, "minor": 0.33, "substantial": 0.67, "core": 1}
    assert [c.name for c in swfs.choices("contribution")] == [
        "normative",
        "operational",
        "convening",
        "knowledge",
    ]
    per_area = {f.question for f in swfs.fields() if f.dimension_set == "area"}
    assert per_area == {"involvement", "contribution", "partners"}
    assert swfs.field("partners_climate_change").type == "entities"
    assert swfs.field("collaborators").type == "entities"
    assert m.links and m.links.collaborators_question == "collaborators"
    assert m.scoring and [(c.question, c.weight) for c in m.scoring.components] == [
        ("involvement", 0.8),
        ("contribution", 0.2),
    ]
    assert m.scoring.components[1].full_at == 2
    assert m.coverage and (m.coverage.engaged_at_least, m.coverage.strong) == (
        "substantial",
        "core",
    )
    assert m.gaps and m.gaps.min_entities == 3
    for q in ("ghg_inventory", "climate_neutral"):
        assert [c.name for c in swfs.choices(swfs.question(q).choices or "")] == ["yes", "no"]
    assert [c.name for c in swfs.choices("ems_status")] == ["yes", "partly", "no"]
    assert [c.name for c in swfs.choices("strategy_status")] == ["yes", "in_preparation", "no"]


def test_sdg_targets_are_grouped_by_goal(swfs: Survey) -> None:
    targets = swfs.choices("sdg_target")
    goals = {i.id for i in swfs.model.dimension_sets["sdg_goal"].items}
    numbers = []
    for c in targets:
        goal, number = re.fullmatch(r"t(\d+)_(\d+)", c.name).groups()  # type: ignore[union-attr]
        assert c.group == f"sdg{goal}" and c.group in goals
        assert c.label.startswith(f"{goal}.{number} ")
        numbers.append(f"{goal}.{number}")
    assert len(numbers) == len(set(numbers))
    assert set(EXAMPLE_TARGETS) <= set(numbers)
    assert {c.group for c in targets} == goals  # every goal has targets


def test_comparison_keys_point_at_the_earlier_version(swfs: Survey, swfs_2016: Survey) -> None:
    involvement = swfs.question("involvement")
    assert involvement.compare_with == "works_in"
    assert involvement.compare_map is not None
    assert set(involvement.compare_map) == {c.name for c in swfs.choices("involvement")}
    assert set(involvement.compare_map.values()) <= {c.name for c in swfs_2016.choices("works_in")}
    old_areas = {i.id for i in swfs_2016.model.dimension_sets["area"].items}
    for item in swfs.model.dimension_sets["area"].items:
        target = item.compare_with or item.id
        if item.comparable and item.id != "environment_health":
            assert target in old_areas, item.id
    assert swfs.question("obstacles").compare_with == "challenges"
    assert swfs_2016.question("challenges").type == "text"


def test_demo_rounds_have_a_panel(swfs: Survey, swfs_2016: Survey, registry: Registry) -> None:
    demo = swfs.model.demo
    assert demo is not None
    assert [r.id for r in demo.rounds] == ["2016-R1", "2026-R1"]
    assert len(set(r.seed for r in demo.rounds)) == 2
    assert all(e in registry for e in demo.always_respond)
    assert all(e in demo.always_respond for e in demo.boost)
    # the panel answers every round: enough pairs for the paired tests
    assert len(set(demo.always_respond)) >= 12
    assert all(r.respondents > len(demo.always_respond) for r in demo.rounds)
    assert all(r.respondents < len(registry) for r in demo.rounds)  # some join, some leave
    assert "2016-R1" in swfs.model.history["2016.1"].rounds
    # the 2016.1 definition repeats the panel, so a demo written with it keeps the panel
    old_demo = swfs_2016.model.demo
    assert old_demo is not None
    assert old_demo.always_respond == demo.always_respond and old_demo.boost == demo.boost
    assert old_demo.rounds == [r for r in demo.rounds if r.id == "2016-R1"]
