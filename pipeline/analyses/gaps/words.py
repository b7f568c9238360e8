"""Sentences on gaps: how many, how many critical, their names by kind, and which gap rows
are about the survey's dimension set."""

from __future__ import annotations

import pandas as pd

from pipeline.report.words import Words
from pipeline.wording import join_names, plural


def dimension_gaps(gaps: pd.DataFrame | None, words: Words) -> pd.Series:
    """Which gap rows are about an item of the survey's dimension set (kind ``stage`` or
    the set's own name, or any kind but topic/activity whose dimension is one of the set's
    items), as a boolean mask."""
    if gaps is None or gaps.empty:
        return pd.Series(False, index=getattr(gaps, "index", None), dtype=bool)
    in_set = gaps["dimension"].isin(list(words.dimension_labels))
    kinds = {"stage", words.dimension_set}
    return gaps["kind"].isin(kinds) | (in_set & ~gaps["kind"].isin(["topic", "activity"]))


def kind_words(kind: str, words: Words) -> tuple[str, str]:
    """Singular and plural words for a gap kind: the dimension set, the survey's words for
    its topics and its activities (``report.topics`` / ``report.activities``)."""
    if kind == words.dimension_set:
        return words.dimension, words.dimensions
    return {
        "stage": (words.dimension, words.dimensions),
        "topic": words.topic,
        "activity": words.activity,
    }.get(kind, (kind, f"{kind}s"))


def gaps_sentence(gaps: pd.DataFrame, words: Words) -> str:
    """How many gaps, how many critical, and their names grouped by kind."""
    if gaps is None or gaps.empty:
        return "No gaps were found against the thresholds set in the survey definition."
    n_critical = int((gaps["severity"] == "critical").sum())
    parts = []
    for kind, group in gaps.groupby("kind", sort=False):
        names = join_names(group["label"].tolist(), limit=6)
        if kind == "activity":  # one row per dimension item missing some activities
            n = plural(len(group), words.dimension, words.dimensions)
            parts.append(f"{words.activity[1]} missing in {n} ({names})")
            continue
        one, many = kind_words(str(kind), words)
        parts.append(f"{plural(len(group), one, many)} ({names})")
    critical = f", {n_critical} of them critical" if n_critical else ""
    text = f"The analysis finds {plural(len(gaps), 'gap', 'gaps')}{critical}: {join_names(parts)}."
    if not dimension_gaps(gaps, words).any():
        text += f" No {words.dimension} falls below the thresholds."
    return text
