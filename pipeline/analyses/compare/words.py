"""The round comparison in words, from its structured findings.

:func:`pipeline.analyses.compare.compute.compare_rounds` returns numbers and findings (one per
dimension item and yes/no item: kind, item, direction, size, p, told from noise or not);
the functions here word them for the report. Only a finding marked ``distinguishable`` is
described with words of change ("rose", "fell", "more", "fewer"); every other difference
is said to be indistinguishable from noise. Sentences are grouped by what they are about
(:class:`ChangeSentences`), so no writer needs to read a sentence to place it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.analyses.compare.findings import change_findings
from pipeline.analyses.compare.statistics import ALPHA, MIN_PAIRS
from pipeline.numbers import p_text, plain, score, signed
from pipeline.wording import join_names


@dataclass
class ChangeSentences:
    """The comparison's sentences by subject."""

    general: list[str] = field(default_factory=list)  # too few pairs; detectable change
    scores: list[str] = field(default_factory=list)
    yes_no: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.general, *self.scores, *self.yes_no]


def pairing_sentence(stats: Mapping[str, Any], entities: str) -> str:
    """Who answered both rounds, who joined, who left."""
    old, new = stats.get("old_round", "the earlier round"), stats.get("new_round", "the later round")
    both, joined, left = (int(stats.get(k) or 0) for k in ("n_both", "n_joined", "n_left"))
    text = (
        f"{both} {entities} answered both {old} and {new}; {joined} answered only {new} "
        f"and {left} only {old}."
    )
    return text + (f" Changes are measured on the {both} that answered both." if both else "")


def basis_sentence(stats: Mapping[str, Any]) -> str:
    """On which form version and scoring rule both rounds were scored."""
    old, new = stats.get("old_version", "?"), stats.get("new_version", "?")
    if stats.get("same_version"):
        return f"Both rounds used version {new} of the form and its scoring rule."
    return (
        f"The rounds used different versions of the form ({old} and {new}): both are scored "
        f"here with the {old} rule, on the answers the two versions share, so these scores "
        f"differ from the {new} scores shown elsewhere."
    )


def not_compared_sentence(stats: Mapping[str, Any], one: str, many: str) -> str:
    """The dimension items left out of the comparison ("" when none)."""
    labels = list(stats.get("not_compared") or [])
    if not labels:
        return ""
    return (
        f"Not compared, because they are new or changed scope since version "
        f"{stats.get('old_version', '?')}: {join_names(labels)} "
        f"({len(labels)} {many if len(labels) > 1 else one})."
    )


def word_findings(
    findings: Sequence[Mapping[str, Any]],
    *,
    n_both: int,
    entity_plural: str = "entities",
    dimension_plural: str = "areas",
    alpha: float = ALPHA,
    min_pairs: int = MIN_PAIRS,
) -> ChangeSentences:
    """Sentences for the findings of :func:`pipeline.analyses.compare.findings.change_findings`."""
    out = ChangeSentences()
    if n_both == 0:
        out.general.append(
            f"None of the {entity_plural} answered both rounds, so no change between the "
            "rounds can be measured."
        )
        return out
    if n_both < min_pairs:
        out.general.append(
            f"Only {n_both} {entity_plural} answered both rounds: too few to tell any change "
            "from noise, so no change between the rounds is reported."
        )
        return out
    scores = [f for f in findings if f["kind"] == "score"]
    if scores:
        mdc = [f["min_detectable"] for f in scores if f.get("min_detectable") and not pd.isna(f["min_detectable"])]
        if mdc:
            out.general.append(
                f"With {n_both} {entity_plural} answering both rounds, only changes in a mean "
                f"score of about {score(float(np.median(mdc)))} or more (on the 0 to 1 scale) "
                "would usually be told from noise."
            )
        else:
            out.general.append(
                f"With {n_both} {entity_plural} answering both rounds, only large changes in "
                "the mean scores could be told from noise."
            )
        sig = [f for f in scores if f["distinguishable"]]
        rest = [f for f in scores if not f["distinguishable"]]
        if sig:
            parts = []
            for direction, verb in (("up", "rose"), ("down", "fell")):
                named = [
                    f"{f['label']} ({signed(f['size'])}, {p_text(f['p'])})" for f in sig if f["direction"] == direction
                ]
                if named:
                    parts.append(f"{verb} in {join_names(named)}")
            out.scores.append(
                f"The mean score {' and '.join(parts)}: "
                f"{'this change is' if len(sig) == 1 else 'these changes are'} larger than "
                f"chance alone would usually produce (p below {plain(alpha)}, with no correction "
                f"for testing {len(scores)} {dimension_plural})."
            )
        if rest:
            sizes = [f["size"] for f in rest]
            low, high = min(sizes), max(sizes)
            span = signed(low) if signed(low) == signed(high) else f"from {signed(low)} to {signed(high)}"
            if sig:
                head = f"In the other {len(rest)} {dimension_plural}, the differences"
            elif len(rest) == 1:
                head = f"In {rest[0]['label']}, the difference"
            else:
                head = f"In each of the {len(rest)} {dimension_plural} compared, the difference"
            out.scores.append(f"{head} between the rounds ({span}) cannot be told from noise.")
    yes_no = [f for f in findings if f["kind"] == "yes_no"]
    sig = [f for f in yes_no if f["distinguishable"]]
    rest = [f for f in yes_no if not f["distinguishable"]]
    for f in sig:
        more = "More" if f["direction"] == "up" else "Fewer"
        out.yes_no.append(
            f"{more} {entity_plural} answered yes to '{f['label']}' ({f['yes_old']} of "
            f"{f['n_pairs']} then, {f['yes_new']} now; {f['to_yes']} switched to yes and "
            f"{f['to_no']} to no, {p_text(f['p'])})."
        )
    if rest:
        if len(rest) == 1:
            what = "the other yes/no item" if sig else "the yes/no item compared"
        else:
            what = f"the other {len(rest)} yes/no items" if sig else f"the {len(rest)} yes/no items compared"
        diff = "difference" if len(rest) == 1 else "differences"
        out.yes_no.append(
            f"For {what}, the {diff} between the rounds cannot be told from noise: a yes/no "
            f"answer needs at least {min_pairs} {entity_plural} switching, nearly all the "
            "same way, before a change shows."
        )
    return out


def describe_changes(
    score_change: pd.DataFrame,
    adoption_change: pd.DataFrame | None = None,
    *,
    n_both: int,
    entity_plural: str = "entities",
    dimension_plural: str = "areas",
    alpha: float = ALPHA,
) -> list[str]:
    """The sentences of the comparison tables, in order (general, scores, yes/no)."""
    findings = change_findings(score_change, adoption_change)
    return word_findings(
        findings,
        n_both=n_both,
        entity_plural=entity_plural,
        dimension_plural=dimension_plural,
        alpha=alpha,
    ).all()
