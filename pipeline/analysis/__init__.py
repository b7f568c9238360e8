"""The computations of the analyses, as plain functions to call from a notebook
(``coverage``, ``find_gaps``, ``collaboration_network`` ...). :func:`analyse` (from
:mod:`pipeline.analyses`, the registry) runs every analysis a survey declares.
"""

from __future__ import annotations

from pipeline.analyses import analyse
from pipeline.analysis.coverage import coverage, heatmap_matrix
from pipeline.analysis.gaps import activity_matrix, find_gaps, topic_coverage
from pipeline.analysis.links import collaboration_network, profile_pairs
from pipeline.analysis.projects import project_inventory, project_summary
from pipeline.analysis.ranking import knowledge_sharing_ranking
from pipeline.analysis.requirements import analyse_requirements
from pipeline.analysis.status import response_status
from pipeline.analysis.workplan import work_plan

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
