"""Hierarchical clustering of entities on their answer profiles.

The input is a *profile* table: one row per entity (the index names it, e.g. an acronym),
one column per dimension (e.g. an ESS requirement), holding an ordinal score in a known
range (e.g. the choice scores 0, 0.25, 0.5, 1) and NaN where the entity gave no scored
answer (unanswered, or "not applicable"). Steps:

1. :func:`gower_distance`: for each pair of entities, the mean absolute difference of their
   scores over the dimensions *both* answered, divided by the range of the scale, so in
   [0, 1]; a pair with no dimension in common is at distance 1.
2. :func:`cluster_entities`: average-linkage clustering of that distance
   (``scipy.cluster.hierarchy.linkage(method="average")``), the number of clusters chosen
   at the largest gap between successive merge heights (2 to 5 clusters), the cophenetic
   correlation and the dendrogram leaf order.
3. :func:`cluster_drivers`: the dimensions whose mean score differs most between clusters.

Everything is deterministic: the same profiles in the same row order give the same result.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import cophenet, fcluster, leaves_list, linkage
from scipy.spatial.distance import squareform
from scipy.stats import kruskal

MEMBERSHIP_COLUMNS = ["cluster", "leaf_position", "n_answered", "mean_score"]


@dataclass(frozen=True)
class ClusterResult:
    """The outcome of :func:`cluster_entities`.

    - ``distance``: square entity x entity distance table (same index and columns).
    - ``linkage``: the scipy linkage matrix, shape (n - 1, 4): the two merged nodes, the
      merge height and the size of the new cluster; pass it to
      ``scipy.cluster.hierarchy.dendrogram(linkage, labels=membership[entity column])``
      to draw the tree. Shape (0, 4) when fewer than 3 entities were clustered.
    - ``membership``: one row per entity in dendrogram leaf order, the entity label in the
      first column (named like the profile index, or ``entity``), then ``cluster`` (1..k,
      numbered in leaf order), ``leaf_position`` (0-based), ``n_answered`` (dimensions with
      a score) and ``mean_score``.
    - ``leaf_order``: the entity labels in dendrogram leaf order (for a clustered heatmap).
    - ``n_clusters``: the number of clusters kept.
    - ``cophenetic``: how faithfully the tree keeps the distances (Pearson correlation of
      the cophenetic and the original distances, in [-1, 1]); NaN when undefined.
    """

    distance: pd.DataFrame
    linkage: np.ndarray
    membership: pd.DataFrame
    leaf_order: list[str]
    n_clusters: int
    cophenetic: float


def gower_distance(profiles: pd.DataFrame, value_range: float = 1.0) -> pd.DataFrame:
    """Pairwise distances between the rows of ``profiles`` (entities x dimensions, NaN = missing).

    ``d(a, b) = mean over dimensions answered by both of |a - b| / value_range``, clipped to
    [0, 1]; 1 when a pair has no answered dimension in common; 0 on the diagonal. Returns a
    square DataFrame indexed (rows and columns) by the profile index.
    """
    if value_range <= 0:
        raise ValueError("value_range must be positive")
    values = profiles.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    both = present[:, None, :] & present[None, :, :]
    diff = np.abs(filled[:, None, :] - filled[None, :, :]) * both
    n_common = both.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = diff.sum(axis=2) / n_common / value_range
    dist = np.where(n_common > 0, np.clip(dist, 0.0, 1.0), 1.0)
    np.fill_diagonal(dist, 0.0)
    return pd.DataFrame(dist, index=profiles.index, columns=profiles.index)


MIN_CLUSTERS, MAX_CLUSTERS = 2, 5  # the groups a tree is cut into (the report says so)


def choose_n_clusters(
    heights: np.ndarray, n_items: int, min_k: int = MIN_CLUSTERS, max_k: int = MAX_CLUSTERS
) -> int:
    """The number of clusters at the largest gap between successive merge heights.

    Cutting the tree into ``k`` clusters keeps the first ``n - k`` merges; the gap for ``k``
    is ``heights[n - k] - heights[n - k - 1]``. Candidates run from ``min_k`` to
    ``min(max_k, n - 1)``; ties go to the smaller ``k``. Fewer than 3 items give 1 cluster.
    """
    if n_items < 3:
        return 1
    upper = min(max_k, n_items - 1)
    lower = min(min_k, upper)
    best_k, best_gap = lower, -np.inf
    for k in range(lower, upper + 1):
        gap = heights[n_items - k] - heights[n_items - k - 1]
        if gap > best_gap + 1e-12:
            best_k, best_gap = k, gap
    return best_k


def cluster_entities(
    profiles: pd.DataFrame,
    value_range: float = 1.0,
    min_clusters: int = 2,
    max_clusters: int = 5,
) -> ClusterResult:
    """Average-linkage clustering of the rows of ``profiles`` on :func:`gower_distance`.

    Returns a :class:`ClusterResult`. With fewer than 3 entities there is no tree to cut:
    every entity is in cluster 1, the linkage matrix is empty and the cophenetic
    correlation NaN.
    """
    labels = [str(x) for x in profiles.index]
    entity_col = profiles.index.name or "entity"
    distance = gower_distance(profiles, value_range)
    n = len(labels)
    values = profiles.to_numpy(dtype=float, na_value=np.nan)
    n_answered = (~np.isnan(values)).sum(axis=1) if n else np.zeros(0, dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows have no mean
        mean_score = np.nanmean(values, axis=1) if values.size else np.full(n, np.nan)

    if n < 3:
        z = np.zeros((0, 4))
        order = list(range(n))
        raw_clusters = np.ones(n, dtype=int)
        coph = float("nan")
        n_clusters = 1 if n else 0
    else:
        condensed = squareform(distance.to_numpy(), checks=False)
        z = linkage(condensed, method="average")
        k = choose_n_clusters(z[:, 2], n, min_clusters, max_clusters)
        raw_clusters = fcluster(z, t=k, criterion="maxclust")
        order = leaves_list(z).tolist()
        coph = _cophenetic(z, condensed)
        n_clusters = len(set(raw_clusters.tolist()))

    # renumber clusters 1..k in the order they appear along the dendrogram's leaves
    renumber: dict[int, int] = {}
    for i in order:
        renumber.setdefault(int(raw_clusters[i]), len(renumber) + 1)
    membership = pd.DataFrame(
        {
            entity_col: [labels[i] for i in order],
            "cluster": [renumber[int(raw_clusters[i])] for i in order],
            "leaf_position": range(n),
            "n_answered": [int(n_answered[i]) for i in order],
            "mean_score": [float(mean_score[i]) for i in order],
        }
    )
    return ClusterResult(
        distance=distance,
        linkage=z,
        membership=membership,
        leaf_order=[labels[i] for i in order],
        n_clusters=n_clusters,
        cophenetic=coph,
    )


def _cophenetic(z: np.ndarray, condensed: np.ndarray) -> float:
    """Cophenetic correlation, NaN when the distances (or the tree heights) do not vary."""
    if np.ptp(condensed) == 0 or np.ptp(z[:, 2]) == 0:
        return float("nan")
    c, _ = cophenet(z, condensed)
    return float(np.clip(c, -1.0, 1.0))


def cluster_drivers(profiles: pd.DataFrame, clusters: pd.Series, top: int = 8) -> pd.DataFrame:
    """The dimensions whose scores differ most between clusters.

    ``profiles``: entities x dimensions (NaN = missing); ``clusters``: the cluster number
    of each entity, indexed like ``profiles``. For each dimension: the mean score per
    cluster (``mean_cluster_<k>``), ``spread`` (highest minus lowest cluster mean), the
    Kruskal-Wallis ``kruskal_h`` and ``p_value`` across the clusters (NaN when fewer than
    two clusters have answers or all answers are equal) and ``n`` (entities with a score).
    Returns the ``top`` dimensions by spread (then H), the dimension id in ``dimension``.
    """
    ks = sorted(set(clusters.tolist()))
    mean_cols = [f"mean_cluster_{k}" for k in ks]
    columns = ["dimension", *mean_cols, "spread", "kruskal_h", "p_value", "n"]
    if len(ks) < 2 or profiles.empty:
        return pd.DataFrame(columns=columns)
    aligned = clusters.reindex(profiles.index)
    values = profiles.astype(float)
    means = values.groupby(aligned.to_numpy()).mean().reindex(ks)
    rows = []
    for position, dim in enumerate(values.columns):
        groups = [values.loc[aligned == k, dim].dropna().to_numpy() for k in ks]
        groups = [g for g in groups if len(g)]
        h = p = float("nan")
        pooled = np.concatenate(groups) if groups else np.array([])
        if len(groups) >= 2 and np.ptp(pooled) > 0:
            h, p = (float(x) for x in kruskal(*groups))
        col_means = means[dim].to_numpy(dtype=float)
        spread = (
            float(np.nanmax(col_means) - np.nanmin(col_means))
            if np.isfinite(col_means).sum() >= 2
            else float("nan")
        )
        rows.append(
            {
                "dimension": dim,
                **{c: float(m) for c, m in zip(mean_cols, col_means, strict=True)},
                "spread": spread,
                "kruskal_h": h,
                "p_value": p,
                "n": len(pooled),
                "_position": position,
            }
        )
    table = pd.DataFrame(rows)
    table = table.sort_values(
        ["spread", "kruskal_h", "_position"], ascending=[False, False, True], na_position="last"
    )
    return table.head(top).drop(columns="_position").reset_index(drop=True)[columns]
