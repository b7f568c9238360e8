"""A benchmark survey's answer scale as the report and the charts show it: each coverage
choice, strongest first, with its short code for a matrix cell, its colour and its score;
and the words for the tiers of common minimum requirements."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.report import style
from pipeline.spec import Survey

# Colours of the coverage scale, strongest answer first (Okabe-Ito blues and orange, then
# grey for "not covered"); an unscored answer such as "not applicable" is white, hatched.
SCALE_COLOURS = [style.MAIN, style.OKABE_ITO["sky_blue"], style.OKABE_ITO["orange"], "#CFCFCF"]
NOT_APPLICABLE_COLOUR = "#FFFFFF"
# Tiers of the common minimum requirements.
TIER_LABELS = {"core": "core", "within_reach": "within reach", "aspirational": "aspirational"}


@dataclass(frozen=True)
class ScaleStep:
    """One answer of the coverage scale, as the charts and the report show it."""

    name: str
    label: str
    code: str  # short code for a matrix cell: M, G, U, –, n/a
    colour: str
    score: float | None


def coverage_scale(survey: Survey) -> list[ScaleStep]:
    """The coverage choices of a benchmark survey, strongest first, unscored ones last.

    Codes: "M" for the choice that means met (``requirements.mandatory``), "n/a" for the
    not-applicable choice, "–" for a choice scoring 0, else the label's initial (made
    unique with the next letters).
    """
    spec = survey.model.requirements
    if spec is None:
        raise ValueError(f"survey '{survey.id}' declares no 'requirements' block")
    field = next(f for f in survey.fields_of(spec.coverage_question) if f.dimension)
    choices = survey.choices(field.choices or "")
    scored = sorted((c for c in choices if c.score is not None), key=lambda c: -float(c.score or 0))
    unscored = [c for c in choices if c.score is None]
    steps: list[ScaleStep] = []
    taken: set[str] = set()
    for i, c in enumerate([*scored, *unscored]):
        if c.name == spec.mandatory:
            code = "M"
        elif c.name == spec.not_applicable or c.score is None:
            code = "n/a"
        elif float(c.score or 0) == 0:
            code = "–"
        else:
            letters = "".join(ch for ch in c.label.upper() if ch.isalpha())
            code = next((letters[:k] for k in range(1, len(letters) + 1) if letters[:k] not in taken), c.name)
        taken.add(code)
        colour = (
            SCALE_COLOURS[min(i, len(SCALE_COLOURS) - 1)] if c.score is not None else NOT_APPLICABLE_COLOUR
        )
        steps.append(ScaleStep(c.name, c.label, code, colour, c.score))
    return steps
