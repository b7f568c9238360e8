"""Clustering entities on ordinal answer profiles with missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import dendrogram

from pipeline.analyses.benchmark.clusters import (
    choose_n_clusters,
    cluster_drivers,
    cluster_entities,
    gower_distance,
)

NAN = np.nan


def two_groups() -> pd.DataFrame:
    """Three strong entities and three weak ones, interleaved, with a few gaps."""
    strong = [[1, 1, 1, 0.5, 1, 1], [1, 0.5, 1, 1, NAN, 1], [1, 1, NAN, 1, 1, 0.5]]
    weak = [[0, 0, 0.25, 0, 0, NAN], [0.25, 0, 0, NAN, 0, 0], [0, 0.25, 0, 0, 0.25, 0]]
    rows = [strong[0], weak[0], strong[1], weak[1], strong[2], weak[2]]
    index = pd.Index(["S1", "W1", "S2", "W2", "S3", "W3"], name="acronym")
    return pd.DataFrame(rows, index=index, columns=[f"r{i}" for i in range(6)])


def test_distance_with_missing_values_by_hand() -> None:
    profiles = pd.DataFrame(
        {"r1": [1, 0, NAN, NAN], "r2": [0.5, 0.5, 0.25, NAN], "r3": [NAN, 1, 0, NAN]},
        index=["a", "b", "c", "d"],
    )
    d = gower_distance(profiles)
    assert d.loc["a", "b"] == pytest.approx(0.5)  # (|1-0| + |0.5-0.5|) / 2
    assert d.loc["a", "c"] == pytest.approx(0.25)  # only r2 in common
    assert d.loc["b", "c"] == pytest.approx(0.625)  # (0.25 + 1) / 2
    assert d.loc["a", "d"] == 1.0  # nothing in common
    assert (np.diag(d) == 0).all()
    np.testing.assert_allclose(d.to_numpy(), d.to_numpy().T)
    halved = gower_distance(profiles, value_range=2.0)
    assert halved.loc["a", "b"] == pytest.approx(0.25)
    assert halved.loc["a", "d"] == 1.0


def test_two_obvious_groups_are_recovered() -> None:
    result = cluster_entities(two_groups())
    assert result.n_clusters == 2
    members = result.membership.groupby("cluster")["acronym"].apply(set).tolist()
    assert sorted(members, key=min) == [{"S1", "S2", "S3"}, {"W1", "W2", "W3"}]
    assert -1 <= result.cophenetic <= 1
    assert result.cophenetic > 0.9  # a clean two-group structure is kept by the tree
    assert result.linkage.shape == (5, 4)
    assert sorted(result.leaf_order) == sorted(two_groups().index)
    assert result.membership["acronym"].tolist() == result.leaf_order
    assert result.membership["cluster"].iloc[0] == 1  # numbered along the leaves
    tree = dendrogram(result.linkage, no_plot=True, labels=list(two_groups().index))
    assert tree["ivl"] == result.leaf_order


def test_clustering_is_deterministic() -> None:
    a, b = cluster_entities(two_groups()), cluster_entities(two_groups())
    np.testing.assert_array_equal(a.linkage, b.linkage)
    pd.testing.assert_frame_equal(a.membership, b.membership)


def test_choose_n_clusters_at_largest_gap() -> None:
    # 6 items, 5 merges: the jump from 0.3 to 0.9 is between 2 clusters and 1
    assert choose_n_clusters(np.array([0.1, 0.15, 0.2, 0.3, 0.9]), 6) == 2
    # the jump from 0.12 to 0.6 leaves 3 clusters
    assert choose_n_clusters(np.array([0.1, 0.11, 0.12, 0.6, 0.65]), 6) == 3
    # equal gaps: the smaller number wins
    assert choose_n_clusters(np.array([0.1, 0.2, 0.3, 0.4, 0.5]), 6) == 2
    assert choose_n_clusters(np.array([0.5]), 2) == 1


def test_too_few_entities() -> None:
    profiles = pd.DataFrame({"r1": [1.0, 0.0]}, index=pd.Index(["A", "B"], name="acronym"))
    result = cluster_entities(profiles)
    assert result.n_clusters == 1
    assert result.linkage.shape == (0, 4)
    assert np.isnan(result.cophenetic)
    assert result.membership["cluster"].tolist() == [1, 1]


def test_identical_profiles_have_undefined_cophenetic() -> None:
    profiles = pd.DataFrame({"r1": [1.0, 1.0, 1.0], "r2": [0.5, 0.5, 0.5]}, index=["A", "B", "C"])
    result = cluster_entities(profiles)
    assert np.isnan(result.cophenetic)
    assert result.membership.columns[0] == "entity"


def test_cluster_drivers_rank_the_separating_requirement_first() -> None:
    profiles = pd.DataFrame(
        {
            "same": [1.0, 1.0, 1.0, 1.0],
            "splits": [1.0, 1.0, 0.0, 0.0],
            "noisy": [1.0, 0.0, 1.0, 0.5],
        },
        index=["A", "B", "C", "D"],
    )
    clusters = pd.Series([1, 1, 2, 2], index=profiles.index)
    drivers = cluster_drivers(profiles, clusters, top=2)
    assert drivers["dimension"].tolist() == ["splits", "noisy"]
    first = drivers.iloc[0]
    assert (first["mean_cluster_1"], first["mean_cluster_2"], first["spread"]) == (1.0, 0.0, 1.0)
    assert first["kruskal_h"] > 0 and 0 < first["p_value"] < 1
    assert first["n"] == 4
    one_cluster = cluster_drivers(profiles, pd.Series(1, index=profiles.index))
    assert one_cluster.empty
