"""Sentences on projects: how many, by whom, by status, and what desk research adds."""

from __future__ import annotations

import pandas as pd

from pipeline.report.words import Words
from pipeline.wording import agree, capitalise, join_names, plural


def projects_sentence(
    projects: pd.DataFrame,
    words: Words,
    status_labels: dict[str, str],
    collected: bool = True,
    section_label: str = "Projects",
    desk: dict | None = None,
    acronyms: dict[str, str] | None = None,
) -> str:
    """Number of projects, of reporting entities, and the split by status; or that the
    round did not collect them (``collected=False``: never "none were reported").

    Rows whose ``source`` is "desk" (a desk mapping, :mod:`pipeline.desk`) are counted
    apart: the survey's projects first, then the initiatives desk research adds, naming
    the entities that did not answer the survey (``desk``: the run's desk statistics)."""
    if not collected:
        return (
            f"{section_label} were not collected in this round: the survey exports analysed "
            "did not include them, so nothing is said here about them."
        )
    if projects is None or projects.empty:
        return "No projects were reported in this round."
    is_desk = (
        projects["source"].astype("string").eq("desk").fillna(False).astype(bool)
        if "source" in projects.columns
        else pd.Series(False, index=projects.index)
    )
    surveyed, found = projects[~is_desk], projects[is_desk]
    if surveyed.empty:
        text = "No projects were reported in the survey."
    else:
        n_entities = surveyed["entity_id"].nunique()
        counts = surveyed["status"].astype("string").fillna("unknown").value_counts()
        split = join_names(
            [f"{n} {status_labels.get(str(s), str(s)).lower()}" for s, n in counts.items()]
        )
        text = (
            f"{plural(len(surveyed), 'project was', 'projects were')} reported in the survey by "
            f"{plural(n_entities, words.entity, words.entities)} ({split})."
        )
    if found.empty and not (desk or {}).get("n_desk_matched"):
        return text
    desk = desk or {}
    acronyms = acronyms or {}
    only = [acronyms.get(e, e) for e in desk.get("desk_only_entities", [])]
    text += (
        f" Desk research adds {plural(len(found), 'initiative', 'initiatives')} of "
        f"{plural(found['entity_id'].nunique(), words.entity, words.entities)}"
    )
    if only:
        text += f", {join_names(only)} among them, which did not answer the survey"
    text += "."
    matched = int(desk.get("n_desk_matched") or 0)
    if matched:
        text += (
            f" {capitalise(agree(matched, 'initiative', 'initiatives'))} found by desk research "
            f"{'is' if matched == 1 else 'are'} also in the survey and counted once, as reported."
        )
    return text
