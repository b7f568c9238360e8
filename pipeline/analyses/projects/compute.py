"""The projects analysis' step in :func:`pipeline.analyses.analyse`: the inventory and
its summary (:mod:`pipeline.analyses.projects.inventory`), merged with the round's desk
mapping when it has one (:mod:`pipeline.desk.merge`, which reads the inventory's helpers:
hence two modules)."""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.analyses.projects.inventory import project_inventory, project_summary


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """The analysis' step in :func:`pipeline.analyses.analyse`."""
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
