"""SDG contributions: for a survey with a multi-select question whose choices carry a goal
(the SDG targets), who contributes to which target and goal, the targets nobody reports,
and the contributors per dimension item."""

from __future__ import annotations

from pipeline.analyses.base import Analysis
from pipeline.spec import Survey


def switched_on(survey: Survey) -> bool:
    from pipeline.analyses.sdg.compute import sdg_question

    try:
        sdg_question(survey)
    except ValueError:
        return False
    return True


ANALYSIS = Analysis(
    "sdg",
    switched_on,
    compute=f"{__name__}.compute:compute",
    charts=f"{__name__}.charts:sdg_charts",
    chapters={
        "contributors": f"{__name__}.chapter:write_contributors",
        "sdg": f"{__name__}.chapter:write_sdg_chapter",
    },
    summary=f"{__name__}.chapter:summary_paragraphs",
    sheets={
        "contributors": (
            "Contributors",
            "Per {dim} and level of involvement: the {plural} reporting it.",
        ),
        "sdg_targets": (
            "SDG targets",
            "Per environment-related SDG target: how many {plural} contribute, and which.",
        ),
        "sdg_unreported": (
            "SDG targets unreported",
            "The SDG targets no responding {noun} reports contributing to.",
        ),
        "sdg_matrix": (
            "SDG matrix",
            "Per {noun} (acronym) and SDG goal: how many of the goal's targets it reports.",
        ),
    },
)
