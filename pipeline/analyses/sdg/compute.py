"""SDG targets: which environment-related targets each entity reports contributing to.

The survey declares the targets as the choices of one multi-select question, each choice
with a ``group`` (its goal, e.g. ``sdg6``); the goals' labels come from a dimension set (or
choice list) whose ids are those groups. Nothing about the SDGs is written here: a survey
with another list of targets, or another grouping, works the same way.

- :func:`sdg_matrix`: entities x goals, how many of each goal's targets an entity chose
  (for the heat map);
- :func:`targets_table`: per target, how many entities chose it and which;
- :func:`unreported_targets`: the targets no responding entity chose;
- :func:`contributors`: for a survey that also declares ``coverage``, per dimension item
  and answer level of the coverage question above zero, the entities giving it.

:func:`compute` is the analysis' entry point in a run.
"""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.analyses.common import acronym_list
from pipeline.registry import Registry
from pipeline.spec import Choice, FormField, Survey

TARGET_COLUMNS = ["goal", "goal_label", "target", "label", "n_entities", "entities"]
CONTRIBUTOR_COLUMNS = ["dimension", "label", "level", "level_label", "n_entities", "entities"]


def sdg_question(survey: Survey, question: str | None = None) -> FormField:
    """The main-form multi-select field whose choices all carry a goal (``group``).

    ``question`` picks one by id when a survey has several. Raises ``ValueError`` when there
    is none (or several and no ``question``).
    """
    candidates = [
        f
        for f in survey.fields()
        if f.type == "select_multiple"
        and f.dimension is None
        and f.list_name
        and all(c.group for c in survey.choices(f.list_name))
        and (question is None or f.question == question)
    ]
    if len(candidates) != 1:
        found = ", ".join(f.name for f in candidates) or "none"
        raise ValueError(
            f"survey '{survey.id}': expected one multi-select question whose choices have a "
            f"group (the SDG goal); found {found}"
        )
    return candidates[0]


def sdg_targets(survey: Survey, question: str | None = None) -> list[Choice]:
    """The target choices of the SDG question, in declared order."""
    return list(survey.choices(sdg_question(survey, question).list_name or ""))


def goal_labels(survey: Survey, question: str | None = None) -> dict[str, str]:
    """goal id -> label, goals in the order their first target is declared.

    Labels come from the first dimension set (or choice list) whose ids include every goal;
    the goal id itself where there is none.
    """
    goals = list(dict.fromkeys(c.group or "" for c in sdg_targets(survey, question)))
    lists: list[dict[str, str]] = [
        survey.dimension_labels(name) for name in survey.model.dimension_sets
    ] + [survey.choice_labels(name) for name in survey.model.choices]
    for labels in lists:
        if set(goals) <= set(labels):
            return {g: labels[g] for g in goals}
    return {g: g for g in goals}


def _chosen(submissions: pd.DataFrame, field: str) -> pd.DataFrame:
    """entity_id, target: one row per target an entity chose (duplicates removed)."""
    if field not in submissions.columns or submissions.empty:
        return pd.DataFrame({"entity_id": [], "target": []}, dtype="string")
    text = submissions[["entity_id", field]].dropna()
    targets = text[field].astype("string").str.split().explode().dropna()
    out = pd.DataFrame(
        {"entity_id": text.loc[targets.index, "entity_id"].astype("string"), "target": targets}
    )
    return out.drop_duplicates().reset_index(drop=True).astype("string")


def _acronyms(registry: Registry | None, ids: pd.Series) -> pd.Series:
    known = registry.acronyms() if registry is not None else {}
    return ids.astype("string").map(lambda e: known.get(e, e)).astype("string")


def sdg_matrix(
    submissions: pd.DataFrame,
    survey: Survey,
    registry: Registry | None = None,
    question: str | None = None,
) -> pd.DataFrame:
    """Entities x SDG goals: how many of the goal's targets each entity chose.

    In: ``Responses.submissions``. Out: index ``entity`` (acronyms, every respondent, also
    those who chose no target), one integer column per goal id in declared order (name
    ``goal``); rows ordered by total targets (most first), then acronym. Choices that are
    not targets of the list are ignored.
    """
    field = sdg_question(survey, question)
    targets = sdg_targets(survey, question)
    goal_of = {c.name: c.group for c in targets}
    goals = list(goal_labels(survey, question))
    chosen = _chosen(submissions, field.name)
    chosen = chosen[chosen["target"].isin(list(goal_of))]
    entities = pd.unique(submissions["entity_id"].astype("string").dropna())
    counts = pd.crosstab(chosen["entity_id"], chosen["target"].map(goal_of))
    matrix = counts.reindex(index=entities, columns=goals, fill_value=0).fillna(0).astype("int64")
    matrix.index = pd.Index(_acronyms(registry, pd.Series(entities)), name="entity")
    matrix.columns = pd.Index(goals, name="goal")
    order = pd.DataFrame({"total": matrix.sum(axis=1).to_numpy(), "entity": matrix.index})
    order = order.sort_values(["total", "entity"], ascending=[False, True], kind="stable")
    return matrix.iloc[order.index.to_numpy()]


def targets_table(
    submissions: pd.DataFrame,
    survey: Survey,
    registry: Registry | None = None,
    question: str | None = None,
) -> pd.DataFrame:
    """Per declared target: its goal, how many responding entities chose it, and which.

    Out: :data:`TARGET_COLUMNS`, one row per target in declared order; ``entities`` holds
    acronyms, sorted, separated by ", " (empty when nobody chose the target).
    """
    field = sdg_question(survey, question)
    targets = sdg_targets(survey, question)
    labels = goal_labels(survey, question)
    chosen = _chosen(submissions, field.name)
    chosen = chosen.assign(acronym=_acronyms(registry, chosen["entity_id"]))
    by_target = chosen.groupby("target")["acronym"].agg(lambda s: ", ".join(sorted(set(s))))
    n = chosen.groupby("target")["entity_id"].nunique()
    out = pd.DataFrame(
        {
            "goal": [c.group for c in targets],
            "goal_label": [labels.get(c.group or "", c.group) for c in targets],
            "target": [c.name for c in targets],
            "label": [c.label for c in targets],
        }
    )
    out["n_entities"] = out["target"].map(n).fillna(0).astype("int64")
    out["entities"] = out["target"].map(by_target).fillna("")
    return out[TARGET_COLUMNS].astype({c: "string" for c in TARGET_COLUMNS if c != "n_entities"})


def unreported_targets(
    submissions: pd.DataFrame,
    survey: Survey,
    registry: Registry | None = None,
    question: str | None = None,
) -> pd.DataFrame:
    """The targets no responding entity chose: ``goal, goal_label, target, label``."""
    table = targets_table(submissions, survey, registry, question)
    return table.loc[table["n_entities"] == 0, TARGET_COLUMNS[:4]].reset_index(drop=True)


def sdg_tables(
    submissions: pd.DataFrame, survey: Survey, registry: Registry | None = None
) -> dict[str, pd.DataFrame]:
    """The SDG tables of a round, for the workbook and the charts: ``sdg_matrix`` (the
    matrix with ``entity`` as its first column), ``sdg_targets`` and ``sdg_unreported``.
    Empty dict when the survey has no SDG question."""
    try:
        sdg_question(survey)
    except ValueError:
        return {}
    return {
        "sdg_matrix": sdg_matrix(submissions, survey, registry).reset_index(),
        "sdg_targets": targets_table(submissions, survey, registry),
        "sdg_unreported": unreported_targets(submissions, survey, registry),
    }


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
                    "entities": acronym_list(who, registry),
                }
            )
    out = pd.DataFrame(rows, columns=CONTRIBUTOR_COLUMNS)
    return out.astype({c: "string" for c in CONTRIBUTOR_COLUMNS if c != "n_entities"}).astype(
        {"n_entities": "int64"}
    )


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """The SDG tables and, for a survey that declares ``coverage``, ``contributors``."""
    out = sdg_tables(inp.submissions, inp.survey, inp.registry)
    if inp.survey.model.coverage is not None:
        out["contributors"] = contributors(inp.submissions, inp.survey, inp.registry)
    return out, {}
