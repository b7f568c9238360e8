"""Rankings: which options the respondents prefer, and how far they agree (Kendall's W).

A ``rank`` question expands into one integer field per option (``ks_rank_webinars``),
1 = most preferred. Kendall's coefficient of concordance W runs from 0 (no agreement
among raters) to 1 (every rater gives the same order).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.spec import Ranking, Survey

RANKING_COLUMNS = ["option", "label", "mean_rank", "median_rank", "n", "rank_order"]
AGREEMENT_WORDS = ((0.6, "strong"), (0.3, "moderate"), (0.0, "weak"))


def kendall_w(ranks: np.ndarray) -> dict[str, float]:
    """Kendall's W of a complete raters x options matrix, with the correction for ties.

    Each rater's values are re-ranked (average ranks for ties), then with m raters, n
    options, R_j the rank sum of option j and S = sum (R_j - mean R)^2:
    W = 12 S / (m^2 (n^3 - n) - m sum T_i), T_i = sum over rater i's tie groups of t^3 - t;
    chi2 = m (n - 1) W with n - 1 degrees of freedom.
    Out: ``kendall_w, chi2, p_value`` (NaN when fewer than 2 raters or 2 options, or when
    every rater ties every option).
    """
    r = np.asarray(ranks, dtype="float64")
    nan = {"kendall_w": np.nan, "chi2": np.nan, "p_value": np.nan}
    if r.ndim != 2 or r.shape[0] < 2 or r.shape[1] < 2 or np.isnan(r).any():
        return nan
    m, n = r.shape
    r = pd.DataFrame(r).rank(axis=1, method="average").to_numpy(dtype="float64")
    sums = r.sum(axis=0)
    s = float(((sums - sums.mean()) ** 2).sum())
    tie_counts = (r[:, :, None] == r[:, None, :]).sum(axis=2)  # size of each value's tie group
    ties = float((tie_counts**2 - 1).sum())  # sum over groups of t^3 - t
    denominator = m**2 * (n**3 - n) - m * ties
    if denominator <= 0:
        return nan
    w = min(max(12 * s / denominator, 0.0), 1.0)
    chi2 = m * (n - 1) * w
    # chi2's survival function, as scipy.stats.chi2.sf computes it (without importing
    # scipy.stats: 0.6 s of a round's rerun)
    from scipy.special import chdtrc

    return {"kendall_w": w, "chi2": chi2, "p_value": float(chdtrc(n - 1, chi2))}


def agreement_word(w: float) -> str:
    """weak (< 0.3), moderate (< 0.6) or strong; "" when W is not known."""
    if w is None or not np.isfinite(w):
        return ""
    return next(word for floor, word in AGREEMENT_WORDS if w >= floor)


def knowledge_sharing_ranking(
    submissions: pd.DataFrame, survey: Survey
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Preference order of the options of the survey's ``ranking.question``.

    In: ``Responses.submissions`` (one integer column per option, 1 = most preferred).
    Out: ``(table, stats)``. ``table``: ``option, label, mean_rank, median_rank, n``
    (raters who ranked the option), ``rank_order`` (1 = lowest mean rank; ties broken by
    median, then declared order; NA when nobody ranked it), sorted by rank_order.
    ``stats``: ``kendall_w, chi2, p_value`` over the raters who ranked every option,
    ``n_raters`` (those raters), ``n_options``, ``agreement`` (weak/moderate/strong) and
    ``n_raters_any`` (raters who ranked at least one option).
    """
    spec = _spec(survey)
    fields = [f for f in survey.fields_of(spec.question) if f.repeat is None]
    options = [f.dimension or f.name for f in fields]
    labels = survey.choice_labels(fields[0].dimension_set or "") if fields else {}
    matrix = pd.DataFrame(
        {
            opt: (
                pd.to_numeric(submissions[f.name], errors="coerce").astype("float64").to_numpy()
                if f.name in submissions.columns
                else np.full(len(submissions), np.nan)
            )
            for opt, f in zip(options, fields, strict=True)
        },
        columns=options,
    )
    table = pd.DataFrame(
        {
            "option": options,
            "label": [labels.get(o, o) for o in options],
            "mean_rank": matrix.mean().to_numpy(),
            "median_rank": matrix.median().to_numpy(),
            "n": matrix.notna().sum().to_numpy(),
            "declared": range(len(options)),
        }
    )
    table = table.sort_values(["mean_rank", "median_rank", "declared"], na_position="last")
    ranked = table["mean_rank"].notna().to_numpy()
    order = np.where(ranked, np.cumsum(ranked), 0)
    table["rank_order"] = pd.array(np.where(ranked, order, -1), dtype="Int64")
    table.loc[~ranked, "rank_order"] = pd.NA
    table = table.drop(columns="declared").reset_index(drop=True)
    table = table.astype(
        {
            "option": "string",
            "label": "string",
            "mean_rank": "float64",
            "median_rank": "float64",
            "n": "int64",
        }
    )
    complete = matrix.dropna()
    result = kendall_w(complete.to_numpy())
    summary: dict[str, Any] = {
        **result,
        "n_raters": len(complete),
        "n_options": len(options),
        "agreement": agreement_word(result["kendall_w"]),
        "n_raters_any": int(matrix.notna().any(axis=1).sum()),
    }
    return table[RANKING_COLUMNS], summary


def _spec(survey: Survey) -> Ranking:
    if survey.model.ranking is None:
        raise ValueError(f"survey '{survey.id}' declares no ranking section")
    return survey.model.ranking


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """The analysis' step in :func:`pipeline.analyses.analyse`."""
    ranking, agreement = knowledge_sharing_ranking(inp.submissions, inp.survey)
    return {"ranking": ranking}, {"ranking": agreement}
