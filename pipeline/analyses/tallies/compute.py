"""Tallies: the answers to the single-choice questions of the section a survey declares
under ``tallies:`` (e.g. how each entity manages its own environmental footprint: an
environmental management system, a greenhouse-gas inventory, a climate-neutral commitment),
counted with the entities behind each answer (:func:`internal_management`, the table
``internal_management``). :func:`compute` is the analysis' entry point in a run.
"""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.analyses.common import acronym_list
from pipeline.registry import Registry
from pipeline.spec import Survey

MANAGEMENT_COLUMNS = [
    "question",
    "label",
    "answer",
    "answer_label",
    "n_entities",
    "n_answered",
    "share",
    "entities",
]


def internal_management(
    submissions: pd.DataFrame,
    survey: Survey,
    registry: Registry | None,
    section: str,
) -> pd.DataFrame:
    """The answers to the single-choice questions of one section, counted.

    In: ``Responses.submissions``; the id of the section (``tallies.section``). Out:
    :data:`MANAGEMENT_COLUMNS`: one row per question and declared choice (form order):
    ``n_entities`` giving that answer, ``n_answered`` (entities answering the question),
    ``share`` = n_entities / n_answered (NA when nobody answered), ``entities`` (acronyms).
    Empty when the survey has no such section.
    """
    sec = next((s for s in survey.model.sections if s.id == section), None)
    if sec is None:
        return pd.DataFrame(columns=MANAGEMENT_COLUMNS)
    rows = []
    for q in sec.questions:
        if q.type != "select_one" or q.personal or q.id not in submissions.columns:
            continue
        answers = submissions[q.id].astype("string")
        answered = int(answers.notna().sum())
        for c in survey.choices(q.choices or ""):
            who = submissions.loc[(answers == c.name).fillna(False), "entity_id"]
            rows.append(
                {
                    "question": q.id,
                    "label": q.label,
                    "answer": c.name,
                    "answer_label": c.label,
                    "n_entities": int(who.nunique()),
                    "n_answered": answered,
                    "share": who.nunique() / answered if answered else float("nan"),
                    "entities": acronym_list(who, registry),
                }
            )
    out = pd.DataFrame(rows, columns=MANAGEMENT_COLUMNS)
    text = [c for c in MANAGEMENT_COLUMNS if c not in {"n_entities", "n_answered", "share"}]
    return out.astype(
        {c: "string" for c in text}
        | {"n_entities": "int64", "n_answered": "int64", "share": "float64"}
    )


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """``internal_management``: the declared section's answers, counted."""
    spec = inp.survey.model.tallies
    assert spec is not None  # the analysis runs only for a survey that declares tallies
    return {
        "internal_management": internal_management(
            inp.submissions, inp.survey, inp.registry, spec.section
        )
    }, {}
