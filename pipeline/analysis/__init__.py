"""The computations of the analyses, as plain functions to call from a notebook
(``coverage``, ``find_gaps``, ``collaboration_network`` ...). :func:`analyse` (from
:mod:`pipeline.analyses`, the registry) runs every analysis a survey declares.
"""

from __future__ import annotations

from pipeline.analyses import analyse
from pipeline.analyses.benchmark.compute import analyse_requirements
from pipeline.analyses.coverage.compute import coverage
from pipeline.analyses.gaps.compute import activity_matrix, find_gaps, topic_coverage
from pipeline.analyses.links.compute import collaboration_network, profile_pairs
from pipeline.analyses.projects.inventory import project_inventory, project_summary
from pipeline.analyses.ranking.compute import knowledge_sharing_ranking
from pipeline.analyses.response.compute import response_status
from pipeline.analyses.scores.compute import heatmap_matrix
from pipeline.analyses.workplan.compute import work_plan

__all__ = [
    "activity_matrix",
    "analyse",
    "analyse_requirements",
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
    "work_plan",
]
