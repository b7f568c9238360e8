"""Open answers: the declared themes found in the answers to text questions, counted per
entity, with excerpts that the analyst approves before the report quotes them."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, AnalysisInput, Stats, Tables, declares


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    from pipeline.analysis.themes import code_open_answers, merge_decisions, theme_counts

    coded = code_open_answers(inp.submissions, inp.survey)
    return {
        "open_answers": merge_decisions(coded, None),  # the run adds the analyst's decisions
        "theme_counts": theme_counts(coded, inp.survey, inp.registry.acronyms()),
    }, {}


ANALYSIS = Analysis(
    "themes",
    declares("open_answers"),
    compute=f"{__name__}:compute",
    charts="pipeline.report.themes_charts:theme_charts",
    chapters={"open_answers": "pipeline.report.themes_chapter:write_open_answers"},
    sheets={
        "theme_counts": (
            "Themes",
            "Open answers: the number of {plural} whose answer raises each declared theme.",
        ),
        "open_answers": (
            "Open answers",
            "Every answer to a themed text question (contact details masked), the themes found "
            "in it and the quoting decision (see excerpts.xlsx).",
        ),
    },
)
