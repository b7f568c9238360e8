"""One short profile per responding entity, for its focal point to confirm or correct.

:func:`entity_profile` gathers what the round recorded for one entity (its answers by
section in the survey's own words, its scores and levels, its projects, whom it named as
partners and who named it); :func:`write_profiles` writes ``profiles/<ACRONYM>.docx`` for
every respondent (a profile whose content is unchanged since an earlier run is copied from
the run's cache, :func:`pipeline.report.chart_cache.cached_file`). Personal fields of the form (the focal point's name and e-mail) are never
read, and e-mail addresses typed into answers are masked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from pipeline.numbers import count
from pipeline.privacy import mask_contacts
from pipeline.report.chart_cache import cached_file, copied_from_cache, in_this_cache
from pipeline.spec import FormField, Survey
from pipeline.tables import RunResult

CONFIRM_WITHIN_DAYS = 21
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
PLACEHOLDER = re.compile(r"'?\{(dimension|option)\}'?\s*:?\s*")


@dataclass
class Profile:
    """What the round recorded for one entity."""

    entity_id: str
    acronym: str
    full_name: str
    submitted: str
    scores: pd.DataFrame  # dimension label, score, level
    sections: list[tuple[str, pd.DataFrame]]  # (section label, Question / Answer)
    projects: pd.DataFrame
    partners_named: list[str] = field(default_factory=list)
    named_by: list[str] = field(default_factory=list)
    unanswered: int = 0


def _answer_text(f: FormField, value: object, survey: Survey, acronyms: dict[str, str]) -> str:
    """An answer in words: choice labels, acronyms for entities, numbers and text as given."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value).strip()
    if not text:
        return ""
    if f.type in {"entity", "entities"}:
        return ", ".join(acronyms.get(v, v) for v in text.split())
    if f.is_select and f.choices:
        labels = survey.choice_labels(f.choices)
        return "; ".join(labels.get(v, v) for v in text.split()) if f.is_multiple else labels.get(text, text)
    if isinstance(value, float) and value.is_integer():
        return count(value)
    return mask_contacts(text)


def _question_words(label: str) -> str:
    """A per-dimension question's label without its ``{dimension}`` placeholder."""
    text = re.sub(r"\s+", " ", PLACEHOLDER.sub("", label).replace(" of (", " (")).strip(" :")
    return text[:1].upper() + text[1:]


def _shown_fields(survey: Survey, repeat: str | None = None) -> list[FormField]:
    return [
        f
        for f in survey.fields(repeat)
        if not f.personal and f.type not in {"email", "entity"} and f.type != "calculate"
    ]


def entity_profile(result: RunResult, entity_id: str) -> Profile:
    """The profile of one responding entity of ``result``."""
    return entity_profiles(result, [entity_id])[0]


def _positions(values: list[object]) -> dict[object, list[int]]:
    """Value -> the row positions holding it, in row order (one pass, for every entity)."""
    found: dict[object, list[int]] = {}
    for i, value in enumerate(values):
        found.setdefault(value, []).append(i)
    return found


class _Answers:
    """The main form's shown fields of a survey, with what does not depend on the entity
    worked out once: a dimension field's question words and the dimension labels."""

    def __init__(self, survey: Survey) -> None:
        self.shown = _shown_fields(survey)
        self.questions: dict[str, str] = {}  # field name -> question words (dimension fields)
        self.dim_labels: dict[str, str] = {}
        sets = survey.model.dimension_sets
        for f in self.shown:
            if f.dimension and f.dimension_set:
                self.dim_labels |= (
                    survey.dimension_labels(f.dimension_set)
                    if f.dimension_set in sets
                    else survey.choice_labels(f.dimension_set)  # a ranked list of options
                )
                self.questions[f.name] = _question_words(survey.question(f.question).label)


def _sections(
    answers: _Answers, row: dict[str, object], survey: Survey, acronyms: dict[str, str],
    labels: dict[str, str],
) -> tuple[list[tuple[str, pd.DataFrame]], int]:
    """One entity's answers by section (``row``: field name -> value) and how many of its
    shown questions it left unanswered."""
    sections: list[tuple[str, pd.DataFrame]] = []
    unanswered = 0
    by_section: dict[str, list[tuple[str, str]]] = {}
    by_dimension: dict[str, dict[str, dict[str, str]]] = {}  # section -> question -> dim -> answer
    for f in answers.shown:
        answer = _answer_text(f, row.get(f.name), survey, acronyms)
        unanswered += not answer
        if f.name in answers.questions:
            question = answers.questions[f.name]
            by_dimension.setdefault(f.section, {}).setdefault(question, {})[f.dimension] = answer
            by_section.setdefault(f.section, [])
        elif answer:
            by_section.setdefault(f.section, []).append((f.label, answer))
    for section, rows in by_section.items():
        if section in by_dimension:  # one row per dimension, one column per question
            table = _dimension_table(by_dimension[section], answers.dim_labels)
        else:
            table = pd.DataFrame(rows, columns=["Question", "Answer"])
        if not table.empty:
            sections.append((labels.get(section, section), table))
    return sections, unanswered


def _dimension_table(by_question: dict[str, dict[str, str]], dim_labels: dict[str, str]) -> pd.DataFrame:
    """Area (the dimension's label), then one column per question of the answers per
    dimension; dimensions in the order first answered, "" where a question has none."""
    dims = list(dict.fromkeys(d for answers in by_question.values() for d in answers))
    columns = {"Area": [dim_labels.get(d, d) for d in dims]}
    for question, answers in by_question.items():
        columns[question] = [answers.get(d, "") for d in dims]
    return pd.DataFrame(columns)


def entity_profiles(result: RunResult, entity_ids: list[str]) -> list[Profile]:
    """The profiles of the responding entities ``entity_ids`` of ``result``, in that order.

    Every table is read in one pass, its rows grouped by entity, instead of filtered once
    per entity: 51 profiles cost about what a few did."""
    survey, registry = result.survey, result.registry
    acronyms = registry.acronyms()
    labels = {s.id: s.label for s in survey.model.sections}
    full_names: dict[object, str] = {}
    for known, name in zip(registry.table["entity_id"].tolist(), registry.table["full_name"].tolist(), strict=True):
        full_names.setdefault(known, str(name))  # the first row of an id, as Registry.full_name
    answers = _Answers(survey)
    submissions = result.responses.submissions
    first = {e: rows[0] for e, rows in _positions(submissions["entity_id"].tolist()).items()}
    columns = {
        f.name: submissions[f.name].tolist()
        for f in answers.shown
        if f.name in submissions
    }  # fmt: skip
    submitted_at = (
        submissions["submitted_at"].tolist() if "submitted_at" in submissions else None
    )

    scores = result.tables.get("scores", pd.DataFrame())
    score_rows: dict[object, list[int]] = {}
    if not scores.empty:
        dims = {}
        if survey.model.scoring:
            dims = survey.dimension_labels(survey.model.scoring.dimension_set)
        score_rows = _positions(scores["entity_id"].tolist())
        areas = scores["dimension"].map(lambda d: dims.get(d, d)).tolist()
        values = scores["score"].tolist()
        levels = scores["level"].astype("string").str.capitalize().tolist()

    repeats = []  # (rows by entity, shown fields present, their values) of each repeat
    for repeat, frame in result.responses.repeats.items():
        shown = _shown_fields(survey, repeat)
        repeats.append(
            (
                _positions(frame["entity_id"].tolist()),
                bool(shown),
                [(f, frame[f.name].tolist()) for f in shown if f.name in frame],
            )
        )

    edges = result.tables.get("network_edges", pd.DataFrame(columns=["source", "target"]))
    sources, targets = edges["source"].tolist(), edges["target"].tolist()
    named_rows, by_rows = _positions(sources), _positions(targets)

    profiles = []
    for entity_id in entity_ids:
        at = first[entity_id]
        row = {name: values_[at] for name, values_ in columns.items()}
        sections, unanswered = _sections(answers, row, survey, acronyms, labels)
        mine = scores
        if not scores.empty:
            picked = score_rows.get(entity_id, [])
            mine = pd.DataFrame(
                {
                    "Area": [areas[i] for i in picked],
                    "Score (0 to 1)": [values[i] for i in picked],
                    "Level": [levels[i] for i in picked],
                }
            )
        projects = pd.DataFrame()
        for rows, any_shown, fields in repeats:
            own = rows.get(entity_id, [])
            if not own or not any_shown:
                continue
            projects = pd.DataFrame(
                {f.label: [_answer_text(f, values_[i], survey, acronyms) for i in own] for f, values_ in fields}
            )
            break  # the survey's (first) repeat section: its projects
        named = sorted(acronyms.get(targets[i], targets[i]) for i in named_rows.get(entity_id, []))
        by = sorted(acronyms.get(sources[i], sources[i]) for i in by_rows.get(entity_id, []))
        submitted = None if submitted_at is None else submitted_at[at]
        profiles.append(
            Profile(
                entity_id=entity_id,
                acronym=acronyms.get(entity_id, entity_id),
                full_name=full_names.get(entity_id, entity_id),
                submitted="" if submitted is None or pd.isna(submitted) else str(submitted)[:10],
                scores=mine,
                sections=sections,
                projects=projects,
                partners_named=named,
                named_by=by,
                unanswered=unanswered,
            )
        )
    return profiles


def confirm_by(run_date: str, days: int = CONFIRM_WITHIN_DAYS) -> str:
    """The date by which a focal point is asked to answer (``days`` after the run)."""
    try:
        start = dt.date.fromisoformat(run_date[:10])
    except ValueError:
        start = dt.date.today()
    return (start + dt.timedelta(days=days)).strftime("%d %B %Y").lstrip("0")


def profile_file_name(acronym: str, taken: set[str]) -> str:
    """``<ACRONYM>.docx`` with anything but letters, digits, '.', '_' and '-' replaced, and
    a number added when two acronyms clean to the same name."""
    stem = UNSAFE_NAME.sub("_", acronym).strip("._") or "entity"
    name, n = f"{stem}.docx", 2
    while name.casefold() in taken:
        name, n = f"{stem}-{n}.docx", n + 1
    taken.add(name.casefold())
    return name


def _write_profile(profile: Profile, result: RunResult, path: Path) -> None:
    from pipeline.report.document import ReportDocument

    survey = result.survey
    doc = ReportDocument()
    title = f"{profile.acronym}: what the {survey.title} recorded"
    doc.properties(title=f"{title} (round {result.round})", date=result.run_date)
    doc.footer(f"{survey.title}, round {result.round}: profile of {profile.acronym} for confirmation")
    doc.heading(f"{profile.acronym} ({profile.full_name})", 1, new_page=False)
    submitted = f", answered on {profile.submitted}" if profile.submitted else ""
    doc.paragraph(f"{survey.title}, round {result.round}{submitted}.")
    doc.paragraph(
        f"Please confirm or correct this profile by {confirm_by(result.run_date)}: reply to "
        "the EMG secretariat with any answer that is wrong or missing. The analysis uses these "
        "answers as they stand.",
        lead="To the focal point:",
    )
    if not profile.scores.empty:
        doc.heading("Scores and levels", 2, new_page=False)
        doc.table(profile.scores, formats={"Score (0 to 1)": "score"}, keep_together=True)
    for label, answers in profile.sections:
        doc.heading(label, 2, new_page=False)
        weights = [1.2, 2.0] if list(answers.columns) == ["Question", "Answer"] else None
        doc.table(answers, weights=weights, keep_together=False)
    if not profile.projects.empty:
        doc.heading(f"Projects ({len(profile.projects)})", 2, new_page=False)
        doc.table(profile.projects, keep_together=False)
    if profile.partners_named or profile.named_by:
        doc.heading("Partners", 2, new_page=False)
        named = ", ".join(profile.partners_named) or "none"
        by = ", ".join(profile.named_by) or "none"
        doc.paragraph(named, lead=f"{profile.acronym} named as partners:")
        doc.paragraph(by, lead="Named as a partner by:")
    if profile.unanswered:
        doc.note(f"{profile.unanswered} question(s) were not answered and are not listed.")
    doc.save(path)


def profile_writers(result: RunResult, folder: Path) -> list[Callable[[], Path]]:
    """The profiles of the responding entities written into ``folder``: those unchanged
    since an earlier run are copied from the cache active now, here and at once; for each
    of the others a writer (returning its file) is returned: independent jobs, which a run
    gives to its other cores (:class:`~pipeline.report.side_jobs.SideJobs`) - a rerun
    whose profiles are all unchanged starts none. None when the round has more
    respondents than the survey's ``report.profiles_max`` (:func:`write_profiles` says so
    in the log)."""
    entities = result.responses.submissions["entity_id"].astype(str).tolist()
    if len(entities) > result.survey.model.report.profiles_max:
        return []
    writers: list[Callable[[], Path]] = []
    for profile, path in zip(entity_profiles(result, entities), _profile_paths(result, folder), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        if not copied_from_cache("profile", _shown(profile, result), path):
            writers.append(in_this_cache(partial(_profile_file, result, profile, path)))
    return writers


def _profile_paths(result: RunResult, folder: Path) -> list[Path]:
    """The file of each responding entity's profile, in the order of the submissions."""
    acronyms = result.registry.acronyms()
    taken: set[str] = set()
    return [
        folder / profile_file_name(acronyms.get(entity_id, entity_id), taken)
        for entity_id in result.responses.submissions["entity_id"].astype(str).tolist()
    ]


def _shown(profile: Profile, result: RunResult) -> list[object]:
    return [profile, result.survey.title, result.round, result.run_date]  # all the file says


def _profile_file(result: RunResult, profile: Profile, path: Path) -> Path:
    cached_file("profile", _shown(profile, result), path, partial(_write_profile, profile, result))
    return path


def write_profiles(
    result: RunResult, folder: Path, written: Callable[[], list[Path]] | None = None
) -> list[Path]:
    """Write one profile per responding entity into ``folder``; returns the files. A round
    with more respondents than the survey's ``report.profiles_max`` gets none, and an info
    line in the log says so. ``written``: waits for the writers of :func:`profile_writers`
    started elsewhere (those not copied from the cache)."""
    entities = result.responses.submissions["entity_id"].astype(str).tolist()
    limit = result.survey.model.report.profiles_max
    if len(entities) > limit:
        result.log.info(
            "profiles-skipped",
            f"no confirmation profiles written: {len(entities)} respondents, more than the "
            f"{limit} of report.profiles_max in survey.yaml",
        )
        return []
    folder.mkdir(parents=True, exist_ok=True)
    if written is not None:
        written()
    else:
        for write in profile_writers(result, folder):
            write()
    return _profile_paths(result, folder)
