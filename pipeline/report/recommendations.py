"""Recommendations drafted from rules, each ``(lead sentence, why and how)``: who could
take up a weak dimension item, the other gaps, the network and the pairs, the ranking, and
the entities to follow up. Pure functions of the run's tables and the survey's
:class:`~pipeline.report.words.Words`; the words that belong to one survey (the
"strengthen" sentence, the overlap word) come from its ``report:`` block."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.analyses.coverage.words import ranked_coverage
from pipeline.analyses.gaps.words import dimension_gaps, kind_words
from pipeline.analyses.ranking.words import agreement_words
from pipeline.report.words import Words, cell_number, cell_text, split_names
from pipeline.wording import article, capitalise, join_names, percent, plural


@dataclass(frozen=True)
class Candidates:
    """Who could take up a dimension: minor engagement there, or strong next door."""

    minor: list[str]
    neighbours: list[tuple[str, str]]  # (acronym, label of the neighbouring dimension)


def candidates(
    engagement: pd.DataFrame, dimension: str, order: Sequence[str], words: Words
) -> Candidates:
    """Entities that could strengthen ``dimension``.

    ``engagement``: one row per entity x dimension with ``acronym, dimension, score`` where
    score is the choice score of the engagement answer. *minor*: score above 0 but below
    the "engaged" threshold in this dimension; *neighbours*: entities not engaged here but
    at the strong level (score 1 or the maximum) in an adjacent dimension of the set.
    """
    if engagement is None or engagement.empty:
        return Candidates([], [])
    threshold = words.engaged_score if words.engaged_score is not None else 0.5
    here = engagement[engagement["dimension"] == dimension]
    minor = sorted(here.loc[(here["score"] > 0) & (here["score"] < threshold), "acronym"])
    engaged_here = set(here.loc[here["score"] >= threshold, "acronym"])
    neighbours: list[tuple[str, str]] = []
    if dimension in order:
        i = list(order).index(dimension)
        top = engagement["score"].max()
        for j in (i - 1, i + 1):
            if 0 <= j < len(order):
                next_door = engagement[
                    (engagement["dimension"] == order[j]) & (engagement["score"] >= top)
                ]
                neighbours += [
                    (a, words.label(order[j]))
                    for a in sorted(next_door["acronym"])
                    if a not in engaged_here and a not in minor
                ]
    return Candidates(minor, neighbours)


Recommendation = tuple[str, str]  # (lead sentence, why and how)


def recommend_dimensions(
    coverage: pd.DataFrame, gaps: pd.DataFrame, engagement: pd.DataFrame, words: Words
) -> list[Recommendation]:
    """A dimension without a lead -> designate one; a gap dimension -> strengthen it. Both
    name who could do it: entities engaged below the threshold there, else those strong in
    a neighbouring dimension. Least covered dimensions first."""
    out: list[Recommendation] = []
    order = list(words.dimension_labels)
    mask = dimension_gaps(gaps, words)
    gap_dims = set(gaps.loc[mask, "dimension"]) if mask.any() else set()
    for row in ranked_coverage(coverage).iloc[::-1].itertuples(index=False):
        no_lead = not split_names(row.lead_entities)
        if not (no_lead or row.dimension in gap_dims):
            continue
        cand = candidates(engagement, row.dimension, order, words)
        if no_lead:
            lead = f"Designate a lead {words.entity} for {row.label}."
            why = f"No {words.entity} answers '{words.strong}' for this {words.dimension}"
        else:
            lead = words.strengthen.format(item=row.label)
            why = f"This {words.dimension} is a gap"
        if cand.minor:
            level = f"the {words.minor} level" if words.minor else f"a level below {words.engaged}"
            how = (
                f"; invite {join_names(cand.minor, limit=4)}, already engaged at {level}, "
                "to take it further."
            )
        elif cand.neighbours:
            names = [f"{a} ('{words.strong}' in {label})" for a, label in cand.neighbours[:3]]
            how = f"; invite {join_names(names)} to extend their work to it."
        else:
            how = f"; ask the group which {words.entity} could take it up."
        out.append((lead, why + how))
    return out


def recommend_other_gaps(gaps: pd.DataFrame, words: Words) -> list[Recommendation]:
    """Topic gaps one by one; activity gaps together (one per dimension at most)."""
    if gaps is None or gaps.empty:
        return []
    rest = gaps[~dimension_gaps(gaps, words)]
    out: list[Recommendation] = []
    for kind, group in rest[rest["kind"] != "activity"].groupby("kind", sort=False):
        one, many = kind_words(str(kind), words)
        verb = words.topic_verb if kind == "topic" else ("works on", "work on")
        if len(group) > 3:  # many small gaps read better as one action than as a list
            out.append(
                (
                    f"Address the {len(group)} {many} few or no {words.entities} {verb[1]}.",
                    f"{join_names(group['label'].tolist(), 6)}; the Gaps table gives the "
                    "evidence for each.",
                )
            )
            continue
        for g in group.itertuples(index=False):
            out.append(
                (f"Address the {one} gap on {g.label}.", f"{capitalise(cell_text(g.evidence))}.")
            )
    activity = rest[rest["kind"] == "activity"]
    if not activity.empty:
        out.append(
            (
                f"Widen the {words.activity[1]} in {join_names(activity['label'].tolist(), 4)}.",
                f"Some {words.activity[1]} are reported by none of the {words.entities} engaged "
                f"there (the Gaps table lists them); check whether other {words.entities} "
                "cover them.",
            )
        )
    return out


def recommend_network(
    network: dict[str, Any], pairs: pd.DataFrame, words: Words
) -> list[Recommendation]:
    """Isolated entities, one-sided links, possible duplication, complementary pairs."""
    out: list[Recommendation] = []
    network = network or {}
    isolated = list(network.get("isolated") or [])
    if isolated:
        them = "it" if len(isolated) == 1 else "them"
        out.append(
            (
                f"Bring {join_names(isolated)} into the network.",
                f"No working link was reported with {them}; pair each with "
                f"{article(words.entity)} active in the same {words.dimensions} and include "
                f"{them} in joint activities.",
            )
        )
    n_edges = int(network.get("n_edges") or 0)
    n_mutual = int(network.get("n_mutual_pairs") or 0)
    share = n_mutual / (n_edges - n_mutual) if n_edges else None
    if share is not None and share < 0.5:
        out.append(
            (
                "Confirm the links reported by one side only.",
                f"In only {percent(share)} of the linked pairs did both "
                f"{words.entities} name each other; a short check with the focal points would make the map "
                "reliable.",
            )
        )
    if pairs is None or pairs.empty:
        return out
    similarity = pd.to_numeric(pairs["similarity"], errors="coerce")
    over = pairs.assign(sim=similarity)[pairs["relation"] == "overlap"]
    for p in over.sort_values("sim", ascending=False).head(3).itertuples(index=False):
        detail = cell_text(p.detail)
        out.append(
            (
                f"Check for {words.overlap} between {p.entity_a} and {p.entity_b}.",
                f"{capitalise(detail)}." if detail else f"Their profiles are {p.sim:.0%} similar.",
            )
        )
    comp = pairs.assign(sim=similarity)[pairs["relation"] == "complement"]
    for p in comp.sort_values("sim").head(3).itertuples(index=False):  # most different first
        detail = cell_text(p.detail)
        out.append(
            (
                f"Connect {p.entity_a} and {p.entity_b}.",
                "Their strengths complement each other" + (f": {detail}." if detail else "."),
            )
        )
    return out


def recommend_ranking(
    ranking: pd.DataFrame, ranking_stats: dict[str, Any], words: Words
) -> list[Recommendation]:
    """Start with the option ranked first; with weak agreement, confirm it first."""
    if ranking is None or ranking.empty:
        return []
    top = ranking.sort_values(["mean_rank", "label"]).iloc[0]
    w = cell_number((ranking_stats or {}).get("kendall_w"))
    agreement = agreement_words(w, (ranking_stats or {}).get("agreement"))
    caveat = ""
    if w is not None and agreement.startswith("weak"):
        caveat = (
            f" Agreement is {agreement.removesuffix(' agreement')} "
            f"(Kendall's W {w:.2f}), so confirm the choice with the {words.entities} first."
        )
    return [
        (
            f"Start with {top['label']}.",
            f"It ranks first among the options (mean rank {top['mean_rank']:.1f}).{caveat}",
        )
    ]


def recommend_follow_up(
    non_respondents: Sequence[str], response_rate: float | None, words: Words
) -> list[Recommendation]:
    """Below 80% response, follow up the entities that did not answer."""
    rate = cell_number(response_rate)
    if not non_respondents or rate is None or (rate if rate <= 1 else rate / 100) >= 0.8:
        return []
    return [
        (
            f"Follow up the {plural(len(non_respondents), words.entity, words.entities)} "
            "that did not answer.",
            f"{join_names(list(non_respondents), limit=10)}: their work is missing from the "
            "findings, so gaps may be overstated.",
        )
    ]


def recommendations(
    coverage: pd.DataFrame,
    gaps: pd.DataFrame,
    engagement: pd.DataFrame,
    network: dict[str, Any],
    pairs: pd.DataFrame,
    ranking: pd.DataFrame,
    ranking_stats: dict[str, Any],
    non_respondents: Sequence[str],
    response_rate: float | None,
    words: Words,
) -> list[Recommendation]:
    """Recommendations drafted from rules, each ``(lead sentence, why and how)``, in order:
    dimensions (lead, gaps), other gaps, network and pairs, ranking, follow-up.

    ``engagement``: ``acronym, dimension, score`` (choice score of the engagement answer);
    ``pairs``: the pairs table with acronyms in ``entity_a``/``entity_b``.
    """
    gaps = gaps if gaps is not None else pd.DataFrame()
    return [
        *recommend_dimensions(coverage, gaps, engagement, words),
        *recommend_other_gaps(gaps, words),
        *recommend_network(network, pairs, words),
        *recommend_ranking(ranking, ranking_stats, words),
        *recommend_follow_up(non_respondents, response_rate, words),
    ]
