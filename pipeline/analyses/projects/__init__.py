"""Projects: the inventory of the projects entities report (merged with the desk
mapping when the round has one) and its summary; the "Projects" chapter and chart."""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.base import Analysis, AnalysisInput, Stats, Tables, declares


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    from pipeline.analysis.projects import project_inventory, project_summary

    spec = inp.survey.model.projects
    assert spec is not None
    raw = inp.responses.repeats.get(spec.section, pd.DataFrame())
    out = {
        "projects": project_inventory(raw, inp.survey, inp.registry),
        "project_summary": project_summary(raw, inp.survey, inp.registry),
    }
    stats: Stats = {}
    if inp.desk is not None and len(inp.desk):
        from pipeline.desk.merge import merge_projects

        merged = merge_projects(out["projects"], inp.desk, inp.survey, inp.registry, inp.log)
        out["projects"], out["desk_matches"] = merged.projects, merged.matches
        out["project_summary"] = project_summary(merged.typed(raw), inp.survey, inp.registry)
        stats["desk"] = merged.stats(inp.submissions)
    return out, stats


ANALYSIS = Analysis(
    "projects",
    declares("projects"),
    compute=f"{__name__}:compute",
    charts="pipeline.report.charts:projects_charts",
    chapters={"projects": "pipeline.report.projects_chapter:write_projects"},
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
