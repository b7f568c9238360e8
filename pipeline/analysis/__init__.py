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
from pipeline.analysis.requirements import analyse_requirements
from pipeline.analysis.status import response_status
from pipeline.analysis.synthesis import synthesis_tables
from pipeline.analysis.workplan import work_plan
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.score import score
from pipeline.spec import Survey
from pipeline.tables import Responses

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


def analyse(
    responses: Responses,
    survey: Survey,
    registry: Registry,
    invited: list[str] | None = None,
    log: IssueLog | None = None,
    desk: pd.DataFrame | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Score and analyse one round.

    In: the normalised ``responses``, the survey definition, the registry, optionally
    the ids of the invited entities (default: the survey's ``invited`` list, else the whole registry) and the run's data-quality
    ``log`` (the benchmark's documentation warnings go there; each only once) and the
    round's desk mapping (``desk``, rows read by :mod:`pipeline.desk.read`; merged with
    the projects, each match named in ``log``).
    Out: ``(tables, stats)``. ``tables`` holds, when the survey declares what they need:
    ``scores, heatmap`` (scoring), ``coverage`` (coverage), ``gaps, topic_coverage,
    activity_matrix`` (gaps), ``network_nodes, network_edges, pairs`` (links; pairs also
    needs scoring), ``projects, project_summary`` (projects), ``ranking`` (ranking), the
    tables of :func:`analyse_requirements` (``requirements``: comparison_matrix, adoption,
    benchmark, minimum_requirements, sensitivity, to_adopt, maturity, clusters ...), the
    tables of :func:`~pipeline.analysis.synthesis.synthesis_tables` for a survey with an
    SDG-target question (``sdg_matrix, sdg_targets, sdg_unreported, contributors,
    internal_management``), and always ``response_status``. ``stats``: ``response_rate, n_respondents, n_invited,
    uninvited``, ``network`` / ``ranking`` dicts when those analyses ran, and the
    benchmark's numbers (``n_core``, ``cluster_linkage`` ...) for a requirements survey.
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
        tables["project_summary"] = project_summary(raw_projects, survey, registry)
        if desk is not None and len(desk):
            from pipeline.desk.merge import merge_projects

            merged = merge_projects(tables["projects"], desk, survey, registry, log)
            tables["projects"], tables["desk_matches"] = merged.projects, merged.matches
            tables["project_summary"] = project_summary(
                merged.typed(raw_projects), survey, registry
            )
            stats["desk"] = merged.stats(subs)
    if model.ranking is not None:
        tables["ranking"], stats["ranking"] = knowledge_sharing_ranking(subs, survey)
    if model.requirements is not None:
        found = IssueLog()
        req_tables, req_stats = analyse_requirements(
            _with_source_rows(responses), survey, registry, found
        )
        tables.update(req_tables)
        stats.update(req_stats)
        if log is not None:
            known = set(log.issues)
            log.extend(i for i in found.issues if i not in known)
    if model.workplan is not None and "gaps" in tables:
        tables["workplan"], tables["workplan_roles"] = work_plan(
            tables["gaps"], subs, survey, registry, tables.get("projects"), tables.get("ranking")
        )
    tables.update(synthesis_tables(subs, survey, registry))  # SDG targets, tallies
    if model.open_answers is not None:
        from pipeline.analysis.themes import code_open_answers, merge_decisions, theme_counts

        coded = code_open_answers(subs, survey)
        tables["open_answers"] = merge_decisions(coded, None)  # the run adds the decisions
        tables["theme_counts"] = theme_counts(coded, survey, registry.acronyms())
    invited = invited if invited is not None else model.invited
    tables["response_status"], status = response_status(subs, registry, invited)
    stats.update(status)
    return tables, stats


def _with_source_rows(responses: Responses) -> Responses:
    """``responses`` whose submissions carry ``source_row`` (the row of the kept submission,
    from the tidy table), so that data-quality warnings can name the row."""
    subs, tidy = responses.submissions, responses.tidy
    if "source_row" in subs.columns or tidy is None or "source_row" not in tidy.columns:
        return responses
    rows = tidy.dropna(subset=["source_row"]).groupby("entity_id")["source_row"].first()
    subs = subs.assign(source_row=subs["entity_id"].map(rows).astype("Int64"))
    return Responses(subs, responses.repeats, tidy)
