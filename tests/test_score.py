"""Scoring: hand-worked scores of a few entities on the e-waste survey's rule.

Rule of ewaste_img: score = 0.75 x engagement score (none 0, minor 0.33, moderate 0.67,
major 1) + 0.25 x min(activity types selected / 3, 1).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.score import assign_levels, count_selected, rule_text, score, selected_choices
from pipeline.spec import ScoreComponent, Survey


def make_submissions(rows: dict[str, dict[str, object]]) -> pd.DataFrame:
    """Typed submissions as normalise produces them: one row per entity, text columns."""
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame = frame.rename_axis("entity_id").reset_index().astype("string")
    frame["submitted_at"] = pd.Timestamp("2026-03-02T10:00:00Z")
    frame["source_file"] = "kobo.xlsx"
    frame["reader"] = "kobo_xlsx"
    frame["n_submissions"] = 1
    return frame


SUBMISSIONS = {
    "UNEP": {
        "engagement_raw_materials": "major",
        "activities_raw_materials": "policy research",
        "engagement_design_manufacturing": "none",
        "activities_design_manufacturing": None,
    },
    "ITU": {
        "engagement_raw_materials": "moderate",
        "activities_raw_materials": "policy capacity research data",
        "engagement_design_manufacturing": None,
        "activities_design_manufacturing": "policy",
    },
    "UNU": {
        "engagement_raw_materials": "minor",
        "activities_raw_materials": None,
        "engagement_design_manufacturing": "minor",
        "activities_design_manufacturing": "policy policy",
    },
    "ILO": {  # sent the form back empty
        "engagement_raw_materials": None,
        "activities_raw_materials": None,
        "engagement_design_manufacturing": None,
        "activities_design_manufacturing": None,
    },
}


@pytest.fixture
def scores(survey: Survey) -> pd.DataFrame:
    return score(make_submissions(SUBMISSIONS), survey)


def one(scores: pd.DataFrame, entity: str, dimension: str) -> pd.Series:
    rows = scores[(scores["entity_id"] == entity) & (scores["dimension"] == dimension)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_columns_and_one_row_per_entity_and_dimension(scores: pd.DataFrame, survey: Survey) -> None:
    assert list(scores.columns) == [
        "entity_id",
        "dimension",
        "score",
        "level",
        "rule",
        "engagement",
        "activities",
    ]
    stages = [i.id for i in survey.model.dimension_sets["stage"].items]
    assert len(scores) == 4 * len(stages)
    assert scores["entity_id"].tolist()[:: len(stages)] == ["ILO", "ITU", "UNEP", "UNU"]
    assert scores["dimension"].tolist()[: len(stages)] == stages
    assert set(scores["rule"]) == {rule_text(survey)}
    assert rule_text(survey) == (
        "score = 0.75 x the answer to 'Level of your agency's engagement' (none 0, minor 0.33, "
        "moderate 0.67, major 1) + 0.25 x the share of types of activity chosen, full at 3"
    )


@pytest.mark.parametrize(
    ("entity", "dimension", "expected", "level", "engagement", "activities"),
    [
        # 0.75 x 1 + 0.25 x 2/3
        ("UNEP", "raw_materials", 0.75 + 0.25 * 2 / 3, "high", 1.0, 2 / 3),
        # 0.75 x 0.67 + 0.25 x min(4/3, 1)
        ("ITU", "raw_materials", 0.5025 + 0.25, "high", 0.67, 1.0),
        # activities unanswered count as 0: 0.75 x 0.33
        ("UNU", "raw_materials", 0.2475, "low", 0.33, math.nan),
        # engagement none: score 0, first level
        ("UNEP", "design_manufacturing", 0.0, "none", 0.0, math.nan),
        # engagement unanswered, one activity: 0.25 x 1/3
        ("ITU", "design_manufacturing", 0.25 / 3, "low", math.nan, 1 / 3),
        # a choice named twice counts once: 0.2475 + 0.25 x 1/3
        ("UNU", "design_manufacturing", 0.2475 + 0.25 / 3, "low", 0.33, 1 / 3),
    ],
)
def test_hand_worked_scores(
    scores: pd.DataFrame,
    entity: str,
    dimension: str,
    expected: float,
    level: str,
    engagement: float,
    activities: float,
) -> None:
    row = one(scores, entity, dimension)
    assert row["score"] == pytest.approx(expected, abs=1e-9)
    assert row["level"] == level
    assert (pd.isna(row["engagement"]) and math.isnan(engagement)) or row[
        "engagement"
    ] == pytest.approx(engagement)
    assert (pd.isna(row["activities"]) and math.isnan(activities)) or row[
        "activities"
    ] == pytest.approx(activities)


def test_entity_with_no_answers_has_na_scores(scores: pd.DataFrame) -> None:
    ilo = scores[scores["entity_id"] == "ILO"]
    assert ilo["score"].isna().all()
    assert ilo["level"].isna().all()


def test_dimension_missing_from_the_frame_is_na(scores: pd.DataFrame) -> None:
    # no column was given for final_disposal at all
    assert scores.loc[scores["dimension"] == "final_disposal", "score"].isna().all()


def test_scores_stay_in_unit_interval(scores: pd.DataFrame) -> None:
    known = scores["score"].dropna()
    assert ((known >= 0) & (known <= 1)).all()


def test_levels_at_their_boundaries(survey: Survey) -> None:
    values = pd.Series([0.0, 0.005, 0.01, 0.39999, 0.4, 0.7, 1.0, float("nan")])
    levels = assign_levels(values, survey)
    assert levels.iloc[:7].tolist() == ["none", "none", "low", "low", "medium", "high", "high"]
    assert pd.isna(levels.iloc[7])


def test_full_at_defaults_to_the_number_of_options(survey: Survey) -> None:
    scoring = survey.model.scoring.model_copy(
        update={
            "components": [
                ScoreComponent(question="engagement", weight=0.5, method="choice_score"),
                ScoreComponent(question="activities", weight=0.5, method="selected_share"),
            ]
        }
    )
    plain = Survey(survey.model.model_copy(update={"scoring": scoring}), survey.path, "x")
    result = score(make_submissions(SUBMISSIONS), plain)
    # 7 activity types: 0.5 x 1 + 0.5 x 2/7
    assert one(result, "UNEP", "raw_materials")["score"] == pytest.approx(0.5 + 1 / 7)
    assert one(result, "ITU", "raw_materials")["activities"] == pytest.approx(4 / 7)


def test_no_submissions_gives_an_empty_table_with_the_columns(survey: Survey) -> None:
    empty = make_submissions(SUBMISSIONS).iloc[0:0]
    result = score(empty, survey)
    assert result.empty
    assert list(result.columns)[:5] == ["entity_id", "dimension", "score", "level", "rule"]


def test_selected_choices_explodes_and_deduplicates() -> None:
    values = pd.Series(["a b", None, "", " c  c ", "b"], index=[10, 11, 12, 13, 14])
    chosen = selected_choices(values)
    assert list(zip(chosen.index, chosen, strict=True)) == [
        (10, "a"),
        (10, "b"),
        (13, "c"),
        (14, "b"),
    ]
    counts = count_selected(values)
    assert counts.tolist()[0] == 2 and counts.tolist()[3] == 1 and counts.tolist()[4] == 1
    assert counts.iloc[[1, 2]].isna().all()


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["a b", " b  a ", None, "", "   ", "c"], name="q"),
        pd.Series(["a b", "a"], index=pd.Index(["X", "X"], name="entity_id"), name="q", dtype="string"),
        pd.Series(["a", float("nan"), "b b"], index=pd.Index(["E1", "E2", "E3"]), dtype=object),
        pd.Series([None, float("nan")], name="z"),
        pd.Series(["x y", "y"], index=pd.RangeIndex(5, 7, name="row")),
        pd.Series(["a", "b"], index=pd.Index([3, 1])),
        pd.Series(["é a", "b"], name="accents"),  # not ASCII: pandas splits it
        pd.Series([1.0, "a"], dtype=object),  # a number: pandas turns it to text
        pd.Series(["a\tb", "c"]),  # a tab: pandas splits it
    ],
)
def test_selected_choices_plain_path_gives_what_pandas_gives(values: pd.Series) -> None:
    """The one-pass path (printable ASCII answers) and pandas' string methods give the same
    series: values, dtype, name, index values, type and name."""
    text = values.astype("string").str.strip()
    text = text[text.notna() & (text != "")]
    if text.empty:
        expected = pd.Series([], dtype="string", index=values.index[:0])
    else:
        frame = text.str.split().explode().astype("string").rename("choice").reset_index().drop_duplicates()
        expected = frame.set_index(frame.columns[0])["choice"].rename(values.name)
    got = selected_choices(values)
    pd.testing.assert_series_equal(got, expected, check_exact=True, check_index_type=True)
    assert type(got.index) is type(expected.index) and got.index.name == expected.index.name
