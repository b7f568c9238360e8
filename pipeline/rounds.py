"""One round in memory: the survey version it was collected with and the registry
(:func:`open_survey`), its inputs read and checked (:func:`ingest_round`,
:func:`check_round`), normalised and analysed (:func:`process_round`,
:func:`analyse_round`), with the analyst's quoting decisions joined; nothing is written.
``run`` (:mod:`pipeline.run`) and ``compare`` (:mod:`pipeline.comparison`) both build on it.
From a notebook::

    from pipeline.rounds import process_round
    result, input_hashes = process_round(layout, survey_id, round_id, run_date="2026-06-30")
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pipeline.errors import Issue, IssueLog, PipelineError, SpecError, UsageError
from pipeline.ingest.round_reader import read_round
from pipeline.manifest import hash_inputs
from pipeline.masking import mask_file_names
from pipeline.normalise import normalise
from pipeline.paths import Layout
from pipeline.registry import Registry, load_registry
from pipeline.spec import Survey, load_survey
from pipeline.tables import RawRound, Responses, RunResult
from pipeline.validate import validate

ProgressCallback = Callable[[str], None]


@dataclass
class Steps:
    """Times the named steps of a run and tells a progress display which one is running."""

    on_start: ProgressCallback | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        if self.on_start:
            self.on_start(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - start, 3)


def open_survey(
    layout: Layout, survey_id: str, round_id: str | None = None
) -> tuple[Survey, Registry]:
    """Load a survey definition (the version ``round_id`` was collected with) and the
    registry, or raise with what is wrong."""
    folder = layout.survey_dir(survey_id)
    if not (folder / "survey.yaml").is_file():
        known = ", ".join(layout.survey_ids()) or "none"
        raise PipelineError(
            [Issue("error", "unknown-survey", f"no survey '{survey_id}' (known: {known})", file=str(folder))]
        )
    survey = load_survey(folder)
    if round_id:
        survey = survey.for_round(round_id)
    registry = load_registry(layout.registry)
    unknown = [e for e in survey.model.invited or [] if e not in registry]
    if unknown:
        raise SpecError(
            [
                Issue(
                    "error",
                    "spec-invalid",
                    f"invited: {', '.join(unknown)} not in the registry ({layout.registry})",
                    file=str(survey.path),
                )
            ]
        )
    return survey, registry


def check_no_repeat(survey: Survey, no_repeat: Collection[str]) -> None:
    """``--no-repeat`` must name repeat sections of the survey (else a usage error)."""
    unknown = [s for s in no_repeat if s not in survey.repeat_sections]
    if unknown:
        known = ", ".join(survey.repeat_sections) or "none"
        raise UsageError(
            f"--no-repeat {unknown[0]}: survey '{survey.id}' has no repeat group "
            f"'{unknown[0]}' (its repeat groups: {known})"
        )


def ingest_round(
    layout: Layout,
    survey: Survey,
    registry: Registry,
    round_id: str,
    log: IssueLog,
    no_repeat: Collection[str] = (),
) -> tuple[RawRound, dict[str, str]]:
    """Read every file of the round, then check that each file is still the one that was
    parsed (the hash :func:`read_round` took of the bytes it parsed). Returns the round
    and ``{relative path: sha256}`` of the round folder (:func:`hash_inputs`).
    ``no_repeat``: repeat sections this round did not collect (see :func:`read_round`)."""
    check_no_repeat(survey, no_repeat)
    folder = layout.raw(survey.id, round_id)
    if not folder.is_dir():
        rounds = ", ".join(layout.rounds(survey.id)) or "none"
        log.error(
            "no-round",
            f"no input folder for round '{round_id}' (rounds found: {rounds})",
            file=str(folder),
        )
        return RawRound(main=pd.DataFrame()), {}
    raw = read_round(folder, survey, registry, log, no_repeat)  # hashes what it parsed
    after = hash_inputs(folder)
    for record in raw.files:
        if record.sha256 and after.get(record.path) != record.sha256:
            log.error(
                "input-changed",
                "the file changed while the run was reading it; run again once it is complete",
                file=record.path,
            )
    mask_file_names(raw, log, survey, registry, after)
    return raw, after


def check_round(
    layout: Layout,
    survey_id: str,
    round_id: str,
    steps: Steps | None = None,
    no_repeat: Collection[str] = (),
) -> tuple[IssueLog, RawRound | None]:
    """Read and validate a round's inputs only; return the data-quality log."""
    steps = steps or Steps()
    log = IssueLog()
    survey, registry = open_survey(layout, survey_id, round_id)
    with steps.step("Reading inputs"):
        raw, _ = ingest_round(layout, survey, registry, round_id, log, no_repeat)
    if not log.has_errors() or len(raw.main):
        with steps.step("Checking answers"):
            validate(raw, survey, registry, log, round_id)
    log.collapse_repeats()
    return log, raw


def process_round(
    layout: Layout,
    survey_id: str,
    round_id: str,
    *,
    run_date: str,
    steps: Steps | None = None,
    no_repeat: Collection[str] = (),
) -> tuple[RunResult, dict[str, str]]:
    """Read, check, normalise and analyse one round in memory; nothing is written.

    The round is read with the survey version it was collected with (``for_round``).
    Returns the :class:`RunResult` and ``{relative path: sha256}`` of the input files.
    ``no_repeat``: repeat sections this round did not collect (``--no-repeat``).
    Raises :class:`PipelineError` with every data-quality error when the inputs have errors.
    """
    from pipeline.round_cache import keep_round, load_round, round_caching, round_key

    steps = steps or Steps()
    survey, registry = open_survey(layout, survey_id, round_id)
    log = IssueLog()
    with steps.step("Reading inputs"):
        folder = layout.raw(survey_id, round_id)
        if round_caching() and folder.is_dir():  # kept by an earlier process (the demo's)
            kept = load_round(round_key(layout, survey, round_id, hash_inputs(folder), no_repeat), run_date)
            if kept is not None:
                if "open_answers" in kept[0].tables:
                    add_excerpt_decisions(kept[0], layout)
                return kept
        raw, input_hashes = ingest_round(layout, survey, registry, round_id, log, no_repeat)
    checked = None
    with steps.step("Checking answers"):
        if len(raw.main):
            checked = validate(raw, survey, registry, log, round_id)
    log.collapse_repeats()
    if log.has_errors():
        raise PipelineError(log.errors)
    with steps.step("Normalising"):
        responses = normalise(raw, survey, registry, round_id, log, checked)
    # the wide text tables and their checked copies are not read after normalising: freed
    # before the analyses (only the round's files, desk mapping and notes go on)
    del checked
    raw = replace(raw, main=raw.main.iloc[:0], repeats={})
    result = analyse_round(survey, registry, round_id, run_date, responses, log, raw, steps)
    if round_caching():
        keep_round(round_key(layout, survey, round_id, input_hashes, no_repeat), result, input_hashes)
    if "open_answers" in result.tables:
        add_excerpt_decisions(result, layout)
    return result, input_hashes


def analyse_round(
    survey: Survey,
    registry: Registry,
    round_id: str,
    run_date: str,
    responses: Responses,
    log: IssueLog,
    raw: RawRound,
    steps: Steps,
) -> RunResult:
    """Score and analyse normalised responses (no file I/O)."""
    from pipeline.analyses import analyse

    with steps.step("Scoring and analysing"):
        tables, stats = analyse(responses, survey, registry, log=log, desk=raw.desk)
    if raw.not_collected:  # the report says these were not collected, not "none reported"
        stats["not_collected"] = ", ".join(raw.not_collected)
    if raw.set_aside:
        stats["submissions_set_aside"] = len(raw.set_aside)
    return RunResult(
        survey=survey,
        registry=registry,
        round=round_id,
        run_date=run_date,
        responses=responses,
        tables=tables,
        stats=stats,
        log=log,
        files=raw.files,
    )


def excerpt_decisions_path(layout: Layout, survey_id: str, round_id: str) -> Path:
    """The analyst's quoting decisions for a round (read, never written, by a run)."""
    from pipeline.excerpts import FILE

    return layout.review(survey_id, round_id) / FILE


def add_excerpt_decisions(result: RunResult, layout: Layout) -> None:
    """Join the analyst's quoting decisions to ``result.tables["open_answers"]``; their
    problems go to the run's log (an unreadable decisions file stops the run)."""
    from pipeline.analyses.themes.compute import merge_decisions
    from pipeline.excerpts import read_decisions

    path = excerpt_decisions_path(layout, result.survey.id, result.round)
    shown = path.relative_to(layout.root).as_posix()
    decisions, issues = read_decisions(path, shown)
    result.log.extend(issues)
    if result.log.has_errors():
        raise PipelineError(result.log.errors)
    coded = result.tables["open_answers"].drop(columns=["include", "status"])
    result.tables["open_answers"] = merge_decisions(coded, decisions)
