"""Tallies: the answers to the single-choice questions of one declared section, counted
(e.g. how entities manage their own footprint), with a chapter named by the block."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, declares

ANALYSIS = Analysis(
    "tallies",
    declares("tallies"),
    compute=f"{__name__}.compute:compute",
    chapters={"tallies": f"{__name__}.chapter:write_internal_management"},
    summary=f"{__name__}.chapter:summary_paragraphs",
    sheets={
        "internal_management": (
            "Internal management",
            "{tallies}: the answers to each question and the {plural} giving them.",
        ),
    },
)
