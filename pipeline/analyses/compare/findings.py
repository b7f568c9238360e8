"""What a round comparison found, item by item, as data (kind, item, direction, size, p):
:mod:`pipeline.analyses.compare.words` words it; nothing parses sentences."""

from __future__ import annotations

from typing import Any

import pandas as pd


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
