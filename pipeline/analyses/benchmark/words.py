"""The sentences and recommendations of a benchmark survey (a ``requirements:`` block),
written from the numbers: small pure functions that take tables of
:func:`pipeline.analyses.benchmark.compute.analyse_requirements` and return text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.analyses.benchmark.scale import coverage_scale
from pipeline.numbers import plain, score
from pipeline.report import words as nar
from pipeline.report.recommendations import Recommendation
from pipeline.report.words import Words
from pipeline.spec import Survey

# -- numbers shared by the sentences ---------------------------------------------------


def share_value(value: object) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if np.isnan(out) else out


def labels_where(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> list[str]:
    return frame.loc[mask, "label"].astype(str).tolist()


def group_words(survey: Survey) -> dict[str, str]:
    spec = survey.model.requirements
    return {k: v[:1].lower() + v[1:] for k, v in (spec.groups if spec else {}).items()}


def of_text(m: int, n: int) -> str:
    return f"{m} of {n}"


def lower_labels(labels: Sequence[str]) -> list[str]:
    """Labels for use inside a sentence ("Human rights" -> "human rights")."""
    return [nar.inline(str(x)) for x in labels]


# -- sentences -------------------------------------------------------------------------


def benchmark_sentence(benchmark: pd.DataFrame, words: Words, survey: Survey) -> str:
    """How far the entities go on average, who goes furthest and least, and which group of
    requirements is mandatory most often."""
    valid = benchmark.dropna(subset=["share_mandatory"])
    if valid.empty:
        return ""
    mean = float(valid["share_mandatory"].mean())
    median = float(valid["share_mandatory"].median())
    top = valid.head(3)
    low = valid.tail(3).iloc[::-1]

    def named(rows: pd.DataFrame) -> str:
        return nar.join_names(
            [f"{a} ({nar.percent(s)})" for a, s in zip(rows["acronym"], rows["share_mandatory"], strict=True)]
        )

    text = (
        f"On average, the {len(valid)} {words.entities} make {nar.percent(mean)} of the "
        f"requirements that apply to them mandatory (median {nar.percent(median)}). "
        f"{named(top)} go furthest; {named(low)} least."
    )
    groups = [c.removeprefix("share_") for c in valid.columns if c.startswith("share_") and c != "share_mandatory"]
    means = {g: float(valid[f"share_{g}"].mean()) for g in groups if valid[f"share_{g}"].notna().any()}
    if len(means) >= 2:
        names = group_words(survey)
        hi = max(means, key=lambda g: means[g])
        lo = min(means, key=lambda g: means[g])
        text += (
            f" {nar.capitalise(names.get(hi, hi))} are mandatory most often (on average "
            f"{nar.percent(means[hi])} of those that apply), {names.get(lo, lo)} least "
            f"({nar.percent(means[lo])})."
        )
    return text


def adoption_sentence(adoption: pd.DataFrame, words: Words, mandatory: str) -> str:
    """The most and least widely mandatory requirements, with counts."""
    shares = adoption["share_mandatory"].astype(float)
    if shares.notna().sum() == 0:
        return ""
    order = adoption.assign(_s=shares).sort_values("_s", ascending=False, kind="stable")
    best, worst = order.iloc[0], order.dropna(subset=["_s"]).iloc[-1]
    n_col = f"n_{mandatory}"

    def facts(row: pd.Series) -> str:
        return (
            f"{of_text(int(row[n_col]), int(row['n_answered']))} {words.entities} it applies to, "
            f"{nar.percent(row['_s'])}"
        )

    ties_top = labels_where(order, (shares.reindex(order.index) - best["_s"]).abs() < 1e-9)
    ties_low = labels_where(order, (shares.reindex(order.index) - worst["_s"]).abs() < 1e-9)
    top = nar.capitalise(nar.join_names(lower_labels(ties_top)))
    low = nar.join_names(lower_labels(ties_low))
    verb_top = "are" if len(ties_top) > 1 else "is"
    verb_low = "are" if len(ties_low) > 1 else "is"
    each = " each" if len(ties_low) > 1 else ""
    text = (
        f"{top} {verb_top} mandatory in the most {words.entities} ({facts(best)}); {low} "
        f"{verb_low} mandatory in the fewest ({facts(worst)}{each})."
    )
    n_na = int(adoption[[c for c in adoption.columns if c.startswith("n_")]].sum().get("n_not_applicable", 0))
    if n_na:
        text += (
            f" {nar.capitalise(nar.plural(n_na, 'answer', 'answers'))} said a requirement does not "
            f"apply to the {words.entity}'s mandate; those are left out of the shares."
        )
    return text


def minimum_title(words: Words) -> str:
    """The heading of the chapter that lists the tiers (the one place they are listed)."""
    return f"Proposed common minimum {words.dimensions}"


def tiers_sentence(minimum: pd.DataFrame, share: float, words: Words, listed: str) -> str:
    """How many requirements fall in each tier at the declared consensus share, and where
    they are listed (``listed``: "the table below", a chapter's name): the names are
    stated once, in the chapter's table of the tiers, and referred to elsewhere."""
    if minimum.empty:
        return ""
    n = {tier: int((minimum["tier"] == tier).sum()) for tier in ("core", "within_reach", "aspirational")}
    if n["core"]:
        text = (
            f"At the declared consensus share of {nar.percent(share)}, "
            f"{nar.plural(n['core'], 'requirement is', 'requirements are')} already mandatory in "
            f"enough {words.entities} to form the consensus core"
        )
    else:
        text = (
            f"At the declared consensus share of {nar.percent(share)}, no requirement is yet "
            f"mandatory in enough {words.entities} to form a consensus core"
        )
    rest = []
    if n["within_reach"]:
        rest.append(f"{n['within_reach']} more {'is' if n['within_reach'] == 1 else 'are'} within reach")
    if n["aspirational"]:
        other = "the other " if not n["within_reach"] else ""
        rest.append(f"{other}{n['aspirational']} {'remains' if n['aspirational'] == 1 else 'remain'} aspirational")
    if rest:
        text += "; " + nar.join_names(rest)
    return f"{text} ({listed} {'lists it' if len(minimum) == 1 else 'lists them'} by tier)."


def sensitivity_sentence(sensitivity: pd.DataFrame, where: str = "the table below") -> str:
    """How much the size of the core moves with the threshold: counts, the requirements
    that would leave or join being named once, in the sensitivity table (``where``)."""
    if len(sensitivity) < 2:
        return ""
    first, last = sensitivity.iloc[0], sensitivity.iloc[-1]
    text = (
        f"The core depends on the threshold: it holds {nar.plural(int(first['n_core']), 'requirement', 'requirements')} "
        f"at {nar.percent(first['threshold'])} and {int(last['n_core'])} at "
        f"{nar.percent(last['threshold'])}."
    )
    declared = sensitivity.index[sensitivity["declared"].astype(bool)]
    if not len(declared):
        return text
    i = int(declared[0])
    moves = []
    if i + 1 < len(sensitivity):
        nxt = sensitivity.iloc[i + 1]
        left = [x for x in str(nxt["left_core"] or "").split("; ") if x]
        if left:
            moves.append(f"raising it to {nar.percent(nxt['threshold'])} would drop {nar.plural(len(left), 'requirement', 'requirements')}")
    if i > 0:
        here, prev = sensitivity.iloc[i], sensitivity.iloc[i - 1]
        kept = set(str(here["core"] or "").split("; "))
        gained = [x for x in str(prev["core"] or "").split("; ") if x and x not in kept]
        if gained:
            moves.append(f"lowering it to {nar.percent(prev['threshold'])} would add {len(gained)}")
    if moves:
        text += f" From the proposed {nar.percent(sensitivity.iloc[i]['threshold'])}, {' and '.join(moves)} ({where} names them)."
    return text


def to_adopt_sentence(to_adopt: pd.DataFrame, n_core: int, words: Words) -> str:
    """How much the core would ask of the entities."""
    if to_adopt.empty or n_core == 0:
        return ""
    n = to_adopt["n_to_adopt"].astype(int)
    met = to_adopt.loc[(n == 0) & (to_adopt["n_not_reported"].astype(int) == 0), "acronym"].tolist()
    text = (
        f"Meeting the core would ask each {words.entity} to make between {int(n.min())} and "
        f"{int(n.max())} more requirements mandatory (median {plain(n.median())})."
    )
    if met:
        verb = "meets" if len(met) == 1 else "meet"
        text += f" {nar.join_names(sorted(met))} already {verb} it in full."
    return text


def clusters_sentence(
    clusters: pd.DataFrame, benchmark: pd.DataFrame, drivers: pd.DataFrame, stats: dict[str, Any], words: Words
) -> str:
    """The groups of similar entities, how far each goes, and what separates them."""
    if clusters.empty:
        return ""
    k = int(clusters["cluster"].nunique())
    if k < 2:
        return f"The {words.entities}' answers are too few or too alike to form groups."
    share = benchmark.set_index("acronym")["share_mandatory"] if not benchmark.empty else pd.Series(dtype=float)
    parts = []
    for number, grp in clusters.groupby("cluster", sort=True):
        names = grp["acronym"].astype(str).tolist()
        mean = share.reindex(names).mean() if len(share) else float("nan")
        parts.append(
            f"group {int(number)} ({nar.join_names(names)}) makes on average "
            f"{nar.percent(mean)} of its applicable requirements mandatory"
        )
    text = f"The {words.entities} fall into {k} groups with similar answers: " + "; ".join(parts) + "."
    if not drivers.empty and drivers["spread"].notna().any():
        top = drivers.head(3)
        text += (
            f" The {words.dimensions} that separate the groups most are "
            f"{nar.join_names(lower_labels(top['label'].astype(str).tolist()))}."
        )
    coph = stats.get("cophenetic_correlation")
    if coph is not None:
        quality = "faithfully" if coph >= 0.75 else "reasonably" if coph >= 0.6 else "only loosely"
        text += (
            f" The tree keeps the distances between the {words.entities} {quality} "
            f"(cophenetic correlation {score(coph)})."
        )
    return text


def maturity_sentence(maturity: pd.DataFrame, survey: Survey, words: Words) -> str:
    """The furthest and least advanced building blocks."""
    spec = survey.model.maturity
    if maturity.empty or spec is None:
        return ""
    choices = maturity_choices(survey)
    top_two = [c.name for c in choices[-2:]]
    low_two = [c.name for c in choices[:2]]
    far = maturity[[f"n_{n}" for n in top_two]].sum(axis=1)
    behind = maturity[[f"n_{n}" for n in low_two]].sum(axis=1)
    n = maturity["n_answered"].astype(int)
    best, worst = int(far.idxmax()), int(behind.idxmax())
    dset = survey.model.dimension_sets[spec.dimension_set]
    top_words = " or ".join(c.label.lower() for c in choices[-2:])
    low_words = " or ".join(c.label.lower() for c in choices[:2])
    return (
        f"Of the {len(maturity)} {dset.plural}, {nar.inline(maturity.at[best, 'label'])} is furthest: "
        f"{of_text(int(far[best]), int(n[best]))} {words.entities} report it {top_words}. "
        f"{maturity.at[worst, 'label']} lags most: {of_text(int(behind[worst]), int(n[worst]))} "
        f"{words.entities} have it {low_words}."
    )


def maturity_choices(survey: Survey) -> list[Any]:
    spec = survey.model.maturity
    if spec is None:
        return []
    field = next(f for f in survey.fields_of(spec.question) if f.dimension)
    return sorted(
        (c for c in survey.choices(field.choices or "") if c.score is not None), key=lambda c: float(c.score or 0)
    )


# -- recommendations -------------------------------------------------------------------


def requirement_recommendations(
    minimum: pd.DataFrame,
    matrix: pd.DataFrame,
    to_adopt: pd.DataFrame,
    maturity: pd.DataFrame,
    log_frame: pd.DataFrame,
    submissions: pd.DataFrame,
    survey: Survey,
    words: Words,
    non_respondents: Sequence[str] = (),
    response_rate: float | None = None,
) -> list[Recommendation]:
    """Recommendations drafted from rules, each ``(lead sentence, why and how)``:

    1. agree the core as the common minimum (when there is a core);
    2. each requirement within reach: how many more entities would make it core, and which
       entities are closest (guidance only or under development);
    3. entities far from the core (missing at least half of it): support;
    4. aspirational requirements that many entities are developing: common guidance;
    5. the least mature building block;
    6. mandatory answers that cite no document: ask for the references;
    7. entities considering the voluntary application phase;
    8. follow up non-respondents (below 80% response).
    """
    spec = survey.model.requirements
    if spec is None:
        return []
    out: list[Recommendation] = []
    share = spec.consensus_share
    core = minimum[minimum["tier"] == "core"]
    if len(core):
        out.append(
            (
                f"Agree the {nar.plural(len(core), 'core requirement', 'core requirements')} as the "
                "proposed common minimum.",
                (
                    f"{nar.capitalise(nar.join_names(lower_labels(core['label'].astype(str).tolist())))} is"
                    if len(core) <= 3
                    else f"Each of them (listed in the chapter “{minimum_title(words)}”) is"
                )
                + f" already mandatory in at least {nar.percent(share)} of the {words.entities} it "
                "applies to; a common minimum built on them asks least of the others.",
            )
        )
    scored = [s for s in coverage_scale(survey) if s.score is not None]
    nearest = scored[1] if len(scored) > 1 else None  # the answer just below mandatory
    reach = minimum[minimum["tier"] == "within_reach"].sort_values(["n_more_for_core", "share_mandatory"], ascending=[True, False])
    reach = reach[reach["n_more_for_core"].notna()]
    by_acronym = matrix.set_index("acronym") if "acronym" in matrix else matrix

    def closest(requirement: str) -> list[str]:
        if nearest is None or requirement not in by_acronym:
            return []
        column = by_acronym[requirement]
        return sorted(column[column == nearest.name].index.astype(str))

    if len(reach) > 2:  # one action with a line per requirement, not a paragraph each
        lines = []
        for row in reach.to_dict("records"):
            close = closest(row["requirement"])
            lines.append(
                f"{nar.inline(str(row['label']))}: {nar.plural(int(row['n_more_for_core']), 'more', 'more')}"
                f" (now {of_text(int(row['n_mandatory']), int(row['n_answered']))})"
                + (f", closest {nar.join_names(close, limit=4)}" if close else "")
            )
        out.append(
            (
                f"Bring the {len(reach)} requirements within reach into the core.",
                f"Each joins the core when the number of {words.entities} given here makes it mandatory"
                + (f" (closest: those at '{nar.inline(nearest.label)}')" if nearest else "")
                + ": "
                + "; ".join(lines)
                + ".",
            )
        )
    for row in reach.to_dict("records") if len(reach) <= 2 else []:
        close = closest(row["requirement"])
        need = int(row["n_more_for_core"])
        who = (
            f" Closest: {nar.join_names(close)} ({nar.inline(nearest.label)})." if close and nearest else ""
        )
        out.append(
            (
                f"Bring {nar.inline(str(row['label']))} into the core.",
                f"{nar.capitalise(nar.plural(need, f'more {words.entity}', f'more {words.entities}'))} "
                f"making it mandatory would make it part of the core (now {of_text(int(row['n_mandatory']), int(row['n_answered']))}, "
                f"{nar.percent(row['share_mandatory'])}).{who}",
            )
        )
    if len(core) and not to_adopt.empty:
        far = to_adopt[to_adopt["n_to_adopt"].astype(int) >= max(1, int(np.ceil(len(core) / 2)))]
        if len(far):
            names = [f"{a} ({int(n)})" for a, n in zip(far["acronym"], far["n_to_adopt"], strict=True)]
            out.append(
                (
                    f"Support the {nar.plural(len(far), words.entity, words.entities)} furthest from the core.",
                    f"{nar.join_names(names, limit=10)} would each have to make at least half of the "
                    f"core requirements mandatory (number in brackets); peer support from "
                    f"{words.entities} that already apply them, and time, would help.",
                )
            )
    asp = minimum[minimum["tier"] == "aspirational"]
    developing = developing_choice(survey)
    if developing and len(asp) and not matrix.empty:
        counts = {r: int((matrix[r] == developing).sum()) for r in asp["requirement"] if r in matrix}
        busy = [(r, n) for r, n in counts.items() if n >= max(3, int(np.ceil(0.3 * len(matrix))))]
        if busy:
            labels = dict(zip(minimum["requirement"], minimum["label"], strict=True))
            items = [f"{nar.inline(labels[r])} ({n})" for r, n in sorted(busy, key=lambda x: -x[1])]
            out.append(
                (
                    "Develop common guidance for the aspirational requirements many are working on.",
                    f"{nar.capitalise(nar.join_names(items, limit=6))}: the number of {words.entities} "
                    "developing each is in brackets; shared guidance now would make later alignment "
                    "easier.",
                )
            )
    if not maturity.empty:
        choices = maturity_choices(survey)
        low = [f"n_{c.name}" for c in choices[:2]]
        if all(c in maturity for c in low):
            behind = maturity[low].sum(axis=1)
            worst = int(behind.idxmax())
            n = int(maturity.at[worst, "n_answered"])
            if n and behind[worst] >= n / 2:
                words_low = " or ".join(c.label.lower() for c in choices[:2])
                out.append(
                    (
                        f"Invest in {nar.inline(str(maturity.at[worst, 'label']))}.",
                        f"It is the least advanced building block: {of_text(int(behind[worst]), n)} "
                        f"{words.entities} have it {words_low}.",
                    )
                )
    if not log_frame.empty and "code" in log_frame:
        undoc = log_frame[log_frame["code"] == "requirement-undocumented"]
        if len(undoc):
            by = undoc.groupby("entity").size().sort_values(ascending=False, kind="stable")
            names = [f"{e} ({int(n)})" for e, n in by.items()]
            out.append(
                (
                    "Ask for the document behind every 'mandatory' answer.",
                    f"{nar.plural(len(undoc), 'mandatory answer cites', 'mandatory answers cite')} no "
                    f"document: {nar.join_names(names, limit=10)}. Until the references are given, "
                    "these answers cannot be checked (Annex C lists them).",
                )
            )
    if "voluntary_application" in submissions.columns:
        considering = submissions.loc[
            submissions["voluntary_application"].astype("string") == "considering", "entity_id"
        ]
        if len(considering):
            names = sorted(considering.astype(str))
            out.append(
                (
                    f"Invite the {words.entities} considering the voluntary application phase to join it.",
                    f"{nar.join_names(names, limit=10)} said they are considering it.",
                )
            )
    rate = share_value(response_rate)
    if non_respondents and rate is not None and rate < 0.8:
        out.append(
            (
                f"Invite the {nar.plural(len(non_respondents), words.entity, words.entities)} that did "
                "not answer to do so before the common minimum is agreed.",
                f"{nar.join_names(list(non_respondents), limit=10)}: their systems are missing from "
                "the comparison, and the consensus shares count only the "
                f"{words.entities} that answered.",
            )
        )
    return out


def developing_choice(survey: Survey) -> str | None:
    """The coverage choice just above "not covered" (e.g. under development), if any."""
    scored = [s for s in coverage_scale(survey) if s.score is not None]
    return scored[-2].name if len(scored) >= 3 else None
