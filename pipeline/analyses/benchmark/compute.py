"""Benchmark surveys: how far each entity meets a common set of requirements.

:func:`analyse_requirements` runs the benchmark for a round: the entity x requirement
tables (:mod:`~pipeline.analyses.benchmark.answers`), adoption, benchmark, tiers and
maturity (:mod:`~pipeline.analyses.benchmark.adoption`), the groups of entities with
similar answers (:mod:`~pipeline.analyses.benchmark.clusters`) and the documentation
check (:func:`documentation_warnings`). Everything reads the names from
``survey.model.requirements`` and ``survey.model.maturity``; nothing is specific to ESS.
:func:`compute` is the analysis' entry point in a run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.analyses.benchmark.adoption import (
    TIERS,
    adoption_rates,
    benchmark,
    maturity_table,
    minimum_requirements,
    sensitivity,
    to_adopt,
)
from pipeline.analyses.benchmark.answers import (
    EPS,
    comparison_labels,
    comparison_matrix,
    requirement_scores,
    setup_of,
)
from pipeline.analyses.benchmark.clusters import cluster_drivers, cluster_entities
from pipeline.errors import Issue, IssueLog
from pipeline.registry import Registry
from pipeline.spec import Survey
from pipeline.tables import Responses

# -- data quality ----------------------------------------------------------------------


def documentation_warnings(frame: pd.DataFrame, survey: Survey, log: IssueLog) -> list[Issue]:
    """Warn where an entity answered the "mandatory" choice but cited no document.

    ``frame``: ``Responses.submissions`` (entity in ``entity_id``, file in
    ``source_file``) or the canonical ``RawRound.main`` (entity as written in the entity
    field, file in ``_source_file``, row in ``_source_row``). One warning
    ``requirement-undocumented`` per entity and requirement, naming both, with the
    document field as the column. The warnings are added to ``log`` and returned. Nothing
    is checked when the survey declares no ``document_question``, or for a document field
    the frame does not have.
    """
    setup = setup_of(survey)
    spec = setup.spec
    if not setup.document_fields or frame.empty:
        return []
    entity_col = "entity_id" if "entity_id" in frame.columns else survey.entity_field.name
    file_col = next((c for c in ("source_file", "_source_file") if c in frame.columns), None)
    row_col = next((c for c in ("_source_row", "source_row") if c in frame.columns), None)
    sheet_col = "_source_sheet" if "_source_sheet" in frame.columns else None
    mandatory_label = next(
        (c.label for c in setup.choices if c.name == spec.mandatory), spec.mandatory
    )
    issues: list[Issue] = []
    for req in setup.ids:
        cov_name, doc_name = setup.coverage_fields.get(req), setup.document_fields.get(req)
        if cov_name not in frame.columns or doc_name not in frame.columns:
            continue
        coverage = frame[cov_name].astype("string").str.strip()
        document = frame[doc_name].astype("string").str.strip()
        flagged = (coverage == spec.mandatory).fillna(False) & (
            document.isna() | (document == "")
        ).fillna(True)
        for pos in np.flatnonzero(flagged.to_numpy(dtype=bool)):
            record = frame.iloc[pos]
            entity = _text(record.get(entity_col)) or "(unknown entity)"
            issue = Issue(
                "warning",
                "requirement-undocumented",
                f"{entity} answered '{mandatory_label}' for '{setup.labels[req]}' but cited "
                f"no document; expected a document reference or URL in '{doc_name}'",
                file=_text(record.get(file_col)) if file_col else "",
                sheet=_text(record.get(sheet_col)) if sheet_col else "",
                row=_row_number(record.get(row_col)) if row_col else None,
                column=doc_name,
                entity=entity,
            )
            issues.append(issue)
    log.extend(issues)
    return issues


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _row_number(value: object) -> int | None:
    try:
        return int(float(_text(value)))
    except ValueError:
        return None


# -- the whole analysis ----------------------------------------------------------------


def analyse_requirements(
    responses: Responses, survey: Survey, registry: Registry, log: IssueLog
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Every benchmark table of a round, and the numbers the report quotes.

    Tables (flat DataFrames, see each function):

    - ``comparison_matrix``: ``acronym`` then one column per requirement (choice names),
      rows in dendrogram leaf order (the order of a clustered heatmap);
    - ``comparison_labels``: the same with choice and requirement labels;
    - ``adoption``, ``benchmark``, ``minimum_requirements``, ``sensitivity``,
      ``to_adopt``, ``maturity``;
    - ``clusters``: ``entity_id, acronym, cluster, leaf_position, n_answered,
      mean_score``, in leaf order;
    - ``cluster_drivers``: ``requirement, label, group, mean_cluster_<k>..., spread,
      kruskal_h, p_value, n`` for the 8 requirements that most separate the clusters.

    Stats (JSON-safe): ``n_compared, n_requirements, consensus_share,
    within_reach_margin, n_core, n_within_reach, n_aspirational, most_adopted,
    most_adopted_share, least_adopted, least_adopted_share`` (labels "; "-joined when
    tied), ``n_clusters, cophenetic_correlation`` (None when undefined),
    ``cluster_leaf_order`` (acronyms), ``cluster_linkage`` (the scipy linkage matrix as a
    list of rows; ``numpy.asarray`` of it feeds ``scipy.cluster.hierarchy.dendrogram``),
    ``n_undocumented``. Documentation warnings are added to ``log``.
    """
    setup = setup_of(survey)
    spec = setup.spec
    submissions = responses.submissions
    undocumented = documentation_warnings(submissions, survey, log)

    matrix = comparison_matrix(submissions, survey, registry)
    adoption = adoption_rates(submissions, survey)
    minimum = minimum_requirements(adoption, survey)

    profiles = requirement_scores(submissions, survey)
    acronyms = registry.acronyms()
    profiles.index = pd.Index([acronyms.get(e, e) for e in profiles.index], name="acronym")
    values = list(setup.scores.values())
    value_range = (max(values) - min(values)) if len(values) > 1 else 1.0
    result = cluster_entities(profiles, value_range=value_range or 1.0)
    by_acronym = {acronyms.get(e, e): e for e in submissions["entity_id"].astype(str)}
    clusters = result.membership.copy()
    clusters.insert(0, "entity_id", clusters["acronym"].map(by_acronym).astype("string"))
    drivers = cluster_drivers(profiles, clusters.set_index("acronym")["cluster"])
    drivers = drivers.rename(columns={"dimension": "requirement"})
    drivers.insert(1, "label", drivers["requirement"].map(setup.labels))
    group_of = dict(zip(setup.items["requirement"], setup.items["group"], strict=True))
    drivers.insert(2, "group", drivers["requirement"].map(group_of))

    leaf_matrix = matrix.loc[[a for a in result.leaf_order if a in matrix.index]]
    tables = {
        "comparison_matrix": leaf_matrix.reset_index(),
        "comparison_labels": comparison_labels(leaf_matrix, survey).reset_index(),
        "adoption": adoption,
        "benchmark": benchmark(submissions, survey, registry),
        "minimum_requirements": minimum,
        "sensitivity": sensitivity(adoption, survey),
        "to_adopt": to_adopt(submissions, minimum, survey, registry),
        "maturity": maturity_table(submissions, survey, registry),
        "clusters": clusters,
        "cluster_drivers": drivers,
    }
    tier_counts = minimum["tier"].value_counts()
    stats: dict[str, Any] = {
        "n_compared": len(submissions),
        "n_requirements": len(setup.ids),
        "consensus_share": spec.consensus_share,
        "within_reach_margin": spec.within_reach_margin,
        **{f"n_{t}": int(tier_counts.get(t, 0)) for t in TIERS},
        **_extremes(adoption),
        "n_clusters": result.n_clusters,
        "cophenetic_correlation": None if np.isnan(result.cophenetic) else result.cophenetic,
        "cluster_leaf_order": list(result.leaf_order),
        "cluster_linkage": result.linkage.tolist(),
        "n_undocumented": len(undocumented),
    }
    return tables, stats


def _extremes(adoption: pd.DataFrame) -> dict[str, Any]:
    """The most and least adopted requirements (labels, ties "; "-joined) and their shares."""
    shares = adoption["share_mandatory"].astype(float)
    if shares.notna().sum() == 0:
        return {
            "most_adopted": "",
            "most_adopted_share": None,
            "least_adopted": "",
            "least_adopted_share": None,
        }
    top, bottom = float(shares.max()), float(shares.min())
    return {
        "most_adopted": "; ".join(adoption.loc[(shares - top).abs() < EPS, "label"]),
        "most_adopted_share": top,
        "least_adopted": "; ".join(adoption.loc[(shares - bottom).abs() < EPS, "label"]),
        "least_adopted_share": bottom,
    }


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """The benchmark's tables and stats; its documentation warnings go to the run's log."""
    found = IssueLog()
    out, stats = analyse_requirements(
        _with_source_rows(inp.responses), inp.survey, inp.registry, found
    )
    if inp.log is not None:  # each documentation warning once, however often it was found
        known = set(inp.log.issues)
        inp.log.extend(i for i in found.issues if i not in known)
    return out, stats


def _with_source_rows(responses: Responses) -> Responses:
    """``responses`` whose submissions carry ``source_row`` (the row of the kept submission,
    from the tidy table), so that data-quality warnings can name the row."""
    subs, tidy = responses.submissions, responses.tidy
    if "source_row" in subs.columns or tidy is None or "source_row" not in tidy.columns:
        return responses
    rows = tidy.dropna(subset=["source_row"]).groupby("entity_id", observed=True)["source_row"].first()
    subs = subs.assign(source_row=subs["entity_id"].map(rows).astype("Int64"))
    return Responses(subs, responses.repeats, tidy)
