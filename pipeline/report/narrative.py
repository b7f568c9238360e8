"""Sentences written from the numbers: the report's executive summary, findings and
recommendations.

Every function here takes tables and scalars of a run (see docs/architecture.md) and
returns plain text (strings, or ``(lead, text)`` pairs for lists); none writes a file, so
the wording can be tested and reused by other writers. The survey's own words are used
throughout (``entity_plural``, the dimension set's ``label``/``plural``, the choice
labels of the coverage thresholds), so the same sentences serve every survey.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.analyses.ranking.compute import agreement_word
from pipeline.spec import Survey
from pipeline.wording import (
    agree,
    article,
    capitalise,
    count,
    fewer_than,
    inline,
    join_names,
    number_word,
    percent,
    plural,
)

# the word helpers of pipeline.wording are also reached as narrative.<name> by the writers
__all__ = [
    "REVIEW_STATE_WORDS",
    "Words",
    "agree",
    "agreement_words",
    "article",
    "capitalise",
    "cell_number",
    "cell_text",
    "count",
    "coverage_sentence",
    "dimension_finding",
    "dimension_gaps",
    "fewer_than",
    "gaps_sentence",
    "inline",
    "join_names",
    "kind_words",
    "network_sentences",
    "number_word",
    "percent",
    "plural",
    "projects_sentence",
    "ranked_coverage",
    "ranking_sentence",
    "response_sentence",
    "review_sentence",
    "split_names",
]


# -- words of a survey -----------------------------------------------------------------
@dataclass(frozen=True)
class Words:
    """The survey's vocabulary for the report, with neutral defaults: the entity noun,
    the dimension set, the labels of the coverage thresholds, and the survey's ``report:``
    block (:class:`pipeline.spec.ReportText`)."""

    entity: str = "entity"
    entities: str = "entities"
    dimension: str = "dimension"
    dimensions: str = "dimensions"
    dimension_set: str | None = None
    dimension_labels: dict[str, str] = field(default_factory=dict)
    engaged: str = "engaged"  # label of the lowest answer that counts as engaged
    strong: str = "strong"  # label of the answer that counts as strong
    engaged_score: float | None = None  # choice score of the "engaged" answer
    minor: str = ""  # label(s) of the answers above zero but below "engaged"
    # the labels at or above the "engaged" answer, lowest first ("moderate", "major")
    engaged_labels: tuple[str, ...] = ()
    background: str = ""
    decides: str = "the review"
    engages: tuple[str, str] = ("engages in", "engage in")
    activity: tuple[str, str] = ("type of activity", "types of activity")
    activity_verb: tuple[str, str] = ("reports", "report")
    topic: tuple[str, str] = ("topic", "topics")
    topic_verb: tuple[str, str] = ("works on", "work on")
    strengthen: str = "Strengthen the UN system's work on {item}."
    overlap: str = "possible duplication"
    system: str = ""

    @property
    def binary(self) -> bool:
        """Whether the coverage scale has a single level that counts (yes/no): "engaged"
        and "strong" are then the same answer and are never reported apart."""
        return len(self.engaged_labels) == 1

    @property
    def at_engaged(self) -> str:
        """Where an entity counts as engaged, in the scale's own terms: "at least at the
        moderate level", or "(answer 'yes')" on a yes/no scale."""
        if self.binary:
            return f"(answer '{self.engaged}')"
        return f"at least at the {self.engaged} level"

    @classmethod
    def from_survey(cls, survey: Survey) -> Words:
        """Read the words from the survey definition (entity noun, dimension set,
        thresholds, the ``report:`` block)."""
        m = survey.model
        r = m.report
        set_name = m.scoring.dimension_set if m.scoring else next(iter(m.dimension_sets), None)
        kwargs: dict[str, Any] = {
            "entity": m.entity_noun,
            "entities": m.entity_plural,
            "background": r.background.strip(),
            "decides": r.decides,
            "engages": tuple(r.engages),
            "activity": (r.activities.one, r.activities.many),
            "activity_verb": tuple(r.activities.verb),
            "topic": (r.topics.one, r.topics.many),
            "topic_verb": tuple(r.topics.verb),
            "strengthen": r.strengthen,
            "overlap": r.overlap,
            "system": r.system,
        }
        if set_name and set_name in m.dimension_sets:
            dset = m.dimension_sets[set_name]
            kwargs |= {
                "dimension": dset.label,
                "dimensions": dset.plural,
                "dimension_set": set_name,
                "dimension_labels": survey.dimension_labels(set_name),
            }
        if m.coverage:
            fields = survey.fields_of(m.coverage.question)
            if fields and fields[0].choices:
                choices = {c.name: c for c in survey.choices(fields[0].choices)}
                engaged = choices.get(m.coverage.engaged_at_least)
                strong = choices.get(m.coverage.strong)
                if engaged:
                    kwargs |= {"engaged": inline(engaged.label), "engaged_score": engaged.score}
                    below = [
                        inline(c.label)
                        for c in choices.values()
                        if c.score is not None
                        and engaged.score is not None
                        and 0 < c.score < engaged.score
                    ]
                    kwargs["minor"] = " or ".join(below)
                    if engaged.score is not None:
                        at_or_above = sorted(
                            (c for c in choices.values() if c.score is not None and c.score >= engaged.score),
                            key=lambda c: c.score or 0,
                        )
                        kwargs["engaged_labels"] = tuple(inline(c.label) for c in at_or_above)
                if strong:
                    kwargs["strong"] = inline(strong.label)
        return cls(**kwargs)

    def label(self, dimension: str) -> str:
        return self.dimension_labels.get(dimension, dimension)


# -- small formatting helpers: pipeline.wording (survey-blind) ------------------------


def split_names(value: object) -> list[str]:
    """A list cell (``"UNEP, ITU"`` or ``"UNEP ITU"``) as a list of names."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return []
    text = str(value).strip()
    if not text:
        return []
    sep = "," if "," in text else (";" if ";" in text else None)
    return [p.strip() for p in text.split(sep) if p.strip()]


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


def cell_text(value: object) -> str:
    """A cell as stripped text ("" when missing), without a final full stop."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip().rstrip(".")


def cell_number(value: object) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


# -- executive summary -----------------------------------------------------------------
def response_sentence(stats: dict[str, Any], words: Words) -> str:
    """Who answered: "9 of the 12 agencies invited answered ... (response rate 75%)"."""
    n_resp = int(stats.get("n_respondents") or 0)
    n_inv = int(stats.get("n_invited") or 0)
    rate = stats.get("response_rate")
    if rate is None and n_inv:
        rate = n_resp / n_inv
    about = " the survey"
    if n_inv:
        return (
            f"{n_resp} of the {n_inv} {words.entities} invited answered{about}, "
            f"a response rate of {percent(rate)}."
        )
    return f"{plural(n_resp, words.entity, words.entities)} answered{about}."


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
            f"{words.at_engaged}, mean score {row['mean_score']:.2f}"
        )

    if len(ranked) == 1:
        return f"The only {words.dimension} surveyed is {best['label']}: {facts(best)}."
    return (
        f"Of the {len(ranked)} {words.dimensions}, the best covered is {best['label']} "
        f"({facts(best)}); the least covered is {worst['label']} ({facts(worst)})."
    )


def dimension_gaps(gaps: pd.DataFrame | None, words: Words) -> pd.Series:
    """Which gap rows are about an item of the survey's dimension set (kind ``stage`` or
    the set's own name, or any kind but topic/activity whose dimension is one of the set's
    items), as a boolean mask."""
    if gaps is None or gaps.empty:
        return pd.Series(False, index=getattr(gaps, "index", None), dtype=bool)
    in_set = gaps["dimension"].isin(list(words.dimension_labels))
    kinds = {"stage", words.dimension_set}
    return gaps["kind"].isin(kinds) | (in_set & ~gaps["kind"].isin(["topic", "activity"]))


def kind_words(kind: str, words: Words) -> tuple[str, str]:
    """Singular and plural words for a gap kind: the dimension set, the survey's words for
    its topics and its activities (``report.topics`` / ``report.activities``)."""
    if kind == words.dimension_set:
        return words.dimension, words.dimensions
    return {
        "stage": (words.dimension, words.dimensions),
        "topic": words.topic,
        "activity": words.activity,
    }.get(kind, (kind, f"{kind}s"))


def gaps_sentence(gaps: pd.DataFrame, words: Words) -> str:
    """How many gaps, how many critical, and their names grouped by kind."""
    if gaps is None or gaps.empty:
        return "No gaps were found against the thresholds set in the survey definition."
    n_critical = int((gaps["severity"] == "critical").sum())
    parts = []
    for kind, group in gaps.groupby("kind", sort=False):
        names = join_names(group["label"].tolist(), limit=6)
        if kind == "activity":  # one row per dimension item missing some activities
            n = plural(len(group), words.dimension, words.dimensions)
            parts.append(f"{words.activity[1]} missing in {n} ({names})")
            continue
        one, many = kind_words(str(kind), words)
        parts.append(f"{plural(len(group), one, many)} ({names})")
    critical = f", {n_critical} of them critical" if n_critical else ""
    text = f"The analysis finds {plural(len(gaps), 'gap', 'gaps')}{critical}: {join_names(parts)}."
    if not dimension_gaps(gaps, words).any():
        text += f" No {words.dimension} falls below the thresholds."
    return text


def network_sentences(network: dict[str, Any], words: Words) -> list[str]:
    """Links, reciprocity, density, clusters and isolated entities in plain words."""
    if not network:
        return []
    n_edges = int(network.get("n_edges") or 0)
    n_nodes = int(network.get("n_nodes") or 0)
    if n_edges == 0:
        return [f"No working links between {words.entities} were reported."]
    n_mutual = int(network.get("n_mutual_pairs") or 0)
    n_pairs = n_edges - n_mutual  # distinct pairs: a mutual pair is two named ties
    out = [
        f"The {n_nodes} {words.entities} in the network named each other "
        f"{plural(n_edges, 'time', 'times')}, linking {plural(n_pairs, 'pair', 'pairs')} "
        f"of {words.entities}; in {n_mutual} of these pairs "
        f"({percent(n_mutual / n_pairs if n_pairs else None)}) both sides named each other."
    ]
    density = cell_number(network.get("density"))
    n_clusters = int(network.get("n_clusters") or 0)
    extra = []
    if density is not None:
        extra.append(
            f"the network's density is {density:.2f} (the share of all possible links "
            "that were reported)"
        )
    if n_clusters:
        extra.append(f"it falls into {plural(n_clusters, 'cluster', 'clusters')}")
    if extra:
        out.append(capitalise("; ".join(extra)) + ".")
    isolated = list(network.get("isolated") or [])
    if isolated:
        verb = "is" if len(isolated) == 1 else "are"
        out.append(
            f"{join_names(isolated)} {verb} isolated: no link was reported in either direction."
        )
    else:
        out.append(f"No responding {words.entity} is isolated.")
    return out


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
        f"(mean rank {top['mean_rank']:.1f})"
    )
    if len(ordered) > 1:
        text += f", followed by {ordered.iloc[1]['label']} ({ordered.iloc[1]['mean_rank']:.1f})"
    text += "."
    w = cell_number(ranking_stats.get("kendall_w"))
    if w is not None:
        agreement = agreement_words(w, ranking_stats.get("agreement"))
        base = agreement.removesuffix(" agreement").split()[-1]
        meaning = _AGREEMENT_MEANING.get(base, "").format(entities=words.entities)
        p = cell_number(ranking_stats.get("p_value"))
        sig = ""
        if p is not None:
            sig = f"; p = {p:.3f}" if p >= 0.001 else "; p < 0.001"
            sig += "" if p < 0.05 else ", so the order may be due to chance"
        n_raters = cell_number(ranking_stats.get("n_raters"))
        raters = f" among {int(n_raters)} {words.entities}" if n_raters else ""
        meaning = f", {meaning}" if meaning else ""
        text += f" Kendall's W is {w:.2f}{raters}: {agreement}{meaning}{sig}."
    return text


REVIEW_STATE_WORDS = {
    "rejected": "rejected (KoboToolbox: Not approved; ODK Central: rejected)",
    "on_hold": "on hold (KoboToolbox: On hold; ODK Central: has issues)",
    "approved": "approved",
    "edited": "edited (ODK Central)",
}


def review_sentence(set_aside: list[str], warn: list[str], n_set_aside: int) -> str:
    """The rule applied to the review states the survey tool gave the submissions."""
    parts = []
    if set_aside:
        states = " or ".join(REVIEW_STATE_WORDS[s] for s in set_aside)
        counted = f" ({plural(n_set_aside, 'submission', 'submissions')} in this round)"
        parts.append(
            f"Submissions marked {states} in the survey tool were set aside before the "
            "latest submission of each respondent was kept" + (counted if n_set_aside else "")
        )
    if warn:
        states = " or ".join(REVIEW_STATE_WORDS[s] for s in warn)
        parts.append(
            f"submissions marked {states} were kept and are listed in the data-quality annex"
        )
    return "; ".join(parts) + "." if parts else ""


def projects_sentence(
    projects: pd.DataFrame,
    words: Words,
    status_labels: dict[str, str],
    collected: bool = True,
    section_label: str = "Projects",
    desk: dict | None = None,
    acronyms: dict[str, str] | None = None,
) -> str:
    """Number of projects, of reporting entities, and the split by status; or that the
    round did not collect them (``collected=False``: never "none were reported").

    Rows whose ``source`` is "desk" (a desk mapping, :mod:`pipeline.desk`) are counted
    apart: the survey's projects first, then the initiatives desk research adds, naming
    the entities that did not answer the survey (``desk``: the run's desk statistics)."""
    if not collected:
        return (
            f"{section_label} were not collected in this round: the survey exports analysed "
            "did not include them, so nothing is said here about them."
        )
    if projects is None or projects.empty:
        return "No projects were reported in this round."
    is_desk = (
        projects["source"].astype("string").eq("desk").fillna(False).astype(bool)
        if "source" in projects.columns
        else pd.Series(False, index=projects.index)
    )
    surveyed, found = projects[~is_desk], projects[is_desk]
    if surveyed.empty:
        text = "No projects were reported in the survey."
    else:
        n_entities = surveyed["entity_id"].nunique()
        counts = surveyed["status"].astype("string").fillna("unknown").value_counts()
        split = join_names(
            [f"{n} {status_labels.get(str(s), str(s)).lower()}" for s, n in counts.items()]
        )
        text = (
            f"{plural(len(surveyed), 'project was', 'projects were')} reported in the survey by "
            f"{plural(n_entities, words.entity, words.entities)} ({split})."
        )
    if found.empty and not (desk or {}).get("n_desk_matched"):
        return text
    desk = desk or {}
    acronyms = acronyms or {}
    only = [acronyms.get(e, e) for e in desk.get("desk_only_entities", [])]
    text += (
        f" Desk research adds {plural(len(found), 'initiative', 'initiatives')} of "
        f"{plural(found['entity_id'].nunique(), words.entity, words.entities)}"
    )
    if only:
        text += f", {join_names(only)} among them, which did not answer the survey"
    text += "."
    matched = int(desk.get("n_desk_matched") or 0)
    if matched:
        text += (
            f" {capitalise(agree(matched, 'initiative', 'initiatives'))} found by desk research "
            f"{'is' if matched == 1 else 'are'} also in the survey and counted once, as reported."
        )
    return text


# -- findings per dimension ------------------------------------------------------------
def dimension_finding(
    row: pd.Series,
    activities: Sequence[tuple[str, int]],
    gaps: pd.DataFrame,
    words: Words,
    confidence: float = 0.95,
    level: str = "",
) -> list[str]:
    """Sentences on one dimension: engagement, mean score with CI, leads, activities, status."""
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
            f" ({confidence:.0%} confidence interval {ci_low:.2f} to {ci_high:.2f})"
            if ci_low is not None and ci_high is not None
            else ""
        )
        lvl = f", in the '{level}' band" if level else ""
        out.append(f"The mean score is {mean:.2f}{ci}{lvl}.")
    leads = split_names(row.get("lead_entities"))
    if leads:
        # a long list arrives shortened as "A, B, ... F and 9 more": keep it as it is
        named = str(row.get("lead_entities")) if " more" in leads[-1] else join_names(leads)
        out.append(f"Lead {words.entities if len(leads) > 1 else words.entity}: {named}.")
    else:
        out.append(f"No {words.entity} leads this {words.dimension}.")
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
        out.append(f"Status: {what}. {capitalise(cell_text(g['reason']))}.")
    else:
        out.append("Status: not a gap against the thresholds of the survey definition.")
    for g in here[here["kind"] == "activity"].itertuples(index=False):
        out.append(f"Missing {words.activity[1]}: {cell_text(g.evidence)}.")
    return out
