"""Response: every invited entity, whether and when it answered, and the response rate."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, AnalysisInput, Stats, Tables, always


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    from pipeline.analysis.status import response_status

    invited = inp.invited if inp.invited is not None else inp.survey.model.invited
    status, stats = response_status(inp.submissions, inp.registry, invited)
    return {"response_status": status}, stats


ANALYSIS = Analysis(
    "response",
    always,
    compute=f"{__name__}:compute",
    charts="pipeline.report.charts:response_charts",
    sheets={
        "response_status": (
            "Response status",
            "Every {noun} invited: whether and when it responded, from which file.",
        ),
    },
)
