"""Answers -> scores: one score in [0, 1] per entity x dimension, traceable to the survey.

The survey's ``scoring`` section declares the rule: a dimension set, weighted components
(each a question asked once per dimension item) and the levels a score falls into. Two
methods turn a component's answer into a value in [0, 1]:

- ``choice_score``: the declared ``score`` of the chosen choice (``moderate`` -> 0.67);
- ``selected_share``: how many options were selected, over ``full_at`` (default: all
  options), capped at 1.

An unanswered component counts as 0, unless every component of that entity x dimension is
unanswered: then the score is NA (the entity said nothing about the dimension).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.numbers import plain
from pipeline.spec import FormField, ScoreComponent, Survey

SCORE_COLUMNS = ["entity_id", "dimension", "score", "level", "rule"]
DECIMALS = 9  # scores are rounded to remove float noise before levels are assigned


def selected_choices(values: pd.Series) -> pd.Series:
    """Space-separated multi-select answers -> one row per chosen name (index repeated).

    Empty and NA answers give no rows; a name chosen twice in one answer is kept once.
    """
    found = _selected_plain(values)
    if found is not None:
        return found
    text = values.astype("string").str.strip()
    text = text[text.notna() & (text != "")]
    if text.empty:
        return pd.Series([], dtype="string", index=values.index[:0])
    exploded = text.str.split().explode().astype("string")
    frame = exploded.rename("choice").reset_index()
    frame = frame.drop_duplicates()
    return frame.set_index(frame.columns[0])["choice"].rename(values.name)


_PRINTABLE_ASCII = re.compile(r"[ -~]*")  # where Python's and Arrow's whitespace agree


def _selected_plain(values: pd.Series) -> pd.Series | None:
    """:func:`selected_choices` in one pass of plain Python, for the usual column: answers
    of printable ASCII text (or NA), a plain index without NA. Several times faster on the
    small columns of a round (pandas' string methods cost about a millisecond a call);
    None for anything else, which pandas splits."""
    index = values.index
    name = index.name if index.name is not None else "index"  # as reset_index names it
    if isinstance(index, pd.MultiIndex) or index.hasnans or name == "choice":
        return None
    labels = index.tolist()
    positions: list[int] = []
    chosen: list[str] = []
    seen: set[tuple[object, str]] = set()
    for i, value in enumerate(values.tolist()):
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            continue
        if not isinstance(value, str) or not _PRINTABLE_ASCII.fullmatch(value):
            return None
        for choice in value.split():
            if (labels[i], choice) not in seen:  # each (row label, choice) once, as drop_duplicates
                seen.add((labels[i], choice))
                positions.append(i)
                chosen.append(choice)
    if not positions:
        return pd.Series([], dtype="string", index=index[:0])
    frame = pd.DataFrame({name: index.array.take(positions), "choice": pd.array(chosen, dtype="string")})
    return frame.set_index(name)["choice"].rename(values.name)  # the index as set_index makes it


def count_selected(values: pd.Series) -> pd.Series:
    """How many distinct names each multi-select answer holds; NA where unanswered."""
    chosen = selected_choices(values)
    counts = chosen.groupby(level=0).size()
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    out.loc[counts.index] = counts.astype("float64")
    return out


def _component_field(survey: Survey, component: ScoreComponent, dimension: str) -> FormField:
    for f in survey.fields_of(component.question):
        if f.dimension == dimension and f.repeat is None:
            return f
    raise KeyError(f"scoring component '{component.question}' has no field for '{dimension}'")


def component_values(
    submissions: pd.DataFrame, survey: Survey, component: ScoreComponent, dimension: str
) -> pd.Series:
    """The component's value in [0, 1] for every submission (NA where unanswered)."""
    f = _component_field(survey, component, dimension)
    if f.name not in submissions.columns:
        return pd.Series(np.nan, index=submissions.index, dtype="float64")
    values = submissions[f.name]
    choices = survey.choices(f.list_name or "")
    if component.method == "choice_score":
        scores = {c.name: c.score for c in choices if c.score is not None}
        mapped = values.astype("string").str.strip().map(scores)
        return pd.to_numeric(mapped, errors="coerce").astype("float64")
    full_at = component.full_at or len(choices)
    share = count_selected(values) / full_at
    return share.clip(upper=1.0)


def assign_levels(scores: pd.Series, survey: Survey) -> pd.Series:
    """The highest declared level whose ``min`` is at or below each score (NA stays NA)."""
    assert survey.model.scoring is not None
    levels = survey.model.scoring.levels
    mins = np.array([lv.min for lv in levels])
    names = np.array([lv.name for lv in levels], dtype=object)
    values = scores.to_numpy(dtype="float64", na_value=np.nan)
    pos = np.searchsorted(mins, np.nan_to_num(values, nan=0.0), side="right") - 1
    out = pd.Series(names[np.clip(pos, 0, len(levels) - 1)], index=scores.index, dtype="string")
    out[np.isnan(values)] = pd.NA
    return out


def score(submissions: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """Score every entity on every item of the scoring dimension set.

    In: ``Responses.submissions`` (one row per entity, typed columns named as the survey's
    fields, multi-selects space-separated). Out: one row per entity x dimension, entities in
    ``entity_id`` order and dimensions in declared order, with columns ``entity_id,
    dimension, score, level, rule`` followed by one column per component (named after its
    question) holding the component's value in [0, 1] (NA when unanswered).
    An empty frame with those columns when the survey declares no scoring.
    """
    scoring = survey.model.scoring
    component_names = [] if scoring is None else _component_names(scoring.components)
    if scoring is None or submissions.empty:
        columns = SCORE_COLUMNS + component_names
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).astype(
            {"entity_id": "string", "dimension": "string", "level": "string", "rule": "string"}
        )
    subs = submissions.sort_values("entity_id", kind="stable").reset_index(drop=True)
    dimensions = [item.id for item in survey.model.dimension_sets[scoring.dimension_set].items]
    parts = []
    for dimension in dimensions:
        part = pd.DataFrame({"entity_id": subs["entity_id"].astype("string")})
        part["dimension"] = dimension
        total = pd.Series(0.0, index=subs.index)
        answered = pd.Series(False, index=subs.index)
        for name, component in zip(component_names, scoring.components, strict=True):
            value = component_values(subs, survey, component, dimension)
            part[name] = value
            total = total + component.weight * value.fillna(0.0)
            answered = answered | value.notna()
        part["score"] = total.round(DECIMALS).where(answered, np.nan)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["dimension"] = out["dimension"].astype("string")
    order = {d: i for i, d in enumerate(dimensions)}
    out = out.sort_values(
        ["entity_id", "dimension"], key=lambda s: s.map(order) if s.name == "dimension" else s
    ).reset_index(drop=True)
    out["level"] = assign_levels(out["score"], survey)
    out["rule"] = pd.Series(rule_text(survey), index=out.index, dtype="string")
    return out[SCORE_COLUMNS + component_names]


def rule_text(survey: Survey) -> str:
    """The scoring rule in words, written from the declared components themselves, so
    the report's methodology and the ``rule`` column never disagree with the scores:
    "score = 0.75 x the answer to 'Level of engagement' (none 0, minor 0.33, moderate 0.67,
    major 1) + 0.25 x the share of types of activity chosen, full at 3". The definition's
    ``scoring.rule``, when given, follows in brackets as the reason for the weights."""
    scoring = survey.model.scoring
    if scoring is None:
        return ""
    activities = survey.model.gaps.activities_question if survey.model.gaps else None
    parts = []
    for c in scoring.components:
        fields = survey.fields_of(c.question)
        choices = survey.choices(fields[0].list_name) if fields and fields[0].list_name else []
        weight = "" if c.weight == 1 else f"{plain(c.weight)} x "
        if c.method == "choice_score":
            scale = ", ".join(f"{_lower(x.label)} {plain(x.score)}" for x in choices if x.score is not None)
            unscored = [f"'{_lower(x.label)}'" for x in choices if x.score is None]
            if unscored:
                scale += f"; {' and '.join(unscored)} not scored"
            what = f"the answer to '{_question_words(survey, c.question)}'"
            parts.append(f"{weight}{what}" + (f" ({scale})" if scale else ""))
        else:
            full = c.full_at or len(choices)
            what = (
                survey.model.report.activities.many
                if c.question == activities
                else f"the options of '{_question_words(survey, c.question)}'"
            )
            parts.append(f"{weight}the share of {what} chosen, full at {full}")
    text = "score = " + " + ".join(parts)
    return f"{text} ({scoring.rule.strip().rstrip('.')})" if scoring.rule else text


def _question_words(survey: Survey, question: str) -> str:
    """A question's label without its per-dimension placeholder or final question mark
    ("{dimension}: types of activity" -> "Types of activity")."""
    label = survey.question(question).label
    label = re.sub(r"'?\{(dimension|option)\}'?\s*:?\s*", "", label).strip(" :?")
    return label[:1].upper() + label[1:]


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _component_names(components: list[ScoreComponent]) -> list[str]:
    """Column names for the components: the question id, made unique if it repeats."""
    names: list[str] = []
    for c in components:
        name = c.question if c.question not in names else f"{c.question}_{c.method}"
        names.append(name)
    return names
