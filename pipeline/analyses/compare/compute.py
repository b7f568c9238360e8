"""Round over round: what changed between two rounds of a survey, and what is only noise.

Every survey is asked again after a few years, often with an updated form. This module
compares two rounds in three steps, all pure functions of tables:

1. **What can be compared** (:mod:`pipeline.analyses.compare.comparable`).
   :func:`comparable_questions` and :func:`comparable_dimensions`
   read the two survey versions: a question (or dimension item) is compared with the
   earlier question of the same id, or the one named by ``compare_with``, unless it is
   declared ``comparable: false``. A select whose choice list changed is compared on the
   choices both versions share, or through a declared ``compare_map`` (new choice -> old
   choice, e.g. a four-level scale collapsed onto yes/no).
2. **On one footing** (:mod:`pipeline.analyses.compare.comparable`). :func:`harmonise` rewrites each round's answers in the earlier
   version's field names and choices (answers outside the shared choices become missing),
   so both rounds are scored and counted with the same (earlier) rule.
3. **Paired statistics** (:mod:`pipeline.analyses.compare.statistics`,
   :mod:`pipeline.analyses.compare.tables`). Only entities that answered both rounds are
   compared (:func:`pair_entities`). Scores: Wilcoxon signed-rank test with the matched-pairs
   rank-biserial correlation as effect size (:func:`compare_scores`); yes/no answers: exact
   McNemar test (:func:`compare_adoption`). :func:`change_findings`
   (:mod:`pipeline.analyses.compare.findings`) lists what was found, item by item, as
   data; :mod:`pipeline.analyses.compare.words` words it, calling a
   difference a change only when it can be told from noise.

:func:`compare_rounds` wires the steps for two rounds. Statistics are two-sided at
``alpha`` = 0.05; no correction for the number of dimensions compared is applied, which
the sentences say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.analyses.compare.comparable import (
    FieldMatch,
    comparable_dimensions,
    comparable_questions,
    dimension_map,
    field_matches,
    form_version,
    harmonise,
    questions_by_id,
    same_version,
)
from pipeline.analyses.compare.findings import change_findings
from pipeline.analyses.compare.statistics import ALPHA, MIN_PAIRS, pair_entities
from pipeline.analyses.compare.tables import (
    COVERAGE_CHANGE_COLUMNS,
    PAIRING_COLUMNS,
    compare_adoption,
    compare_scores,
    coverage_change,
    movers,
    network_change,
)
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey
from pipeline.tables import RunResult

YES, NO = "yes", "no"


# -- wiring ----------------------------------------------------------------------------------


def _yes_no_items(
    frame: pd.DataFrame, matches: list[FieldMatch], old_survey: Survey
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """Booleans per entity for every compared select_one whose earlier choices include
    yes and no (other answers NA), keyed by the new field name; labels; new -> old names."""
    data: dict[str, pd.Series] = {}
    labels: dict[str, str] = {}
    old_names: dict[str, str] = {}
    for m in matches:
        f: FormField = old_survey.field(m.old_field)
        if f.type != "select_one" or f.list_name is None:
            continue
        names = {c.name for c in old_survey.choices(f.list_name)}
        if not {YES, NO} <= names or m.old_field not in frame.columns:
            continue
        text = frame[m.old_field].astype("string")
        data[m.new_field] = text.map({YES: True, NO: False}).astype("boolean")
        labels[m.new_field] = f.label
        old_names[m.new_field] = m.old_field
    index = pd.Index(frame["entity_id"].astype("string"), name="entity_id")
    out = pd.DataFrame({k: v.to_numpy() for k, v in data.items()}, index=index)
    return out.astype("boolean"), labels, old_names


def _theme_items(answers: Any, survey: Survey) -> tuple[pd.DataFrame, dict[str, str]]:
    """Booleans per entity for every declared open-answer theme (``theme:<question>:<theme>``):
    whether the entity's answer raises it, NA where the entity did not answer the question;
    and their labels. Empty when the round coded no open answers."""
    spec = survey.model.open_answers
    if spec is None or not isinstance(answers, pd.DataFrame) or answers.empty:
        return pd.DataFrame(index=pd.Index([], name="entity_id", dtype="string")), {}
    index = pd.Index(answers["entity_id"].astype("string").unique(), name="entity_id")
    data: dict[str, pd.Series] = {}
    labels: dict[str, str] = {}
    for qid, themes in spec.themes.items():
        mine = answers.loc[answers["question_id"] == qid]
        found = mine["themes"].fillna("").str.split("; ")
        found.index = pd.Index(mine["entity_id"].astype("string"), name="entity_id")
        question = survey.question(qid).label if qid in questions_by_id(survey) else qid
        for t in themes:
            item = f"theme:{qid}:{t.id}"
            data[item] = found.map(lambda ids, t=t: t.id in ids).reindex(index).astype("boolean")
            labels[item] = f"{question}: {t.label} (theme)"
    return pd.DataFrame(data, index=index).astype("boolean"), labels


def _engaged_items(
    frame: pd.DataFrame,
    old_survey: Survey,
    dims: dict[str, str],
    new_labels: dict[str, str],
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Booleans per entity: engaged at or above coverage.engaged_at_least, per compared
    dimension (new id -> old id in ``dims``), from the harmonised answers."""
    cov = old_survey.model.coverage
    index = pd.Index(frame["entity_id"].astype("string"), name="entity_id")
    if cov is None:
        return pd.DataFrame(index=index), {}
    fields = {f.dimension: f for f in old_survey.fields_of(cov.question) if f.repeat is None}
    if not fields:
        return pd.DataFrame(index=index), {}
    first = next(iter(fields.values()))
    names = [c.name for c in old_survey.choices(first.list_name or "")]
    if set(names) <= {YES, NO}:
        return pd.DataFrame(index=index), {}  # the yes/no question is compared already
    at = names.index(cov.engaged_at_least)
    position = {n: i for i, n in enumerate(names)}
    engaged_label = old_survey.choice_labels(first.list_name or "")[cov.engaged_at_least].lower()
    data, labels = {}, {}
    for new_dim, old_dim in dims.items():
        f = fields.get(old_dim)
        if f is None or f.name not in frame.columns:
            continue
        pos = frame[f.name].astype("string").map(position).astype("Float64")
        item = f"engaged_{new_dim}"
        data[item] = (pos >= at).astype("boolean").to_numpy()
        labels[item] = f"{new_labels.get(new_dim, new_dim)}: {engaged_label} or above"
    return pd.DataFrame(data, index=index).astype("boolean"), labels


def _edges(frame: pd.DataFrame, column: str | None) -> pd.DataFrame:
    """source, target from an entities column (space-separated ids) of harmonised answers."""
    if column is None or column not in frame.columns:
        return pd.DataFrame(columns=["source", "target"], dtype="string")
    chosen = frame[["entity_id", column]].dropna()
    targets = chosen[column].astype("string").str.split().explode()
    out = pd.DataFrame({"source": chosen.loc[targets.index, "entity_id"], "target": targets})
    return out.dropna().astype("string").reset_index(drop=True)


def _rename_dims(
    table: pd.DataFrame, old_to_new: dict[str, str], labels: dict[str, str]
) -> pd.DataFrame:
    out = table[table["dimension"].isin(list(old_to_new))].copy()
    out["dimension"] = out["dimension"].map(old_to_new).astype("string")
    if "label" in out.columns:
        out["label"] = out["dimension"].map(labels).astype("string")
    return out.reset_index(drop=True)


def compare_rounds(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    old_survey: Survey,
    new_survey: Survey,
    registry: Registry,
    *,
    alpha: float = ALPHA,
    top: int = 5,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Compare two rounds of a survey, possibly collected with different versions of it.

    In: ``old`` and ``new`` as mappings with ``submissions`` (``Responses.submissions``),
    optionally ``tables`` (the round's analysis tables) and ``round`` (its id); each
    round's survey version (``survey.for_round(round_id)``); the registry.

    Both rounds are put on one footing (:func:`harmonise`, the earlier version's fields and
    choices) and scored and counted with the earlier version's rules (pipeline.score,
    pipeline.analyses.coverage.compute). When both rounds used the same version and their
    ``tables`` hold ``scores`` and ``coverage``, those are used as they are.

    Out: tables ``comparable_questions``, ``comparable_dimensions``, ``entity_pairing``
    (``entity_id, acronym, status``: both, joined, left), ``score_change``,
    ``adoption_change``, ``coverage_change``, ``movers``, ``network_change``; and stats
    ``n_old, n_new, n_both, n_joined, n_left, old_version, new_version, same_version,
    alpha, min_pairs, dimension_set, ties_kept, ties_new, ties_dropped,
    n_score_distinguishable, n_adoption_distinguishable``, ``findings``
    (:func:`change_findings`) and ``not_compared`` (labels of the dimension items new or
    changed in scope). Writers word them (:mod:`pipeline.analyses.compare.words`).
    """
    from pipeline.analyses.coverage.compute import coverage as coverage_table
    from pipeline.score import score as score_table

    old_subs, new_subs = old["submissions"], new["submissions"]
    old_round = str(old.get("round") or "the earlier round")
    new_round = str(new.get("round") or "the later round")
    acronyms = registry.acronyms()
    same = same_version(old_survey, new_survey)

    both, joined, left = pair_entities(old_subs, new_subs, registry)
    pairing = pd.DataFrame(
        [
            (e, acronyms.get(e, e), status)
            for status, ids in (("both", both), ("joined", joined), ("left", left))
            for e in ids
        ],
        columns=PAIRING_COLUMNS,
    ).astype("string")

    matches = field_matches(old_survey, new_survey)
    old_h = harmonise(old_subs, matches, "old", old_survey)
    new_h = harmonise(new_subs, matches, "new", old_survey)

    scoring = old_survey.model.scoring
    dim_set = scoring.dimension_set if scoring else None
    if dim_set is None and old_survey.model.coverage is not None:
        dim_set = next(
            (f.dimension_set for f in old_survey.fields_of(old_survey.model.coverage.question)),
            None,
        )
    dims = dimension_map(old_survey, new_survey, dim_set) if dim_set else {}
    old_to_new = {v: k for k, v in dims.items()}
    new_labels = new_survey.dimension_labels(dim_set) if dim_set else {}

    old_tables: Mapping[str, pd.DataFrame] = old.get("tables") or {}
    new_tables: Mapping[str, pd.DataFrame] = new.get("tables") or {}
    reuse = same and all(
        name in t for t in (old_tables, new_tables) for name in ("scores", "coverage")
    )
    if reuse:
        scores_old, scores_new = old_tables["scores"], new_tables["scores"]
        cov_old, cov_new = old_tables["coverage"], new_tables["coverage"]
    else:
        scores_old, scores_new = score_table(old_h, old_survey), score_table(new_h, old_survey)
        if old_survey.model.coverage is not None:
            cov_old = coverage_table(scores_old, old_h, old_survey, registry)
            cov_new = coverage_table(scores_new, new_h, old_survey, registry)
        else:
            cov_old = cov_new = pd.DataFrame(columns=["dimension", "label"])
    scores_old = _rename_dims(scores_old, old_to_new, new_labels)
    scores_new = _rename_dims(scores_new, old_to_new, new_labels)

    score_change = compare_scores(scores_old, scores_new, both, alpha)
    score_change.insert(1, "label", score_change["dimension"].map(new_labels).astype("string"))
    score_change.insert(2, "old_dimension", score_change["dimension"].map(dims).astype("string"))
    mv = movers(scores_old, scores_new, both, top)
    mv.insert(2, "acronym", mv["entity_id"].map(lambda e: acronyms.get(e, e)).astype("string"))
    mv.insert(1, "label", mv["dimension"].map(new_labels).astype("string"))

    cov_change = (
        coverage_change(
            _rename_dims(cov_old, old_to_new, new_labels),
            _rename_dims(cov_new, old_to_new, new_labels),
        )
        if len(cov_old) and len(cov_new)
        else pd.DataFrame(columns=COVERAGE_CHANGE_COLUMNS)
    )

    yes_old, labels, old_items = _yes_no_items(old_h, matches, old_survey)
    yes_new, _, _ = _yes_no_items(new_h, matches, old_survey)
    eng_old, eng_labels = _engaged_items(old_h, old_survey, dims, new_labels)
    eng_new, _ = _engaged_items(new_h, old_survey, dims, new_labels)
    th_old, _ = _theme_items(old_tables.get("open_answers"), old_survey)
    th_new, th_labels = _theme_items(new_tables.get("open_answers"), new_survey)
    adoption = compare_adoption(  # open-answer themes count like any yes/no question
        pd.concat([yes_old, eng_old, th_old], axis=1),
        pd.concat([yes_new, eng_new, th_new], axis=1),
        both,
        labels | eng_labels | th_labels,
        alpha,
    )
    adoption.insert(1, "old_item", adoption["item"].map(old_items).astype("string"))

    links = old_survey.model.links
    link_field = None
    if links is not None:
        link_field = next(
            (
                m.old_field
                for m in matches
                if old_survey.field(m.old_field).question == links.collaborators_question
            ),
            None,
        )
    net, counts = network_change(_edges(old_h, link_field), _edges(new_h, link_field), both)
    for side in ("a", "b"):
        net[f"acronym_{side}"] = net[f"entity_{side}"].map(lambda e: acronyms.get(e, e))
    net = net.astype("string")

    not_compared: list[str] = []
    if dim_set:
        dims_table = comparable_dimensions(old_survey, new_survey)
        skipped = dims_table[
            (dims_table["dimension_set"] == dim_set)
            & ~dims_table["comparable"]
            & dims_table["new_dimension"].notna()
        ]
        not_compared = [str(x) for x in skipped["label"]]
    tables = {
        "comparable_questions": comparable_questions(old_survey, new_survey),
        "comparable_dimensions": comparable_dimensions(old_survey, new_survey),
        "entity_pairing": pairing,
        "score_change": score_change,
        "adoption_change": adoption,
        "coverage_change": cov_change,
        "movers": mv,
        "network_change": net,
    }
    stats_out: dict[str, Any] = {
        "old_round": old_round,
        "new_round": new_round,
        "n_old": int(old_subs["entity_id"].nunique()),
        "n_new": int(new_subs["entity_id"].nunique()),
        "n_both": len(both),
        "n_joined": len(joined),
        "n_left": len(left),
        "old_version": form_version(old_survey),
        "new_version": form_version(new_survey),
        "same_version": same,
        "alpha": alpha,
        "min_pairs": MIN_PAIRS,
        "dimension_set": dim_set,
        "ties_kept": counts["kept"],
        "ties_new": counts["new"],
        "ties_dropped": counts["dropped"],
        "n_score_distinguishable": int(score_change["distinguishable"].sum()),
        "n_adoption_distinguishable": int(adoption["distinguishable"].sum()),
        "findings": change_findings(score_change, adoption),
        "not_compared": not_compared,
    }
    return tables, stats_out


# the tables compare_rounds returns, in the order the workbook and the report show them
COMPARISON_TABLES = (
    "score_change",
    "adoption_change",
    "coverage_change",
    "movers",
    "network_change",
    "entity_pairing",
    "comparable_questions",
    "comparable_dimensions",
)


def compare_results(
    old: RunResult, new: RunResult
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Compare two analysed rounds of one survey.

    In: the earlier and the later round's :class:`RunResult` (their ``survey`` is the
    version each was collected with). Out: ``(tables, stats)`` of
    :func:`pipeline.analyses.compare.compute.compare_rounds` (tables :data:`COMPARISON_TABLES`;
    stats ``old_round, new_round, n_both, n_joined, n_left, findings`` ...).
    """
    def side(result: RunResult) -> dict[str, Any]:
        return {
            "submissions": result.responses.submissions,
            "tables": result.tables,
            "round": result.round,
        }

    return compare_rounds(side(old), side(new), old.survey, new.survey, new.registry)
