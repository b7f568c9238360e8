"""Gaps: the dimensions, topics and activities the system covers too thinly, each with
the reason and the evidence; the "Gaps" chapter and chart."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, declares

ANALYSIS = Analysis(
    "gaps",
    declares("gaps"),
    compute=f"{__name__}.compute:compute",
    charts=f"{__name__}.charts:gaps_charts",
    chapters={"gaps": f"{__name__}.chapter:gaps_chapter"},
    summary=f"{__name__}.chapter:summary",
    method=f"{__name__}.chapter:method",
    sheets={
        "gaps": (
            "Gaps",
            "System gaps: each {dim}, {topic} or set of {activities} found weak, with the reason and evidence.",
        ),
        "topic_coverage": (
            "Topic coverage",
            "Per {topic}: how many {plural} {topic_verb} it, and which.",
        ),
        "activity_matrix": (
            "Activities",
            "Per {dim}: how many {plural} report each of the {activities}.",
        ),
    },
)
