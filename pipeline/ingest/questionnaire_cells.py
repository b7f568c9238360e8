"""The cells of an offline questionnaire as text, and its answers matched to the survey's
choices by name or label (any case, accents aside), as a person types them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.form_names import field_options
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey


def cell_text(value: object) -> str | None:
    """A cell value as canonical text: integral floats without '.0', dates ISO, blanks None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def answer_key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class Choices:
    """Maps what a person wrote (label, name, for entities also acronym or alias) to names."""

    lookup: dict[str, str]
    registry: Registry | None = None  # set for entity lists: aliases resolve too

    @classmethod
    def of(cls, survey: Survey, registry: Registry, f: FormField) -> Choices:
        lookup: dict[str, str] = {}
        for name, label in field_options(survey, registry, f):
            lookup.setdefault(answer_key(label), name)
            lookup.setdefault(answer_key(name), name)
        if f.type in {"select_one", "select_multiple"} and f.list_name:
            for lang in survey.languages[1:]:  # a questionnaire in another language
                for name, label in survey.choice_labels(f.list_name, lang).items():
                    lookup.setdefault(answer_key(label), name)
        if f.type in {"entity", "entities"}:
            for eid, acronym in registry.acronyms().items():
                lookup.setdefault(answer_key(acronym), eid)
            return cls(lookup, registry)
        return cls(lookup)

    def one(self, text: str) -> str:
        """The choice name of ``text``, or ``text`` itself when nothing matches."""
        return self.lookup.get(answer_key(text), text)

    def token(self, text: str) -> str:
        """Like :meth:`one`, for one of several answers typed in a cell: entity aliases
        resolve through the registry; answers separated by spaces instead of ';' are read
        when each word is an answer (``Africa Europe``); an unknown answer keeps no inner
        spaces so the space-separated list stays readable (``Asia and Pacific`` ->
        ``Asia_and_Pacific``)."""
        name = self.lookup.get(answer_key(text))
        if name is None and self.registry is not None:
            name = self.registry.resolve(text)
        if name is None and len(text.split()) > 1:  # answers separated by spaces, not ';'
            parts = [
                self.lookup.get(answer_key(p)) or (self.registry and self.registry.resolve(p))
                for p in text.split()
            ]
            if all(parts):
                return " ".join(str(p) for p in parts)
        return name if name is not None else "_".join(text.split())
