"""Tables of a synthesis survey: who contributes where, to which SDG targets, and how each
entity manages its own environmental footprint.

A survey gets these tables when it asks which SDG targets an entity contributes to (a
multi-select whose choices carry their goal as ``group``, see :mod:`pipeline.analysis.sdg`),
as the SWFS synthesis survey does:

- the SDG tables (:func:`pipeline.analysis.sdg.sdg_tables`): ``sdg_matrix``,
  ``sdg_targets``, ``sdg_unreported``;
- ``contributors`` (:func:`contributors`): per dimension item and answer level of the
  coverage question above zero, the entities giving it;
- ``internal_management`` (:func:`internal_management`): the answers to the single-choice
  questions of the section a survey declares under ``tallies:`` (e.g. SWFS: environmental
  management system, greenhouse-gas inventory, climate-neutral commitment), counted with
  the entities behind each answer; computed for any survey that declares ``tallies``.
"""

from __future__ import annotations

import pandas as pd

from pipeline.registry import Registry
from pipeline.spec import Survey

CONTRIBUTOR_COLUMNS = ["dimension", "label", "level", "level_label", "n_entities", "entities"]
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


def _acronym_list(ids: pd.Series, registry: Registry | None) -> str:
    known = registry.acronyms() if registry is not None else {}
    return ", ".join(sorted({known.get(str(e), str(e)) for e in ids.dropna()}, key=str.lower))


def contributors(
    submissions: pd.DataFrame, survey: Survey, registry: Registry | None = None
) -> pd.DataFrame:
    """Per dimension item, the entities at each level of the coverage question above zero.

    In: ``Responses.submissions``; the survey (its ``coverage.question``, asked per item of
    a dimension set, with scored choices). Out: :data:`CONTRIBUTOR_COLUMNS`, one row per
    item and level, items in declared order and levels from the highest score down;
    ``entities`` holds acronyms separated by ", " (sorted). Empty without coverage.
    """
    cov = survey.model.coverage
    fields = [f for f in survey.fields_of(cov.question) if f.repeat is None] if cov else []
    if not fields or not fields[0].choices:
        return pd.DataFrame(columns=CONTRIBUTOR_COLUMNS)
    choices = [c for c in survey.choices(fields[0].choices) if (c.score or 0) > 0]
    choices.sort(key=lambda c: -(c.score or 0))
    dim_labels = survey.dimension_labels(fields[0].dimension_set or "")
    rows = []
    for f in fields:
        if f.name not in submissions.columns:
            continue
        answers = submissions[f.name].astype("string")
        for c in choices:
            who = submissions.loc[(answers == c.name).fillna(False), "entity_id"]
            rows.append(
                {
                    "dimension": f.dimension,
                    "label": dim_labels.get(f.dimension or "", f.dimension),
                    "level": c.name,
                    "level_label": c.label,
                    "n_entities": int(who.nunique()),
                    "entities": _acronym_list(who, registry),
                }
            )
    out = pd.DataFrame(rows, columns=CONTRIBUTOR_COLUMNS)
    return out.astype({c: "string" for c in CONTRIBUTOR_COLUMNS if c != "n_entities"}).astype(
        {"n_entities": "int64"}
    )


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
                    "entities": _acronym_list(who, registry),
                }
            )
    out = pd.DataFrame(rows, columns=MANAGEMENT_COLUMNS)
    text = [c for c in MANAGEMENT_COLUMNS if c not in {"n_entities", "n_answered", "share"}]
    return out.astype(
        {c: "string" for c in text}
        | {"n_entities": "int64", "n_answered": "int64", "share": "float64"}
    )
