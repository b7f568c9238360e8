"""A benchmark survey's declaration and its answers as entity x requirement tables.

A benchmark survey (a ``requirements:`` block, e.g. ESS) asks each entity, for every item of a
dimension set of *requirements*, how its own system covers it: a choice list with one
choice meaning "met" (``requirements.mandatory``), weaker ones, and possibly a choice
meaning "not applicable" that is left out of every denominator. :func:`setup_of` resolves
what the survey declares (``survey.model.requirements``) to fields and choices;
:func:`comparison_matrix`, :func:`comparison_labels` and :func:`requirement_scores` turn
``Responses.submissions`` into entity x requirement tables. Nothing is specific to ESS.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.registry import Registry
from pipeline.spec import Choice, Requirements, Survey

ITEM_COLUMNS = ["requirement", "label", "group", "group_label"]
EPS = 1e-9  # shares equal to a threshold up to float rounding count as reaching it


# -- the survey's declaration ---------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """What a benchmark survey declares, resolved to field names and choices."""

    spec: Requirements
    items: pd.DataFrame  # ITEM_COLUMNS, in report order
    coverage_fields: dict[str, str]  # requirement id -> field name
    document_fields: dict[str, str]
    choices: list[Choice]  # the coverage choice list, as declared
    engaged: list[str]  # choice names at least as strong as coverage.engaged_at_least

    @property
    def ids(self) -> list[str]:
        return self.items["requirement"].tolist()

    @property
    def labels(self) -> dict[str, str]:
        return dict(zip(self.items["requirement"], self.items["label"], strict=True))

    @property
    def scores(self) -> dict[str, float]:
        return {c.name: float(c.score) for c in self.choices if c.score is not None}


def setup_of(survey: Survey) -> Setup:
    spec = survey.model.requirements
    if spec is None:
        raise ValueError(f"survey '{survey.id}' declares no 'requirements' block")
    items = requirement_items(survey)
    coverage_fields = fields_by_dimension(survey, spec.coverage_question, spec.dimension_set)
    document_fields = (
        fields_by_dimension(survey, spec.document_question, spec.dimension_set)
        if spec.document_question
        else {}
    )
    list_name = survey.field(next(iter(coverage_fields.values()))).choices or ""
    choices = survey.choices(list_name)
    scores = {c.name: c.score for c in choices if c.score is not None}
    bar_name = survey.model.coverage.engaged_at_least if survey.model.coverage else spec.mandatory
    bar = scores.get(bar_name, scores.get(spec.mandatory, 1.0))
    engaged = [name for name, s in scores.items() if s >= bar - EPS]
    return Setup(spec, items, coverage_fields, document_fields, choices, engaged)


def fields_by_dimension(survey: Survey, question: str, dimension_set: str) -> dict[str, str]:
    fields = {
        f.dimension: f.name
        for f in survey.fields_of(question)
        if f.dimension_set == dimension_set and f.dimension
    }
    if not fields:
        raise ValueError(
            f"survey '{survey.id}': question '{question}' is not asked per item of '{dimension_set}'"
        )
    return fields


def requirement_items(survey: Survey) -> pd.DataFrame:
    """The requirements in report order: ``requirement, label, group, group_label``.

    Groups come in the order of ``requirements.groups``, then any other group in the order
    it first appears, then items without a group; within a group, the YAML order.
    """
    spec = survey.model.requirements
    if spec is None:
        raise ValueError(f"survey '{survey.id}' declares no 'requirements' block")
    items = survey.model.dimension_sets[spec.dimension_set].items
    group_order = list(spec.groups)
    for item in items:
        if item.group and item.group not in group_order:
            group_order.append(item.group)
    rank = {g: i for i, g in enumerate(group_order)}
    ordered = sorted(enumerate(items), key=lambda p: (rank.get(p[1].group or "", len(rank)), p[0]))
    return pd.DataFrame(
        {
            "requirement": [it.id for _, it in ordered],
            "label": [it.label for _, it in ordered],
            "group": pd.array([it.group for _, it in ordered], dtype="string"),
            "group_label": pd.array(
                [spec.groups.get(it.group, it.group) if it.group else None for _, it in ordered],
                dtype="string",
            ),
        }
    )


# -- answers as entity x requirement tables --------------------------------------------


def coverage_answers(submissions: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """Entity x requirement table of coverage choice names (string, <NA> when unanswered).

    Indexed by ``entity_id``, columns the requirement ids in report order. A value that is
    not a choice of the list (the validator reports those) counts as unanswered.
    """
    setup = setup_of(survey)
    return answer_frame(submissions, setup.coverage_fields, setup.ids, {c.name for c in setup.choices})


def answer_frame(
    submissions: pd.DataFrame,
    fields: dict[str, str],
    order: list[str],
    allowed: set[str] | None = None,
) -> pd.DataFrame:
    index = pd.Index(submissions["entity_id"].astype("string"), name="entity_id")
    columns = {}
    for dim in order:
        name = fields.get(dim)
        if name is None or name not in submissions.columns:
            values = pd.Series(pd.NA, index=range(len(submissions)), dtype="string")
        else:
            values = submissions[name].astype("string").str.strip().reset_index(drop=True)
            values = values.mask(values == "")
            if allowed is not None:
                values = values.where(values.isin(allowed))
        columns[dim] = values.to_numpy()
    return pd.DataFrame(columns, index=index, columns=order).astype("string")


def order_by_acronym(frame: pd.DataFrame, registry: Registry) -> tuple[pd.DataFrame, pd.Series]:
    """Rows sorted by acronym; returns the frame and its acronyms (aligned)."""
    acronyms = registry.acronyms()
    acr = pd.Series(
        [acronyms.get(str(e), str(e)) for e in frame.index], index=frame.index, dtype="string"
    )
    order = acr.str.casefold().sort_values(kind="stable").index
    return frame.loc[order], acr.loc[order]


def comparison_matrix(
    submissions: pd.DataFrame, survey: Survey, registry: Registry
) -> pd.DataFrame:
    """Entity x requirement matrix of coverage choice names.

    Index: the entities' acronyms (named ``acronym``), sorted; columns: requirement ids in
    report order (see :func:`requirement_items` for their labels and groups); values: the
    choice name (``mandatory``, ``guidance``, ...) or <NA> when unanswered.
    """
    answers = coverage_answers(submissions, survey)
    ordered, acr = order_by_acronym(answers, registry)
    ordered.index = pd.Index(acr.to_numpy(), name="acronym")
    return ordered


def comparison_labels(matrix: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """:func:`comparison_matrix` for a reader: choice labels as values, requirement labels
    as columns (same order), same index."""
    setup = setup_of(survey)
    choice_labels = {c.name: c.label for c in setup.choices}
    out = matrix.apply(lambda col: col.map(choice_labels)).astype("string")
    out.columns = [setup.labels.get(c, c) for c in matrix.columns]
    return out


def requirement_scores(submissions: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """Entity x requirement table of choice scores (float; NaN for "not applicable", for
    choices without a score, and when unanswered). Indexed by ``entity_id``."""
    setup = setup_of(survey)
    answers = coverage_answers(submissions, survey)
    scores = setup.scores
    return answers.apply(lambda col: col.map(scores)).astype(float)


