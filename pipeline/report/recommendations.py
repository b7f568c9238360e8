"""Recommendations drafted from rules, each ``(lead sentence, why and how)``: what changed
since the last round, who could take up a weak dimension item, the other gaps, the network
and the pairs, the ranking, and the entities to follow up. Pure functions of the run's
tables and the survey's :class:`~pipeline.report.words.Words`; the words that belong to
one survey (the "strengthen" sentence, the overlap word) come from its ``report:`` block.

Each rule gives its drafts a weight: the weight of the evidence behind them (a change told
from noise, a critical gap, many entities affected weigh most; a pair to connect least).
:func:`ranked_recommendations` keeps the :data:`MAX_MAIN` heaviest for the report's
Recommendations section, strongest first; the rest go to an annex table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.analyses.coverage.words import ranked_coverage
from pipeline.analyses.gaps.words import dimension_gaps, kind_words
from pipeline.analyses.ranking.words import agreement_words
from pipeline.numbers import p_text, rank, score, signed
from pipeline.report.words import Words, cell_number, cell_text, split_names
from pipeline.tidy import as_text
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

MAX_MAIN = 8  # recommendations in the report's own section; the rest go to an annex

# The weight of the evidence behind each kind of draft (higher first). A change told from
# noise and a critical gap come first; then gaps, missing answers that may overstate them,
# items without a lead; the network, the ranking and single pairs last.
WEIGHTS = {
    "change_down": 95.0,
    "critical_gap": 85.0,
    "gap": 70.0,
    "follow_up": 62.0,
    "change_up": 55.0,
    "no_lead": 50.0,
    "topic_gaps": 45.0,
    "topic_gap": 40.0,
    "isolated": 36.0,
    "ranking": 32.0,
    "activities": 30.0,
    "one_sided": 25.0,
    "overlap": 20.0,
    "complement": 15.0,
}


@dataclass(frozen=True)
class Ranked:
    """A drafted recommendation with the weight of its evidence and what it rests on."""

    lead: str
    why: str
    weight: float
    basis: str  # the kind of evidence, for the annex table ("critical gap", "network" ...)

    @property
    def pair(self) -> Recommendation:
        return (self.lead, self.why)


def _ranked(kind: str, basis: str, lead: str, why: str, extra: float = 0.0) -> Ranked:
    return Ranked(lead, why, WEIGHTS[kind] + extra, basis)


def recommend_dimensions(
    coverage: pd.DataFrame,
    gaps: pd.DataFrame,
    engagement: pd.DataFrame,
    words: Words,
    projects: dict[str, int] | None = None,
    n_projects: int | None = None,
) -> list[Ranked]:
    """A gap dimension -> strengthen it; a dimension without a lead -> designate one. Both
    name who could do it: entities engaged below the threshold there, else those strong in
    a neighbouring dimension. Least covered dimensions first.

    ``projects``: the number of projects reported per dimension label; a weak dimension
    among the third that hold the most of them (and more than an even share) is said to,
    and weighs less (the answers and the project
    inventory disagree: the first step is to check which is right); ``n_projects``: how
    many distinct projects there are (a project can concern several dimensions, so the
    counts per dimension add up to more)."""
    out: list[Ranked] = []
    order = list(words.dimension_labels)
    mask = dimension_gaps(gaps, words)
    gap_rows = gaps[mask] if mask.any() else gaps.iloc[0:0]
    severity = dict(zip(gap_rows.get("dimension", []), gap_rows.get("severity", []), strict=True))
    projects = projects or {}
    mentions = sum(projects.values())
    n_projects = n_projects or mentions
    # the dimensions holding the most projects: the top third by count, above an even share
    counts = sorted((projects.get(words.label(d), 0) for d in order), reverse=True)
    top = counts[: max(1, len(order) // 3)]
    most_projects = max(top[-1] if top else 0, mentions / max(len(order), 1))
    for row in ranked_coverage(coverage).iloc[::-1].itertuples(index=False):
        no_lead = not split_names(row.lead_entities)
        if not (no_lead or row.dimension in severity):
            continue
        cand = candidates(engagement, row.dimension, order, words)
        if row.dimension in severity:
            lead = words.strengthen.format(item=row.label)
            critical = severity[row.dimension] == "critical"
            kind = "critical_gap" if critical else "gap"
            why = f"This {words.dimension} is a {'critical ' if critical else ''}gap"
            if no_lead:
                why += f" and no {words.entity} leads it"
        else:
            kind = "no_lead"
            lead = f"Designate a lead {words.entity} for {row.label}."
            why = f"No {words.entity} answers '{words.strong}' for this {words.dimension}"
        mean = cell_number(row.mean_score)
        extra = 5 * (1 - mean) if mean is not None else 0.0  # weaker first within a kind
        held = projects.get(str(row.label), 0)
        if held and held >= most_projects:
            why += (
                f", yet {held} of the {n_projects} projects reported concern it: check "
                "whether the answers understate this work before planning new work"
            )
            extra -= 15
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
        basis = {"critical_gap": "critical gap", "gap": "gap", "no_lead": "no lead"}[kind]
        out.append(_ranked(kind, basis, lead, why + how, extra))
    return out


def recommend_other_gaps(gaps: pd.DataFrame, words: Words) -> list[Ranked]:
    """Topic gaps one by one; activity gaps together (one per dimension at most)."""
    if gaps is None or gaps.empty:
        return []
    rest = gaps[~dimension_gaps(gaps, words)]
    out: list[Ranked] = []
    for kind, group in rest[rest["kind"] != "activity"].groupby("kind", sort=False):
        one, many = kind_words(str(kind), words)
        verb = words.topic_verb if kind == "topic" else ("works on", "work on")
        if len(group) > 3:  # many small gaps read better as one action than as a list
            out.append(
                _ranked(
                    "topic_gaps",
                    f"{one} gaps",
                    f"Address the {len(group)} {many} few or no {words.entities} {verb[1]}.",
                    f"{join_names(group['label'].tolist(), 6)}; the Gaps table gives the "
                    "evidence for each.",
                    (group["severity"] == "critical").sum() if "severity" in group else 0,
                )
            )
            continue
        for g in group.itertuples(index=False):
            critical = getattr(g, "severity", "") == "critical"
            out.append(
                _ranked(
                    "topic_gap",
                    f"{'critical ' if critical else ''}{one} gap",
                    f"Address the {one} gap on {g.label}.",
                    f"{capitalise(cell_text(g.evidence))}.",
                    10 if critical else 0,
                )
            )
    activity = rest[rest["kind"] == "activity"]
    if not activity.empty:
        out.append(
            _ranked(
                "activities",
                f"{words.activity[0]} gaps",
                f"Widen the {words.activity[1]} in {join_names(activity['label'].tolist(), 4)}.",
                f"Some {words.activity[1]} are reported by none of the {words.entities} engaged "
                f"there (the Gaps table lists them); check whether other {words.entities} "
                "cover them.",
            )
        )
    return out


def recommend_network(network: dict[str, Any], pairs: pd.DataFrame, words: Words) -> list[Ranked]:
    """Isolated entities, one-sided links, possible duplication, complementary pairs."""
    out: list[Ranked] = []
    network = network or {}
    isolated = list(network.get("isolated") or [])
    if isolated:
        them = "it" if len(isolated) == 1 else "them"
        out.append(
            _ranked(
                "isolated",
                "network",
                f"Bring {join_names(isolated)} into the network.",
                f"No working link was reported with {them}; pair each with "
                f"{article(words.entity)} active in the same {words.dimensions} and include "
                f"{them} in joint activities.",
                min(len(isolated), 8),
            )
        )
    n_edges = int(network.get("n_edges") or 0)
    n_mutual = int(network.get("n_mutual_pairs") or 0)
    share = n_mutual / (n_edges - n_mutual) if n_edges else None
    if share is not None and share < 0.5:
        out.append(
            _ranked(
                "one_sided",
                "network",
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
            _ranked(
                "overlap",
                words.overlap,
                f"Check for {words.overlap} between {p.entity_a} and {p.entity_b}.",
                f"{capitalise(detail)}." if detail else f"Their profiles are {percent(p.sim)} similar.",
                p.sim if pd.notna(p.sim) else 0.0,
            )
        )
    comp = pairs.assign(sim=similarity)[pairs["relation"] == "complement"]
    for p in comp.sort_values("sim").head(3).itertuples(index=False):  # most different first
        detail = cell_text(p.detail)
        out.append(
            _ranked(
                "complement",
                "complementary pair",
                f"Connect {p.entity_a} and {p.entity_b}.",
                "Their strengths complement each other" + (f": {detail}." if detail else "."),
            )
        )
    return out


def recommend_ranking(
    ranking: pd.DataFrame, ranking_stats: dict[str, Any], words: Words
) -> list[Ranked]:
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
            f"(Kendall's W {score(w)}), so confirm the choice with the {words.entities} first."
        )
    return [
        _ranked(
            "ranking",
            "ranking",
            f"Start with {top['label']}.",
            f"It ranks first among the options (mean rank {rank(top['mean_rank'])}).{caveat}",
            -4 if caveat else 0,
        )
    ]


def recommend_follow_up(
    non_respondents: Sequence[str], response_rate: float | None, words: Words, any_gaps: bool = True
) -> list[Ranked]:
    """Below 80% response, follow up the entities that did not answer (``any_gaps``: the
    round found gaps, which missing answers may overstate)."""
    rate = cell_number(response_rate)
    if not non_respondents or rate is None or (rate if rate <= 1 else rate / 100) >= 0.8:
        return []
    share = rate if rate <= 1 else rate / 100
    return [
        _ranked(
            "follow_up",
            "response",
            f"Follow up the {plural(len(non_respondents), words.entity, words.entities)} "
            "that did not answer.",
            f"{join_names(list(non_respondents), limit=10)}: their work is missing from the "
            + ("findings, so gaps may be overstated." if any_gaps else "findings."),
            10 * (0.8 - share),
        )
    ]


def _change_evidence(f: dict[str, Any], footing: str) -> str:
    """What one comparison finding measured, with its p-value; ``footing``: the scale both
    rounds were scored on when the form changed ("" when it did not)."""
    if f.get("kind") == "yes_no":
        said = f"{f.get('yes_old')} of {f.get('n_pairs')} said yes then, {f.get('yes_new')} now"
    else:
        said = f"their mean score{footing} moved by {signed(f.get('size'))}"
    return f"{said} ({p_text(f.get('p'))})"


def recommend_change(
    findings: Sequence[dict[str, Any]], words: Words, footing: str = ""
) -> list[Ranked]:
    """Each item whose change since the last round can be told from noise: a fall -> find
    out why; a rise -> build on it. ``findings``: the comparison's structured findings
    (``kind, item, label, direction, size, p, distinguishable`` ..., and ``dimension`` for
    a yes/no item asked per dimension); the findings on one dimension make one draft.
    ``footing``: how the scores were harmonised when the form changed (" on the 2016-R1
    form's scale"), so that the figure is not read as the round's own."""
    by_item: dict[str, list[dict[str, Any]]] = {}
    for f in findings or []:
        if f.get("distinguishable") and f.get("direction") in ("up", "down"):
            key = str(f.get("dimension") or f.get("item"))
            by_item.setdefault(key, []).append(f)
    out: list[Ranked] = []
    for key, group in by_item.items():
        directions = {f["direction"] for f in group}
        if len(directions) > 1:  # the measures disagree: no draft on this item
            continue
        label = words.dimension_labels.get(key) or group[0].get("label") or key
        evidence = "; ".join(_change_evidence(f, footing) for f in group)
        size = max(abs(cell_number(f.get("size")) or 0.0) for f in group)
        # a fall in a yes/no count weighs by its size in entities; a score by its size
        extra = len(group) + min(size, 10) / 2
        if directions == {"down"}:
            out.append(
                _ranked(
                    "change_down",
                    "change since the last round",
                    f"Find out why engagement in {label} fell.",
                    f"Among the {words.entities} answering both rounds, {evidence}: a fall this "
                    f"large is unlikely to be noise. Ask those that moved what changed before "
                    "planning new work there.",
                    extra,
                )
            )
        else:
            out.append(
                _ranked(
                    "change_up",
                    "change since the last round",
                    f"Build on the rise in {label}.",
                    f"Among the {words.entities} answering both rounds, {evidence}: record what "
                    "those that moved did, so others can learn from it.",
                    extra,
                )
            )
    return out


@dataclass(frozen=True)
class Drafted:
    """The report's recommendations (at most :data:`MAX_MAIN`, strongest evidence first)
    and the minor ones for the annex table."""

    main: list[Ranked]
    minor: list[Ranked]

    @property
    def pairs(self) -> list[Recommendation]:
        return [r.pair for r in self.main]


def ranked_recommendations(drafts: Sequence[Ranked], limit: int = MAX_MAIN) -> Drafted:
    """``drafts`` by the weight of their evidence (a stable sort: equal weights keep the
    rules' order), the first ``limit`` for the report's section, the rest minor."""
    ordered = sorted(drafts, key=lambda r: -r.weight)
    return Drafted(ordered[:limit], ordered[limit:])


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
    projects: dict[str, int] | None = None,
    findings: Sequence[dict[str, Any]] = (),
    n_projects: int | None = None,
    footing: str = "",
) -> Drafted:
    """Recommendations drafted from rules and ranked by the weight of their evidence (see
    :func:`ranked_recommendations`): changes since the last round (``findings``),
    dimensions (gaps, leads), other gaps, network and pairs, ranking, follow-up.

    ``engagement``: ``acronym, dimension, score`` (choice score of the engagement answer);
    ``pairs``: the pairs table with acronyms in ``entity_a``/``entity_b``; ``projects``:
    projects reported per dimension label; ``n_projects``: distinct projects reported.
    """
    gaps = gaps if gaps is not None else pd.DataFrame()
    return ranked_recommendations(
        [
            *recommend_change(findings, words, footing),
            *recommend_dimensions(coverage, gaps, engagement, words, projects, n_projects),
            *recommend_other_gaps(gaps, words),
            *recommend_network(network, pairs, words),
            *recommend_ranking(ranking, ranking_stats, words),
            *recommend_follow_up(non_respondents, response_rate, words, not gaps.empty),
        ]
    )


# -- from a run's report context --------------------------------------------------------
def engagement_table(ctx: Any) -> pd.DataFrame:
    """``acronym, dimension, score``: the choice score of each entity's engagement answer."""
    cov = ctx.result.survey.model.coverage
    tidy = ctx.result.responses.tidy if ctx.result.responses is not None else None
    if cov is None or tidy is None or tidy.empty:
        return pd.DataFrame(columns=["acronym", "dimension", "score"])
    rows = as_text(tidy[tidy["question_id"] == cov.question])
    fields = ctx.result.survey.fields_of(cov.question)
    scores = (
        {c.name: c.score for c in ctx.result.survey.choices(fields[0].choices)}
        if fields and fields[0].choices
        else {}
    )
    return pd.DataFrame(
        {
            "acronym": rows["entity_id"].map(ctx.acr),
            "dimension": rows["dimension"].astype("string"),
            "score": pd.to_numeric(rows["answer"].map(scores), errors="coerce"),
        }
    ).dropna(subset=["score"])


def project_counts(ctx: Any) -> tuple[dict[str, int], int | None]:
    """From the projects analysis' own summary (``project_summary``): the number of
    projects per dimension label (rows ``by`` stage, summed over statuses) and the number of
    distinct projects (rows ``by`` status: one status a project; a project can concern
    several stages)."""
    summary = ctx.table("project_summary")
    if summary.empty or not {"by", "label", "n_projects"} <= set(summary.columns):
        return {}, None
    by = summary["by"].astype(str)
    n = pd.to_numeric(summary["n_projects"], errors="coerce").fillna(0)
    stage = by.isin(["stage", "stages"])
    per_stage = n[stage].groupby(summary.loc[stage, "label"].astype(str)).sum()
    total = int(n[by == "status"].sum()) or None
    return {str(k): int(v) for k, v in per_stage.items() if v > 0}, total


def draft(ctx: Any) -> Drafted:
    """The recommendations of a run's report (see :func:`recommendations`), from its tables."""
    per_stage, n_projects = project_counts(ctx)
    status = ctx.table("response_status")
    missing = (
        status.loc[~status["responded"].astype(bool), "acronym"].tolist()
        if not status.empty and "responded" in status
        else []
    )
    pairs = ctx.table("pairs")
    if not pairs.empty:
        pairs = pairs.assign(
            entity_a=pairs["entity_a"].map(ctx.acr), entity_b=pairs["entity_b"].map(ctx.acr)
        )
    comparison = ctx.stats.get("comparison") or {}
    return recommendations(
        ctx.table("coverage"),
        ctx.table("gaps"),
        engagement_table(ctx),
        ctx.stats.get("network") or {},
        pairs,
        ctx.table("ranking"),
        ctx.ranking_stats(),
        missing,
        ctx.stats.get("response_rate"),
        ctx.words,
        projects=per_stage,
        n_projects=n_projects,
        findings=with_dimensions(comparison.get("findings") or (), ctx.result.survey),
        footing=""
        if comparison.get("same_version", True)
        else f" on the {comparison.get('old_round')} form's scale",
    )


def with_dimensions(findings: Sequence[dict[str, Any]], survey: Any) -> list[dict[str, Any]]:
    """The comparison's findings, each with the ``dimension`` it is about: a score
    finding's item is one; a yes/no item asked per dimension names it in its field."""
    out = []
    for f in findings:
        dimension = f.get("item") if f.get("kind") == "score" else None
        if dimension is None:
            try:
                dimension = survey.field(str(f.get("item"))).dimension
            except KeyError:
                dimension = None
        out.append({**f, "dimension": dimension})
    return out


def recommendations_section(
    doc: Any, items: Sequence[Recommendation], decides: str, ranked: bool = False, n_minor: int = 0
) -> None:
    """A report's Recommendations section: ``items`` as a numbered list, each with its
    reason; ``ranked``: they come strongest evidence first; ``n_minor``: how many more are
    in the annex "Further recommendations"."""
    doc.heading("Recommendations", 1)
    if not items:
        doc.paragraph("The rules found nothing to recommend from this round's numbers.")
        return
    order = (
        ", those with the most evidence behind them first (a change since the last round that "
        "is unlikely to be noise, a critical gap, many entities affected)"
        if ranked
        else ""
    )
    doc.paragraph(
        f"The recommendations below were drafted by rules from the findings above{order}; each "
        f"says why it is made. They are a starting point for {decides}, not its conclusion."
    )
    doc.bullets(list(items), numbered=True)
    if n_minor:
        doc.paragraph(
            f"{capitalise(plural(n_minor, 'further item', 'further items'))} with less evidence behind "
            f"{'it is' if n_minor == 1 else 'them are'} listed in the annex “Further recommendations”."
        )


def write_recommendations(doc: Any, ctx: Any) -> None:
    """The round report's Recommendations section (see :func:`draft`)."""
    drafted = draft(ctx)
    recommendations_section(doc, drafted.pairs, ctx.words.decides, ranked=True, n_minor=len(drafted.minor))


def annex_further(doc: Any, ctx: Any, letter: str) -> bool:
    """The minor recommendations as a table (none: no annex)."""
    minor = draft(ctx).minor
    if not minor:
        return False
    doc.heading(f"Annex {letter}. Further recommendations", 1)
    doc.paragraph(
        "Recommendations the rules drafted with less evidence behind them than those of the "
        "Recommendations section, strongest first."
    )
    frame = pd.DataFrame(
        {
            "Recommendation": [r.lead for r in minor],
            "Why": [r.why for r in minor],
            "Based on": [capitalise(r.basis) for r in minor],
        }
    )
    doc.table(frame, "Further recommendations", weights=[4, 7, 2], keep_together=False)
    return True
