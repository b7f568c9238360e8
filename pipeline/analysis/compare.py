"""Round over round: what changed between two rounds of a survey, and what is only noise.

Every survey is asked again after a few years, often with an updated form. This module
compares two rounds in three steps, all pure functions of tables:

1. **What can be compared** (:mod:`pipeline.analysis.comparable`).
   :func:`comparable_questions` and :func:`comparable_dimensions`
   read the two survey versions: a question (or dimension item) is compared with the
   earlier question of the same id, or the one named by ``compare_with``, unless it is
   declared ``comparable: false``. A select whose choice list changed is compared on the
   choices both versions share, or through a declared ``compare_map`` (new choice -> old
   choice, e.g. a four-level scale collapsed onto yes/no).
2. **On one footing** (:mod:`pipeline.analysis.comparable`). :func:`harmonise` rewrites each round's answers in the earlier
   version's field names and choices (answers outside the shared choices become missing),
   so both rounds are scored and counted with the same (earlier) rule.
3. **Paired statistics.** Only entities that answered both rounds are compared
   (:func:`pair_entities`). Scores: Wilcoxon signed-rank test with the matched-pairs
   rank-biserial correlation as effect size (:func:`compare_scores`); yes/no answers: exact
   McNemar test (:func:`compare_adoption`). :func:`change_findings` lists what was found,
   item by item, as data; :mod:`pipeline.report.change_words` words it, calling a
   difference a change only when it can be told from noise.

:func:`compare_rounds` wires the steps for two rounds. Statistics are two-sided at
``alpha`` = 0.05; no correction for the number of dimensions compared is applied, which
the sentences say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.analysis.comparable import (
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
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey
from pipeline.tables import RunResult

ALPHA = 0.05
MIN_PAIRS = 6  # with fewer pairs no exact two-sided test can reach p < 0.05 (2 / 2**5 > 0.05)
EXACT_MAX_N = 50  # exact null distributions up to this many non-zero differences
POWER = 0.8  # power assumed by the rough minimum detectable change
WILCOXON_EFFICIENCY = 3 / np.pi  # asymptotic relative efficiency of Wilcoxon vs the t-test
DECIMALS = 9  # differences are rounded so that float noise makes no fake ties or changes
YES, NO = "yes", "no"

PAIRING_COLUMNS = ["entity_id", "acronym", "status"]
SCORE_CHANGE_COLUMNS = [
    "dimension",
    "n_pairs",
    "n_changed",
    "mean_old",
    "mean_new",
    "mean_change",
    "wilcoxon_stat",
    "p_value",
    "method",
    "effect_size",
    "direction",
    "distinguishable",
    "min_detectable",
]
MOVER_COLUMNS = ["dimension", "entity_id", "score_old", "score_new", "change", "rank"]
ADOPTION_COLUMNS = [
    "item",
    "label",
    "n_pairs",
    "yes_old",
    "yes_new",
    "b",
    "c",
    "p_value",
    "odds_ratio",
    "effect",
    "direction",
    "distinguishable",
]
COVERAGE_CHANGE_COLUMNS = [
    "dimension",
    "label",
    "n_respondents_old",
    "n_respondents_new",
    "n_engaged_old",
    "n_engaged_new",
    "change_engaged",
    "share_engaged_old",
    "share_engaged_new",
    "change_share_engaged",
    "mean_score_old",
    "mean_score_new",
    "change_mean_score",
]
NETWORK_CHANGE_COLUMNS = ["entity_a", "entity_b", "status"]


# -- 3. paired statistics --------------------------------------------------------------------


def pair_entities(
    old_submissions: pd.DataFrame, new_submissions: pd.DataFrame, registry: Registry | None = None
) -> tuple[list[str], list[str], list[str]]:
    """Entities that answered both rounds, only the new one (joined), only the old (left).

    Each list is in registry order (ids the registry does not know come after, sorted).
    """
    old = set(old_submissions["entity_id"].dropna().astype(str))
    new = set(new_submissions["entity_id"].dropna().astype(str))
    order = {e: i for i, e in enumerate(registry.ids)} if registry is not None else {}

    def ordered(ids: set[str]) -> list[str]:
        return sorted(ids, key=lambda e: (order.get(e, len(order)), e))

    return ordered(old & new), ordered(new - old), ordered(old - new)


def signed_rank_exact_p(differences: np.ndarray) -> float:
    """Exact two-sided p of the Wilcoxon signed-rank test, ties allowed, zeros dropped.

    Conditional on the observed ranks (average ranks for ties), every sign pattern is
    equally likely under the null; the distribution of the positive rank sum is counted
    exactly (2**n patterns, by convolution), and p = 2 x the smaller tail, at most 1.
    """
    d = np.asarray(differences, dtype="float64")
    d = d[d != 0]
    if len(d) == 0:
        return 1.0
    doubled = np.rint(2 * stats.rankdata(np.abs(d))).astype(int)  # average ranks are k/2
    counts = np.array([1.0])
    for r in doubled:
        shifted = np.zeros(len(counts) + r)
        shifted[: len(counts)] += counts
        shifted[r:] += counts
        counts = shifted
    probs = counts / counts.sum()
    t_plus = int(doubled[d > 0].sum())
    low, high = probs[: t_plus + 1].sum(), probs[t_plus:].sum()
    return float(min(1.0, 2 * min(low, high)))


def rank_biserial(differences: np.ndarray) -> float:
    """Matched-pairs rank-biserial correlation: (T+ - T-) / (T+ + T-), zeros dropped.

    +1 when every non-zero difference is positive, -1 when every one is negative, 0 when
    there are none.
    """
    d = np.asarray(differences, dtype="float64")
    d = d[d != 0]
    if len(d) == 0:
        return 0.0
    ranks = stats.rankdata(np.abs(d))
    t_plus, t_minus = ranks[d > 0].sum(), ranks[d < 0].sum()
    return float((t_plus - t_minus) / (t_plus + t_minus))


def wilcoxon_paired(differences: np.ndarray) -> tuple[float, float, str]:
    """Wilcoxon signed-rank test on paired differences: (statistic, p, method).

    Zero differences are dropped (Wilcoxon's convention); all zero -> (0, 1, "no
    differences"). Up to :data:`EXACT_MAX_N` non-zero differences the p-value is exact:
    scipy's exact distribution without ties, the exact conditional distribution
    (:func:`signed_rank_exact_p`) with ties; above, scipy's normal approximation with the
    tie correction. The statistic is scipy's: the smaller of the two rank sums.
    """
    d = np.round(np.asarray(differences, dtype="float64"), DECIMALS)
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return 0.0, 1.0, "no differences"
    ties = len(np.unique(np.abs(d))) < n
    if n > EXACT_MAX_N:
        res = stats.wilcoxon(d, method="asymptotic")
        return float(res.statistic), float(res.pvalue), "normal approximation"
    if not ties:
        res = stats.wilcoxon(d, method="exact")
        return float(res.statistic), float(res.pvalue), "exact"
    res = stats.wilcoxon(d, method="asymptotic")
    return float(res.statistic), signed_rank_exact_p(d), "exact (ties)"


def min_detectable_change(
    differences: np.ndarray, alpha: float = ALPHA, power: float = POWER
) -> float:
    """Rough smallest mean change a paired test would usually detect (power ``power``).

    (z_{1-alpha/2} + z_power) x SD of the differences / sqrt(n x 3/pi): the paired t-test
    formula with n discounted by the Wilcoxon test's asymptotic efficiency. NaN below 2
    pairs. A rough guide, stated as "about" wherever it is shown.
    """
    d = np.asarray(differences, dtype="float64")
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return float("nan")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(z * d.std(ddof=1) / np.sqrt(len(d) * WILCOXON_EFFICIENCY))


def _paired_scores(
    old_scores: pd.DataFrame, new_scores: pd.DataFrame, paired: list[str]
) -> pd.DataFrame:
    """entity_id, dimension, score_old, score_new for paired entities with both scores."""
    keep = set(paired)
    cols = ["entity_id", "dimension", "score"]
    old = old_scores.loc[old_scores["entity_id"].isin(keep), cols]
    new = new_scores.loc[new_scores["entity_id"].isin(keep), cols]
    both = old.merge(new, on=["entity_id", "dimension"], suffixes=("_old", "_new"))
    both = both.astype({"score_old": "float64", "score_new": "float64"}).dropna(
        subset=["score_old", "score_new"]
    )
    both["change"] = (both["score_new"] - both["score_old"]).round(DECIMALS)
    return both


def _dimension_order(old_scores: pd.DataFrame, new_scores: pd.DataFrame) -> list[str]:
    dims = list(pd.unique(new_scores["dimension"].astype("string")))
    return dims + [d for d in pd.unique(old_scores["dimension"].astype("string")) if d not in dims]


def _direction(change: float) -> str:
    if not np.isfinite(change) or abs(change) < 10**-DECIMALS:
        return "none"
    return "up" if change > 0 else "down"


def compare_scores(
    old_scores: pd.DataFrame,
    new_scores: pd.DataFrame,
    paired: list[str],
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Per dimension: did the scores of the entities answering both rounds change?

    In: two ``scores`` tables (``entity_id, dimension, score, level``) on the same scale,
    the entity ids answering both rounds. Out: one row per dimension present in both, in
    the new table's order: ``dimension, n_pairs`` (paired entities scored in both rounds),
    ``n_changed`` (non-zero differences), ``mean_old, mean_new, mean_change``,
    ``wilcoxon_stat, p_value, method`` (see :func:`wilcoxon_paired`), ``effect_size``
    (matched-pairs rank-biserial r), ``direction`` (up, down, none: sign of the mean
    change), ``distinguishable`` (p < ``alpha`` and at least :data:`MIN_PAIRS` pairs) and
    ``min_detectable`` (:func:`min_detectable_change`).
    """
    both = _paired_scores(old_scores, new_scores, paired)
    rows = []
    for dim in _dimension_order(old_scores, new_scores):
        part = both[both["dimension"] == dim]
        if part.empty and not (
            (old_scores["dimension"] == dim).any() and (new_scores["dimension"] == dim).any()
        ):
            continue
        d = part["change"].to_numpy(dtype="float64")
        stat, p, method = wilcoxon_paired(d) if len(d) else (np.nan, np.nan, "no pairs")
        mean_change = float(d.mean()) if len(d) else np.nan
        rows.append(
            {
                "dimension": dim,
                "n_pairs": len(d),
                "n_changed": int((d != 0).sum()),
                "mean_old": float(part["score_old"].mean()) if len(d) else np.nan,
                "mean_new": float(part["score_new"].mean()) if len(d) else np.nan,
                "mean_change": round(mean_change, DECIMALS) if len(d) else np.nan,
                "wilcoxon_stat": stat,
                "p_value": p,
                "method": method,
                "effect_size": rank_biserial(d) if len(d) else np.nan,
                "direction": _direction(mean_change),
                "distinguishable": bool(len(d) >= MIN_PAIRS and p < alpha),
                "min_detectable": min_detectable_change(d, alpha),
            }
        )
    out = pd.DataFrame(rows, columns=SCORE_CHANGE_COLUMNS)
    return out.astype(
        {
            "dimension": "string",
            "n_pairs": "int64",
            "n_changed": "int64",
            "mean_old": "float64",
            "mean_new": "float64",
            "mean_change": "float64",
            "wilcoxon_stat": "float64",
            "p_value": "float64",
            "method": "string",
            "effect_size": "float64",
            "direction": "string",
            "distinguishable": "bool",
            "min_detectable": "float64",
        }
    )


def movers(
    old_scores: pd.DataFrame, new_scores: pd.DataFrame, paired: list[str], top: int = 5
) -> pd.DataFrame:
    """Per dimension, the ``top`` paired entities whose score changed most (either way).

    Out: ``dimension, entity_id, score_old, score_new, change, rank`` (rank 1 = largest
    absolute change; ties broken by entity id); entities whose score did not change are
    left out.
    """
    both = _paired_scores(old_scores, new_scores, paired)
    both = both[both["change"] != 0].copy()
    order = {d: i for i, d in enumerate(_dimension_order(old_scores, new_scores))}
    both["_dim"] = both["dimension"].map(order)
    both["_abs"] = both["change"].abs()
    both = both.sort_values(["_dim", "_abs", "entity_id"], ascending=[True, False, True])
    both = both.groupby("dimension", sort=False).head(top).copy()
    both["rank"] = both.groupby("dimension", sort=False).cumcount() + 1
    out = both[MOVER_COLUMNS].reset_index(drop=True)
    return out.astype(
        {"dimension": "string", "entity_id": "string", "rank": "int64", "change": "float64"}
    )


def mcnemar_exact(b: int, c: int) -> float:
    """Exact McNemar p-value: two-sided binomial test of ``c`` out of ``b + c`` at 1/2.

    ``b`` = pairs that went yes -> no, ``c`` = no -> yes; 1 when there are none.
    """
    if b + c == 0:
        return 1.0
    return float(stats.binomtest(int(c), int(b + c), 0.5).pvalue)


def compare_adoption(
    old_yesno: pd.DataFrame,
    new_yesno: pd.DataFrame,
    paired: list[str],
    labels: Mapping[str, str] | None = None,
    alpha: float = ALPHA,
) -> pd.DataFrame:
    """Per yes/no item: did the entities answering both rounds switch more one way?

    In: two frames indexed by ``entity_id`` with one boolean column per item (NA where not
    answered), the paired entity ids, optional item labels. Out: one row per item present
    in both frames (new frame's order): ``item, label, n_pairs`` (paired entities answering
    the item in both rounds), ``yes_old, yes_new`` (how many of them said yes), ``b``
    (yes -> no), ``c`` (no -> yes), ``p_value`` (exact McNemar, :func:`mcnemar_exact`),
    ``odds_ratio`` ((c + 0.5) / (b + 0.5)), ``effect`` (Cohen's g with a sign: c / (b + c)
    - 1/2, 0 without switches), ``direction`` (up: more yes), ``distinguishable``
    (p < ``alpha``; needs at least six switches).
    """
    keep = [e for e in paired if e in old_yesno.index and e in new_yesno.index]
    rows = []
    for item in [c for c in new_yesno.columns if c in old_yesno.columns]:
        old = old_yesno.loc[keep, item].astype("boolean")
        new = new_yesno.loc[keep, item].astype("boolean")
        ok = (old.notna() & new.notna()).to_numpy()
        o, n = old[ok].to_numpy(dtype=bool), new[ok].to_numpy(dtype=bool)
        b, c = int((o & ~n).sum()), int((~o & n).sum())
        p = mcnemar_exact(b, c)
        rows.append(
            {
                "item": item,
                "label": (labels or {}).get(item, item),
                "n_pairs": int(ok.sum()),
                "yes_old": int(o.sum()),
                "yes_new": int(n.sum()),
                "b": b,
                "c": c,
                "p_value": p,
                "odds_ratio": (c + 0.5) / (b + 0.5),
                "effect": (c / (b + c) - 0.5) if b + c else 0.0,
                "direction": "up" if c > b else ("down" if b > c else "none"),
                "distinguishable": bool(p < alpha),
            }
        )
    out = pd.DataFrame(rows, columns=ADOPTION_COLUMNS)
    ints = ["n_pairs", "yes_old", "yes_new", "b", "c"]
    return out.astype(
        {"item": "string", "label": "string", "direction": "string", "distinguishable": "bool"}
        | {c: "int64" for c in ints}
        | {c: "float64" for c in ("p_value", "odds_ratio", "effect")}
    )


def coverage_change(old_coverage: pd.DataFrame, new_coverage: pd.DataFrame) -> pd.DataFrame:
    """Per dimension in both coverage tables: change in entities engaged and mean score.

    In: two ``coverage`` tables (``dimension, label, n_engaged, n_respondents, mean_score``
    ...) computed with the same definition. Out: :data:`COVERAGE_CHANGE_COLUMNS`, in the
    new table's order, label from the new table. These are all respondents of each round,
    not only the paired entities: they describe the system, not change within entities.
    """
    cols = ["dimension", "n_respondents", "n_engaged", "mean_score"]
    both = new_coverage[["label", *cols]].merge(
        old_coverage[cols], on="dimension", suffixes=("_new", "_old"), how="inner"
    )
    for side in ("old", "new"):
        n = both[f"n_respondents_{side}"].astype("float64")
        both[f"share_engaged_{side}"] = both[f"n_engaged_{side}"].astype("float64") / n.where(n > 0)
    both["change_engaged"] = both["n_engaged_new"] - both["n_engaged_old"]
    both["change_share_engaged"] = both["share_engaged_new"] - both["share_engaged_old"]
    both["change_mean_score"] = (
        both["mean_score_new"].astype("float64") - both["mean_score_old"].astype("float64")
    ).round(DECIMALS)
    out = both[COVERAGE_CHANGE_COLUMNS].reset_index(drop=True)
    ints = [
        "n_respondents_old",
        "n_respondents_new",
        "n_engaged_old",
        "n_engaged_new",
        "change_engaged",
    ]
    return out.astype(
        {"dimension": "string", "label": "string"}
        | {c: "int64" for c in ints}
        | {c: "float64" for c in COVERAGE_CHANGE_COLUMNS[7:]}
    )


def network_change(
    old_edges: pd.DataFrame, new_edges: pd.DataFrame, paired: list[str] | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Collaboration ties kept, new and dropped between two rounds.

    In: two ``network_edges`` tables (``source, target``: who reported working with whom).
    A tie is a pair of entities, whichever of them reported it. With ``paired``, only ties
    between two entities that answered both rounds count (a tie with an entity that did
    not answer one round cannot be seen to appear or go). Out: ``entity_a, entity_b,
    status`` (kept, new, dropped; ``entity_a`` < ``entity_b``) and the counts
    ``{"kept": .., "new": .., "dropped": ..}``.
    """

    def ties(edges: pd.DataFrame) -> set[tuple[str, str]]:
        if edges.empty:
            return set()
        frame = edges[["source", "target"]].dropna().astype(str)
        frame = frame[frame["source"] != frame["target"]]
        if paired is not None:
            keep = set(paired)
            frame = frame[frame["source"].isin(keep) & frame["target"].isin(keep)]
        low = np.minimum(frame["source"].to_numpy(), frame["target"].to_numpy())
        high = np.maximum(frame["source"].to_numpy(), frame["target"].to_numpy())
        return set(zip(low.tolist(), high.tolist(), strict=True))

    old, new = ties(old_edges), ties(new_edges)
    groups = {"kept": old & new, "new": new - old, "dropped": old - new}
    rows = [(a, b, status) for status, pairs in groups.items() for a, b in sorted(pairs)]
    out = pd.DataFrame(rows, columns=NETWORK_CHANGE_COLUMNS).astype("string")
    return out, {status: len(pairs) for status, pairs in groups.items()}


# -- findings ----------------------------------------------------------------------------


def change_findings(
    score_change: pd.DataFrame, adoption_change: pd.DataFrame | None = None
) -> list[dict[str, Any]]:
    """What the comparison found, item by item, as data for any writer to word.

    In: the :func:`compare_scores` table (with ``label`` where available) and optionally
    the :func:`compare_adoption` table; rows without a pair are left out. Out: one dict
    per item, scores first then yes/no items, each with ``kind`` (``score`` | ``yes_no``),
    ``item`` (dimension id or yes/no item), ``label``, ``direction`` (``up`` | ``down`` |
    ``none``), ``size`` (the change in mean score; for yes/no the change in the number
    answering yes), ``p``, ``n_pairs`` and ``distinguishable`` (told from noise); scores
    add ``min_detectable``, yes/no items ``yes_old, yes_new, to_yes, to_no``.
    """

    def direction(change: float) -> str:
        return "up" if change > 0 else "down" if change < 0 else "none"

    out: list[dict[str, Any]] = []
    sc = score_change[score_change["n_pairs"] >= 1] if len(score_change) else score_change
    for r in sc.to_dict("records"):
        label = r.get("label")
        out.append(
            {
                "kind": "score",
                "item": str(r["dimension"]),
                "label": str(label if label is not None and not pd.isna(label) else r["dimension"]),
                "direction": direction(float(r["mean_change"])),
                "size": float(r["mean_change"]),
                "p": float(r["p_value"]),
                "n_pairs": int(r["n_pairs"]),
                "distinguishable": bool(r["distinguishable"]),
                "min_detectable": float(r["min_detectable"]),
            }
        )
    if adoption_change is not None and len(adoption_change):
        for r in adoption_change[adoption_change["n_pairs"] >= 1].to_dict("records"):
            to_yes, to_no = int(r["c"]), int(r["b"])
            out.append(
                {
                    "kind": "yes_no",
                    "item": str(r["item"]),
                    "label": str(r["label"]),
                    "direction": direction(to_yes - to_no),
                    "size": int(r["yes_new"]) - int(r["yes_old"]),
                    "p": float(r["p_value"]),
                    "n_pairs": int(r["n_pairs"]),
                    "distinguishable": bool(r["distinguishable"]),
                    "yes_old": int(r["yes_old"]),
                    "yes_new": int(r["yes_new"]),
                    "to_yes": to_yes,
                    "to_no": to_no,
                }
            )
    return out


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
    changed in scope). Writers word them (:mod:`pipeline.report.change_words`).
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
    :func:`pipeline.analysis.compare.compare_rounds` (tables :data:`COMPARISON_TABLES`;
    stats ``old_round, new_round, n_both, n_joined, n_left, findings`` ...).
    """
    def side(result: RunResult) -> dict[str, Any]:
        return {
            "submissions": result.responses.submissions,
            "tables": result.tables,
            "round": result.round,
        }

    return compare_rounds(side(old), side(new), old.survey, new.survey, new.registry)
