"""Survey definitions: load ``surveys/<id>/survey.yaml`` into a checked :class:`Survey`.

A survey is data, not code. Its ``sections`` hold questions; a section may be asked once
per item of a *dimension set* (``per_dimension``), or be a *repeat* (one row per project).
:meth:`Survey.fields` expands the questions into the concrete fields a form has, each with
a unique ``name`` (``engagement_raw_materials``): the XLSForm, the offline questionnaire,
the readers, the validator and the scorer all work from that one list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError

from pipeline.errors import Issue, SpecError
from pipeline.spec_checks import check_checks, check_references
from pipeline.spec_model import (
    ANNEXES,
    CHAPTERS,
    ENTITY_LIST,
    AnswerCount,
    Check,
    Choice,
    Coverage,
    Demo,
    DemoRound,
    Desk,
    DimensionItem,
    DimensionSet,
    Gaps,
    HistoryEntry,
    Level,
    Links,
    Maturity,
    OpenAnswers,
    ProfileLine,
    Projects,
    Question,
    QuestionType,
    Ranking,
    ReportText,
    Requirements,
    Review,
    ReviewState,
    ScoreComponent,
    Scoring,
    Section,
    SkipIf,
    SurveyModel,
    Tallies,
    Term,
    Theme,
    Translation,
    Workplan,
    WorkplanGoal,
)

__all__ = [
    "ANNEXES",
    "CHAPTERS",
    "ENTITY_LIST",
    "AnswerCount",
    "Check",
    "Choice",
    "Coverage",
    "Demo",
    "DemoRound",
    "Desk",
    "DimensionItem",
    "DimensionSet",
    "FormField",
    "Gaps",
    "HistoryEntry",
    "Level",
    "Links",
    "Maturity",
    "OpenAnswers",
    "ProfileLine",
    "Projects",
    "Question",
    "QuestionType",
    "Ranking",
    "ReportText",
    "Requirements",
    "Review",
    "ReviewState",
    "ScoreComponent",
    "Scoring",
    "Section",
    "SkipIf",
    "Survey",
    "SurveyModel",
    "Tallies",
    "Term",
    "Theme",
    "Translation",
    "Workplan",
    "WorkplanGoal",
    "load_survey",
]


@dataclass(frozen=True)
class FormField:
    """One concrete field of the form, after per-dimension and rank expansion."""

    name: str
    question: str
    type: str  # text, email, integer, decimal, select_one, select_multiple, entity, entities
    label: str
    section: str
    choices: str | None = None
    dimension_set: str | None = None
    dimension: str | None = None
    repeat: str | None = None
    required: bool = False
    personal: bool = False
    min: float | None = None
    max: float | None = None
    hint: str = ""
    skip_field: str | None = None
    skip_value: str | None = None

    @property
    def is_select(self) -> bool:
        return self.type in {"select_one", "select_multiple", "entity", "entities"}

    @property
    def is_multiple(self) -> bool:
        return self.type in {"select_multiple", "entities"}

    @property
    def list_name(self) -> str | None:
        return ENTITY_LIST if self.type in {"entity", "entities"} else self.choices


class Survey:
    """A checked survey definition with its expanded fields.

    Attributes: ``model`` (the parsed YAML), ``path`` (the YAML file), ``sha256`` (hash of
    the file's bytes, recorded in every manifest).
    """

    def __init__(self, model: SurveyModel, path: Path, sha256: str, language: str = "en"):
        self.model = model
        self.path = path
        self.sha256 = sha256
        # the language its labels are in: "en", or a translation's code (in_language)
        self.language = language

    # -- plain attributes -------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.model.id

    @property
    def title(self) -> str:
        return self.model.title

    @property
    def folder(self) -> Path:
        return self.path.parent

    def choices(self, list_name: str) -> list[Choice]:
        """The choices of a list; a dimension set can be used as a choice list too."""
        if list_name in self.model.choices:
            return self.model.choices[list_name]
        if list_name in self.model.dimension_sets:
            return [
                Choice(name=i.id, label=i.label) for i in self.model.dimension_sets[list_name].items
            ]
        raise KeyError(list_name)

    def choice_labels(self, list_name: str, lang: str = "en") -> dict[str, str]:
        """Choice name -> label, in ``lang`` where the survey translates it."""
        labels = {c.name: c.label for c in self.choices(list_name)}
        t = self.model.translations.get(lang)
        if t is not None:
            own = t.choices.get(list_name) or t.dimensions.get(list_name) or {}
            labels = {name: own.get(name, label) for name, label in labels.items()}
        return labels

    def in_language(self, lang: str) -> Survey:
        """This survey with its form's labels (title, subtitle, sections, questions, hints,
        choices, dimension items) in ``lang``, for writing the form in that language
        (``language`` is ``lang``: the form's own texts follow, see
        :mod:`pipeline.form_texts`); the same path, hash and version, so that answers read
        back as this survey's."""
        if lang == "en":
            return self
        t = self.model.translations[lang]
        data = self.model.model_dump()
        data["title"] = t.title or data["title"]
        data["subtitle"] = t.subtitle or data["subtitle"]
        for section in data["sections"]:
            section["label"] = t.sections.get(section["id"], section["label"])
            for q in section["questions"]:
                q["label"] = t.questions.get(q["id"], q["label"])
                q["hint"] = t.hints.get(q["id"], q["hint"])
        for name, items in data["choices"].items():
            for c in items:
                c["label"] = t.choices.get(name, {}).get(c["name"], c["label"])
        for name, dims in data["dimension_sets"].items():
            for item in dims["items"]:
                item["label"] = t.dimensions.get(name, {}).get(item["id"], item["label"])
        return Survey(SurveyModel.model_validate(data), self.path, self.sha256, lang)

    @property
    def languages(self) -> list[str]:
        """Language codes of the form's labels: English first, then the translations."""
        return ["en", *self.model.translations]

    def language_name(self, lang: str) -> str:
        return "English" if lang == "en" else self.model.translations[lang].language

    def section_label(self, section_id: str, lang: str = "en") -> str:
        label = next(s.label for s in self.model.sections if s.id == section_id)
        t = self.model.translations.get(lang)
        return t.sections.get(section_id, label) if t else label

    def dimension_label(self, set_name: str, item: str, lang: str = "en") -> str:
        english = self.dimension_labels(set_name).get(item, item)
        t = self.model.translations.get(lang)
        if t is None:
            return english
        own = t.dimensions.get(set_name) or t.choices.get(set_name) or {}
        return own.get(item, english)

    def field_label(self, f: FormField, lang: str = "en") -> str:
        """A field's label in ``lang`` (its English label where not translated)."""
        t = self.model.translations.get(lang)
        template = t.questions.get(f.question) if t else None
        if template is None:
            return f.label
        if self.question(f.question).type == "rank" and f.dimension_set and f.dimension:
            return template.format(option=self.choice_labels(f.dimension_set, lang)[f.dimension])
        if f.dimension_set and f.dimension:
            return template.format(
                dimension=self.dimension_label(f.dimension_set, f.dimension, lang)
            )
        return template

    def dimension_labels(self, set_name: str) -> dict[str, str]:
        """Item id -> label of a dimension set (or of a choice list a section is asked per)."""
        return {i.id: i.label for i in self.dimension_items(set_name)}

    def dimension_items(self, set_name: str) -> list[DimensionItem]:
        """The items of a dimension set; a section may also be asked once per choice of a
        choice list (``per_dimension: topic``), whose choices are then its items."""
        if set_name in self.model.dimension_sets:
            return list(self.model.dimension_sets[set_name].items)
        return [DimensionItem(id=c.name, label=c.label) for c in self.model.choices[set_name]]

    # -- expanded fields --------------------------------------------------------------
    @cached_property
    def _fields(self) -> list[FormField]:
        out: list[FormField] = []
        for section in self.model.sections:
            repeat = section.id if section.repeat else None
            dims: list[DimensionItem | None] = [None]
            if section.per_dimension:
                dims = list(self.dimension_items(section.per_dimension))
            for dim in dims:
                for q in section.questions:
                    out.extend(self._expand(q, section, dim, repeat))
        return out

    def _expand(
        self, q: Question, section: Section, dim: DimensionItem | None, repeat: str | None
    ) -> list[FormField]:
        suffix = f"_{dim.id}" if dim else ""
        common = dict(
            question=q.id,
            section=section.id,
            repeat=repeat,
            personal=q.personal,
            hint=q.hint,
            dimension_set=section.per_dimension,
            dimension=dim.id if dim else None,
        )
        if q.type == "rank":
            options = self.choices(q.choices or "")
            return [
                FormField(
                    name=f"{q.id}_{c.name}",
                    type="integer",
                    label=q.label.format(option=c.label),
                    choices=None,
                    required=q.required,
                    min=1,
                    max=len(options),
                    **{**common, "dimension_set": q.choices, "dimension": c.name},  # type: ignore[arg-type]
                )
                for c in options
            ]
        label = q.label.format(dimension=dim.label) if dim else q.label
        skip_field = skip_value = None
        if q.skip_if:
            skip_field = f"{q.skip_if.question}{suffix}"
            skip_value = q.skip_if.equals
        return [
            FormField(
                name=f"{q.id}{suffix}",
                type=q.type,
                label=label,
                choices=q.choices,
                required=q.required,
                min=q.min,
                max=q.max,
                skip_field=skip_field,
                skip_value=skip_value,
                **common,  # type: ignore[arg-type]
            )
        ]

    def fields(self, repeat: str | Literal["all"] | None = None) -> list[FormField]:
        """Fields of the main form (``repeat=None``), of one repeat section, or all."""
        if repeat == "all":
            return list(self._fields)
        return [f for f in self._fields if f.repeat == repeat]

    def field(self, name: str) -> FormField:
        for f in self._fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def fields_of(self, question: str) -> list[FormField]:
        """Every field a question expanded into (one per dimension item or rank option)."""
        return [f for f in self._fields if f.question == question]

    @property
    def repeat_sections(self) -> list[str]:
        return [s.id for s in self.model.sections if s.repeat]

    @property
    def entity_field(self) -> FormField:
        return next(f for f in self.fields() if f.type == "entity")

    @property
    def personal_fields(self) -> list[str]:
        return [f.name for f in self._fields if f.personal]

    def question(self, question_id: str) -> Question:
        for section in self.model.sections:
            for q in section.questions:
                if q.id == question_id:
                    return q
        raise KeyError(question_id)

    def for_round(self, round_id: str) -> Survey:
        """The version of this survey a round was collected with (itself unless the round
        is listed under ``history``)."""
        for entry in self.model.history.values():
            if round_id in entry.rounds:
                return self._lend_wording(load_survey(self.folder / entry.file))
        return self

    def _lend_wording(self, earlier: Survey) -> Survey:
        """``earlier`` with this version's ``report:`` block (and ``tallies:``, when its
        section exists there) where it declares none: how the report speaks of a survey
        belongs to the survey, not to one version of its form."""
        given = earlier.model.model_fields_set
        update: dict[str, object] = {}
        if "report" not in given and "report" in self.model.model_fields_set:
            update["report"] = self.model.report
        t = self.model.tallies
        if "tallies" not in given and t and any(x.id == t.section for x in earlier.model.sections):
            update["tallies"] = t
        if not update:
            return earlier
        sha = hashlib.sha256((earlier.sha256 + self.sha256).encode()).hexdigest()
        return Survey(earlier.model.model_copy(update=update), earlier.path, sha)


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)  # libyaml, about 10x the pure-Python parser


def _parse_yaml(raw: bytes) -> object:
    """``yaml.safe_load`` through libyaml where PyYAML has it (same documents, a tenth of
    the time: a run loads its definitions several times). A document libyaml refuses is
    parsed again by the pure-Python loader, whose error quotes the offending line."""
    if _FAST_LOADER is not None:
        try:
            return yaml.load(raw, Loader=_FAST_LOADER)  # CSafeLoader: the safe loader in C
        except yaml.YAMLError:
            pass
    return yaml.safe_load(raw)


def load_survey(path: Path | str) -> Survey:
    """Read a survey definition (a ``survey.yaml`` or its folder) and check it whole.

    Raises :class:`SpecError` listing every problem found, each naming the file.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "survey.yaml"
    try:
        raw = path.read_bytes()
        data = _parse_yaml(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError([Issue("error", "spec-unreadable", str(exc), file=str(path))]) from exc
    try:
        model = SurveyModel.model_validate(data)
    except ValidationError as exc:
        raise SpecError(
            [
                Issue(
                    "error",
                    "spec-invalid",
                    f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}",
                    file=str(path),
                )
                for err in exc.errors()
            ]
        ) from exc
    problems = check_references(model)
    if problems:
        raise SpecError([Issue("error", "spec-invalid", p, file=str(path)) for p in problems])
    survey = Survey(model, path, hashlib.sha256(raw).hexdigest())
    problems = check_checks(survey)
    if problems:
        raise SpecError([Issue("error", "spec-invalid", p, file=str(path)) for p in problems])
    names = [f.name for f in survey.fields("all")]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SpecError(
            [
                Issue(
                    "error", "spec-invalid", f"field name '{d}' is produced twice", file=str(path)
                )
                for d in dupes
            ]
        )
    return survey
