"""The survey definition's schema: one pydantic model per block of ``survey.yaml``
(questions, dimension sets, the analyses' blocks, the report's words), with what the
schema itself can check. :func:`pipeline.spec.load_survey` checks the rest."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    activities: Term = Term(
        one="type of activity", many="types of activity", verb=("reports", "report")
    )
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
