"""Open answers: the declared themes found in the answers to text questions, counted per
entity, with excerpts that the analyst approves before the report quotes them."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, declares

ANALYSIS = Analysis(
    "themes",
    declares("open_answers"),
    compute=f"{__name__}.compute:compute",
    charts=f"{__name__}.charts:theme_charts",
    chapters={"open_answers": f"{__name__}.chapter:write_open_answers"},
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
