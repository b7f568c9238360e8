"""The paired statistics of a round comparison: which entities answered both rounds, the
exact Wilcoxon signed-rank test with the matched-pairs rank-biserial correlation as effect
size, the exact McNemar test, and a rough minimum detectable change. Two-sided at
:data:`ALPHA`; pure functions of numbers.

scipy.stats (about 0.6 s to import) is imported by the functions that use it: every run
report imports this module for :data:`ALPHA` and :data:`MIN_PAIRS` (through the change
chapter), and only a round with a previous round computes a test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.registry import Registry

ALPHA = 0.05
MIN_PAIRS = 6  # with fewer pairs no exact two-sided test can reach p < 0.05 (2 / 2**5 > 0.05)
EXACT_MAX_N = 50  # exact null distributions up to this many non-zero differences
POWER = 0.8  # power assumed by the rough minimum detectable change
WILCOXON_EFFICIENCY = 3 / np.pi  # asymptotic relative efficiency of Wilcoxon vs the t-test
DECIMALS = 9  # differences are rounded so that float noise makes no fake ties or changes


def pair_entities(
    old_submissions: pd.DataFrame, new_submissions: pd.DataFrame, registry: Registry | None = None
) -> tuple[list[str], list[str], list[str]]:
    """Entities that answered both rounds, only the new one (joined), only the old (left).

    Each list is in registry order (ids the registry does not know come after, sorted).
    """
    old = set(old_submissions["entity_id"].dropna().astype(str))
    new = set(new_submissions["entity_id"].dropna().astype(str))
    order = {e: i for i, e in enumerate(registry.ids)} if registry is not None else {}

    def ordered(ids: set[str]) -> list[str]:
        return sorted(ids, key=lambda e: (order.get(e, len(order)), e))

    return ordered(old & new), ordered(new - old), ordered(old - new)


def signed_rank_exact_p(differences: np.ndarray) -> float:
    """Exact two-sided p of the Wilcoxon signed-rank test, ties allowed, zeros dropped.

    Conditional on the observed ranks (average ranks for ties), every sign pattern is
    equally likely under the null; the distribution of the positive rank sum is counted
    exactly (2**n patterns, by convolution), and p = 2 x the smaller tail, at most 1.
    """
    d = np.asarray(differences, dtype="float64")
    d = d[d != 0]
    if len(d) == 0:
        return 1.0
    from scipy import stats

    doubled = np.rint(2 * stats.rankdata(np.abs(d))).astype(int)  # average ranks are k/2
    counts = np.array([1.0])
    for r in doubled:
        shifted = np.zeros(len(counts) + r)
        shifted[: len(counts)] += counts
        shifted[r:] += counts
        counts = shifted
    probs = counts / counts.sum()
    t_plus = int(doubled[d > 0].sum())
    low, high = probs[: t_plus + 1].sum(), probs[t_plus:].sum()
    return float(min(1.0, 2 * min(low, high)))


def rank_biserial(differences: np.ndarray) -> float:
    """Matched-pairs rank-biserial correlation: (T+ - T-) / (T+ + T-), zeros dropped.

    +1 when every non-zero difference is positive, -1 when every one is negative, 0 when
    there are none.
    """
    d = np.asarray(differences, dtype="float64")
    d = d[d != 0]
    if len(d) == 0:
        return 0.0
    from scipy import stats

    ranks = stats.rankdata(np.abs(d))
    t_plus, t_minus = ranks[d > 0].sum(), ranks[d < 0].sum()
    return float((t_plus - t_minus) / (t_plus + t_minus))


def wilcoxon_paired(differences: np.ndarray) -> tuple[float, float, str]:
    """Wilcoxon signed-rank test on paired differences: (statistic, p, method).

    Zero differences are dropped (Wilcoxon's convention); all zero -> (0, 1, "no
    differences"). Up to :data:`EXACT_MAX_N` non-zero differences the p-value is exact:
    scipy's exact distribution without ties, the exact conditional distribution
    (:func:`signed_rank_exact_p`) with ties; above, scipy's normal approximation with the
    tie correction. The statistic is scipy's: the smaller of the two rank sums.
    """
    d = np.round(np.asarray(differences, dtype="float64"), DECIMALS)
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return 0.0, 1.0, "no differences"
    from scipy import stats

    ties = len(np.unique(np.abs(d))) < n
    if n > EXACT_MAX_N:
        res = stats.wilcoxon(d, method="asymptotic")
        return float(res.statistic), float(res.pvalue), "normal approximation"
    if not ties:
        res = stats.wilcoxon(d, method="exact")
        return float(res.statistic), float(res.pvalue), "exact"
    res = stats.wilcoxon(d, method="asymptotic")
    return float(res.statistic), signed_rank_exact_p(d), "exact (ties)"


def min_detectable_change(
    differences: np.ndarray, alpha: float = ALPHA, power: float = POWER
) -> float:
    """Rough smallest mean change a paired test would usually detect (power ``power``).

    (z_{1-alpha/2} + z_power) x SD of the differences / sqrt(n x 3/pi): the paired t-test
    formula with n discounted by the Wilcoxon test's asymptotic efficiency. NaN below 2
    pairs. A rough guide, stated as "about" wherever it is shown.
    """
    d = np.asarray(differences, dtype="float64")
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return float("nan")
    from scipy import stats

    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(z * d.std(ddof=1) / np.sqrt(len(d) * WILCOXON_EFFICIENCY))


def mcnemar_exact(b: int, c: int) -> float:
    """Exact McNemar p-value: two-sided binomial test of ``c`` out of ``b + c`` at 1/2.

    ``b`` = pairs that went yes -> no, ``c`` = no -> yes; 1 when there are none.
    """
    if b + c == 0:
        return 1.0
    from scipy import stats

    return float(stats.binomtest(int(c), int(b + c), 0.5).pvalue)
