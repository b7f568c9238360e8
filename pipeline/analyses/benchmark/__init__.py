"""Requirements benchmark: how each entity's system covers a declared set of requirements
(comparison matrix, adoption, common minimum requirements, maturity, clusters). A survey
that declares it gets the benchmark's own chapters in place of the score chapters."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, AnalysisInput, Stats, Tables, declares
from pipeline.errors import IssueLog
from pipeline.tables import Responses


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    from pipeline.analysis.requirements import analyse_requirements

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
    rows = tidy.dropna(subset=["source_row"]).groupby("entity_id")["source_row"].first()
    subs = subs.assign(source_row=subs["entity_id"].map(rows).astype("Int64"))
    return Responses(subs, responses.repeats, tidy)


ANALYSIS = Analysis(
    "benchmark",
    declares("requirements"),
    compute=f"{__name__}:compute",
    charts="pipeline.report.benchmark_charts:make_requirement_charts",
    replaces_charts=frozenset({"heatmap", "coverage", "gaps"}),
    sheets={
        "comparison_labels": (
            "Comparison matrix",
            "How each {noun} covers each requirement: one row per {noun} (in the order of the "
            "dendrogram), one column per requirement.",
        ),
        "comparison_matrix": (
            "Matrix (choice names)",
            "The comparison matrix with the answers' choice names and requirement ids, for analysis.",
        ),
        "adoption": (
            "Adoption",
            "Per requirement: how many {plural} give each answer, and the shares of those it applies "
            "to (not-applicable answers left out).",
        ),
        "benchmark": (
            "Benchmark",
            "Per {noun}: requirements applicable, mandatory and missing; share mandatory overall and per group.",
        ),
        "minimum_requirements": (
            "Minimum requirements",
            "Per requirement: its tier at the declared consensus share (core, within reach, "
            "aspirational) and how many more {plural} would make it core.",
        ),
        "sensitivity": (
            "Sensitivity",
            "The tiers at each consensus threshold, and what enters or leaves the core.",
        ),
        "to_adopt": (
            "To adopt",
            "Per {noun}: the core requirements it does not yet make mandatory.",
        ),
        "maturity": (
            "Maturity",
            "Per building block: {plural} at each maturity level, mean and median, and each {noun}'s score.",
        ),
        "clusters": ("Clusters", "Each {noun}'s group of similar answers, in dendrogram order."),
        "cluster_drivers": (
            "Cluster drivers",
            "The requirements that separate the groups most: mean score per group, Kruskal-Wallis test.",
        ),
    },
)
