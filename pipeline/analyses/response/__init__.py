"""Response: every invited entity, whether and when it answered, and the response rate."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, always

ANALYSIS = Analysis(
    "response",
    always,
    compute=f"{__name__}.compute:compute",
    charts=f"{__name__}.charts:response_charts",
    sheets={
        "response_status": (
            "Response status",
            "Every {noun} invited: whether and when it responded, from which file.",
        ),
    },
)
