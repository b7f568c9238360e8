"""Helpers several analyses share (survey-blind): entity acronyms, the coverage question's
fields, where each entity's engagement answer stands on its scale, the scale's thresholds,
and the entity x dimension score matrix.

Coverage, gaps, links, projects, the score matrix and the work plan read these; each
analysis' own computation stays in its folder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.registry import Registry
from pipeline.spec import Coverage, FormField, Survey


def acronym_map(registry: Registry | None, ids: pd.Series | list[str]) -> dict[str, str]:
    """entity id -> acronym for ``ids`` (the id itself where the registry does not know it)."""
    known = registry.acronyms() if registry is not None else {}
    return {
        str(i): known.get(str(i), str(i))
        for i in pd.unique(pd.Series(ids, dtype="string").dropna())
    }



def acronym_list(ids: pd.Series, registry: Registry | None) -> str:
    """The acronyms of the entities ``ids``, each once, sorted (case-blind), joined by ", "."""
    known = registry.acronyms() if registry is not None else {}
    return ", ".join(sorted({known.get(str(e), str(e)) for e in ids.dropna()}, key=str.lower))

def coverage_fields(survey: Survey) -> list[FormField]:
    """The fields of the coverage question, one per dimension item, in declared order."""
    cov = coverage_spec(survey)
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
    cov = coverage_spec(survey)
    ranks = choice_ranks(survey, coverage_fields(survey)[0].list_name or "")
    missing = [c for c in (cov.engaged_at_least, cov.strong) if c not in ranks]
    if missing:
        raise ValueError(f"coverage threshold(s) {', '.join(missing)} have no score to compare by")
    return ranks[cov.engaged_at_least], ranks[cov.strong]


def threshold_labels(survey: Survey) -> tuple[str, str]:
    """Readable (lower-case) labels of the engaged and strong choices."""
    cov = coverage_spec(survey)
    labels = survey.choice_labels(coverage_fields(survey)[0].list_name or "")
    return labels[cov.engaged_at_least].lower(), labels[cov.strong].lower()


def score_matrix(scores: pd.DataFrame) -> pd.DataFrame:
    """scores (long) -> entity_id x dimension, dimensions in order of first appearance."""
    if scores.empty:
        return pd.DataFrame(index=pd.Index([], name="entity_id", dtype="string"))
    dims = list(pd.unique(scores["dimension"]))
    matrix = scores.pivot(index="entity_id", columns="dimension", values="score")
    matrix = matrix.reindex(columns=dims).astype("float64")
    matrix.columns = pd.Index([str(d) for d in dims], name="dimension")
    return matrix


def coverage_spec(survey: Survey) -> Coverage:
    if survey.model.coverage is None:
        raise ValueError(f"survey '{survey.id}' declares no coverage section")
    return survey.model.coverage
