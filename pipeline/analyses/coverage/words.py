"""Sentences on coverage: the best- and least-covered dimensions, and the findings on
one dimension (engagement, mean score with its interval, leads, activities, status)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pipeline.analyses.gaps.words import dimension_gaps
from pipeline.report.words import Words, cell_number, cell_text, split_names
from pipeline.wording import (
    agree,
    capitalise,
    count,
    inline,
    join_names,
    number_word,
    percent,
    score,
)


def ranked_coverage(coverage: pd.DataFrame) -> pd.DataFrame:
    """Coverage rows from best to least covered (mean score, then number engaged)."""
    if coverage is None or coverage.empty:
        return pd.DataFrame()
    return coverage.sort_values(
        ["mean_score", "n_engaged", "label"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)


def coverage_sentence(coverage: pd.DataFrame, words: Words) -> str:
    """Best- and least-covered dimensions, with their numbers."""
    ranked = ranked_coverage(coverage)
    if ranked.empty:
        return ""
    best, worst = ranked.iloc[0], ranked.iloc[-1]

    def facts(row: pd.Series) -> str:
        return (
            f"{count(int(row['n_engaged']), words.entity, words.entities)} engaged "
            f"{words.at_engaged}, mean score {score(row['mean_score'])}"
        )

    if len(ranked) == 1:
        return f"The only {words.dimension} surveyed is {best['label']}: {facts(best)}."
    return (
        f"Of the {len(ranked)} {words.dimensions}, the best covered is {best['label']} "
        f"({facts(best)}); the least covered is {worst['label']} ({facts(worst)})."
    )


def dimension_finding(
    row: pd.Series,
    activities: Sequence[tuple[str, int]],
    gaps: pd.DataFrame,
    words: Words,
    confidence: float = 0.95,
    level: str = "",
) -> list[str]:
    """Sentences on one dimension: engagement, mean score with CI, leads, activities and,
    when it is one, that it is a gap (the chapter's introduction says that the others are
    not: a sentence said under every item would say nothing)."""
    n_resp = int(row.get("n_respondents") or 0)
    n_eng = int(row.get("n_engaged") or 0)
    n_strong = int(row.get("n_strong") or 0)
    who = agree(n_eng, words.entity, words.entities, words.engages, of=n_resp or None)
    first = f"{capitalise(who)} this {words.dimension} {words.at_engaged}"
    if not words.binary:
        first += f", {number_word(n_strong) if n_strong else 'none'} at the {words.strong} level"
    out = [first + "."]
    mean = cell_number(row.get("mean_score"))
    if mean is not None:
        ci_low, ci_high = cell_number(row.get("ci_low")), cell_number(row.get("ci_high"))
        ci = (
            f" ({percent(confidence)} confidence interval {score(ci_low)} to {score(ci_high)})"
            if ci_low is not None and ci_high is not None
            else ""
        )
        lvl = f", in the '{level}' band" if level else ""
        out.append(f"The mean score is {score(mean)}{ci}{lvl}.")
    leads = split_names(row.get("lead_entities"))
    if leads:
        # a long list arrives shortened as "A, B, ... F and 9 more": keep it as it is
        named = str(row.get("lead_entities")) if " more" in leads[-1] else join_names(leads)
        out.append(f"Lead {words.entities if len(leads) > 1 else words.entity}: {named}.")
    else:
        out.append(f"No {words.entity} leads the work on {inline(str(row.get('label', '')))}.")
    if activities:
        top = [f"{inline(label)} ({n})" for label, n in activities[:3]]
        out.append(f"Most reported {words.activity[1]}: {join_names(top)}.")
    here = (
        gaps[gaps["dimension"] == row["dimension"]]
        if gaps is not None and not gaps.empty
        else pd.DataFrame(columns=["kind", "dimension", "severity", "reason", "evidence"])
    )
    mine = here[dimension_gaps(here, words)] if not here.empty else here
    if not mine.empty:
        g = mine.sort_values("severity", key=lambda s: s.ne("critical")).iloc[0]
        what = "a critical gap" if g["severity"] == "critical" else "a gap"
        out.append(f"{capitalise(str(row.get('label', '')))} is {what}: {cell_text(g['reason'])}.")
    for g in here[here["kind"] == "activity"].itertuples(index=False):
        out.append(f"Missing {words.activity[1]}: {cell_text(g.evidence)}.")
    return out
