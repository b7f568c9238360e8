"""Projects: the inventory of the projects entities report (merged with the desk
mapping when the round has one) and its summary; the "Projects" chapter and chart."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, declares

ANALYSIS = Analysis(
    "projects",
    declares("projects"),
    compute=f"{__name__}.compute:compute",
    charts=f"{__name__}.charts:projects_charts",
    chapters={"projects": f"{__name__}.chapter:write_projects"},
    summary=f"{__name__}.chapter:summary",
    sheets={
        "projects": (
            "Projects",
            "One row per project: reported in the survey (source survey) or found by desk research "
            "(source desk, with its source URL).",
        ),
        "desk_matches": (
            "Desk matches",
            "Desk-research initiatives matched to a project reported in the survey (same {noun}, "
            "similar title): counted once, as the survey's.",
        ),
        "project_summary": (
            "Project summary",
            "Projects and budgets by status, by {dim} and by region; n_desk: of them, found by desk research.",
        ),
    },
)
