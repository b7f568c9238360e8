"""The report's vocabulary and word helpers (survey-blind): :class:`Words`, the survey's
words from its definition; cell readers (``split_names``, ``cell_text``, ``cell_number``);
the sentences of the outline itself (who answered, the review-state rule); and the word
helpers of :mod:`pipeline.wording`, also reached here (``import words as nar`` then
``nar.plural``).

Each analysis' own sentences live in its folder (``pipeline/analyses/<name>/words.py``).
Every function takes tables or scalars and returns plain text; none writes a file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

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
    p_text,
    percent,
    plural,
    score,
)

# the word helpers of pipeline.wording are also reached as words.<name> by the writers
__all__ = [
    "REVIEW_STATE_WORDS",
    "Words",
    "agree",
    "article",
    "capitalise",
    "cell_number",
    "cell_text",
    "count",
    "fewer_than",
    "inline",
    "join_names",
    "number_word",
    "p_text",
    "percent",
    "plural",
    "response_sentence",
    "review_sentence",
    "score",
    "split_names",
]


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


def split_names(value: object) -> list[str]:
    """A list cell (``"UNEP, ITU"`` or ``"UNEP ITU"``) as a list of names."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return []
    text = str(value).strip()
    if not text:
        return []
    sep = "," if "," in text else (";" if ";" in text else None)
    return [p.strip() for p in text.split(sep) if p.strip()]


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
