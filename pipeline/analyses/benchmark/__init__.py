"""Requirements benchmark: how each entity's system covers a declared set of requirements
(comparison matrix, adoption, common minimum requirements, maturity, clusters). A survey
that declares it gets the benchmark's own report body (``body``) in place of the score
chapters."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, declares

ANALYSIS = Analysis(
    "benchmark",
    declares("requirements"),
    compute=f"{__name__}.compute:compute",
    charts=f"{__name__}.charts:make_requirement_charts",
    replaces_charts=frozenset({"heatmap", "coverage", "gaps"}),
    body=f"{__name__}.body:write_requirement_chapters",
    body_recommendations=f"{__name__}.body:requirement_report_recommendations",
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
