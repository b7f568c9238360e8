"""Gaps: the dimensions, topics and activities the system covers too thinly, each with
the reason and the evidence; the "Gaps" chapter and chart."""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.base import Analysis, AnalysisInput, Stats, Tables, declares


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    from pipeline.analysis.gaps import activity_matrix, find_gaps, topic_coverage

    spec = inp.survey.model.gaps
    assert spec is not None
    cov = tables.get("coverage", pd.DataFrame())
    out = {"gaps": find_gaps(cov, inp.submissions, inp.survey, inp.registry)}
    if spec.topics_question:
        out["topic_coverage"] = topic_coverage(inp.submissions, inp.survey, inp.registry)
    if spec.activities_question:
        out["activity_matrix"] = activity_matrix(inp.submissions, inp.survey)
    return out, {}


ANALYSIS = Analysis(
    "gaps",
    declares("gaps"),
    compute=f"{__name__}:compute",
    charts="pipeline.report.charts:gaps_charts",
    chapters={"gaps": "pipeline.report.docx_report:gaps_chapter"},
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
