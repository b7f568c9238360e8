"""Scores: each entity's score (0-1) and level per dimension, and the score matrix."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, AnalysisInput, Stats, Tables, declares


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    from pipeline.analysis.coverage import heatmap_matrix

    return {"scores": inp.scores, "heatmap": heatmap_matrix(inp.scores, inp.registry)}, {}


ANALYSIS = Analysis(
    "scores",
    declares("scoring"),
    compute=f"{__name__}:compute",
    charts="pipeline.report.charts:scores_charts",
    sheets={
        "scores": (
            "Scores",
            "Score (0-1) and level of each {noun} by {dim}, with the rule that made it.",
        ),
        "heatmap": (
            "Score matrix",
            "The scores as a matrix: one row per {noun} (acronym), one column per {dim}.",
        ),
    },
)
