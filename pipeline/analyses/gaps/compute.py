"""Gaps: dimensions, topics and activity types the system of entities covers too thinly.

Every gap carries the evidence that made it one, in words a reader checks against the
numbers ("2 of 24 agencies engaged at moderate or above (ITU, UNEP); none at major").
Thresholds come from the survey's ``gaps`` section.
"""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.analyses.common import (
    acronym_map,
    coverage_fields,
    engagement_positions,
    threshold_labels,
    threshold_positions,
)
from pipeline.registry import Registry
from pipeline.score import selected_choices
from pipeline.spec import FormField, Gaps, Survey
from pipeline.wording import fewer_than

GAP_COLUMNS = ["kind", "dimension", "label", "severity", "reason", "evidence"]
TOPIC_COLUMNS = ["topic", "label", "n_entities", "entities"]


def find_gaps(
    coverage: pd.DataFrame,
    submissions: pd.DataFrame,
    survey: Survey,
    registry: Registry | None = None,
) -> pd.DataFrame:
    """System gaps: weak dimensions, neglected topics, activity types nobody engaged uses.

    In: the ``coverage`` table, ``Responses.submissions``; ``registry`` only turns ids into
    acronyms in the evidence (ids are shown without it). Out: columns ``kind, dimension,
    label, severity, reason, evidence``, dimension gaps first (declared order), then topic
    gaps, then activity gaps:

    - dimension gaps (``kind`` = the dimension set's name, e.g. ``stage``): fewer than
      ``min_entities`` engaged, or (``require_strong``) none at the strong level; severity
      ``critical`` when both hold or nobody is engaged, else ``gap``;
    - topic gaps (``kind`` = ``topic``): fewer than ``topic_min_entities`` entities select
      the topic; ``critical`` when nobody does;
    - activity gaps (``kind`` = ``activity``, severity ``gap``): per dimension with at least
      one engaged entity, the activity types none of the engaged entities selected.
    """
    spec = _spec(survey)
    rows = _dimension_gaps(coverage, submissions, survey, spec, registry)
    if spec.topics_question:
        rows += _topic_gaps(submissions, survey, spec, registry)
    if spec.activities_question:
        rows += _activity_gaps(submissions, survey, spec, registry)
    return pd.DataFrame(rows, columns=GAP_COLUMNS).astype("string")


def topic_coverage(
    submissions: pd.DataFrame, survey: Survey, registry: Registry | None = None
) -> pd.DataFrame:
    """How many entities select each option of the topics question, and which.

    Out: ``topic, label, n_entities, entities`` (acronyms, ", "-joined, sorted), one row per
    declared option, most selected first (declared order among ties).
    """
    spec = _spec(survey)
    if not spec.topics_question:
        return pd.DataFrame(columns=TOPIC_COLUMNS)
    f = _main_field(survey, spec.topics_question)
    choices = survey.choices(f.list_name or "")
    chosen = _chosen_by_entity(submissions, f.name)
    acronyms = acronym_map(registry, submissions["entity_id"])
    chosen["acronym"] = chosen["entity_id"].map(acronyms)
    groups = chosen.groupby("choice")["acronym"].agg(lambda s: sorted(set(s)))
    rows = []
    for c in choices:
        names = groups.get(c.name, [])
        rows.append(
            {
                "topic": c.name,
                "label": c.label,
                "n_entities": len(names),
                "entities": ", ".join(names),
            }
        )
    out = pd.DataFrame(rows, columns=TOPIC_COLUMNS)
    out = out.sort_values("n_entities", ascending=False, kind="stable").reset_index(drop=True)
    return out.astype(
        {"topic": "string", "label": "string", "n_entities": "int64", "entities": "string"}
    )


def activity_matrix(submissions: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """Dimension items x activity types: how many entities report each activity type.

    Out: index = dimension ids (name ``dimension``, declared order), columns = activity
    option names (name ``activity``, declared order), values = entity counts (int). Empty
    when the survey declares no ``gaps.activities_question``.
    """
    spec = _spec(survey)
    if not spec.activities_question:
        return pd.DataFrame()
    fields = [f for f in survey.fields_of(spec.activities_question) if f.repeat is None]
    options = [c.name for c in survey.choices(fields[0].list_name or "")] if fields else []
    counts = {}
    for f in fields:
        chosen = _chosen_by_entity(submissions, f.name)
        counts[f.dimension or f.name] = (
            chosen["choice"].value_counts().reindex(options, fill_value=0)
        )
    matrix = pd.DataFrame(counts, index=pd.Index(options, name="activity")).T.astype("int64")
    matrix.index.name = "dimension"
    return matrix


def _dimension_gaps(
    coverage: pd.DataFrame,
    submissions: pd.DataFrame,
    survey: Survey,
    spec: Gaps,
    registry: Registry | None,
) -> list[dict[str, str]]:
    fields = coverage_fields(survey)
    if not fields or coverage.empty:
        return []
    kind = fields[0].dimension_set or "dimension"
    dimension_set_label = (
        survey.model.dimension_sets[kind].label if kind in survey.model.dimension_sets else kind
    )
    engaged_label, strong_label = threshold_labels(survey)
    engaged_at, strong_at = threshold_positions(survey)
    positions = engagement_positions(submissions, survey)
    acronyms = acronym_map(registry, positions.index.to_series())
    noun, plural = survey.model.entity_noun, survey.model.entity_plural
    rows = []
    for row in coverage.itertuples(index=False):
        few = row.n_engaged < spec.min_entities
        # on a yes/no scale "strong" is "engaged": no second reason for the same fact
        weak = spec.require_strong and row.n_strong == 0 and engaged_at != strong_at
        if not (few or weak):
            continue
        reasons = []
        if few:
            reasons.append(
                f"{fewer_than(spec.min_entities, noun, plural)} engaged at {engaged_label} or above"
            )
        if weak:
            reasons.append(f"no {noun} at {strong_label} level")
        pos = (
            positions[row.dimension]
            if row.dimension in positions.columns
            else pd.Series(dtype="float64")
        )
        engaged = _names(pos.index[(pos >= engaged_at).to_numpy()], acronyms)
        strong = _names(pos.index[(pos >= strong_at).to_numpy()], acronyms)
        total = row.n_respondents
        if total == 0:
            evidence = f"no {noun} answered for this {dimension_set_label}"
        else:
            evidence = f"{row.n_engaged} of {total} {plural if total != 1 else noun} engaged at {engaged_label} or above"
            evidence += f" ({', '.join(engaged)})" if engaged else ""
            evidence += (
                f"; {len(strong)} at {strong_label} ({', '.join(strong)})"
                if strong
                else f"; none at {strong_label}"
            )
        rows.append(
            {
                "kind": kind,
                "dimension": row.dimension,
                "label": row.label,
                "severity": "critical" if (few and weak) or row.n_engaged == 0 else "gap",
                "reason": "; ".join(reasons),
                "evidence": evidence,
            }
        )
    return rows


def _topic_gaps(
    submissions: pd.DataFrame, survey: Survey, spec: Gaps, registry: Registry | None
) -> list[dict[str, str]]:
    table = topic_coverage(submissions, survey, registry)
    order = {
        c.name: i
        for i, c in enumerate(
            survey.choices(_main_field(survey, spec.topics_question or "").list_name or "")
        )
    }
    table = table.sort_values("topic", key=lambda s: s.map(order), kind="stable")
    noun, plural = survey.model.entity_noun, survey.model.entity_plural
    total = len(submissions)
    topics = survey.model.report.topics
    rows = []
    for row in table[table["n_entities"] < spec.topic_min_entities].itertuples(index=False):
        who = f" ({row.entities})" if row.entities else ""
        verb = "selects" if row.n_entities == 1 else "select"
        rows.append(
            {
                "kind": "topic",
                "dimension": row.topic,
                "label": row.label,
                "severity": "critical" if row.n_entities == 0 else "gap",
                "reason": (
                    f"{fewer_than(spec.topic_min_entities, noun, plural, topics.verb)} this {topics.one}"
                ),
                "evidence": f"{row.n_entities} of {total} {plural if total != 1 else noun} {verb} it{who}",
            }
        )
    return rows


def _activity_gaps(
    submissions: pd.DataFrame, survey: Survey, spec: Gaps, registry: Registry | None
) -> list[dict[str, str]]:
    if survey.model.coverage is None:
        return []
    fields = {
        f.dimension: f
        for f in survey.fields_of(spec.activities_question or "")
        if f.dimension and f.repeat is None
    }
    engaged_label, _ = threshold_labels(survey)
    engaged_at, _ = threshold_positions(survey)
    positions = engagement_positions(submissions, survey)
    acronyms = acronym_map(registry, positions.index.to_series())
    plural, noun = survey.model.entity_plural, survey.model.entity_noun
    activities = survey.model.report.activities
    rows = []
    for cf in coverage_fields(survey):
        f = fields.get(cf.dimension)
        if f is None:
            continue
        pos = positions[cf.dimension]
        engaged_mask = (pos >= engaged_at).to_numpy()
        engaged_ids = set(pos.index[engaged_mask])
        if not engaged_ids:
            continue  # the dimension gap already says nobody is engaged
        chosen = _chosen_by_entity(submissions, f.name)
        used = set(chosen.loc[chosen["entity_id"].isin(engaged_ids), "choice"])
        missing = [c for c in survey.choices(f.list_name or "") if c.name not in used]
        if not missing:
            continue
        names = _names(pd.Index(sorted(engaged_ids)), acronyms)
        listed = "; ".join(c.label for c in missing)
        if len(names) == 1:
            evidence = f"the only {noun} engaged at {engaged_label} or above ({names[0]}) does not report: {listed}"
        else:
            evidence = f"none of the {len(names)} {plural} engaged at {engaged_label} or above ({', '.join(names)}) reports: {listed}"
        rows.append(
            {
                "kind": "activity",
                "dimension": cf.dimension,
                "label": survey.dimension_labels(cf.dimension_set or "")[cf.dimension or ""],
                "severity": "gap",
                "reason": f"{activities.many} no {noun} engaged at {engaged_label} or above {activities.verb[0]}",
                "evidence": evidence,
            }
        )
    return rows


def _chosen_by_entity(submissions: pd.DataFrame, column: str) -> pd.DataFrame:
    """Long ``entity_id, choice`` pairs of a multi-select column (empty when absent)."""
    if column not in submissions.columns or submissions.empty:
        return pd.DataFrame(
            {"entity_id": pd.Series(dtype="string"), "choice": pd.Series(dtype="string")}
        )
    values = submissions[column].set_axis(submissions["entity_id"].astype("string").to_numpy())
    chosen = selected_choices(values)
    return pd.DataFrame(
        {"entity_id": chosen.index.astype("string"), "choice": chosen.to_numpy()}
    ).astype("string")


def _names(ids: pd.Index, acronyms: dict[str, str]) -> list[str]:
    return sorted(acronyms.get(str(i), str(i)) for i in ids)


def _main_field(survey: Survey, question: str) -> FormField:
    return next(f for f in survey.fields_of(question) if f.repeat is None)


def _spec(survey: Survey) -> Gaps:
    if survey.model.gaps is None:
        raise ValueError(f"survey '{survey.id}' declares no gaps section")
    return survey.model.gaps


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """The analysis' step in :func:`pipeline.analyses.analyse`."""
    spec = inp.survey.model.gaps
    assert spec is not None
    cov = tables.get("coverage", pd.DataFrame())
    out = {"gaps": find_gaps(cov, inp.submissions, inp.survey, inp.registry)}
    if spec.topics_question:
        out["topic_coverage"] = topic_coverage(inp.submissions, inp.survey, inp.registry)
    if spec.activities_question:
        out["activity_matrix"] = activity_matrix(inp.submissions, inp.survey)
    return out, {}
