"""How far the entities of a benchmark survey meet the requirements: adoption of each
requirement, each entity's benchmark, the tiers of common minimum requirements and their
sensitivity to the threshold, what each entity would need to adopt, and the maturity of
the building blocks (``survey.model.maturity``).

All functions are pure: they take ``Responses.submissions`` (one typed row per entity) and
return DataFrames. The tiers: a requirement is ``core`` when the share of the entities it
applies to that already make it mandatory is at least ``consensus_share``,
``within_reach`` when it is at most ``within_reach_margin`` below that, ``aspirational``
otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from pipeline.analyses.benchmark.answers import (
    EPS,
    answer_frame,
    coverage_answers,
    fields_by_dimension,
    order_by_acronym,
    setup_of,
)
from pipeline.registry import Registry
from pipeline.spec import Survey

TIERS = ["core", "within_reach", "aspirational"]


# -- adoption, benchmark and tiers -----------------------------------------------------


def adoption_rates(submissions: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """How many entities give each answer, per requirement.

    Columns: ``requirement, label, group``, one ``n_<choice>`` per choice of the coverage
    list (declared order), ``n_answered`` (answers other than "not applicable"),
    ``share_mandatory`` (``n_<mandatory> / n_answered``) and ``share_guidance_or_better``
    (share whose choice scores at least as high as ``coverage.engaged_at_least``; NaN
    when ``n_answered`` is 0). Rows in report order.
    """
    setup = setup_of(survey)
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
    setup = setup_of(survey)
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
            [values >= threshold - EPS, values >= threshold - margin - EPS],
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
    spec = setup_of(survey).spec
    threshold = spec.consensus_share if share is None else float(share)
    n_mandatory = adoption[f"n_{spec.mandatory}"]
    out = adoption[["requirement", "label", "group", "n_answered"]].copy()
    out["n_mandatory"] = n_mandatory.astype(int)
    out["share_mandatory"] = adoption["share_mandatory"].astype(float)
    out["tier"] = _tiers(out["share_mandatory"], threshold, spec.within_reach_margin)
    needed = [
        max(0, math.ceil(threshold * n - EPS) - m) if n > 0 else pd.NA
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
    spec = setup_of(survey).spec
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
                "declared": abs(t - spec.consensus_share) < EPS,
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
    setup = setup_of(survey)
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
    fields = fields_by_dimension(survey, spec.question, spec.dimension_set)
    order = [i.id for i in survey.model.dimension_sets[spec.dimension_set].items]
    choices = survey.choices(survey.field(next(iter(fields.values()))).choices or "")
    scores = {c.name: float(c.score) for c in choices if c.score is not None}
    answers = answer_frame(submissions, fields, order)
    ordered, acr = order_by_acronym(answers, registry)
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
    fields = fields_by_dimension(survey, spec.question, spec.dimension_set)
    items = survey.model.dimension_sets[spec.dimension_set].items
    order = [i.id for i in items]
    choices = survey.choices(survey.field(next(iter(fields.values()))).choices or "")
    ranked = sorted(
        range(len(choices)),
        key=lambda i: (choices[i].score is None, choices[i].score or 0.0, i),
    )
    answers = answer_frame(submissions, fields, order, {c.name for c in choices})
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


