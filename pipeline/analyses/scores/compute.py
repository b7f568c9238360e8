"""The score matrix: each entity's scores as one row per entity (acronym), one column per
dimension, for the heat map and the workbook. The scores themselves come from
:func:`pipeline.score.score` (a stage of every run)."""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.analyses.common import acronym_map, score_matrix
from pipeline.registry import Registry


def heatmap_matrix(scores: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Entities x dimensions matrix of scores for the heatmap chart.

    In: ``scores``. Out: index = acronyms (name ``entity``), columns = dimension ids in the
    order they appear in ``scores`` (name ``dimension``), values = scores (NaN where not
    answered). Rows ordered by total score (NA counted as 0), highest first, then acronym.
    """
    matrix = score_matrix(scores)
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


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """The analysis' step in :func:`pipeline.analyses.analyse`: ``scores`` and ``heatmap``."""
    return {"scores": inp.scores, "heatmap": heatmap_matrix(inp.scores, inp.registry)}, {}
