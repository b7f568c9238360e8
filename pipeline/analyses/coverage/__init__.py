"""Coverage: per dimension, the entities engaged and strong, the mean score with its
bootstrap interval and the leading entities; the "Findings by dimension" chapter."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, declares

ANALYSIS = Analysis(
    "coverage",
    declares("coverage"),
    compute=f"{__name__}.compute:compute",
    charts=f"{__name__}.charts:coverage_charts",
    chapters={"findings": f"{__name__}.chapter:findings_chapter"},
    summary=f"{__name__}.chapter:summary",
    method=f"{__name__}.chapter:method",
    sheets={
        "coverage": (
            "Coverage",
            "Per {dim}: {plural} engaged and strongly engaged, mean score with its bootstrap "
            "confidence interval, leading {plural}.",
        ),
    },
)
