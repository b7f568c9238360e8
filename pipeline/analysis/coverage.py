"""Coverage: per dimension, how many entities engage, how strongly, and who leads.

The survey's ``coverage`` section names the question that measures engagement (asked once
per dimension item), the choice from which an entity counts as *engaged* and the choice at
which it counts as *strong*. "At or above" compares the choices' declared scores (choices
without a score, such as "not applicable", are outside the order); a list without scores
is ordered as declared, weakest first.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.registry import Registry
from pipeline.spec import Coverage, FormField, Survey

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


def acronym_map(registry: Registry | None, ids: pd.Series | list[str]) -> dict[str, str]:
    """entity id -> acronym for ``ids`` (the id itself where the registry does not know it)."""
    known = registry.acronyms() if registry is not None else {}
    return {
        str(i): known.get(str(i), str(i))
        for i in pd.unique(pd.Series(ids, dtype="string").dropna())
    }


def coverage_fields(survey: Survey) -> list[FormField]:
    """The fields of the coverage question, one per dimension item, in declared order."""
    cov = _spec(survey)
    return [f for f in survey.fields_of(cov.question) if f.dimension and f.repeat is None]


def engagement_positions(submissions: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """Where each entity's answer to the coverage question stands (see :func:`choice_ranks`).

    Out: index ``entity_id``, one column per dimension item, values = the answer's rank, NA
    where unanswered or answered outside the order (e.g. "not applicable").
    """
    fields = coverage_fields(survey)
    data = {}
    for f in fields:
        order = choice_ranks(survey, f.list_name or "")
        if f.name in submissions.columns:
            data[f.dimension] = (
                submissions[f.name].astype("string").str.strip().map(order).astype("float64")
            ).to_numpy()
        else:
            data[f.dimension] = np.full(len(submissions), np.nan)
    index = pd.Index(submissions["entity_id"].astype("string"), name="entity_id")
    return pd.DataFrame(data, index=index, columns=[f.dimension for f in fields])


def choice_ranks(survey: Survey, list_name: str) -> dict[str, float]:
    """Where each choice stands, weakest lowest: its ``score`` when the list declares scores
    (choices without a score, such as "not applicable", are then outside the order and left
    out), else its position in the declared order (0, 1, ...)."""
    choices = survey.choices(list_name)
    if any(c.score is not None for c in choices):
        return {c.name: float(c.score) for c in choices if c.score is not None}
    return {c.name: float(i) for i, c in enumerate(choices)}


def threshold_positions(survey: Survey) -> tuple[float, float]:
    """Ranks (see :func:`choice_ranks`) of ``engaged_at_least`` and ``strong``."""
    cov = _spec(survey)
    ranks = choice_ranks(survey, coverage_fields(survey)[0].list_name or "")
    missing = [c for c in (cov.engaged_at_least, cov.strong) if c not in ranks]
    if missing:
        raise ValueError(f"coverage threshold(s) {', '.join(missing)} have no score to compare by")
    return ranks[cov.engaged_at_least], ranks[cov.strong]


def threshold_labels(survey: Survey) -> tuple[str, str]:
    """Readable (lower-case) labels of the engaged and strong choices."""
    cov = _spec(survey)
    labels = survey.choice_labels(coverage_fields(survey)[0].list_name or "")
    return labels[cov.engaged_at_least].lower(), labels[cov.strong].lower()


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
                res = stats.bootstrap(
                    (x,),
                    np.mean,
                    n_resamples=n_resamples,
                    confidence_level=confidence,
                    method=method,
                    vectorized=True,
                    # resamples (and jackknife samples) a million values at a time:
                    # the same interval, without an n_resamples x n array (n x n for BCa)
                    batch=max(1, BOOTSTRAP_BATCH_VALUES // len(x)),
                    **_rng_kwarg(seed),
                )
            except (ValueError, FloatingPointError):
                continue
        low, high = res.confidence_interval.low, res.confidence_interval.high
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
    cov = _spec(survey)
    fields = coverage_fields(survey)
    positions = engagement_positions(submissions, survey)
    engaged_at, strong_at = threshold_positions(survey) if fields else (0, 0)
    acronyms = acronym_map(registry, positions.index.to_series())
    score_by_dim = _score_matrix(scores)
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


def heatmap_matrix(scores: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Entities x dimensions matrix of scores for the heatmap chart.

    In: ``scores``. Out: index = acronyms (name ``entity``), columns = dimension ids in the
    order they appear in ``scores`` (name ``dimension``), values = scores (NaN where not
    answered). Rows ordered by total score (NA counted as 0), highest first, then acronym.
    """
    matrix = _score_matrix(scores)
    if matrix.empty:
        return pd.DataFrame(index=pd.Index([], name="entity", dtype="string"))
    acronyms = acronym_map(registry, matrix.index.to_series())
    matrix.index = pd.Index([acronyms[i] for i in matrix.index], name="entity", dtype="string")
    order = pd.DataFrame(
        {"total": matrix.fillna(0.0).sum(axis=1).round(9).to_numpy(), "acronym": matrix.index}
    ).sort_values(["total", "acronym"], ascending=[False, True])
    out = matrix.iloc[order.index.to_numpy()]
    out.columns.name = "dimension"
    return out


def _score_matrix(scores: pd.DataFrame) -> pd.DataFrame:
    """scores (long) -> entity_id x dimension, dimensions in order of first appearance."""
    if scores.empty:
        return pd.DataFrame(index=pd.Index([], name="entity_id", dtype="string"))
    dims = list(pd.unique(scores["dimension"]))
    matrix = scores.pivot(index="entity_id", columns="dimension", values="score")
    matrix = matrix.reindex(columns=dims).astype("float64")
    matrix.columns = pd.Index([str(d) for d in dims], name="dimension")
    return matrix


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


def _spec(survey: Survey) -> Coverage:
    if survey.model.coverage is None:
        raise ValueError(f"survey '{survey.id}' declares no coverage section")
    return survey.model.coverage


def _rng_kwarg(seed: int) -> dict[str, np.random.Generator]:
    """scipy >= 1.15 takes ``rng``; older versions ``random_state``."""
    name = "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"
    return {name: np.random.default_rng(seed)}
