"""One survey round, end to end: ingest -> validate -> normalise -> score -> analyse -> write.

Each stage is a function of tables; this module only wires them and owns the file I/O at
the two ends. From a notebook::

    from pipeline.run import open_round, check_round, run_round
    survey, registry, log = ..., ..., IssueLog()
    raw = ingest_round(layout, survey, registry, "2026-R1", log)
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pipeline import __version__
from pipeline.errors import Issue, IssueLog, PipelineError
from pipeline.ingest import read_round
from pipeline.manifest import fingerprint, hash_inputs, is_up_to_date, sha256_file, write_manifest
from pipeline.normalise import normalise
from pipeline.paths import Layout
from pipeline.registry import Registry, load_registry
from pipeline.spec import Survey, load_survey
from pipeline.staging import staged
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


@dataclass
class RunOutcome:
    status: Literal["done", "up-to-date"]
    survey_id: str
    round_id: str
    outputs: Path
    processed: Path
    log: IssueLog
    result: RunResult | None = None
    timings: dict[str, float] = field(default_factory=dict)


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
    return survey, load_registry(layout.registry)


def ingest_round(
    layout: Layout, survey: Survey, registry: Registry, round_id: str, log: IssueLog
) -> tuple[RawRound, dict[str, str]]:
    """Read every file of the round, then check no file changed while it was read."""
    folder = layout.raw(survey.id, round_id)
    if not folder.is_dir():
        rounds = ", ".join(layout.rounds(survey.id)) or "none"
        log.error(
            "no-round",
            f"no input folder for round '{round_id}' (rounds found: {rounds})",
            file=str(folder),
        )
        return RawRound(main=pd.DataFrame()), {}
    before = hash_inputs(folder)
    raw = read_round(folder, survey, registry, log)
    after = hash_inputs(folder)
    for path in sorted(set(before) | set(after)):
        if before.get(path) != after.get(path):
            log.error(
                "input-changed",
                "the file changed while the run was reading it; run again once it is complete",
                file=path,
            )
    return raw, before


def check_round(
    layout: Layout, survey_id: str, round_id: str, steps: Steps | None = None
) -> tuple[IssueLog, RawRound | None]:
    """Read and validate a round's inputs only; return the data-quality log."""
    steps = steps or Steps()
    log = IssueLog()
    survey, registry = open_survey(layout, survey_id, round_id)
    with steps.step("Reading inputs"):
        raw, _ = ingest_round(layout, survey, registry, round_id, log)
    if not log.has_errors() or len(raw.main):
        with steps.step("Checking answers"):
            validate(raw, survey, registry, log)
    return log, raw


def run_round(
    layout: Layout,
    survey_id: str,
    round_id: str,
    *,
    force: bool = False,
    run_date: str | None = None,
    on_step: ProgressCallback | None = None,
) -> RunOutcome:
    """Run the whole pipeline for one round and write its outputs all-or-nothing.

    Raises :class:`PipelineError` with every data-quality error when the inputs have errors;
    nothing is written then. Returns ``status="up-to-date"`` without writing anything when
    the inputs, survey definition, registry and code are unchanged since the last run.
    """
    steps = Steps(on_start=on_step)
    survey, registry = open_survey(layout, survey_id, round_id)
    out_dir = layout.outputs(survey_id, round_id)
    processed_dir = layout.processed(survey_id, round_id)
    run_date = run_date or os.environ.get("EMG_RUN_DATE") or dt.date.today().isoformat()
    folder = layout.raw(survey_id, round_id)
    if folder.is_dir() and not force:
        expected = fingerprint(
            hash_inputs(folder), survey.sha256, sha256_file(layout.registry), {"run_date": run_date}
        )
        if is_up_to_date(out_dir, expected):
            return RunOutcome("up-to-date", survey_id, round_id, out_dir, processed_dir, IssueLog())

    log = IssueLog()
    with steps.step("Reading inputs"):
        raw, input_hashes = ingest_round(layout, survey, registry, round_id, log)
    with steps.step("Checking answers"):
        if len(raw.main):
            validate(raw, survey, registry, log)
    if log.has_errors():
        raise PipelineError(log.errors)
    with steps.step("Normalising"):
        responses = normalise(raw, survey, registry, round_id, log)
    result = analyse_round(survey, registry, round_id, run_date, responses, log, raw, steps)
    fp = fingerprint(input_hashes, survey.sha256, sha256_file(layout.registry), {"run_date": run_date})
    write_round(result, out_dir, processed_dir, steps, layout, fp)
    return RunOutcome("done", survey_id, round_id, out_dir, processed_dir, log, result, steps.timings)


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
    from pipeline.analysis import analyse

    with steps.step("Scoring and analysing"):
        tables, stats = analyse(responses, survey, registry)
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


def write_round(
    result: RunResult,
    out_dir: Path,
    processed_dir: Path,
    steps: Steps,
    layout: Layout,
    run_fingerprint: str,
) -> None:
    """Write processed tables and outputs into staging folders, then swap them in."""
    from pipeline.report.charts import make_charts
    from pipeline.report.docx_report import write_report
    from pipeline.report.workbook import write_csv_safe, write_workbook

    with staged(processed_dir, out_dir) as (proc_stage, out_stage):
        with steps.step("Writing tables"):
            responses = result.responses
            write_csv_safe(responses.submissions, proc_stage / "submissions.csv")
            write_csv_safe(responses.tidy, proc_stage / "tidy_responses.csv")
            for section, frame in responses.repeats.items():
                write_csv_safe(frame, proc_stage / f"{section}.csv")
            for name in ("scores", "coverage", "gaps"):
                if name in result.tables:
                    write_csv_safe(result.tables[name], proc_stage / f"{name}.csv")
        with steps.step("Drawing charts"):
            charts_dir = out_stage / "charts"
            charts_dir.mkdir()
            charts = make_charts(result, charts_dir)
        with steps.step("Writing results workbook"):
            write_workbook(result, out_stage / "results.xlsx")
        with steps.step("Writing report"):
            write_report(result, charts, out_stage / "report.docx")
        write_manifest(out_stage, build_manifest(result, layout, run_fingerprint, steps.timings))


def build_manifest(
    result: RunResult, layout: Layout, run_fingerprint: str, timings: dict[str, float]
) -> dict[str, Any]:
    survey = result.survey
    return {
        "survey_id": survey.id,
        "survey_title": survey.title,
        "round": result.round,
        "run_date": result.run_date,
        "fingerprint": run_fingerprint,
        "package_version": __version__,
        "survey_definition": {
            "path": f"surveys/{survey.id}/survey.yaml",
            "sha256": survey.sha256,
            "form_version": survey.model.form_version,
        },
        "registry": {"path": "data/reference/entities.csv", "sha256": sha256_file(layout.registry)},
        "inputs": [
            {"path": f.path, "sha256": f.sha256, "bytes": f.size, "reader": f.reader, "rows": f.rows}
            for f in result.files
        ],
        "row_counts": {
            "submissions_kept": len(result.responses.submissions),
            "tidy_responses": len(result.responses.tidy),
            **{f"repeat_{k}": len(v) for k, v in result.responses.repeats.items()},
            **{f"table_{k}": len(v) for k, v in result.tables.items()},
        },
        "data_quality": result.log.counts(),
        "timings_s": timings,
    }
