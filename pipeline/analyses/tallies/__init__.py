"""Tallies: the answers to the single-choice questions of one declared section, counted
(e.g. how entities manage their own footprint), with a chapter named by the block."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, AnalysisInput, Stats, Tables, declares


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    from pipeline.analysis.synthesis import internal_management

    spec = inp.survey.model.tallies
    assert spec is not None
    return {
        "internal_management": internal_management(
            inp.submissions, inp.survey, inp.registry, spec.section
        )
    }, {}


ANALYSIS = Analysis(
    "tallies",
    declares("tallies"),
    compute=f"{__name__}:compute",
    chapters={"tallies": "pipeline.report.sdg_chapters:write_internal_management"},
    sheets={
        "internal_management": (
            "Internal management",
            "{tallies}: the answers to each question and the {plural} giving them.",
        ),
    },
)
