"""SDG targets: the entity x goal matrix and the per-target table, on a small hand example."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.analyses.sdg.compute import (
    goal_labels,
    sdg_matrix,
    sdg_question,
    sdg_tables,
    targets_table,
    unreported_targets,
)
from pipeline.registry import Registry
from pipeline.spec import Survey, load_survey

SURVEY = """
id: sdg_mini
title: SDG mini
form_version: "1"
choices:
  target:
    - {name: t6_3, group: g6, label: "6.3 Water quality"}
    - {name: t6_4, group: g6, label: "6.4 Water-use efficiency"}
    - {name: t14_1, group: g14, label: "14.1 Marine pollution"}
    - {name: t15_5, group: g15, label: "15.5 Biodiversity loss"}
  plain:
    - {name: a, label: A}
    - {name: b, label: B}
dimension_sets:
  goal:
    label: goal
    plural: goals
    items:
      - {id: g6, label: "SDG 6 Clean water"}
      - {id: g14, label: "SDG 14 Life below water"}
      - {id: g15, label: "SDG 15 Life on land"}
sections:
  - id: s
    label: S
    questions:
      - {id: entity, type: entity, label: Entity}
      - {id: other, type: select_multiple, choices: plain, label: Other}
      - {id: targets, type: select_multiple, choices: target, label: Targets}
"""


@pytest.fixture()
def mini(tmp_path: Path) -> Survey:
    path = tmp_path / "survey.yaml"
    path.write_text(SURVEY, encoding="utf-8")
    return load_survey(path)


@pytest.fixture()
def answers() -> pd.DataFrame:
    # UNEP: 6.3, 6.4, 14.1 (3 targets); FAO: 15.5, and 6.3 written twice (2); WHO: 6.3 and
    # 'zz', which is not a target (1); UNDP: nothing
    return pd.DataFrame(
        {
            "entity_id": ["UNEP", "FAO", "WHO", "UNDP"],
            "other": ["a", "a b", pd.NA, "b"],
            "targets": ["t6_3 t6_4 t14_1", "t15_5 t6_3 t6_3", "t6_3 zz", pd.NA],
        }
    )


def test_matrix_counts_targets_per_goal(
    mini: Survey, answers: pd.DataFrame, registry: Registry
) -> None:
    m = sdg_matrix(answers, mini, registry)
    assert list(m.columns) == ["g6", "g14", "g15"]
    assert m.index.name == "entity"
    assert m.index.tolist() == ["UNEP", "FAO", "WHO", "UNDP"]  # most targets first
    assert m.loc["UNEP"].tolist() == [2, 1, 0]
    assert m.loc["FAO"].tolist() == [1, 0, 1]  # a target chosen twice counts once
    assert m.loc["WHO"].tolist() == [1, 0, 0]  # an unknown choice is ignored
    assert m.loc["UNDP"].tolist() == [0, 0, 0]  # respondents without targets stay in


def test_targets_table_and_unreported(
    mini: Survey, answers: pd.DataFrame, registry: Registry
) -> None:
    answers = answers.assign(targets=["t6_3 t6_4", "t6_3", "t6_3", pd.NA])
    table = targets_table(answers, mini, registry).set_index("target")
    assert table.loc["t6_3", "n_entities"] == 3
    assert table.loc["t6_3", "entities"] == "FAO, UNEP, WHO"
    assert table.loc["t6_3", "goal_label"] == "SDG 6 Clean water"
    assert table.loc["t15_5", "n_entities"] == 0 and table.loc["t15_5", "entities"] == ""
    missing = unreported_targets(answers, mini, registry)
    assert missing["target"].tolist() == ["t14_1", "t15_5"]
    assert missing["goal"].tolist() == ["g14", "g15"]


def test_question_and_goal_labels(mini: Survey) -> None:
    assert sdg_question(mini).name == "targets"  # 'other' has no goal groups
    assert goal_labels(mini) == {
        "g6": "SDG 6 Clean water",
        "g14": "SDG 14 Life below water",
        "g15": "SDG 15 Life on land",
    }


def test_survey_without_sdg_question(survey: Survey) -> None:
    with pytest.raises(ValueError, match="group"):
        sdg_question(survey)
    assert sdg_tables(pd.DataFrame({"entity_id": ["UNEP"]}), survey) == {}


def test_swfs_tables(root: Path, registry: Registry) -> None:
    swfs = load_survey(root / "surveys" / "swfs_synthesis")
    subs = pd.DataFrame(
        {"entity_id": ["UNEP", "WMO"], "sdg_targets": ["t13_1 t14_1 t15_5", "t13_1"]}
    )
    tables = sdg_tables(subs, swfs, registry)
    matrix = tables["sdg_matrix"].set_index("entity")
    assert matrix.loc["UNEP", "sdg13"] == 1 and matrix.loc["WMO", "sdg13"] == 1
    assert matrix.shape == (2, 12)
    assert len(tables["sdg_unreported"]) == len(tables["sdg_targets"]) - 3


def test_sdg_heatmap_chart(
    mini: Survey, answers: pd.DataFrame, registry: Registry, tmp_path: Path
) -> None:
    from pipeline.analyses.sdg.charts import sdg_heatmap

    tables = {
        "sdg_matrix": sdg_matrix(answers, mini, registry).reset_index(),
        "sdg_targets": targets_table(answers, mini, registry),
    }
    chart = sdg_heatmap(tables, mini, tmp_path, "R2", "Test survey")
    assert chart is not None and chart.id == "sdg_heatmap"
    assert chart.png.is_file() and chart.svg.is_file()
    assert "4 entities" in chart.alt_text
    assert "SDG 6 Clean water is chosen most often (4 choices by 3 entities)" in chart.alt_text
    assert "UNEP chose the most targets (3)" in chart.alt_text
    assert chart.title == "SDG 6 Clean water is chosen most often: 4 target choices by 3 entities"  # the finding
    assert chart.caption.startswith("Number of each SDG goal's environment-related targets")
    again = sdg_heatmap(tables, mini, tmp_path / "again", "R2", "Test survey")
    assert again is not None  # the same inputs give byte-identical files
    assert again.png.read_bytes() == chart.png.read_bytes()
    assert again.svg.read_bytes() == chart.svg.read_bytes()
