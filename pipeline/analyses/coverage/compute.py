"""Coverage: per dimension, how many entities engage, how strongly, and who leads.

The survey's ``coverage`` section names the question that measures engagement (asked once
per dimension item), the choice from which an entity counts as *engaged* and the choice at
which it counts as *strong*. "At or above" compares the choices' declared scores (choices
without a score, such as "not applicable", are outside the order); a list without scores
is ordered as declared, weakest first.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.analyses.common import (
    acronym_map,
    coverage_fields,
    coverage_spec,
    engagement_positions,
    score_matrix,
    threshold_positions,
)
from pipeline.analyses.coverage.bootstrap import mean_interval
from pipeline.registry import Registry
from pipeline.spec import Survey

COVERAGE_COLUMNS = [
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
TOP_SCORERS = 3  # lead entities shown when nobody is at the strong level
MAX_LEADS = 6  # beyond this many strong entities, the highest scorers and a count of the rest


BOOTSTRAP_BATCH_VALUES = 1_000_000


def bootstrap_ci(
    values: np.ndarray, confidence: float, n_resamples: int, seed: int
) -> tuple[float, float]:
    """Bootstrap confidence interval of the mean of ``values`` (NaN dropped).

    BCa first; where BCa cannot be computed (degenerate data) the percentile method. All
    values equal -> (mean, mean); fewer than 2 values -> (NaN, NaN). The same seed always
    gives the same interval.
    """
    x = np.asarray(values, dtype="float64")
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return (np.nan, np.nan)
    if np.all(x == x[0]):
        return (float(x[0]), float(x[0]))
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                # resamples (and jackknife samples) a million values at a time: the
                # same interval, without an n_resamples x n array (n x n for BCa)
                low, high = mean_interval(
                    x,
                    confidence,
                    n_resamples,
                    method,
                    np.random.default_rng(seed),
                    batch=max(1, BOOTSTRAP_BATCH_VALUES // len(x)),
                )
            except (ValueError, FloatingPointError):
                continue
        if np.isfinite(low) and np.isfinite(high):
            return (float(low), float(high))
    return (np.nan, np.nan)


def coverage(
    scores: pd.DataFrame, submissions: pd.DataFrame, survey: Survey, registry: Registry
) -> pd.DataFrame:
    """Per dimension item: engagement counts, mean score with its bootstrap CI, leaders.

    In: ``scores`` (see :func:`pipeline.score.score`), ``Responses.submissions``.
    Out: one row per dimension item in declared order, columns ``dimension, label,
    n_engaged, n_strong, n_respondents, mean_score, ci_low, ci_high, lead_entities``:

    - ``n_respondents``: entities that answered the coverage question for the dimension
      (answers outside the order, such as "not applicable", left out);
    - ``n_engaged`` / ``n_strong``: those answering at or above ``engaged_at_least`` /
      ``strong`` (by the choices' scores when declared, else in declared order);
    - ``mean_score`` over the entities with a score (NA scores left out), with a bootstrap
      CI (``confidence``, ``bootstrap_resamples`` and ``seed`` from the survey);
    - ``lead_entities``: acronyms of the entities at the strong level (the first
      ``MAX_LEADS`` and a count of the rest when there are more), by score (high
      first) then acronym; when none is strong, the top scorers (up to 3, score above 0).
    """
    cov = coverage_spec(survey)
    fields = coverage_fields(survey)
    positions = engagement_positions(submissions, survey)
    engaged_at, strong_at = threshold_positions(survey) if fields else (0, 0)
    acronyms = acronym_map(registry, positions.index.to_series())
    score_by_dim = score_matrix(scores)
    rows = []
    for f in fields:
        dim = f.dimension or ""
        pos = positions[dim]
        strong_ids = pos.index[(pos >= strong_at).to_numpy()]
        dim_scores = (
            score_by_dim[dim] if dim in score_by_dim.columns else pd.Series(dtype="float64")
        )
        values = dim_scores.dropna().to_numpy(dtype="float64")
        low, high = bootstrap_ci(values, cov.confidence, cov.bootstrap_resamples, cov.seed)
        rows.append(
            {
                "dimension": dim,
                "label": survey.dimension_labels(f.dimension_set or "")[dim],
                "n_engaged": int((pos >= engaged_at).sum()),
                "n_strong": len(strong_ids),
                "n_respondents": int(pos.notna().sum()),
                "mean_score": float(values.mean()) if len(values) else np.nan,
                "ci_low": low,
                "ci_high": high,
                "lead_entities": _leaders(strong_ids, dim_scores, acronyms),
            }
        )
    out = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    return out.astype(
        {
            "dimension": "string",
            "label": "string",
            "n_engaged": "int64",
            "n_strong": "int64",
            "n_respondents": "int64",
            "mean_score": "float64",
            "ci_low": "float64",
            "ci_high": "float64",
            "lead_entities": "string",
        }
    )


def _leaders(strong_ids: pd.Index, dim_scores: pd.Series, acronyms: dict[str, str]) -> str:
    """Acronyms of the strong entities (or the top scorers), by score then acronym."""
    values = dim_scores.astype("float64")
    if len(strong_ids):
        ids = [str(i) for i in strong_ids]
        picked = values.reindex(ids).fillna(0.0).to_numpy()
    else:
        values = values[values > 0]
        ids, picked = [str(i) for i in values.index], values.to_numpy()
    frame = pd.DataFrame({"acronym": [acronyms.get(i, i) for i in ids], "score": picked})
    frame = frame.sort_values(["score", "acronym"], ascending=[False, True], kind="stable")
    if not len(strong_ids):
        frame = frame.head(TOP_SCORERS)
    names = frame["acronym"].astype(str).tolist()
    if len(names) > MAX_LEADS:
        return f"{', '.join(names[:MAX_LEADS])} and {len(names) - MAX_LEADS} more"
    return ", ".join(names)


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """The analysis' step in :func:`pipeline.analyses.analyse`: the ``coverage`` table."""
    return {"coverage": coverage(inp.scores, inp.submissions, inp.survey, inp.registry)}, {}
