"""The change tables of a round comparison, from the two rounds' tables on one footing:
``score_change`` (:func:`compare_scores`), ``movers``, ``adoption_change``
(:func:`compare_adoption`), ``coverage_change`` and ``network_change``. Only entities that
answered both rounds are paired; the tests are those of
:mod:`pipeline.analyses.compare.statistics`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from pipeline.analyses.compare.statistics import (
    ALPHA,
    DECIMALS,
    MIN_PAIRS,
    mcnemar_exact,
    min_detectable_change,
    rank_biserial,
    wilcoxon_paired,
)
from pipeline.numbers import shown_difference

SHOWN_DECIMALS = 2
"""The change columns (``mean_change``, ``change``, ``change_mean_score``,
``change_share_engaged``) are the difference of the two values as shown with this many
decimals (scores 0.00, shares 0%: :mod:`pipeline.numbers`), so that the earlier value, the
change and the later value subtract as printed, in the report and in the workbook."""

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


def _shown_changes(old: pd.Series, new: pd.Series) -> pd.Series:
    """``new - old`` per row as the two values read when shown (:data:`SHOWN_DECIMALS`)."""
    values = [
        shown_difference(o, n, SHOWN_DECIMALS)
        for o, n in zip(old.astype("float64"), new.astype("float64"), strict=True)
    ]
    return pd.Series(values, index=old.index, dtype="float64")


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
    ``n_changed`` (non-zero differences), ``mean_old, mean_new``, ``mean_change`` (their
    difference as shown, :data:`SHOWN_DECIMALS`; the test uses the unrounded pairs),
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
        mean_old = float(part["score_old"].mean()) if len(d) else np.nan
        mean_new = float(part["score_new"].mean()) if len(d) else np.nan
        rows.append(
            {
                "dimension": dim,
                "n_pairs": len(d),
                "n_changed": int((d != 0).sum()),
                "mean_old": mean_old,
                "mean_new": mean_new,
                "mean_change": shown_difference(mean_old, mean_new, SHOWN_DECIMALS),
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
    absolute change; ties broken by entity id; ``change`` as shown, the difference of
    the two scores with :data:`SHOWN_DECIMALS`); entities whose score did not change are
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
    both["change"] = _shown_changes(both["score_old"], both["score_new"])
    out = both[MOVER_COLUMNS].reset_index(drop=True)
    return out.astype(
        {"dimension": "string", "entity_id": "string", "rank": "int64", "change": "float64"}
    )


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
    new table's order, label from the new table; the changes of share and mean score are
    the differences as shown (:data:`SHOWN_DECIMALS`: shares as whole percents). These are all respondents of each round,
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
    both["change_share_engaged"] = _shown_changes(both["share_engaged_old"], both["share_engaged_new"])
    both["change_mean_score"] = _shown_changes(both["mean_score_old"], both["mean_score_new"])
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
