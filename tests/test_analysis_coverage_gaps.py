"""Coverage, heatmap and gaps on five hand-worked agencies of the e-waste survey.

Scores (0.75 x engagement + 0.25 x min(activity types / 3, 1)):

              raw_materials         design_manufacturing     distribution_use
UNEP          major, 2 types 0.91667 none        0          minor          0.2475
ITU           moderate, 4    0.7525  (NA), 1 type 0.08333   moderate       0.5025
UNU           minor          0.2475  minor, 1     0.33083   moderate, 1    0.58583
UN-Habitat    major, 2       0.91667 major        0.75      none           0
ILO           (no answers)   NA      NA                     NA
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses.coverage.compute import bootstrap_ci, coverage
from pipeline.analyses.gaps.compute import activity_matrix, find_gaps, topic_coverage
from pipeline.analyses.scores.compute import heatmap_matrix
from pipeline.registry import Registry
from pipeline.score import score
from pipeline.spec import Survey

ANSWERS = {
    "UNEP": {
        "engagement_raw_materials": "major",
        "activities_raw_materials": "policy research",
        "engagement_design_manufacturing": "none",
        "engagement_distribution_use": "minor",
        "topics": "epr chemicals",
    },
    "ITU": {
        "engagement_raw_materials": "moderate",
        "activities_raw_materials": "policy capacity research data",
        "activities_design_manufacturing": "policy",
        "engagement_distribution_use": "moderate",
        "topics": "epr",
    },
    "UNU": {
        "engagement_raw_materials": "minor",
        "engagement_design_manufacturing": "minor",
        "activities_design_manufacturing": "policy policy",
        "engagement_distribution_use": "moderate",
        "activities_distribution_use": "data",
        "topics": "epr esm",
    },
    "UNHABITAT": {
        "engagement_raw_materials": "major",
        "activities_raw_materials": "policy research",
        "engagement_design_manufacturing": "major",
        "engagement_distribution_use": "none",
        "topics": "epr",
    },
    "ILO": {"topics": None},
}
COLUMNS = [
    f"{q}_{d}"
    for d in ("raw_materials", "design_manufacturing", "distribution_use")
    for q in ("engagement", "activities")
] + ["topics"]


def make_submissions(rows: dict[str, dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=COLUMNS)
    frame = frame.rename_axis("entity_id").reset_index().astype("string")
    frame["submitted_at"] = pd.Timestamp("2026-03-02T10:00:00Z")
    frame["source_file"] = "kobo.xlsx"
    frame["reader"] = "kobo_xlsx"
    frame["n_submissions"] = 1
    return frame


@pytest.fixture(scope="module")
def submissions() -> pd.DataFrame:
    return make_submissions(ANSWERS)


@pytest.fixture(scope="module")
def scores(submissions: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    return score(submissions, survey)


@pytest.fixture(scope="module")
def cov(scores: pd.DataFrame, submissions: pd.DataFrame, survey: Survey, registry: Registry):
    return coverage(scores, submissions, survey, registry)


def row(table: pd.DataFrame, dimension: str, kind: str | None = None) -> pd.Series:
    rows = table[table["dimension"] == dimension]
    if kind:
        rows = rows[rows["kind"] == kind]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# -- coverage ---------------------------------------------------------------------------
def test_coverage_columns_and_order(cov: pd.DataFrame, survey: Survey) -> None:
    assert list(cov.columns) == [
        "dimension",
        "label",
        "n_engaged",
        "n_strong",
        "n_respondents",
        "mean_score",
        "ci_low",
        "ci_high",
        "lead_entities",
    ]
    assert cov["dimension"].tolist() == [i.id for i in survey.model.dimension_sets["stage"].items]
    assert row(cov, "raw_materials")["label"] == "Raw materials and extraction"


@pytest.mark.parametrize(
    ("dimension", "engaged", "strong", "respondents", "mean", "leads"),
    [
        # strong agencies lead; UN-Habitat and UNEP tie on score -> by acronym
        (
            "raw_materials",
            3,
            2,
            4,
            (2 * (0.75 + 0.25 * 2 / 3) + 0.7525 + 0.2475) / 4,
            "UN-Habitat, UNEP",
        ),
        (
            "design_manufacturing",
            1,
            1,
            3,
            (0 + 0.25 / 3 + 0.2475 + 0.25 / 3 + 0.75) / 4,
            "UN-Habitat",
        ),
        # nobody at major: the top three scorers above 0
        (
            "distribution_use",
            2,
            0,
            4,
            (0.2475 + 0.5025 + 0.5025 + 0.25 / 3 + 0) / 4,
            "UNU, ITU, UNEP",
        ),
    ],
)
def test_hand_worked_coverage(
    cov: pd.DataFrame,
    dimension: str,
    engaged: int,
    strong: int,
    respondents: int,
    mean: float,
    leads: str,
) -> None:
    r = row(cov, dimension)
    assert (r["n_engaged"], r["n_strong"], r["n_respondents"]) == (engaged, strong, respondents)
    assert r["mean_score"] == pytest.approx(mean)
    assert r["ci_low"] <= r["mean_score"] <= r["ci_high"]
    assert r["lead_entities"] == leads


def test_dimension_nobody_answered(cov: pd.DataFrame) -> None:
    r = row(cov, "final_disposal")
    assert (r["n_engaged"], r["n_strong"], r["n_respondents"]) == (0, 0, 0)
    assert pd.isna(r["mean_score"]) and pd.isna(r["ci_low"]) and pd.isna(r["ci_high"])
    assert r["lead_entities"] == ""


def test_coverage_is_deterministic(
    scores: pd.DataFrame, submissions: pd.DataFrame, survey: Survey, registry: Registry
) -> None:
    again = coverage(scores, submissions, survey, registry)
    pd.testing.assert_frame_equal(again, coverage(scores, submissions, survey, registry))


def test_bootstrap_ci_contains_the_mean_and_repeats_with_the_seed() -> None:
    values = np.array([0.0, 0.25, 0.33, 0.5, 0.67, 0.9, 1.0, 1.0])
    first = bootstrap_ci(values, 0.95, 2000, seed=7)
    assert first == bootstrap_ci(values, 0.95, 2000, seed=7)
    assert first[0] < values.mean() < first[1]
    assert first[0] >= 0.0 and first[1] <= 1.0
    # a narrower confidence gives a narrower interval
    narrow = bootstrap_ci(values, 0.8, 2000, seed=7)
    assert first[0] <= narrow[0] and narrow[1] <= first[1]


def test_bootstrap_ci_degenerate_cases() -> None:
    assert bootstrap_ci(np.array([0.5, 0.5, 0.5]), 0.95, 1000, seed=1) == (0.5, 0.5)
    assert all(np.isnan(bootstrap_ci(np.array([0.7]), 0.95, 1000, seed=1)))
    assert all(np.isnan(bootstrap_ci(np.array([]), 0.95, 1000, seed=1)))
    low, high = bootstrap_ci(np.array([0.2, 0.9, np.nan]), 0.95, 1000, seed=1)
    assert 0.2 <= low <= 0.55 <= high <= 0.9


@pytest.mark.parametrize("method", ["BCa", "percentile"])
@pytest.mark.parametrize("batch", [7, 1_000_000])
def test_the_numpy_bootstrap_gives_scipys_numbers(method: str, batch: int) -> None:
    """mean_interval (numpy, no scipy.stats import) is scipy.stats.bootstrap to the bit: the
    same resamples, BCa correction and quantiles, NaN where scipy's is NaN."""
    import warnings

    from scipy import stats

    from pipeline.analyses.coverage.bootstrap import mean_interval

    rng_name = "rng" if "rng" in stats.bootstrap.__code__.co_varnames else "random_state"
    draw = np.random.default_rng(3)
    samples = [
        draw.random(n) for n in (2, 3, 17, 51)
    ] + [draw.integers(0, 4, 40) / 3, draw.exponential(size=30), np.r_[np.zeros(9), 1.0]]
    for x in samples:
        for confidence, resamples, seed in ((0.95, 2000, 7), (0.9, 999, 1)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ours = mean_interval(x, confidence, resamples, method, np.random.default_rng(seed), batch)
                theirs = stats.bootstrap(
                    (x,), np.mean, n_resamples=resamples, confidence_level=confidence, method=method,
                    vectorized=True, batch=batch, **{rng_name: np.random.default_rng(seed)},
                ).confidence_interval  # fmt: skip
            np.testing.assert_array_equal(ours, (theirs.low, theirs.high))


# -- heatmap ----------------------------------------------------------------------------
def test_heatmap_orders_by_total_then_acronym(scores: pd.DataFrame, registry: Registry) -> None:
    matrix = heatmap_matrix(scores, registry)
    # totals: UN-Habitat 1.667, ITU 1.338, UNEP 1.164 = UNU 1.164, ILO 0 (no answers)
    assert matrix.index.tolist() == ["UN-Habitat", "ITU", "UNEP", "UNU", "ILO"]
    assert matrix.columns.tolist()[:3] == [
        "raw_materials",
        "design_manufacturing",
        "distribution_use",
    ]
    assert matrix.loc["UN-Habitat", "design_manufacturing"] == pytest.approx(0.75)
    assert matrix.loc["ILO"].isna().all()


# -- gaps -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gaps(cov: pd.DataFrame, submissions: pd.DataFrame, survey: Survey, registry: Registry):
    return find_gaps(cov, submissions, survey, registry)


def test_gap_columns_and_kinds(gaps: pd.DataFrame) -> None:
    assert list(gaps.columns) == ["kind", "dimension", "label", "severity", "reason", "evidence"]
    assert gaps["kind"].unique().tolist() == ["stage", "topic", "activity"]
    assert set(gaps["severity"]) == {"critical", "gap"}


def test_stage_without_gap_is_not_listed(gaps: pd.DataFrame) -> None:
    stage = gaps[gaps["kind"] == "stage"]
    assert "raw_materials" not in set(stage["dimension"])  # 3 engaged, 2 at major


def test_too_few_engaged_but_one_strong_is_a_gap(gaps: pd.DataFrame) -> None:
    r = row(gaps, "design_manufacturing", "stage")
    assert r["severity"] == "gap"
    assert r["reason"] == "fewer than 3 agencies engaged at moderate or above"
    assert r["evidence"] == (
        "1 of 3 agencies engaged at moderate or above (UN-Habitat); 1 at major (UN-Habitat)"
    )


def test_too_few_and_none_strong_is_critical(gaps: pd.DataFrame) -> None:
    r = row(gaps, "distribution_use", "stage")
    assert r["severity"] == "critical"
    assert r["reason"] == (
        "fewer than 3 agencies engaged at moderate or above; no agency at major level"
    )
    assert r["evidence"] == "2 of 4 agencies engaged at moderate or above (ITU, UNU); none at major"


def test_stage_nobody_answered_is_critical(gaps: pd.DataFrame) -> None:
    r = row(gaps, "final_disposal", "stage")
    assert r["severity"] == "critical"
    assert r["evidence"] == "no agency answered for this life-cycle stage"


def test_topic_gaps(gaps: pd.DataFrame) -> None:
    topics = gaps[gaps["kind"] == "topic"].set_index("dimension")
    assert "epr" not in topics.index  # 4 agencies
    assert topics.loc["chemicals", "severity"] == "gap"
    assert topics.loc["chemicals", "evidence"] == "1 of 5 agencies selects it (UNEP)"
    assert topics.loc["esm", "evidence"] == "1 of 5 agencies selects it (UNU)"
    assert topics.loc["knowledge", "severity"] == "critical"
    assert topics.loc["knowledge", "evidence"] == "0 of 5 agencies select it"
    # declared order of the topic list
    assert topics.index.tolist() == [
        "education_health",
        "materials_design",
        "law_enforcement",
        "chemicals",
        "knowledge",
        "esm",
        "transboundary",
    ]


def test_activity_gaps_name_the_missing_types(gaps: pd.DataFrame) -> None:
    activity = gaps[gaps["kind"] == "activity"]
    # stages where nobody is engaged get no activity row (their stage gap says it)
    assert activity["dimension"].tolist() == [
        "raw_materials",
        "design_manufacturing",
        "distribution_use",
    ]
    assert set(activity["severity"]) == {"gap"}
    assert row(activity, "raw_materials")["evidence"] == (
        "none of the 3 agencies engaged at moderate or above (ITU, UN-Habitat, UNEP) reports: "
        "Technical assistance and projects; Awareness and advocacy; Financing"
    )
    assert row(activity, "design_manufacturing")["evidence"].startswith(
        "the only agency engaged at moderate or above (UN-Habitat) does not report: "
        "Normative and policy work; Capacity building and training; Research;"
    )
    assert "Data and statistics" not in row(activity, "distribution_use")["evidence"]


def test_topic_coverage_table(
    submissions: pd.DataFrame, survey: Survey, registry: Registry
) -> None:
    table = topic_coverage(submissions, survey, registry)
    assert list(table.columns) == ["topic", "label", "n_entities", "entities"]
    assert table["topic"].tolist()[:3] == ["epr", "chemicals", "esm"]
    first = table.iloc[0]
    assert (first["label"], first["n_entities"]) == ("Extended producer responsibility", 4)
    assert first["entities"] == "ITU, UN-Habitat, UNEP, UNU"
    assert table["n_entities"].sum() == 6


def test_activity_matrix_counts(submissions: pd.DataFrame, survey: Survey) -> None:
    matrix = activity_matrix(submissions, survey)
    assert matrix.shape == (7, 7)
    assert matrix.loc["raw_materials"].to_dict() == {
        "policy": 3,
        "capacity": 1,
        "research": 3,
        "data": 1,
        "projects": 0,
        "advocacy": 0,
        "financing": 0,
    }
    assert matrix.loc["design_manufacturing", "policy"] == 2  # UNU's repeat counts once
    assert matrix.loc["distribution_use"].sum() == 1
    assert matrix.loc["final_disposal"].sum() == 0


def test_gaps_with_no_submissions(survey: Survey, registry: Registry) -> None:
    empty = make_submissions(ANSWERS).iloc[0:0]
    scores = score(empty, survey)
    cov = coverage(scores, empty, survey, registry)
    assert (cov["n_respondents"] == 0).all()
    gaps = find_gaps(cov, empty, survey, registry)
    assert (gaps.loc[gaps["kind"] == "stage", "severity"] == "critical").all()
    assert topic_coverage(empty, survey, registry)["n_entities"].sum() == 0
    assert activity_matrix(empty, survey).to_numpy().sum() == 0
