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
from pipeline.report.chart_cache import cached_file, in_this_cache
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
    survey, registry = result.survey, result.registry
    acronyms = registry.acronyms()
    submissions = result.responses.submissions
    row = submissions.loc[submissions["entity_id"] == entity_id].iloc[0]
    labels = {s.id: s.label for s in survey.model.sections}
    sections: list[tuple[str, pd.DataFrame]] = []
    unanswered = 0
    by_section: dict[str, list[tuple[str, str]]] = {}
    by_dimension: dict[str, dict[str, dict[str, str]]] = {}  # section -> question -> dim -> answer
    dim_labels: dict[str, str] = {}
    for f in _shown_fields(survey):
        answer = _answer_text(f, row.get(f.name), survey, acronyms)
        unanswered += not answer
        if f.dimension and f.dimension_set:
            sets = survey.model.dimension_sets
            dim_labels |= (
                survey.dimension_labels(f.dimension_set)
                if f.dimension_set in sets
                else survey.choice_labels(f.dimension_set)  # a ranked list of options
            )
            question = _question_words(survey.question(f.question).label)
            by_dimension.setdefault(f.section, {}).setdefault(question, {})[f.dimension] = answer
            by_section.setdefault(f.section, [])
        elif answer:
            by_section.setdefault(f.section, []).append((f.label, answer))
    for section, rows in by_section.items():
        if section in by_dimension:  # one row per dimension, one column per question
            table = pd.DataFrame(by_dimension[section]).fillna("")
            table.index = [dim_labels.get(d, d) for d in table.index]
            table = table.rename_axis("Area").reset_index()
        else:
            table = pd.DataFrame(rows, columns=["Question", "Answer"])
        if not table.empty:
            sections.append((labels.get(section, section), table))

    scores = result.tables.get("scores", pd.DataFrame())
    if not scores.empty:
        mine = scores.loc[scores["entity_id"] == entity_id]
        dims = {}
        if survey.model.scoring:
            dims = survey.dimension_labels(survey.model.scoring.dimension_set)
        scores = pd.DataFrame(
            {
                "Area": mine["dimension"].map(lambda d: dims.get(d, d)).tolist(),
                "Score (0 to 1)": mine["score"].tolist(),
                "Level": mine["level"].astype("string").str.capitalize().tolist(),
            }
        )

    projects = pd.DataFrame()
    for repeat, frame in result.responses.repeats.items():
        own = frame.loc[frame["entity_id"] == entity_id]
        shown = _shown_fields(survey, repeat)
        if own.empty or not shown:
            continue
        projects = pd.DataFrame(
            {
                f.label: [_answer_text(f, v, survey, acronyms) for v in own[f.name].tolist()]
                for f in shown
                if f.name in own
            }
        )
        break  # the survey's (first) repeat section: its projects

    edges = result.tables.get("network_edges", pd.DataFrame(columns=["source", "target"]))
    named = sorted(acronyms.get(e, e) for e in edges.loc[edges["source"] == entity_id, "target"])
    by = sorted(acronyms.get(e, e) for e in edges.loc[edges["target"] == entity_id, "source"])
    submitted = row.get("submitted_at")
    return Profile(
        entity_id=entity_id,
        acronym=acronyms.get(entity_id, entity_id),
        full_name=registry.full_name(entity_id) if entity_id in registry else entity_id,
        submitted="" if submitted is None or pd.isna(submitted) else str(submitted)[:10],
        scores=scores,
        sections=sections,
        projects=projects,
        partners_named=named,
        named_by=by,
        unanswered=unanswered,
    )


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
    """One writer per responding entity, each writing its profile into ``folder`` (from the
    cache active now when unchanged) and returning the file: independent jobs, which a run
    gives to its other cores (:class:`~pipeline.report.side_jobs.SideJobs`). None when the
    round has more respondents than the survey's ``report.profiles_max``
    (:func:`write_profiles` says so in the log)."""
    entities = result.responses.submissions["entity_id"].astype(str).tolist()
    if len(entities) > result.survey.model.report.profiles_max:
        return []
    acronyms = result.registry.acronyms()
    taken: set[str] = set()
    writers: list[Callable[[], Path]] = []
    for entity_id in entities:
        path = folder / profile_file_name(acronyms.get(entity_id, entity_id), taken)
        writers.append(in_this_cache(partial(_profile_file, result, entity_id, path)))
    return writers


def _profile_file(result: RunResult, entity_id: str, path: Path) -> Path:
    profile = entity_profile(result, entity_id)
    shown = [profile, result.survey.title, result.round, result.run_date]  # all the file says
    path.parent.mkdir(parents=True, exist_ok=True)
    cached_file("profile", shown, path, partial(_write_profile, profile, result))
    return path


def write_profiles(
    result: RunResult, folder: Path, written: Callable[[], list[Path]] | None = None
) -> list[Path]:
    """Write one profile per responding entity into ``folder``; returns the files. A round
    with more respondents than the survey's ``report.profiles_max`` gets none, and an info
    line in the log says so. ``written``: the profiles' writers started elsewhere
    (:func:`profile_writers`), waited for here."""
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
        return written()
    return [write() for write in profile_writers(result, folder)]
