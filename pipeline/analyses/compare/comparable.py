"""Round over round, steps 1 and 2: what of two survey versions can be compared, and
both rounds' answers rewritten on one footing (the earlier version's field names and
choices). Pure functions of the two survey definitions and the answer tables; see
:mod:`pipeline.analyses.compare.compute` for the statistics and the wiring."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from pipeline.spec import Question, Survey

SELECT_TYPES = {"select_one", "select_multiple", "rank"}
COMPARABLE_COLUMNS = ["new_question", "old_question", "type", "comparable", "reason"]
DIMENSION_COLUMNS = [
    "dimension_set",
    "new_dimension",
    "old_dimension",
    "label",
    "comparable",
    "reason",
]


# -- 1. what can be compared ----------------------------------------------------------------


@dataclass(frozen=True)
class QuestionMatch:
    """How one question of the new version relates to the earlier version."""

    new: Question | None
    old: Question | None
    comparable: bool
    reason: str
    value_map: dict[str, str] | None = None  # new choice -> old choice, for selects


def questions_by_id(survey: Survey) -> dict[str, Question]:
    return {q.id: q for s in survey.model.sections for q in s.questions}


def _section_of(survey: Survey) -> dict[str, str | None]:
    """question id -> the dimension set its section is asked per (or None)."""
    return {q.id: s.per_dimension for s in survey.model.sections for q in s.questions}


def _names(survey: Survey, q: Question) -> list[str]:
    return [c.name for c in survey.choices(q.choices or "")]


LIST_MAX = 5  # choices named in a reason; beyond, how many more (the form lists them all)


def _labels(survey: Survey, q: Question, names: list[str], limit: int | None = None) -> str:
    """Choices by their labels, as the form shows them: 'Yes', 'Partly'; beyond ``limit``
    names, the first ones and how many more there are in the form's choice list."""
    labels = survey.choice_labels(q.choices or "")
    shown = names if limit is None or len(names) <= limit else names[:limit]
    text = ", ".join(f"'{labels.get(n, n)}'" for n in shown)
    if len(shown) < len(names):
        text += f" and {len(names) - len(shown)} more (all in the form's choice list)"
    return text


# answer types in words, for the people who read why a question is not compared
TYPE_WORDS = {
    "select_one": "one choice",
    "select_multiple": "several choices",
    "integer": "a whole number",
    "decimal": "a number",
    "text": "text",
    "date": "a date",
}


def _type_words(kind: str) -> str:
    return TYPE_WORDS.get(kind, kind.replace("_", " "))


def _scores(survey: Survey, q: Question) -> dict[str, float | None]:
    return {c.name: c.score for c in survey.choices(q.choices or "")}


def form_version(survey: Survey) -> str:
    return survey.model.form_version


def same_version(old_survey: Survey, new_survey: Survey) -> bool:
    """Whether two survey definitions are the same version (same file or form_version).

    ``compare_with``, ``compare_map`` and ``comparable`` describe the change from the
    earlier version; between two rounds of one version every question is the same.
    """
    return (
        old_survey.sha256 == new_survey.sha256
        or old_survey.model.form_version == new_survey.model.form_version
    )


def _match_question(q: Question, old_survey: Survey, new_survey: Survey) -> QuestionMatch:
    old_qs = questions_by_id(old_survey)
    if same_version(old_survey, new_survey) and q.id in old_qs:
        names = _names(new_survey, q) if q.type in SELECT_TYPES else []
        return QuestionMatch(q, old_qs[q.id], True, "same question", {n: n for n in names} or None)
    target = q.compare_with or q.id
    old_q = old_qs.get(target)
    earlier = f"version {form_version(old_survey)}"
    if not q.comparable:
        return QuestionMatch(q, old_q, False, "declared not comparable: its meaning changed")
    if old_q is None:
        if q.compare_with:
            return QuestionMatch(
                q, None, False, f"the earlier question it names (compare_with) is not in {earlier}"
            )
        return QuestionMatch(q, None, False, f"new: not asked in {earlier}")
    renamed = "the same question under another name" if target != q.id else ""
    old_set, new_set = _section_of(old_survey)[old_q.id], _section_of(new_survey)[q.id]
    if (old_set is None) != (new_set is None):
        return QuestionMatch(q, old_q, False, "asked once in one version and per item in the other")
    if q.type not in SELECT_TYPES and old_q.type == q.type:
        return QuestionMatch(q, old_q, True, renamed or "same question")
    both_select = q.type in SELECT_TYPES and old_q.type in SELECT_TYPES
    if not both_select or (q.type != old_q.type and not q.compare_map):
        return QuestionMatch(
            q, old_q, False, f"answer changed from {_type_words(old_q.type)} to {_type_words(q.type)}"
        )
    new_names, old_names = _names(new_survey, q), _names(old_survey, old_q)
    prefix = f"{renamed}; " if renamed else ""
    if q.compare_map:
        valid = {k: v for k, v in q.compare_map.items() if k in new_names and v in old_names}
        bad = sorted(set(q.compare_map) - set(valid))
        if not valid:
            return QuestionMatch(q, old_q, False, f"{prefix}compare_map matches no choices")
        text = "; ".join(
            f"{_labels(new_survey, q, [k])} as {_labels(old_survey, old_q, [v])}" for k, v in valid.items()
        )
        reason = f"{prefix}answers read as the earlier ones: {text}"
        unmapped = [n for n in new_names if n not in valid]
        if unmapped:
            reason += f"; not compared: {_labels(new_survey, q, unmapped)}"
        if bad:
            reason += f"; {len(bad)} entries of the declared mapping name no choice and were ignored"
        return QuestionMatch(q, old_q, True, reason, valid)
    shared = [n for n in new_names if n in old_names]
    if not shared:
        return QuestionMatch(q, old_q, False, f"{prefix}no choice in common")
    identity = {n: n for n in shared}
    added = [n for n in new_names if n not in old_names]
    dropped = [n for n in old_names if n not in new_names]
    if not added and not dropped:
        notes = [renamed] if renamed else []
        old_scores, new_scores = _scores(old_survey, old_q), _scores(new_survey, q)
        if any(old_scores[n] != new_scores[n] for n in shared):
            notes.append(f"choice scores changed (compared with the {earlier} scores)")
        if shared != old_names:
            notes.append("choice order changed")
        return QuestionMatch(q, old_q, True, "; ".join(notes) or "same question", identity)
    reason = f"{prefix}choice list changed: compared on the {len(shared)} shared choices only"
    if added:
        reason += f"; new: {_labels(new_survey, q, added, LIST_MAX)}"
    if dropped:
        reason += f"; no longer offered: {_labels(old_survey, old_q, dropped, LIST_MAX)}"
    return QuestionMatch(q, old_q, True, reason, identity)


def question_matches(old_survey: Survey, new_survey: Survey) -> list[QuestionMatch]:
    """Every non-personal question of either version and how it compares.

    New-version questions first (in form order), then the earlier version's questions that
    no new question compares with (``new`` is None, not comparable).
    """
    out: list[QuestionMatch] = []
    claimed: set[str] = set()
    for q in questions_by_id(new_survey).values():
        if q.personal:
            continue
        m = _match_question(q, old_survey, new_survey)
        if m.old is not None:
            claimed.add(m.old.id)
        out.append(m)
    for q in questions_by_id(old_survey).values():
        if not q.personal and q.id not in claimed:
            out.append(
                QuestionMatch(
                    None, q, False, f"dropped: asked only in version {form_version(old_survey)}"
                )
            )
    return out


def comparable_questions(old_survey: Survey, new_survey: Survey) -> pd.DataFrame:
    """Which questions of ``new_survey`` can be compared with ``old_survey``, and why.

    Out: one row per non-personal question, columns ``new_question, old_question, type,
    comparable (bool), reason``. ``old_question`` is the id in the earlier version
    (``compare_with`` or the same id); questions only in the earlier version come last with
    ``new_question`` NA. A select whose choice list changed is comparable on the shared
    choices only (listed in ``reason``), or through its declared ``compare_map``.
    """
    rows = [
        {
            "new_question": m.new.id if m.new else None,
            "old_question": m.old.id if m.old else None,
            "type": (m.new or m.old).type,  # type: ignore[union-attr]
            "comparable": m.comparable,
            "reason": m.reason,
        }
        for m in question_matches(old_survey, new_survey)
    ]
    out = pd.DataFrame(rows, columns=COMPARABLE_COLUMNS)
    return out.astype(
        {c: "string" for c in COMPARABLE_COLUMNS if c != "comparable"} | {"comparable": "bool"}
    )


def comparable_dimensions(old_survey: Survey, new_survey: Survey) -> pd.DataFrame:
    """Which dimension items of ``new_survey`` can be compared with ``old_survey``.

    Out: columns ``dimension_set, new_dimension, old_dimension, label, comparable, reason``,
    one row per item of every dimension set of the new version (declared order), then the
    earlier version's items no new item compares with. An item compares with the earlier
    item of the same id or its ``compare_with``, unless declared ``comparable: false``.
    """
    rows: list[dict[str, Any]] = []
    earlier = f"version {form_version(old_survey)}"
    for set_name, dim_set in new_survey.model.dimension_sets.items():
        old_set = old_survey.model.dimension_sets.get(set_name)
        old_items = {i.id: i for i in old_set.items} if old_set else {}
        claimed: set[str] = set()
        same = same_version(old_survey, new_survey)
        for item in dim_set.items:
            target = item.id if same else (item.compare_with or item.id)
            old_item = old_items.get(target)
            if same and old_item is not None:
                ok, reason = True, "same item"
            elif not item.comparable:
                ok, reason = False, "declared not comparable: its scope changed"
            elif old_item is None:
                ok = False
                reason = (
                    f"the earlier item it names (compare_with) is not in {earlier}"
                    if item.compare_with
                    else f"new: not in {earlier}"
                )
            elif target != item.id or old_item.label != item.label:
                ok, reason = True, f"renamed from '{old_item.label}'"
            else:
                ok, reason = True, "same item"
            if old_item is not None:
                claimed.add(old_item.id)
            rows.append(
                {
                    "dimension_set": set_name,
                    "new_dimension": item.id,
                    "old_dimension": old_item.id if old_item else None,
                    "label": item.label,
                    "comparable": ok,
                    "reason": reason,
                }
            )
        for old_id, old_item in old_items.items():
            if old_id not in claimed:
                rows.append(
                    {
                        "dimension_set": set_name,
                        "new_dimension": None,
                        "old_dimension": old_id,
                        "label": old_item.label,
                        "comparable": False,
                        "reason": f"dropped: only in {earlier}",
                    }
                )
    out = pd.DataFrame(rows, columns=DIMENSION_COLUMNS)
    return out.astype(
        {c: "string" for c in DIMENSION_COLUMNS if c != "comparable"} | {"comparable": "bool"}
    )


def dimension_map(old_survey: Survey, new_survey: Survey, set_name: str) -> dict[str, str]:
    """new item id -> old item id, for the comparable items of one dimension set."""
    dims = comparable_dimensions(old_survey, new_survey)
    ok = dims[(dims["dimension_set"] == set_name) & dims["comparable"]]
    return dict(zip(ok["new_dimension"], ok["old_dimension"], strict=True))


# -- 2. on one footing -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldMatch:
    """One field of the new version and the earlier field it is compared with."""

    new_field: str
    old_field: str
    type: str  # the earlier field's type
    value_map: dict[str, str] | None  # new choice -> old choice (selects only)


def field_matches(old_survey: Survey, new_survey: Survey) -> list[FieldMatch]:
    """The comparable main-form fields, expanded per dimension item / rank option."""
    out: list[FieldMatch] = []
    old_fields = {(f.question, f.dimension): f for f in old_survey.fields()}
    dim_maps: dict[str, dict[str, str]] = {}
    for m in question_matches(old_survey, new_survey):
        if not (m.comparable and m.new and m.old):
            continue
        for f in new_survey.fields_of(m.new.id):
            if f.repeat is not None:
                continue
            old_dim = f.dimension
            if f.dimension is not None and f.dimension_set in new_survey.model.dimension_sets:
                if f.dimension_set not in dim_maps:
                    dim_maps[f.dimension_set] = dimension_map(
                        old_survey, new_survey, f.dimension_set or ""
                    )
                old_dim = dim_maps[f.dimension_set].get(f.dimension)
            elif f.dimension is not None:  # a rank option: compared when both list it
                old_dim = (m.value_map or {}).get(f.dimension)
            if f.dimension is not None and old_dim is None:
                continue
            old_f = old_fields.get((m.old.id, old_dim))
            if old_f is None:
                continue
            vmap = m.value_map if old_f.type in {"select_one", "select_multiple"} else None
            out.append(FieldMatch(f.name, old_f.name, old_f.type, vmap))
    return out


def _keep_tokens(text: object, mapping: dict[str, str], order: dict[str, int]) -> object:
    """A space-separated multi-select answer with each name mapped; unmapped names dropped."""
    if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
        return pd.NA
    kept = {mapping[t] for t in str(text).split() if t in mapping}
    return " ".join(sorted(kept, key=lambda t: order.get(t, len(order))))


def harmonise(
    submissions: pd.DataFrame, matches: list[FieldMatch], side: str, old_survey: Survey
) -> pd.DataFrame:
    """One round's answers rewritten in the earlier version's field names and choices.

    In: ``Responses.submissions`` of the round, the :func:`field_matches`, ``side`` ("old"
    or "new": which version the round was collected with). Out: ``entity_id`` plus one
    column per matched field, named as in the earlier version; select answers outside the
    shared (or mapped) choices become NA (a multi-select keeps its shared names only).
    """
    if side not in {"old", "new"}:
        raise ValueError("side must be 'old' or 'new'")
    data: dict[str, pd.Series] = {"entity_id": submissions["entity_id"].astype("string")}
    for m in matches:
        source = m.old_field if side == "old" else m.new_field
        if source not in submissions.columns:
            data[m.old_field] = pd.Series(pd.NA, index=submissions.index, dtype="string")
            continue
        values = submissions[source]
        if m.value_map is None:
            data[m.old_field] = values
            continue
        mapping = {v: v for v in m.value_map.values()} if side == "old" else dict(m.value_map)
        text = values.astype("string").str.strip()
        if m.type == "select_one":
            data[m.old_field] = text.map(mapping).astype("string")
        else:
            order = {
                c.name: i
                for i, c in enumerate(
                    old_survey.choices(old_survey.field(m.old_field).list_name or "")
                )
            }
            kept = text.map(partial(_keep_tokens, mapping=mapping, order=order))
            data[m.old_field] = kept.astype("string").replace("", pd.NA)
    return pd.DataFrame(data).reset_index(drop=True)
