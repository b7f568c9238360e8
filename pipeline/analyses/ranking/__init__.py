"""Ranking: the options entities rank (e.g. ways of sharing knowledge), their mean and
median rank and how far the entities agree (Kendall's W)."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, declares

ANALYSIS = Analysis(
    "ranking",
    declares("ranking"),
    compute=f"{__name__}.compute:compute",
    charts=f"{__name__}.charts:ranking_charts",
    chapters={"ranking": f"{__name__}.chapter:ranking_chapter"},
    summary=f"{__name__}.chapter:summary",
    sheets={
        "ranking": ("Ranking", "Mean and median rank of each option (1 = most preferred)."),
        "ranking_stats": ("Ranking statistics", "Kendall's W of the rankings, with its test."),
    },
)
