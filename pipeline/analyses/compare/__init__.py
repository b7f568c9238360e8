"""Round comparison: what changed since the round before (scores, yes/no answers,
coverage, ties), with the tests that tell change from noise. The run computes it when an
earlier round exists (``pipeline.run.add_comparison``); ``compare`` writes it on its own
(:mod:`pipeline.comparison`; the document by
:func:`~pipeline.analyses.compare.chapter.write_comparison_report`)."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, always

ANALYSIS = Analysis(
    "compare",
    always,  # draws and writes only when the run compared with an earlier round
    charts=f"{__name__}.charts:charts_for_run",
    chapters={"change": f"{__name__}.chapter:change_chapter"},
    sheets={
        "score_change": (
            "Change scores",
            "Per {dim}: mean score of the {plural} answering both rounds, then and now; Wilcoxon "
            "signed-rank test (p, method), rank-biserial effect size, whether the change can be "
            "told from noise, rough minimum detectable change.",
        ),
        "adoption_change": (
            "Change yes-no",
            "Per yes/no item: {plural} answering both rounds, yes then and now, switches yes->no (b) "
            "and no->yes (c), exact McNemar p, odds ratio, effect g, whether told from noise.",
        ),
        "coverage_change": (
            "Change coverage",
            "Per {dim}: all respondents of each round, {plural} engaged and mean score, then and now.",
        ),
        "movers": (
            "Change movers",
            "Per {dim}: the {plural} answering both rounds whose score changed most.",
        ),
        "network_change": (
            "Change network",
            "Collaboration ties between {plural} answering both rounds: kept, new, dropped.",
        ),
        "entity_pairing": (
            "Change pairing",
            "Each {noun} of either round: answered both, joined or left.",
        ),
        "comparable_questions": (
            "Comparable questions",
            "Each question of the two form versions: the earlier question it is compared with, whether, and why.",
        ),
        "comparable_dimensions": (
            "Comparable items",
            "Each dimension item of the two form versions: the earlier item it is compared with, whether, and why.",
        ),
    },
)
