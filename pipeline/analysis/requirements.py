"""Benchmark surveys: how far each entity meets a common set of requirements.

A benchmark survey (a ``requirements:`` block, e.g. ESS) asks each entity, for every item of a
dimension set of *requirements*, how its own system covers it: a choice list with one
choice meaning "met" (``requirements.mandatory``), weaker ones, and possibly a choice
meaning "not applicable" that is left out of every denominator. Everything here reads the
names from ``survey.model.requirements`` and ``survey.model.maturity``; nothing is specific
to ESS.

All functions are pure: they take ``Responses.submissions`` (one typed row per entity:
``entity_id`` and a column per field such as ``coverage_human_rights``) and return
DataFrames. :func:`analyse_requirements` runs them all for a round.

The tiers of common minimum requirements: a requirement is ``core`` when the share of the
entities it applies to that already make it mandatory is at least ``consensus_share``,
``within_reach`` when it is at most ``within_reach_margin`` below that, ``aspirational``
otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.analysis.clusters import cluster_drivers, cluster_entities
from pipeline.errors import Issue, IssueLog
from pipeline.registry import Registry
from pipeline.spec import Choice, Requirements, Survey
from pipeline.tables import Responses

TIERS = ["core", "within_reach", "aspirational"]
ITEM_COLUMNS = ["requirement", "label", "group", "group_label"]
_EPS = 1e-9  # shares equal to a threshold up to float rounding count as reaching it


# -- the survey's declaration ---------------------------------------------------------


@dataclass(frozen=True)
class _Setup:
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


def _setup(survey: Survey) -> _Setup:
    spec = survey.model.requirements
    if spec is None:
        raise ValueError(f"survey '{survey.id}' declares no 'requirements' block")
    items = requirement_items(survey)
    coverage_fields = _fields_by_dimension(survey, spec.coverage_question, spec.dimension_set)
    document_fields = (
        _fields_by_dimension(survey, spec.document_question, spec.dimension_set)
        if spec.document_question
        else {}
    )
    list_name = survey.field(next(iter(coverage_fields.values()))).choices or ""
    choices = survey.choices(list_name)
    scores = {c.name: c.score for c in choices if c.score is not None}
    bar_name = survey.model.coverage.engaged_at_least if survey.model.coverage else spec.mandatory
    bar = scores.get(bar_name, scores.get(spec.mandatory, 1.0))
    engaged = [name for name, s in scores.items() if s >= bar - _EPS]
    return _Setup(spec, items, coverage_fields, document_fields, choices, engaged)


def _fields_by_dimension(survey: Survey, question: str, dimension_set: str) -> dict[str, str]:
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
    setup = _setup(survey)
    return _answers(submissions, setup.coverage_fields, setup.ids, {c.name for c in setup.choices})


def _answers(
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


def _order_by_acronym(frame: pd.DataFrame, registry: Registry) -> tuple[pd.DataFrame, pd.Series]:
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
    ordered, acr = _order_by_acronym(answers, registry)
    ordered.index = pd.Index(acr.to_numpy(), name="acronym")
    return ordered


def comparison_labels(matrix: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """:func:`comparison_matrix` for a reader: choice labels as values, requirement labels
    as columns (same order), same index."""
    setup = _setup(survey)
    choice_labels = {c.name: c.label for c in setup.choices}
    out = matrix.apply(lambda col: col.map(choice_labels)).astype("string")
    out.columns = [setup.labels.get(c, c) for c in matrix.columns]
    return out


def requirement_scores(submissions: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """Entity x requirement table of choice scores (float; NaN for "not applicable", for
    choices without a score, and when unanswered). Indexed by ``entity_id``."""
    setup = _setup(survey)
    answers = coverage_answers(submissions, survey)
    scores = setup.scores
    return answers.apply(lambda col: col.map(scores)).astype(float)


# -- adoption, benchmark and tiers -----------------------------------------------------


def adoption_rates(submissions: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """How many entities give each answer, per requirement.

    Columns: ``requirement, label, group``, one ``n_<choice>`` per choice of the coverage
    list (declared order), ``n_answered`` (answers other than "not applicable"),
    ``share_mandatory`` (``n_<mandatory> / n_answered``) and ``share_guidance_or_better``
    (share whose choice scores at least as high as ``coverage.engaged_at_least``; NaN
    when ``n_answered`` is 0). Rows in report order.
    """
    setup = _setup(survey)
    spec = setup.spec
    answers = coverage_answers(submissions, survey)
    out = setup.items[["requirement", "label", "group"]].copy()
    counts = {
        c.name: (answers == c.name).sum().reindex(setup.ids).to_numpy() for c in setup.choices
    }
    for c in setup.choices:
        out[f"n_{c.name}"] = counts[c.name].astype(int)
    n_total = answers.notna().sum().reindex(setup.ids).to_numpy()
    n_na = counts.get(spec.not_applicable, 0)
    out["n_answered"] = (n_total - n_na).astype(int)
    denominator = out["n_answered"].where(out["n_answered"] > 0).astype(float)
    out["share_mandatory"] = out[f"n_{spec.mandatory}"] / denominator
    engaged = sum((counts[name] for name in setup.engaged), np.zeros(len(out), dtype=int))
    out["share_guidance_or_better"] = engaged / denominator
    return out.reset_index(drop=True)


def benchmark(submissions: pd.DataFrame, survey: Survey, registry: Registry) -> pd.DataFrame:
    """Each entity against the full set of requirements.

    Columns: ``entity_id, acronym, n_applicable`` (answered, not "not applicable"),
    ``n_not_applicable, n_unanswered, n_mandatory, share_mandatory`` (of the applicable),
    ``share_<group>`` per requirement group, ``n_missing`` (applicable but not mandatory)
    and ``missing`` (their labels, "; "-joined, in report order). Sorted by
    ``share_mandatory`` (highest first), then acronym.
    """
    setup = _setup(survey)
    spec = setup.spec
    answers = coverage_answers(submissions, survey)
    not_applicable = (answers == spec.not_applicable).fillna(False).to_numpy(dtype=bool)
    applicable = answers.notna().to_numpy(dtype=bool) & ~not_applicable
    met = (answers == spec.mandatory).fillna(False).to_numpy(dtype=bool)
    missing = applicable & ~met
    acronyms = registry.acronyms()
    out = pd.DataFrame(
        {
            "entity_id": answers.index.astype("string"),
            "acronym": pd.array([acronyms.get(e, e) for e in answers.index], dtype="string"),
            "n_applicable": applicable.sum(axis=1),
            "n_not_applicable": not_applicable.sum(axis=1),
            "n_unanswered": answers.isna().to_numpy(dtype=bool).sum(axis=1),
            "n_mandatory": met.sum(axis=1),
        }
    )
    out["share_mandatory"] = out["n_mandatory"] / out["n_applicable"].where(out["n_applicable"] > 0)
    groups = setup.items["group"].to_numpy()
    for group in pd.unique(setup.items["group"].dropna()):
        cols = groups == group
        n_app = applicable[:, cols].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"share_{group}"] = np.where(n_app > 0, met[:, cols].sum(axis=1) / n_app, np.nan)
    labels = np.array(setup.items["label"].tolist(), dtype=object)
    out["n_missing"] = missing.sum(axis=1)
    out["missing"] = pd.array(["; ".join(labels[row]) for row in missing], dtype="string")
    out = out.sort_values(
        ["share_mandatory", "acronym"],
        ascending=[False, True],
        key=lambda s: s.str.casefold() if s.dtype == "string" else s,
        na_position="last",
    )
    return out.reset_index(drop=True)


def _tiers(shares: pd.Series, threshold: float, margin: float) -> pd.Series:
    """Tier of each share at ``threshold`` (NaN shares are aspirational)."""
    values = shares.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        tier = np.select(
            [values >= threshold - _EPS, values >= threshold - margin - _EPS],
            ["core", "within_reach"],
            default="aspirational",
        )
    return pd.Series(tier, index=shares.index, dtype="string")


def minimum_requirements(
    adoption: pd.DataFrame, survey: Survey, share: float | None = None
) -> pd.DataFrame:
    """The tier of every requirement at the consensus ``share`` (default: the declared
    ``requirements.consensus_share``).

    ``adoption``: the table of :func:`adoption_rates`. Returns ``requirement, label,
    group, n_answered, n_mandatory, share_mandatory, tier`` (core | within_reach |
    aspirational) and ``n_more_for_core`` (how many more entities would have to make it
    mandatory for it to be core, with the same answers otherwise; NA without answers).
    Sorted by tier, then share (highest first), then report order.
    """
    spec = _setup(survey).spec
    threshold = spec.consensus_share if share is None else float(share)
    n_mandatory = adoption[f"n_{spec.mandatory}"]
    out = adoption[["requirement", "label", "group", "n_answered"]].copy()
    out["n_mandatory"] = n_mandatory.astype(int)
    out["share_mandatory"] = adoption["share_mandatory"].astype(float)
    out["tier"] = _tiers(out["share_mandatory"], threshold, spec.within_reach_margin)
    needed = [
        max(0, math.ceil(threshold * n - _EPS) - m) if n > 0 else pd.NA
        for n, m in zip(out["n_answered"], out["n_mandatory"], strict=True)
    ]
    out["n_more_for_core"] = pd.array(needed, dtype="Int64")
    out["_tier"] = out["tier"].map({t: i for i, t in enumerate(TIERS)})
    out["_pos"] = range(len(out))
    out = out.sort_values(
        ["_tier", "share_mandatory", "_pos"], ascending=[True, False, True], na_position="last"
    )
    return out.drop(columns=["_tier", "_pos"]).reset_index(drop=True)


def sensitivity(adoption: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """How the core set changes with the consensus threshold.

    One row per threshold of ``requirements.sensitivity`` (declared order, duplicates
    dropped): ``threshold, declared`` (True for the declared consensus share), ``n_core,
    n_within_reach, n_aspirational``, ``core`` (labels, "; "-joined, report order) and
    ``entered_core`` / ``left_core``: the requirements that are core at this threshold but
    not at the previous one, and the reverse (empty on the first row).
    """
    spec = _setup(survey).spec
    thresholds = list(dict.fromkeys(float(t) for t in spec.sensitivity))
    labels = adoption["label"].to_numpy(dtype=object)
    rows: list[dict[str, Any]] = []
    previous: np.ndarray | None = None
    for t in thresholds:
        tier = _tiers(adoption["share_mandatory"], t, spec.within_reach_margin).to_numpy()
        core = tier == "core"
        entered = core & ~previous if previous is not None else np.zeros(len(core), dtype=bool)
        left = previous & ~core if previous is not None else np.zeros(len(core), dtype=bool)
        rows.append(
            {
                "threshold": t,
                "declared": abs(t - spec.consensus_share) < _EPS,
                "n_core": int(core.sum()),
                "n_within_reach": int((tier == "within_reach").sum()),
                "n_aspirational": int((tier == "aspirational").sum()),
                "core": "; ".join(labels[core]),
                "entered_core": "; ".join(labels[entered]),
                "left_core": "; ".join(labels[left]),
            }
        )
        previous = core
    out = pd.DataFrame(
        rows,
        columns=[
            "threshold",
            "declared",
            "n_core",
            "n_within_reach",
            "n_aspirational",
            "core",
            "entered_core",
            "left_core",
        ],
    )
    for col in ("core", "entered_core", "left_core"):
        out[col] = out[col].astype("string")
    return out


def to_adopt(
    submissions: pd.DataFrame,
    core: pd.DataFrame | Iterable[str],
    survey: Survey,
    registry: Registry,
) -> pd.DataFrame:
    """What each entity still has to make mandatory to meet the core requirements.

    ``core``: the table of :func:`minimum_requirements` (its ``tier == "core"`` rows are
    used) or requirement ids. Returns ``entity_id, acronym, n_core_applicable`` (core
    requirements it did not answer "not applicable"), ``n_to_adopt``, ``to_adopt`` (labels of the core
    requirements it answered but not as mandatory; "not applicable" answers are left
    out), ``n_not_reported`` and ``not_reported`` (core requirements it left unanswered).
    Sorted by acronym.
    """
    setup = _setup(survey)
    spec = setup.spec
    if isinstance(core, pd.DataFrame):
        core_ids = set(core.loc[core["tier"] == "core", "requirement"])
    else:
        core_ids = set(core)
    ids = [r for r in setup.ids if r in core_ids]
    answers = coverage_answers(submissions, survey)[ids]
    answered = answers.notna().to_numpy(dtype=bool)
    is_na = (answers == spec.not_applicable).fillna(False).to_numpy(dtype=bool)
    met = (answers == spec.mandatory).fillna(False).to_numpy(dtype=bool)
    adopt = answered & ~is_na & ~met
    blank = ~answered
    labels = np.array([setup.labels[r] for r in ids], dtype=object)
    acronyms = registry.acronyms()
    out = pd.DataFrame(
        {
            "entity_id": answers.index.astype("string"),
            "acronym": pd.array([acronyms.get(e, e) for e in answers.index], dtype="string"),
            "n_core_applicable": (~is_na).sum(axis=1),
            "n_to_adopt": adopt.sum(axis=1),
            "to_adopt": pd.array(["; ".join(labels[row]) for row in adopt], dtype="string"),
            "n_not_reported": blank.sum(axis=1),
            "not_reported": pd.array(["; ".join(labels[row]) for row in blank], dtype="string"),
        }
    )
    out = out.sort_values("acronym", key=lambda s: s.str.casefold(), kind="stable")
    return out.reset_index(drop=True)


# -- maturity of the building blocks ---------------------------------------------------


def maturity_scores(submissions: pd.DataFrame, survey: Survey, registry: Registry) -> pd.DataFrame:
    """Entity x item table of maturity scores (float, NaN when unanswered or unscored).

    Index: acronyms (named ``acronym``), sorted; columns: the items of the maturity
    dimension set, in declared order. Empty when the survey declares no ``maturity``.
    """
    spec = survey.model.maturity
    if spec is None:
        return pd.DataFrame(index=pd.Index([], name="acronym"))
    fields = _fields_by_dimension(survey, spec.question, spec.dimension_set)
    order = [i.id for i in survey.model.dimension_sets[spec.dimension_set].items]
    choices = survey.choices(survey.field(next(iter(fields.values()))).choices or "")
    scores = {c.name: float(c.score) for c in choices if c.score is not None}
    answers = _answers(submissions, fields, order)
    ordered, acr = _order_by_acronym(answers, registry)
    values = ordered.apply(lambda col: col.map(scores)).astype(float)
    values.index = pd.Index(acr.to_numpy(), name="acronym")
    return values


def maturity_table(submissions: pd.DataFrame, survey: Survey, registry: Registry) -> pd.DataFrame:
    """Maturity per item of the maturity dimension set (e.g. the Interim Guide's building blocks).

    One row per item, in declared order: ``building_block`` (the item id; the column is
    named after the dimension set), ``label``, ``n_answered``, ``mean``, ``median``, one
    ``n_<level>`` per choice of the maturity scale (ordered by score, unscored choices
    last), then one column per entity (its acronym) holding its score. Empty when the
    survey declares no ``maturity``.
    """
    spec = survey.model.maturity
    if spec is None:
        return pd.DataFrame()
    fields = _fields_by_dimension(survey, spec.question, spec.dimension_set)
    items = survey.model.dimension_sets[spec.dimension_set].items
    order = [i.id for i in items]
    choices = survey.choices(survey.field(next(iter(fields.values()))).choices or "")
    ranked = sorted(
        range(len(choices)),
        key=lambda i: (choices[i].score is None, choices[i].score or 0.0, i),
    )
    answers = _answers(submissions, fields, order, {c.name for c in choices})
    scores = maturity_scores(submissions, survey, registry)
    out = pd.DataFrame(
        {
            spec.dimension_set: order,
            "label": [i.label for i in items],
            "n_answered": answers.notna().sum().reindex(order).to_numpy().astype(int),
            "mean": scores.mean().reindex(order).to_numpy(),
            "median": scores.median().reindex(order).to_numpy(),
        }
    )
    for i in ranked:
        name = choices[i].name
        out[f"n_{name}"] = (answers == name).sum().reindex(order).to_numpy().astype(int)
    for acronym, row in scores.iterrows():
        out[str(acronym)] = row.reindex(order).to_numpy(dtype=float)
    return out


# -- data quality ----------------------------------------------------------------------


def documentation_warnings(frame: pd.DataFrame, survey: Survey, log: IssueLog) -> list[Issue]:
    """Warn where an entity answered the "mandatory" choice but cited no document.

    ``frame``: ``Responses.submissions`` (entity in ``entity_id``, file in
    ``source_file``) or the canonical ``RawRound.main`` (entity as written in the entity
    field, file in ``_source_file``, row in ``_source_row``). One warning
    ``requirement-undocumented`` per entity and requirement, naming both, with the
    document field as the column. The warnings are added to ``log`` and returned. Nothing
    is checked when the survey declares no ``document_question``, or for a document field
    the frame does not have.
    """
    setup = _setup(survey)
    spec = setup.spec
    if not setup.document_fields or frame.empty:
        return []
    entity_col = "entity_id" if "entity_id" in frame.columns else survey.entity_field.name
    file_col = next((c for c in ("source_file", "_source_file") if c in frame.columns), None)
    row_col = next((c for c in ("_source_row", "source_row") if c in frame.columns), None)
    sheet_col = "_source_sheet" if "_source_sheet" in frame.columns else None
    mandatory_label = next(
        (c.label for c in setup.choices if c.name == spec.mandatory), spec.mandatory
    )
    issues: list[Issue] = []
    for req in setup.ids:
        cov_name, doc_name = setup.coverage_fields.get(req), setup.document_fields.get(req)
        if cov_name not in frame.columns or doc_name not in frame.columns:
            continue
        coverage = frame[cov_name].astype("string").str.strip()
        document = frame[doc_name].astype("string").str.strip()
        flagged = (coverage == spec.mandatory).fillna(False) & (
            document.isna() | (document == "")
        ).fillna(True)
        for pos in np.flatnonzero(flagged.to_numpy(dtype=bool)):
            record = frame.iloc[pos]
            entity = _text(record.get(entity_col)) or "(unknown entity)"
            issue = Issue(
                "warning",
                "requirement-undocumented",
                f"{entity} answered '{mandatory_label}' for '{setup.labels[req]}' but cited "
                f"no document; expected a document reference or URL in '{doc_name}'",
                file=_text(record.get(file_col)) if file_col else "",
                sheet=_text(record.get(sheet_col)) if sheet_col else "",
                row=_row_number(record.get(row_col)) if row_col else None,
                column=doc_name,
                entity=entity,
            )
            issues.append(issue)
    log.extend(issues)
    return issues


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _row_number(value: object) -> int | None:
    try:
        return int(float(_text(value)))
    except ValueError:
        return None


# -- the whole analysis ----------------------------------------------------------------


def analyse_requirements(
    responses: Responses, survey: Survey, registry: Registry, log: IssueLog
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Every benchmark table of a round, and the numbers the report quotes.

    Tables (flat DataFrames, see each function):

    - ``comparison_matrix``: ``acronym`` then one column per requirement (choice names),
      rows in dendrogram leaf order (the order of a clustered heatmap);
    - ``comparison_labels``: the same with choice and requirement labels;
    - ``adoption``, ``benchmark``, ``minimum_requirements``, ``sensitivity``,
      ``to_adopt``, ``maturity``;
    - ``clusters``: ``entity_id, acronym, cluster, leaf_position, n_answered,
      mean_score``, in leaf order;
    - ``cluster_drivers``: ``requirement, label, group, mean_cluster_<k>..., spread,
      kruskal_h, p_value, n`` for the 8 requirements that most separate the clusters.

    Stats (JSON-safe): ``n_compared, n_requirements, consensus_share,
    within_reach_margin, n_core, n_within_reach, n_aspirational, most_adopted,
    most_adopted_share, least_adopted, least_adopted_share`` (labels "; "-joined when
    tied), ``n_clusters, cophenetic_correlation`` (None when undefined),
    ``cluster_leaf_order`` (acronyms), ``cluster_linkage`` (the scipy linkage matrix as a
    list of rows; ``numpy.asarray`` of it feeds ``scipy.cluster.hierarchy.dendrogram``),
    ``n_undocumented``. Documentation warnings are added to ``log``.
    """
    setup = _setup(survey)
    spec = setup.spec
    submissions = responses.submissions
    undocumented = documentation_warnings(submissions, survey, log)

    matrix = comparison_matrix(submissions, survey, registry)
    adoption = adoption_rates(submissions, survey)
    minimum = minimum_requirements(adoption, survey)

    profiles = requirement_scores(submissions, survey)
    acronyms = registry.acronyms()
    profiles.index = pd.Index([acronyms.get(e, e) for e in profiles.index], name="acronym")
    values = list(setup.scores.values())
    value_range = (max(values) - min(values)) if len(values) > 1 else 1.0
    result = cluster_entities(profiles, value_range=value_range or 1.0)
    by_acronym = {acronyms.get(e, e): e for e in submissions["entity_id"].astype(str)}
    clusters = result.membership.copy()
    clusters.insert(0, "entity_id", clusters["acronym"].map(by_acronym).astype("string"))
    drivers = cluster_drivers(profiles, clusters.set_index("acronym")["cluster"])
    drivers = drivers.rename(columns={"dimension": "requirement"})
    drivers.insert(1, "label", drivers["requirement"].map(setup.labels))
    group_of = dict(zip(setup.items["requirement"], setup.items["group"], strict=True))
    drivers.insert(2, "group", drivers["requirement"].map(group_of))

    leaf_matrix = matrix.loc[[a for a in result.leaf_order if a in matrix.index]]
    tables = {
        "comparison_matrix": leaf_matrix.reset_index(),
        "comparison_labels": comparison_labels(leaf_matrix, survey).reset_index(),
        "adoption": adoption,
        "benchmark": benchmark(submissions, survey, registry),
        "minimum_requirements": minimum,
        "sensitivity": sensitivity(adoption, survey),
        "to_adopt": to_adopt(submissions, minimum, survey, registry),
        "maturity": maturity_table(submissions, survey, registry),
        "clusters": clusters,
        "cluster_drivers": drivers,
    }
    tier_counts = minimum["tier"].value_counts()
    stats: dict[str, Any] = {
        "n_compared": len(submissions),
        "n_requirements": len(setup.ids),
        "consensus_share": spec.consensus_share,
        "within_reach_margin": spec.within_reach_margin,
        **{f"n_{t}": int(tier_counts.get(t, 0)) for t in TIERS},
        **_extremes(adoption),
        "n_clusters": result.n_clusters,
        "cophenetic_correlation": None if np.isnan(result.cophenetic) else result.cophenetic,
        "cluster_leaf_order": list(result.leaf_order),
        "cluster_linkage": result.linkage.tolist(),
        "n_undocumented": len(undocumented),
    }
    return tables, stats


def _extremes(adoption: pd.DataFrame) -> dict[str, Any]:
    """The most and least adopted requirements (labels, ties "; "-joined) and their shares."""
    shares = adoption["share_mandatory"].astype(float)
    if shares.notna().sum() == 0:
        return {
            "most_adopted": "",
            "most_adopted_share": None,
            "least_adopted": "",
            "least_adopted_share": None,
        }
    top, bottom = float(shares.max()), float(shares.min())
    return {
        "most_adopted": "; ".join(adoption.loc[(shares - top).abs() < _EPS, "label"]),
        "most_adopted_share": top,
        "least_adopted": "; ".join(adoption.loc[(shares - bottom).abs() < _EPS, "label"]),
        "least_adopted_share": bottom,
    }
