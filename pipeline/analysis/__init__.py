"""Analysis: pure functions from the normalised responses to the tables of the report.

:func:`analyse` runs every analysis the survey's definition declares (a survey without a
``ranking`` section gets no ranking table) and returns the tables by name, as pinned in
docs/architecture.md, with the scalar statistics beside them. Each step is also a
function of its own (``coverage``, ``find_gaps``, ``collaboration_network`` ...) to call
from a notebook.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.analysis.coverage import coverage, heatmap_matrix
from pipeline.analysis.gaps import activity_matrix, find_gaps, topic_coverage
from pipeline.analysis.links import collaboration_network, profile_pairs
from pipeline.analysis.projects import project_inventory, project_summary
from pipeline.analysis.ranking import knowledge_sharing_ranking
from pipeline.analysis.status import response_status
from pipeline.registry import Registry
from pipeline.score import score
from pipeline.spec import Survey
from pipeline.tables import Responses

__all__ = [
    "activity_matrix",
    "analyse",
    "collaboration_network",
    "coverage",
    "find_gaps",
    "heatmap_matrix",
    "knowledge_sharing_ranking",
    "profile_pairs",
    "project_inventory",
    "project_summary",
    "response_status",
    "topic_coverage",
]


def analyse(
    responses: Responses, survey: Survey, registry: Registry, invited: list[str] | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Score and analyse one round.

    In: the normalised ``responses``, the survey definition, the registry, and optionally
    the ids of the invited entities (default: the whole registry).
    Out: ``(tables, stats)``. ``tables`` holds, when the survey declares what they need:
    ``scores, heatmap`` (scoring), ``coverage`` (coverage), ``gaps, topic_coverage,
    activity_matrix`` (gaps), ``network_nodes, network_edges, pairs`` (links; pairs also
    needs scoring), ``projects, project_summary`` (projects), ``ranking`` (ranking), and
    always ``response_status``. ``stats``: ``response_rate, n_respondents, n_invited,
    uninvited``, and ``network`` / ``ranking`` dicts when those analyses ran.
    """
    model = survey.model
    subs = responses.submissions
    tables: dict[str, pd.DataFrame] = {}
    stats: dict[str, Any] = {}

    scores = score(subs, survey)
    if model.scoring is not None:
        tables["scores"] = scores
        tables["heatmap"] = heatmap_matrix(scores, registry)
    if model.coverage is not None:
        tables["coverage"] = coverage(scores, subs, survey, registry)
    if model.gaps is not None:
        cov = tables.get("coverage", pd.DataFrame())
        tables["gaps"] = find_gaps(cov, subs, survey, registry)
        if model.gaps.topics_question:
            tables["topic_coverage"] = topic_coverage(subs, survey, registry)
        if model.gaps.activities_question:
            tables["activity_matrix"] = activity_matrix(subs, survey)
    if model.links is not None:
        nodes, edges, network = collaboration_network(subs, survey, registry)
        tables["network_nodes"], tables["network_edges"] = nodes, edges
        stats["network"] = network
        if model.scoring is not None:
            tables["pairs"] = profile_pairs(scores, survey, registry)
    if model.projects is not None:
        raw_projects = responses.repeats.get(model.projects.section, pd.DataFrame())
        tables["projects"] = project_inventory(raw_projects, survey, registry)
        tables["project_summary"] = project_summary(raw_projects, survey)
    if model.ranking is not None:
        tables["ranking"], stats["ranking"] = knowledge_sharing_ranking(subs, survey)
    tables["response_status"], status = response_status(subs, registry, invited)
    stats.update(status)
    return tables, stats
