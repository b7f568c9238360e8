"""Sentences on a ranking: the first options and how much the raters agree (Kendall's W)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from pipeline.analyses.ranking.compute import agreement_word
from pipeline.numbers import rank
from pipeline.report.words import Words, cell_number
from pipeline.wording import inline, p_text, score


def agreement_words(w: float | None, word: str | None = None) -> str:
    """Kendall's W in plain words: "weak agreement" (W < 0.3), "moderate" (< 0.6), "strong".

    ``word``: the analysis' own word for it (``stats["ranking"]["agreement"]``), used when
    given so that the report and the charts say the same.
    """
    if word:
        word = str(word).strip()
        return word if word.endswith("agreement") else f"{word} agreement"
    if w is None or (isinstance(w, float) and math.isnan(w)):
        return "unknown agreement"
    return f"{agreement_word(w)} agreement"  # the analysis' own thresholds


_AGREEMENT_MEANING = {
    "weak": "the {entities} rank the options quite differently",
    "moderate": "the {entities} partly share an order of preference",
    "strong": "most {entities} rank the options alike",
}


def ranking_sentence(
    ranking: pd.DataFrame, ranking_stats: dict[str, Any], words: Words, about: str = ""
) -> str:
    """The first options of a ranking and how much the raters agree, in words.

    ``about``: what the options are for (e.g. the survey section's label), if known.
    """
    if ranking is None or ranking.empty:
        return ""
    ordered = ranking.sort_values(["mean_rank", "label"]).reset_index(drop=True)
    top = ordered.iloc[0]
    options = f"options for {inline(about)}" if about else "options ranked"
    text = (
        f"Of the {len(ordered)} {options}, {top['label']} comes first "
        f"(mean rank {rank(top['mean_rank'])})"
    )
    if len(ordered) > 1:
        text += f", followed by {ordered.iloc[1]['label']} ({rank(ordered.iloc[1]['mean_rank'])})"
    text += "."
    w = cell_number(ranking_stats.get("kendall_w"))
    if w is not None:
        agreement = agreement_words(w, ranking_stats.get("agreement"))
        base = agreement.removesuffix(" agreement").split()[-1]
        meaning = _AGREEMENT_MEANING.get(base, "").format(entities=words.entities)
        p = cell_number(ranking_stats.get("p_value"))
        sig = ""
        if p is not None:
            sig = f"; {p_text(p)}"
            sig += "" if p < 0.05 else ", so the order may be due to chance"
        n_raters = cell_number(ranking_stats.get("n_raters"))
        raters = f" among {int(n_raters)} {words.entities}" if n_raters else ""
        meaning = f", {meaning}" if meaning else ""
        text += f" Kendall's W is {score(w)}{raters}: {agreement}{meaning}{sig}."
    return text
