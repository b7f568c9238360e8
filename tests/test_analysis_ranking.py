"""Rankings and Kendall's W, checked against worked examples and independent formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline.analyses.ranking.compute import agreement_word, kendall_w, knowledge_sharing_ranking
from pipeline.spec import Survey


def test_identical_rankings_give_w_one() -> None:
    result = kendall_w(np.array([[1, 2, 3, 4]] * 3))
    assert result["kendall_w"] == pytest.approx(1.0)
    # chi2 = m (n - 1) W = 3 x 3 x 1
    assert result["chi2"] == pytest.approx(9.0)
    assert result["p_value"] == pytest.approx(stats.chi2.sf(9.0, 3))


def test_proofwiki_example() -> None:
    # ProofWiki, "Kendall's Coefficient of Concordance/Examples/Arbitrary Example 1":
    # 4 judges rank competitors X, Y, Z; rank sums 7, 9, 8; S = 2; W = 1/16.
    judges = np.array([[1, 3, 2], [1, 2, 3], [2, 3, 1], [3, 1, 2]])
    assert kendall_w(judges)["kendall_w"] == pytest.approx(1 / 16)


def test_ten_projects_four_judges() -> None:
    # 4 judges rank 10 projects; rank sums 10, 8, 12, 16, 21, 22, 25, 31, 37, 38 around a
    # mean of 22: sum of squared deviations 1048, W = 12 x 1048 / (4^2 (10^3 - 10)).
    by_project = np.array(
        [
            [1, 2, 3, 4],
            [3, 1, 2, 2],
            [4, 4, 1, 3],
            [5, 5, 5, 1],
            [2, 6, 7, 6],
            [8, 3, 4, 7],
            [6, 8, 6, 5],
            [7, 7, 8, 9],
            [10, 10, 9, 8],
            [9, 9, 10, 10],
        ]
    )
    result = kendall_w(by_project.T)
    assert result["kendall_w"] == pytest.approx(12 * 1048 / (16 * 990))
    assert result["chi2"] == pytest.approx(4 * 9 * 12 * 1048 / (16 * 990))


def test_hand_worked_three_by_three() -> None:
    # rank sums 4, 6, 8 around 6: S = 8; W = 12 x 8 / (9 x 24) = 4/9
    result = kendall_w(np.array([[1, 2, 3], [1, 3, 2], [2, 1, 3]]))
    assert result["kendall_w"] == pytest.approx(4 / 9)


def test_two_raters_match_spearman() -> None:
    # with two raters, W = (1 + Spearman's rho) / 2
    a, b = [1, 2, 3, 4, 5], [2, 1, 4, 3, 5]
    rho = stats.spearmanr(a, b).statistic
    assert kendall_w(np.array([a, b]))["kendall_w"] == pytest.approx((1 + rho) / 2)


def test_ties_match_the_friedman_statistic() -> None:
    # with the tie correction, chi2 = m (n - 1) W is Friedman's statistic
    ranks = np.array([[1, 2, 3, 4], [1.5, 1.5, 3, 4], [2, 1, 4, 3], [1, 3, 3, 3], [1, 2, 4, 3]])
    expected = stats.friedmanchisquare(*ranks.T).statistic
    result = kendall_w(ranks)
    assert result["chi2"] == pytest.approx(expected)
    assert result["kendall_w"] == pytest.approx(expected / (5 * 3))


def test_undefined_cases_give_nan() -> None:
    assert np.isnan(kendall_w(np.array([[1, 2, 3]]))["kendall_w"])  # one rater
    assert np.isnan(kendall_w(np.array([[1, 1], [1, 1]]))["kendall_w"])  # all tied
    assert np.isnan(kendall_w(np.empty((0, 4)))["kendall_w"])


@pytest.mark.parametrize(
    ("w", "word"),
    [(0.0, "weak"), (0.29, "weak"), (0.3, "moderate"), (0.59, "moderate"), (0.6, "strong"), (1.0, "strong"), (float("nan"), "")],
)  # fmt: skip
def test_agreement_words(w: float, word: str) -> None:
    assert agreement_word(w) == word


OPTIONS = ["project_db", "community", "webinars", "repository", "newsletter", "missions"]


def make_submissions(ranks: dict[str, list[int | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {f"ks_rank_{o}": [r[i] for r in ranks.values()] for i, o in enumerate(OPTIONS)},
        dtype="Int64",
    )
    frame.insert(0, "entity_id", pd.array(list(ranks), dtype="string"))
    frame["n_submissions"] = 1
    return frame


def test_ranking_table_and_stats(survey: Survey) -> None:
    subs = make_submissions(
        {
            "UNEP": [1, 2, 3, 4, 5, 6],
            "ITU": [2, 1, 3, 4, 6, 5],
            "UNU": [1, 3, 2, 4, 5, 6],
            "ILO": [None, 1, None, None, None, 2],  # partial: counted per option, not in W
            "WHO": [None] * 6,
        }
    )
    table, result = knowledge_sharing_ranking(subs, survey)
    assert list(table.columns) == ["option", "label", "mean_rank", "median_rank", "n", "rank_order"]
    # community: (2 + 1 + 3 + 1) / 4 = 1.75; project_db: 4 / 3; missions (6 + 5 + 6 + 2) / 4
    assert table["option"].tolist() == [
        "project_db",
        "community",
        "webinars",
        "repository",
        "missions",
        "newsletter",
    ]
    assert table["rank_order"].tolist() == [1, 2, 3, 4, 5, 6]
    first = table.iloc[0]
    assert first["label"] == "Shared project database"
    assert (first["mean_rank"], first["median_rank"], first["n"]) == (pytest.approx(4 / 3), 1.0, 3)
    assert table.set_index("option").loc["community", "n"] == 4
    assert table.set_index("option").loc["missions", "mean_rank"] == pytest.approx(19 / 4)
    complete = np.array([[1, 2, 3, 4, 5, 6], [2, 1, 3, 4, 6, 5], [1, 3, 2, 4, 5, 6]])
    assert result["kendall_w"] == pytest.approx(kendall_w(complete)["kendall_w"])
    assert result["n_raters"] == 3
    assert result["n_raters_any"] == 4
    assert result["n_options"] == 6
    assert result["agreement"] == "strong"


def test_ranking_with_nobody_ranking(survey: Survey) -> None:
    table, result = knowledge_sharing_ranking(make_submissions({"UNEP": [None] * 6}), survey)
    assert table["n"].sum() == 0 and table["rank_order"].isna().all()
    assert table["option"].tolist() == OPTIONS  # declared order when nothing ranks them
    assert np.isnan(result["kendall_w"]) and result["agreement"] == ""
    assert result["n_raters"] == 0


def test_kendall_w_without_scipy_stats_gives_its_numbers() -> None:
    """Ranks by pandas and p by scipy.special.chdtrc (scipy.stats is not imported by a run):
    the same numbers as scipy.stats' rankdata and chi2.sf, ties included."""
    draw = np.random.default_rng(5)
    for _ in range(50):
        m, n = int(draw.integers(2, 20)), int(draw.integers(2, 7))
        ranks = draw.integers(1, n + 1, (m, n)).astype(float)
        found = kendall_w(ranks)
        r = stats.rankdata(ranks, method="average", axis=1)
        ties = float(((r[:, :, None] == r[:, None, :]).sum(axis=2) ** 2 - 1).sum())
        sums = r.sum(axis=0)
        denominator = m**2 * (n**3 - n) - m * ties
        if denominator <= 0:
            assert np.isnan(found["kendall_w"])
            continue
        w = min(max(12 * float(((sums - sums.mean()) ** 2).sum()) / denominator, 0.0), 1.0)
        assert found["kendall_w"] == w
        assert found["p_value"] == float(stats.chi2.sf(m * (n - 1) * w, n - 1))
