"""Scores: each entity's score (0-1) and level per dimension, and the score matrix."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, declares

ANALYSIS = Analysis(
    "scores",
    declares("scoring"),
    compute=f"{__name__}.compute:compute",
    charts=f"{__name__}.charts:scores_charts",
    method=f"{__name__}.chapter:method",
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
