"""Survey definitions: load ``surveys/<id>/survey.yaml`` into a checked :class:`Survey`.

A survey is data, not code. Its ``sections`` hold questions; a section may be asked once
per item of a *dimension set* (``per_dimension``), or be a *repeat* (one row per project).
:meth:`Survey.fields` expands the questions into the concrete fields a form has, each with
a unique ``name`` (``engagement_raw_materials``): the XLSForm, the offline questionnaire,
the readers, the validator and the scorer all work from that one list.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.errors import Issue, SpecError
from pipeline.form_texts import FORM_TEXTS, check_form_texts

QuestionType = Literal[
    "text",
    "email",
    "integer",
    "decimal",
    "select_one",
    "select_multiple",
    "entity",
    "entities",
    "rank",
]
ENTITY_LIST = "entity"


class _Model(BaseModel):
    # no inf or nan anywhere: a threshold or score of .inf would fail every answer
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Choice(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    score: float | None = None
    group: str | None = None  # e.g. the SDG goal of an SDG target (see pipeline.analyses.sdg)


class DimensionItem(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    group: str | None = None  # e.g. an ESS requirement's group: principle, thematic, procedure
    # round-over-round comparison: the id this item had in the earlier version of the survey
    # (default: the same id), or comparable: false when its scope changed (split, merged)
    compare_with: str | None = None
    comparable: bool = True


class DimensionSet(_Model):
    label: str
    plural: str
    items: list[DimensionItem]


class SkipIf(_Model):
    question: str
    equals: str


class Question(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: QuestionType
    label: str
    choices: str | None = None
    required: bool = False
    personal: bool = False
    min: float | None = None
    max: float | None = None
    hint: str = ""
    skip_if: SkipIf | None = None
    # round-over-round comparison: the id this question had in the earlier version of the
    # survey (default: the same id), or comparable: false when its meaning changed
    compare_with: str | None = None
    comparable: bool = True
    # for a select whose choices changed: this version's choice name -> the earlier
    # version's choice name it counts as (e.g. a 4-level scale collapsed onto yes/no)
    compare_map: dict[str, str] | None = None

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Question:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(
                f"question '{self.id}': min ({self.min:g}) is greater than max ({self.max:g}); "
                "every answer would be out of range"
            )
        return self

    @model_validator(mode="after")
    def _choices_when_needed(self) -> Question:
        needs = self.type in {"select_one", "select_multiple", "rank"}
        if needs and not self.choices:
            raise ValueError(f"question '{self.id}' of type {self.type} needs 'choices'")
        if not needs and self.choices:
            raise ValueError(f"question '{self.id}' of type {self.type} takes no 'choices'")
        return self


class Section(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    questions: list[Question]
    per_dimension: str | None = None
    repeat: bool = False


class ScoreComponent(_Model):
    question: str
    weight: float = Field(gt=0, le=1)
    method: Literal["choice_score", "selected_share"]
    full_at: int | None = Field(default=None, ge=1, le=10_000)


class Level(_Model):
    name: str
    min: float = Field(ge=0, le=1)


class Scoring(_Model):
    dimension_set: str
    # why the weights are what they are (optional): the formula itself is written from the
    # components (pipeline.score.rule_text) and this reason follows it in brackets
    rule: str | None = None
    components: list[ScoreComponent]
    levels: list[Level]

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> Scoring:
        total = sum(c.weight for c in self.components)
        if abs(total - 1) > 1e-9:
            raise ValueError(f"scoring weights add up to {total:g}; they must add up to 1")
        mins = [lv.min for lv in self.levels]
        if mins != sorted(mins) or not mins or mins[0] != 0:
            raise ValueError("scoring levels must start at min 0 and go up")
        return self


class Coverage(_Model):
    question: str
    engaged_at_least: str
    strong: str
    # each resample is a row of n_entities numbers per dimension: past 100 000 the run
    # needs gigabytes and minutes for no better interval
    bootstrap_resamples: int = Field(default=2000, ge=100, le=100_000)
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)


class Gaps(_Model):
    min_entities: int = Field(ge=1, le=10_000)
    require_strong: bool = True
    topics_question: str | None = None
    topic_min_entities: int = Field(default=3, ge=1, le=10_000)
    activities_question: str | None = None


class Links(_Model):
    collaborators_question: str
    overlap_min_similarity: float = Field(default=0.9, ge=0, le=1)
    overlap_min_shared_strong: int = Field(default=2, ge=1, le=10_000)
    complement_strong: float = Field(default=0.67, ge=0, le=1)
    complement_weak: float = Field(default=0.34, ge=0, le=1)
    complement_min_dimensions: int = Field(default=2, ge=1, le=10_000)

    @model_validator(mode="after")
    def _weak_below_strong(self) -> Links:
        if self.complement_weak >= self.complement_strong:
            raise ValueError(
                f"complement_weak ({self.complement_weak:g}) must be below complement_strong "
                f"({self.complement_strong:g})"
            )
        return self


class Ranking(_Model):
    question: str


class Projects(_Model):
    section: str
    title: str
    status: str
    stages: str
    regions: str
    partners: str
    budget: str
    topics: str | None = None  # the repeat's question naming the topics a project addresses


class Desk(_Model):
    """A desk-compiled inventory of initiatives beside the survey's own projects (see
    :mod:`pipeline.desk`): ``emg-pipeline form SURVEY --desk`` writes its template, a
    filled copy in the round folder is read, checked and merged with the projects."""

    types: str  # the choice list of initiative types (project, programme, publication ...)
    topics: str | None = None  # the choice list of topics (default: none asked)
    # two titles of the same entity are the same initiative at this similarity (0-100,
    # rapidfuzz token-sort ratio of the titles, case and punctuation ignored)
    match_threshold: float = Field(default=88, gt=0, le=100)


class WorkplanGoal(_Model):
    """The draft goal the work plan proposes for one kind of gap, and the question that
    asks per item of that kind whether an entity would lead or contribute."""

    question: str | None = None  # a per-dimension select_one (lead / contribute / neither)
    # the goal's wording; {item}: the gap's label (as declared), {item_lower}: lower case
    goal: str


class Workplan(_Model):
    """The draft joint work plan (workplan.docx and the Work plan sheet): one goal per gap
    of the gap analysis, with the entities willing to lead or contribute."""

    lead: str  # the choice name that means "would lead"
    contribute: str  # the choice name that means "would contribute"
    goals: dict[str, WorkplanGoal]  # gap kind (a dimension set, topic, activity) -> goal
    title: str = "Draft joint work plan"
    # the first paragraph of workplan.docx: what the plan is for and who adopts it
    intro: str = ""
    # what a gap no entity offers to lead is flagged as ({noun}: the entity noun;
    # {decides}: report.decides)
    no_lead: str = "No {noun} offers to lead: for {decides} to decide"


class DemoRound(_Model):
    id: str
    respondents: int = Field(ge=2, le=10_000)
    submitted_from: str
    questionnaires: int = Field(default=0, ge=0, le=10_000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)

    @model_validator(mode="after")
    def _questionnaires_among_respondents(self) -> DemoRound:
        if self.questionnaires > self.respondents:
            raise ValueError(
                f"demo round '{self.id}': questionnaires ({self.questionnaires}) is more than "
                f"respondents ({self.respondents})"
            )
        return self


class Demo(_Model):
    """How `emg-pipeline demo` invents rounds of this survey (see pipeline.demo)."""

    rounds: list[DemoRound]
    boost: dict[str, float] = {}  # entity id -> shift of its engagement
    pull: dict[str, float] = {}  # dimension item -> shift of everyone's engagement in it
    always_respond: list[str] = []
    # question id -> sample answers for a text or number question, taken in turn (see
    # pipeline.demo.synthetic_answers); "" leaves the answer empty
    answers: dict[str, list[str]] = {}


class Requirements(_Model):
    """A benchmark survey (ESS): each dimension item is a requirement an entity meets or not."""

    dimension_set: str
    coverage_question: str
    document_question: str | None = None
    mandatory: str  # the choice that means "met"
    not_applicable: str | None = None  # the choice left out of denominators
    consensus_share: float = Field(default=0.6, gt=0, le=1)
    within_reach_margin: float = Field(default=0.15, ge=0, lt=1)
    sensitivity: list[Annotated[float, Field(gt=0, le=1)]] = Field(
        default=[0.4, 0.5, 0.6, 0.7, 0.8], max_length=50
    )
    groups: dict[str, str] = {}  # group id -> label, in report order


class Maturity(_Model):
    """A maturity scale asked per item of a dimension set (e.g. ESS building blocks)."""

    dimension_set: str
    question: str


class Term(_Model):
    """A noun of the report in its two numbers, with what an entity does with it
    (``verb``: singular and plural form, e.g. ``[works on, work on]``)."""

    one: str
    many: str
    verb: tuple[str, str] = ("works on", "work on")


class Tallies(_Model):
    """Single-choice questions of one section counted answer by answer, with the entities
    behind each answer (e.g. how entities manage their own footprint, whether they publish
    a report). The report gives them a chapter of their own."""

    section: str
    heading: str
    intro: str = ""  # the chapter's first paragraph
    summary_lead: str = ""  # "On their own footprint": leads the executive-summary sentence
    # question id -> what the counted entities do when they give the question's first
    # choice ("have an environmental management system in place"); questions not listed
    # are worded from their label and answer
    phrases: dict[str, str] = {}


class ProfileLine(_Model):
    """One line of an entity's profile in the report: a lead and the entity's answer to a
    main-form question, with the answers to ``then`` in brackets ("Safeguards system:
    ESSF (2020)")."""

    label: str
    question: str
    then: list[str] = []
    template: str = "{value}"  # how the answer reads; {value}: the answer (choice labels)
    zero: str | None = None  # what a 0 reads as (a number question), brackets left out
    missing: str = "not given"  # the answer's place when only the ``then`` answers exist


class AnswerCount(_Model):
    """An executive-summary sentence counting the answers to one single-choice question:
    "<lead>, the <entities> answered: 5 yes, 2 no and 1 considering it"."""

    question: str
    lead: str


CHAPTERS = (
    "findings",
    "contributors",
    "sdg",
    "gaps",
    "links",
    "tallies",
    "projects",
    "ranking",
    "open_answers",
    "change",
)
ANNEXES = ("recommendations", "respondents", "scores", "issues", "questions", "acronyms")


class ReportText(_Model):
    """How the report speaks of this survey. Every key is optional; the defaults are
    derived from the declared blocks (the entity noun, the dimension set, the choice
    labels of the coverage thresholds) or are neutral."""

    # the first paragraph of the executive summary: what the survey is and why it was run
    background: str = ""
    # who interprets the draft and makes the final recommendations
    decides: str = "the review"
    # the verb for an entity at or above coverage.engaged_at_least, before "this <item>",
    # singular and plural ("engages in", "reports on")
    engages: tuple[str, str] = ("engages in", "engage in")
    # the words for the per-dimension multi-select of gaps.activities_question
    activities: Term = Term(one="type of activity", many="types of activity", verb=("reports", "report"))
    # the words for the choices of gaps.topics_question
    topics: Term = Term(one="topic", many="topics")
    # the recommendation for a weakly covered dimension item; {item} is its label
    strengthen: str = "Strengthen the UN system's work on {item}."
    # what two entities with near-identical profiles may show ("Check for possible
    # duplication between A and B")
    overlap: str = "possible duplication"
    # an entity's own system, as the benchmark chapters name it ("safeguards system";
    # default: none, the chapter is called "Comparison matrix")
    system: str = ""
    # the chapters after the methodology and the annexes, in order (default: all, in the
    # order listed in pipeline.spec.CHAPTERS / ANNEXES); a chapter whose tables the run
    # does not have is left out
    chapters: list[Literal[CHAPTERS]] | None = None  # type: ignore[valid-type]
    annexes: list[Literal[ANNEXES]] | None = None  # type: ignore[valid-type]
    # lines of each entity's profile, from its own answers (benchmark surveys)
    profile_lines: list[ProfileLine] = []
    # a confirmation profile is written per responding entity when there are at most this
    # many (a round of thousands of country offices gets none: the log says so)
    profiles_max: int = Field(default=300, ge=0, le=5000)
    # executive-summary sentences counting the answers to single-choice questions
    answer_counts: list[AnswerCount] = []
    # words that belong to this survey only: no other survey's report may use them
    # (tests/test_every_survey.py)
    own_terms: list[str] = []
    # the survey's own abbreviations and what they stand for ({SDG: Sustainable Development
    # Goal}); those the report uses are listed in its acronyms annex with the entities'
    abbreviations: dict[str, str] = {}


class Check(_Model):
    """A cross-field check, like an XLSForm constraint over several answers: a warning
    (with file, sheet, row) for each row where ``field`` is below ``min`` or above
    ``max`` while every ``when`` answer holds. A bound is a number, another field of the
    same table, or ``round_year`` (the first year in the round id) with an offset
    (``round_year - 1``). See :mod:`pipeline.crosschecks`."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    section: str | None = None  # a repeat section, or None for the main form
    field: str
    when: dict[str, str | list[str]] = {}
    min: float | str | None = None
    max: float | str | None = None
    message: str  # what the problem is, e.g. "planned, but its end year has passed"

    @model_validator(mode="after")
    def _a_bound(self) -> Check:
        if self.min is None and self.max is None:
            raise ValueError(f"check '{self.id}' needs min or max")
        return self


ReviewState = Literal["approved", "rejected", "on_hold", "edited"]


class Review(_Model):
    """What the review state a survey tool gives a submission does to it (KoboToolbox's
    validation status, ODK Central's review state; see :mod:`pipeline.review`).

    ``set_aside``: states whose submissions are left out before "latest wins" (each named
    in the data-quality log); ``warn``: states kept with a warning. ``rejected`` is Kobo's
    "Not approved" and Central's ``rejected``; ``on_hold`` is Kobo's "On hold" and
    Central's ``hasIssues``."""

    set_aside: list[ReviewState] = ["rejected"]
    warn: list[ReviewState] = ["on_hold"]

    @model_validator(mode="after")
    def _disjoint(self) -> Review:
        both = sorted(set(self.set_aside) & set(self.warn))
        if both:
            raise ValueError(f"review: {', '.join(both)} both set aside and kept with a warning")
        return self


class Theme(_Model):
    """A theme an open answer may raise, with the words that mark it in each language."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    # language code -> words or phrases; a match is a whole word or phrase, in any case and
    # with or without accents; a trailing '*' matches any ending ("recycl*")
    match: dict[str, list[str]] = Field(min_length=1)


class OpenAnswers(_Model):
    """Themes to code the answers of text questions by (question id -> themes)."""

    themes: dict[str, list[Theme]] = Field(min_length=1)
    # approved excerpts quoted in the report per question, at most
    quotes_per_question: int = Field(default=3, ge=0, le=20)


class HistoryEntry(_Model):
    """An earlier version of the survey, used to read the rounds collected with it."""

    file: str  # relative to the survey folder
    rounds: list[str]


class Translation(_Model):
    """The form's labels in another language (the report stays in English). Keys are the
    ids of the English definition; anything not translated keeps its English label."""

    language: str  # its name in English, as XLSForm columns show it: "French"
    note: str = ""  # e.g. "to be reviewed by a translator"
    title: str = ""
    subtitle: str = ""
    sections: dict[str, str] = {}  # section id -> label
    questions: dict[str, str] = {}  # question id -> label ({dimension} / {option} as in English)
    hints: dict[str, str] = {}  # question id -> hint
    choices: dict[str, dict[str, str]] = {}  # list -> choice name -> label
    dimensions: dict[str, dict[str, str]] = {}  # dimension set -> item id -> label
    # repeat section id -> the title of its sheet in the offline questionnaire
    sheets: dict[str, str] = {}
    # the form's own texts (instructions, headers, help, messages): key -> text, the keys
    # and {placeholders} of pipeline.form_texts.FORM_TEXTS
    form: dict[str, str] = {}


class SurveyModel(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    subtitle: str = ""
    form_version: str
    entity_noun: str = "entity"
    entity_plural: str = "entities"
    source_note: str = ""
    # entity ids the survey was sent to (default: every entity of the registry); response
    # rates and the list of non-respondents count against it
    invited: list[str] | None = None
    choices: dict[str, list[Choice]]
    dimension_sets: dict[str, DimensionSet] = {}
    sections: list[Section]
    scoring: Scoring | None = None
    coverage: Coverage | None = None
    gaps: Gaps | None = None
    links: Links | None = None
    ranking: Ranking | None = None
    projects: Projects | None = None
    desk: Desk | None = None
    workplan: Workplan | None = None
    requirements: Requirements | None = None
    maturity: Maturity | None = None
    tallies: Tallies | None = None
    open_answers: OpenAnswers | None = None
    report: ReportText = ReportText()
    demo: Demo | None = None
    history: dict[str, HistoryEntry] = {}
    review: Review = Review()
    checks: list[Check] = []
    # label translations by language code (fr, es, ...); labels above are English (en)
    translations: dict[str, Translation] = {}
    # the rounds in the order they were held, when their ids do not sort that way
    # (default: natural order, 2026-R2 before 2026-R10); `run` compares with the one before
    round_order: list[str] = []


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
            return template.format(dimension=self.dimension_label(f.dimension_set, f.dimension, lang))
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


def _check_references(model: SurveyModel) -> list[str]:
    """Cross-references a schema cannot check: choice lists, dimension sets, question ids."""
    problems: list[str] = []
    lists = set(model.choices) | set(model.dimension_sets)
    qids: dict[str, Question] = {}
    for section in model.sections:
        if section.per_dimension and section.per_dimension not in lists:
            problems.append(
                f"section '{section.id}': unknown dimension set or choice list '{section.per_dimension}'"
            )
        if section.per_dimension and section.repeat:
            problems.append(f"section '{section.id}': a repeat cannot also be per_dimension")
        for q in section.questions:
            if q.id in qids:
                problems.append(f"question id '{q.id}' is used twice")
            qids[q.id] = q
            if q.choices and q.choices not in lists:
                problems.append(f"question '{q.id}': unknown choice list '{q.choices}'")
            if q.skip_if and q.skip_if.question not in {x.id for x in section.questions}:
                problems.append(
                    f"question '{q.id}': skip_if refers to '{q.skip_if.question}' outside its section"
                )
    entity_questions = [q.id for q in qids.values() if q.type == "entity"]
    if len(entity_questions) != 1:
        problems.append(
            f"a survey needs exactly one question of type entity; found {len(entity_questions)}"
        )
    refs: list[tuple[str, str | None]] = []
    if model.scoring:
        refs += [(f"scoring component {c.question}", c.question) for c in model.scoring.components]
        if model.scoring.dimension_set not in model.dimension_sets:
            problems.append(f"scoring: unknown dimension set '{model.scoring.dimension_set}'")
    if model.coverage:
        refs.append(("coverage.question", model.coverage.question))
        q = qids.get(model.coverage.question)
        names = [c.name for c in model.choices.get(q.choices or "", [])] if q else []
        for key in ("engaged_at_least", "strong"):
            if q and getattr(model.coverage, key) not in names:
                problems.append(
                    f"coverage.{key}: '{getattr(model.coverage, key)}' is not a choice of {q.choices}"
                )
    if model.gaps:
        refs += [("gaps.topics_question", model.gaps.topics_question)]
        refs += [("gaps.activities_question", model.gaps.activities_question)]
    if model.links:
        refs.append(("links.collaborators_question", model.links.collaborators_question))
    if model.ranking:
        refs.append(("ranking.question", model.ranking.question))
    if model.projects:
        p = model.projects
        refs += [(f"projects.{k}", v) for k, v in p.model_dump().items() if k != "section"]
    if model.desk:
        if not model.projects:
            problems.append("desk: needs a projects: block (the desk mapping is merged with the projects)")
        for key in ("types", "topics"):
            name = getattr(model.desk, key)
            if name is not None and name not in lists:
                problems.append(f"desk.{key}: unknown choice list '{name}'")
    if model.workplan:
        problems += _check_workplan(model, qids)
    if model.requirements:
        r = model.requirements
        refs += [("requirements.coverage_question", r.coverage_question)]
        refs += [("requirements.document_question", r.document_question)]
        if r.dimension_set not in model.dimension_sets:
            problems.append(f"requirements: unknown dimension set '{r.dimension_set}'")
        q = qids.get(r.coverage_question)
        names = [c.name for c in model.choices.get(q.choices or "", [])] if q else []
        for key in ("mandatory", "not_applicable"):
            value = getattr(r, key)
            if q and value is not None and value not in names:
                problems.append(f"requirements.{key}: '{value}' is not a choice of {q.choices}")
    if model.maturity:
        refs.append(("maturity.question", model.maturity.question))
        if model.maturity.dimension_set not in model.dimension_sets:
            problems.append(f"maturity: unknown dimension set '{model.maturity.dimension_set}'")
    if model.tallies:
        t = model.tallies
        section = next((x for x in model.sections if x.id == t.section), None)
        if section is None:
            problems.append(f"tallies.section: no section '{t.section}'")
        else:
            counted = {q.id for q in section.questions if q.type == "select_one"}
            for qid in t.phrases:
                if qid not in counted:
                    problems.append(
                        f"tallies.phrases: '{qid}' is not a single-choice question of section '{t.section}'"
                    )
    main_questions = {
        q.id: q for x in model.sections if not x.repeat and not x.per_dimension for q in x.questions
    }
    for i, line in enumerate(model.report.profile_lines):
        for qid in [line.question, *line.then]:
            q = main_questions.get(qid)
            if q is None or q.personal:
                problems.append(
                    f"report.profile_lines[{i}]: '{qid}' is not a non-personal question asked once per entity"
                )
        if "{value}" not in line.template:
            problems.append(f"report.profile_lines[{i}].template: needs '{{value}}' where the answer goes")
    for i, count in enumerate(model.report.answer_counts):
        q = main_questions.get(count.question)
        if q is None or q.type != "select_one":
            problems.append(
                f"report.answer_counts[{i}]: '{count.question}' is not a single-choice question asked once per entity"
            )
    if "{item}" not in model.report.strengthen:
        problems.append("report.strengthen: the sentence needs '{item}' where the label goes")
    if model.open_answers:
        types = {q.id: q.type for sec in model.sections for q in sec.questions}
        for qid, themes in model.open_answers.themes.items():
            if qid in types and types[qid] != "text":
                problems.append(f"open_answers.themes.{qid}: a {types[qid]} question, not a text question")
            ids = [t.id for t in themes]
            if len(set(ids)) < len(ids):
                problems.append(f"open_answers.themes.{qid}: a theme id is used twice")
            refs.append((f"open_answers.themes.{qid}", qid))
    for key in ("chapters", "annexes"):
        names = getattr(model.report, key) or []
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            problems.append(f"report.{key}: listed twice: {', '.join(dupes)}")
    for where, qid in refs:
        if qid is not None and qid not in qids:
            problems.append(f"{where}: no question '{qid}'")
    for name, choices in model.choices.items():
        dupes = {c.name for c in choices if [d.name for d in choices].count(c.name) > 1}
        if dupes:
            problems.append(f"choice list '{name}': duplicated name(s) {', '.join(sorted(dupes))}")
    return problems


def _check_workplan(model: SurveyModel, qids: dict[str, Question]) -> list[str]:
    """The work plan's goal questions ask per item of a dimension (set or choice list) and
    offer the lead and contribute choices; each goal's wording names the item."""
    w = model.workplan
    assert w is not None
    problems: list[str] = []
    if not model.gaps:
        problems.append("workplan: needs a gaps: block (one goal per gap)")
    per_item = {q.id: x for x in model.sections if x.per_dimension for q in x.questions}
    for kind, goal in w.goals.items():
        if "{item" not in goal.goal:
            problems.append(f"workplan.goals.{kind}.goal: the wording needs '{{item}}' where the gap's label goes")
        if goal.question is None:
            continue
        q = qids.get(goal.question)
        if q is None:
            problems.append(f"workplan.goals.{kind}.question: no question '{goal.question}'")
            continue
        if q.type != "select_one" or goal.question not in per_item:
            problems.append(
                f"workplan.goals.{kind}.question: '{goal.question}' must be a select_one asked per item (per_dimension)"
            )
            continue
        names = [c.name for c in model.choices.get(q.choices or "", [])]
        for key in ("lead", "contribute"):
            if getattr(w, key) not in names:
                problems.append(f"workplan.{key}: '{getattr(w, key)}' is not a choice of {q.choices}")
    return problems


SHEET_TITLE = re.compile(r"(?!')[^\[\]:*?/\\]{1,31}(?<!')")  # what Excel takes as a sheet title
ROUND_YEAR = re.compile(r"^round_year\s*(?:([+-])\s*(\d+))?$")


def _check_translations(survey: Survey) -> list[str]:
    """Translations name sections, questions, choice lists and items that exist."""
    problems: list[str] = []
    m = survey.model
    sections = {s.id for s in m.sections}
    questions = {q.id for s in m.sections for q in s.questions}
    for lang, t in m.translations.items():
        where = f"translations.{lang}"
        problems += [f"{where}.sections: no section '{k}'" for k in t.sections if k not in sections]
        problems += [f"{where}.questions: no question '{k}'" for k in t.questions if k not in questions]
        problems += [f"{where}.hints: no question '{k}'" for k in t.hints if k not in questions]
        problems += check_form_texts(t.form, f"{where}.form")
        for section, title in t.sheets.items():
            if section not in survey.repeat_sections:
                problems.append(f"{where}.sheets: no repeat section '{section}'")
            elif not SHEET_TITLE.fullmatch(title):
                problems.append(
                    f"{where}.sheets.{section}: '{title}' cannot name a sheet (1 to 31 "
                    "characters, none of [ ] : * ? / \\)"
                )
        titles = [t.form.get("answers_sheet"), t.form.get("instructions_sheet")]
        for key, title in zip(("answers_sheet", "instructions_sheet"), titles, strict=True):
            if title is not None and not SHEET_TITLE.fullmatch(title):
                problems.append(f"{where}.form.{key}: '{title}' cannot name a sheet")
        # the questionnaire's sheets need distinct titles (Excel ignores case); Lists and
        # About are its hidden ones
        named = {
            "form.answers_sheet": t.form.get("answers_sheet") or FORM_TEXTS["answers_sheet"],
            "form.instructions_sheet": t.form.get("instructions_sheet")
            or FORM_TEXTS["instructions_sheet"],
            **{f"sheets.{k}": v for k, v in t.sheets.items()},
        }
        seen: dict[str, str] = {"lists": "the hidden sheet Lists", "about": "the hidden sheet About"}
        for key, title in named.items():
            other = seen.setdefault(title.casefold(), f"{where}.{key}")
            if other != f"{where}.{key}":
                problems.append(f"{where}.{key}: '{title}' is also the title of {other}")
        # a translated choice the list no longer has is left unused (lists get edited)
        for kind, given in (("choices", t.choices), ("dimensions", t.dimensions)):
            for name in given:
                try:
                    survey.choices(name)
                except KeyError:
                    problems.append(f"{where}.{kind}: no list '{name}'")
    return problems


def _check_checks(survey: Survey) -> list[str]:
    """The cross-field checks name fields of their table, numbers or round_year."""
    problems: list[str] = _check_translations(survey)
    for check in survey.model.checks:
        if check.section is not None and check.section not in survey.repeat_sections:
            problems.append(f"check '{check.id}': no repeat section '{check.section}'")
            continue
        fields = {f.name: f for f in survey.fields(check.section)}
        where = f"the {check.section} section" if check.section else "the main form"
        numbers = {"integer", "decimal"}
        for name in [check.field, *check.when]:
            if name not in fields:
                problems.append(f"check '{check.id}': no field '{name}' in {where}")
        if check.field in fields and fields[check.field].type not in numbers:
            problems.append(f"check '{check.id}': '{check.field}' is not a number question")
        for bound in (check.min, check.max):
            named = isinstance(bound, str) and not ROUND_YEAR.match(bound.strip())
            if named and (bound not in fields or fields[bound].type not in numbers):
                problems.append(
                    f"check '{check.id}': bound '{bound}' is neither a number question of "
                    f"{where} nor round_year (+/- n)"
                )
    return problems


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
    problems = _check_references(model)
    if problems:
        raise SpecError([Issue("error", "spec-invalid", p, file=str(path)) for p in problems])
    survey = Survey(model, path, hashlib.sha256(raw).hexdigest())
    problems = _check_checks(survey)
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
