"""The draft joint work plan: one goal per gap, who would lead or contribute, their
projects and the preferred way of sharing knowledge (written as workplan.docx)."""

from __future__ import annotations

from pipeline.analyses.base import Analysis
from pipeline.spec import Survey


def switched_on(survey: Survey) -> bool:
    return survey.model.workplan is not None and survey.model.gaps is not None


ANALYSIS = Analysis(
    "workplan",
    switched_on,
    compute=f"{__name__}.compute:compute",
    sheets={
        "workplan": (
            "Work plan",
            "The draft joint work plan: one goal per gap, the {plural} that would lead (strongest "
            "engagement first) or contribute, their related projects, the preferred knowledge-sharing "
            "option; flag: no {noun} offers to lead.",
        ),
        "workplan_roles": (
            "Work plan roles",
            "Per goal: each {noun} that would lead or contribute, its engagement in the item and its related projects.",
        ),
    },
)
