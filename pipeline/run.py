"""One survey round, end to end: ingest -> validate -> normalise -> score -> analyse -> write.

Each stage is a function of tables; :mod:`pipeline.rounds` reads, checks and analyses a
round in memory, and this module adds the comparison with the previous round and owns the
file I/O at the two ends (up-to-date check, all-or-nothing outputs, manifest). From a
notebook::

    from pipeline.rounds import check_round, process_round
    from pipeline.run import run_round
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline import __version__
from pipeline.errors import IssueLog, PipelineError
from pipeline.locks import round_lock
from pipeline.manifest import fingerprint, hash_inputs, sha256_file, stale_reason, write_manifest
from pipeline.masking import masked_inputs
from pipeline.paths import Layout, check_run_date, natural_key
from pipeline.report.office import office_on
from pipeline.rounds import (
    ProgressCallback,
    Steps,
    check_no_repeat,
    excerpt_decisions_path,
    open_survey,
    process_round,
)
from pipeline.spec import Survey, load_survey
from pipeline.staging import recover, staged
from pipeline.tables import RunResult


@dataclass
class RunOutcome:
    """What ``run`` did. ``previous``: the round compared with (None for the first round),
    ``order``: how the rounds were ordered to find it; ``rebuilt``: why the outputs were not
    up to date (None when forced or up to date); ``repaired``: an interrupted swap of a
    killed run was undone first."""

    status: Literal["done", "up-to-date"]
    survey_id: str
    round_id: str
    outputs: Path
    processed: Path
    log: IssueLog
    result: RunResult | None = None
    timings: dict[str, float] = field(default_factory=dict)
    previous: str | None = None
    order: str = ""
    rebuilt: str | None = None
    repaired: bool = False


def round_order(layout: Layout, survey_id: str) -> tuple[list[str], str]:
    """The rounds found under data/raw in the order they were held, and how that order
    was decided: the survey's declared ``round_order`` first (rounds it does not list
    follow), else natural order (numbers as numbers: 2026-R2 before 2026-R10)."""
    found = layout.rounds(survey_id)
    declared = list(load_survey(layout.survey_dir(survey_id)).model.round_order)
    if not declared:
        return found, "natural order of the round ids"
    listed = [r for r in declared if r in found]
    return listed + [r for r in found if r not in declared], "round_order of survey.yaml"


def previous_round(layout: Layout, survey_id: str, round_id: str) -> str | None:
    """The round held just before ``round_id`` (:func:`round_order`), or None when it is
    the first."""
    order, _ = round_order(layout, survey_id)
    if round_id not in order:  # a round without its folder: placed among the others
        order = sorted([*order, round_id], key=natural_key)
    index = order.index(round_id)
    return order[index - 1] if index > 0 else None


def _previous_key(layout: Layout, survey_id: str, round_id: str) -> dict[str, Any] | None:
    """What of the previous round the comparison depends on: its id, input hashes and the
    hash of the survey version it was collected with (part of the run's fingerprint)."""
    previous = previous_round(layout, survey_id, round_id)
    if previous is None:
        return None
    survey, _ = open_survey(layout, survey_id, previous)
    key: dict[str, Any] = {
        "round": previous,
        "inputs": hash_inputs(layout.raw(survey_id, previous)),
        "survey_sha256": survey.sha256,
    }
    no_repeat = recorded_no_repeat(layout, survey_id, previous)
    if no_repeat:
        key["no_repeat"] = no_repeat
    return key


def recorded_no_repeat(layout: Layout, survey_id: str, round_id: str) -> list[str]:
    """The repeat sections the last run of ``round_id`` was told it did not collect
    (``--no-repeat``, recorded in its manifest), for comparing with it as it was run;
    empty when it has no outputs or a manifest that cannot be read."""
    import json

    path = layout.outputs(survey_id, round_id) / "manifest.json"
    try:
        recorded = json.loads(path.read_text(encoding="utf-8")).get("no_repeat", [])
    except (OSError, ValueError, AttributeError):
        return []
    return sorted({s for s in recorded if isinstance(s, str)}) if isinstance(recorded, list) else []


def run_fingerprint(
    layout: Layout,
    survey: Survey,
    round_id: str,
    run_date: str,
    inputs: dict[str, str] | None = None,
    previous: dict[str, Any] | Literal["find"] | None = "find",
    no_repeat: Collection[str] = (),
    pdf: bool | None = None,
) -> str:
    """The fingerprint a run of ``round_id`` records in its manifest: the round's input
    hashes (``inputs``, default: hashed now), its survey version, the registry, the code,
    the run date and what it is compared with (the previous round's input hashes and
    survey version, ``previous``; default: looked up under data/raw) and the repeat
    sections said not collected (``no_repeat``), and whether LibreOffice finishes the
    documents (``pdf``; default: as this machine would, see :mod:`pipeline.report.office`).
    Outputs whose manifest holds the same fingerprint are up to date."""
    if inputs is None:
        inputs = hash_inputs(layout.raw(survey.id, round_id))
    if previous == "find":
        previous = _previous_key(layout, survey.id, round_id)
    extra: dict[str, Any] = {"run_date": run_date, "previous": previous}
    decisions = excerpt_decisions_path(layout, survey.id, round_id)
    if decisions.is_file():  # the analyst's quoting decisions change the report
        extra["excerpt_decisions"] = sha256_file(decisions)
    if no_repeat:
        extra["no_repeat"] = sorted(no_repeat)
    if pdf is None:
        pdf = office_on()
    if pdf:  # report.pdf and the contents' page numbers
        extra["pdf"] = True
    return fingerprint(inputs, survey.sha256, sha256_file(layout.registry), extra)


def add_comparison(result: RunResult, layout: Layout, steps: Steps | None = None) -> str | None:
    """Compare ``result`` with the previous round of its survey, when there is one.

    The previous round is processed in memory with its own survey version; the comparison
    tables (:data:`pipeline.analyses.compare.compute.COMPARISON_TABLES`) go into ``result.tables`` and
    its statistics into ``result.stats["comparison"]``. When the previous round has errors
    the comparison is skipped with a ``comparison-skipped`` warning in ``result.log``.
    Returns the id of the round compared with, or None.
    """
    steps = steps or Steps()
    survey_id = result.survey.id
    previous = previous_round(layout, survey_id, result.round)
    if previous is None:
        return None
    from pipeline.analyses.compare.compute import compare_results  # (scipy.stats: 0.6 s)

    with steps.step(f"Comparing with {previous}"):
        no_repeat = recorded_no_repeat(layout, survey_id, previous)
        try:
            earlier, _ = process_round(
                layout, survey_id, previous, run_date=result.run_date, no_repeat=no_repeat
            )
        except PipelineError as exc:
            folder = layout.raw(survey_id, previous)
            where = folder.relative_to(layout.root) if folder.is_relative_to(layout.root) else folder
            missing = sorted(
                {s for s in result.survey.repeat_sections for i in exc.issues
                 if i.code == "repeat-missing" and f"--no-repeat {s}" in i.message}
            )  # fmt: skip
            hint = (
                f"; if round {previous} did not collect {', '.join(missing)}, run it once with "
                + " ".join(f"--no-repeat {s}" for s in missing)
                + ": later runs compare with it as it was run"
                if missing
                else ""
            )
            result.log.warning(
                "comparison-skipped",
                f"comparison skipped: round {previous} has errors ({len(exc.issues)}); "
                f"`emg-pipeline validate {survey_id} --round {previous}` lists them{hint}",
                file=where.as_posix(),
            )
            return None
        tables, stats = compare_results(earlier, result)
    result.tables.update(tables)
    result.stats["comparison"] = stats
    return previous


def run_round(
    layout: Layout,
    survey_id: str,
    round_id: str,
    *,
    force: bool = False,
    run_date: str | None = None,
    on_step: ProgressCallback | None = None,
    no_repeat: Collection[str] = (),
    pdf: bool | None = None,
) -> RunOutcome:
    """Run the whole pipeline for one round and write its outputs all-or-nothing.

    When an earlier round of the survey exists under data/raw, the run compares with it
    (:func:`add_comparison`). Raises :class:`PipelineError` with every data-quality error
    when the inputs have errors; nothing is written then. Returns ``status="up-to-date"``
    without writing anything when the inputs (and the previous round's), survey
    definitions, registry and code are unchanged since the last run. ``no_repeat``: repeat
    sections this round did not collect (the report says so). ``pdf=False`` (``--no-pdf``)
    skips LibreOffice (no PDFs, no page numbers in the contents); default: on when
    LibreOffice is installed, unless ``EMG_NO_PDF`` is set.
    """
    steps = Steps(on_start=on_step)
    pdf = office_on(pdf)
    survey, _ = open_survey(layout, survey_id, round_id)
    check_no_repeat(survey, no_repeat)
    out_dir = layout.outputs(survey_id, round_id)
    processed_dir = layout.processed(survey_id, round_id)
    run_date = check_run_date(
        run_date or os.environ.get("EMG_RUN_DATE") or dt.date.today().isoformat()
    )
    with round_lock(out_dir, f"round {round_id} of {survey_id}"):
        repaired = recover(processed_dir, out_dir)
        folder = layout.raw(survey_id, round_id)
        previous = _previous_key(layout, survey_id, round_id)
        _, order = round_order(layout, survey_id)
        done = RunOutcome(
            "up-to-date", survey_id, round_id, out_dir, processed_dir, IssueLog(),
            previous=previous["round"] if previous else None, order=order, repaired=repaired,
        )
        if folder.is_dir() and not force:
            expected = run_fingerprint(
                layout, survey, round_id, run_date, hash_inputs(folder), previous, no_repeat, pdf
            )
            done.rebuilt = stale_reason(out_dir, expected, processed_dir)
            if done.rebuilt is None:
                return done
        result, input_hashes = process_round(
            layout, survey_id, round_id, run_date=run_date, steps=steps, no_repeat=no_repeat
        )
        add_comparison(result, layout, steps)
        fp = run_fingerprint(
            layout, survey, round_id, run_date, input_hashes, previous, no_repeat, pdf
        )
        write_round(result, out_dir, processed_dir, steps, layout, fp, previous, pdf=pdf)
    done.status, done.log, done.result, done.timings = "done", result.log, result, steps.timings
    return done


def write_round(
    result: RunResult,
    out_dir: Path,
    processed_dir: Path,
    steps: Steps,
    layout: Layout,
    run_fingerprint: str,
    previous: dict[str, Any] | None = None,
    *,
    pdf: bool = False,
) -> None:
    """Write processed tables and outputs into staging folders, then swap them in.

    ``previous``: the round compared with (see :func:`_previous_key`), for the manifest;
    ``pdf``: LibreOffice finishes the report and the work plan (page numbers in the
    contents, a PDF of each, written in the staging folder like every other output)."""
    from pipeline.analyses import make_charts
    from pipeline.excerpts import FILE as EXCERPTS_FILE
    from pipeline.excerpts import SHEET as EXCERPTS_SHEET
    from pipeline.excerpts import excerpt_sheet, how_to
    from pipeline.report.chart_cache import chart_cache, in_this_cache
    from pipeline.report.chart_loop import charts_later, workers
    from pipeline.report.office import finish_documents
    from pipeline.report.outline import report_recommendations, write_report
    from pipeline.report.profiles import profile_writers, write_profiles
    from pipeline.report.side_jobs import SideJobs
    from pipeline.report.slides import write_slides
    from pipeline.report.workbook import write_csv_safe, write_sheets, write_workbook

    with staged(processed_dir, out_dir) as (proc_stage, out_stage), ExitStack() as stack:
        # every document unchanged since a run before is copied from the project's cache
        stack.enter_context(chart_cache(layout.chart_cache))
        with steps.step("Writing tables"):
            responses = result.responses
            write_csv_safe(responses.submissions, proc_stage / "submissions.csv")
            write_csv_safe(responses.tidy, proc_stage / "tidy_responses.csv")
            for section, frame in responses.repeats.items():
                write_csv_safe(frame, proc_stage / f"{section}.csv")
            for name in ("scores", "coverage", "gaps"):
                if name in result.tables:
                    write_csv_safe(result.tables[name], proc_stage / f"{name}.csv")
        # The charts not in the cache and the profiles are drawn and written on the
        # machine's cores while this process writes the workbook, report and slides (only
        # the report and slides show the charts)
        with steps.step("Drawing charts"):
            charts_dir = out_stage / "charts"
            charts_dir.mkdir()
            later = charts_later(lambda: make_charts(result, charts_dir))  # cached: copied
            draws = later.jobs()
            profiles = profile_writers(result, out_stage / "profiles")
            side = stack.enter_context(SideJobs([*draws, *profiles], workers()))
        logged = len(result.log.issues)
        early = side.forked and bool(draws)  # while the charts are drawn elsewhere

        def workbook() -> None:
            with steps.step("Writing results workbook"):
                write_workbook(result, out_stage / "results.xlsx")  # unchanged: from the cache

        if early:
            workbook()
        with steps.step("Waiting for charts"):
            charts = later.finish(side.results(range(len(draws))))
        if not early or len(result.log.issues) != logged:  # its log sheet lists a chart not drawn
            workbook()
        slides = out_stage / "slides.pptx"

        def write_deck() -> Path:
            write_slides(result, charts, slides, report_recommendations(result, charts))
            return slides

        # beside the report when the charts were drawn
        deck = stack.enter_context(SideJobs([in_this_cache(write_deck)], workers() if side.forked else 1))
        with steps.step("Writing report"):
            write_report(result, charts, out_stage / "report.docx")  # same run: from the cache
        if "open_answers" in result.tables:
            excerpts = {
                EXCERPTS_SHEET: excerpt_sheet(result.tables["open_answers"], result.registry.acronyms()),
                "How to use": how_to(
                    excerpt_decisions_path(layout, result.survey.id, result.round)
                    .relative_to(layout.root).as_posix()
                ),
            }
            write_sheets(out_stage / EXCERPTS_FILE, excerpts, result.run_date)
        if "workplan" in result.tables:
            from pipeline.analyses.workplan.document import FILE_NAME, write_workplan

            with steps.step("Writing work plan"):
                write_workplan(result, out_stage / FILE_NAME)  # same run: from the cache
        if pdf:  # documents LibreOffice finished before from the same bytes: from the cache
            with steps.step("Writing PDF"):
                finish_documents(
                    [out_stage / "report.docx", out_stage / "workplan.docx"], result.log, pdf=True
                )
        with steps.step("Writing profiles"):  # unchanged ones from the cache
            indices = range(len(draws), len(draws) + len(profiles))
            write_profiles(result, out_stage / "profiles", lambda: side.results(indices))
        with steps.step("Writing slides"):  # unchanged: from the cache
            deck.result(0)
        stack.close()  # every worker done and ended
        manifest = build_manifest(result, layout, run_fingerprint, steps.timings)
        if previous is not None:
            manifest["compared_with"] = {
                "round": previous["round"],
                "compared": "comparison" in result.stats,
                "survey_sha256": previous["survey_sha256"],
                "inputs": masked_inputs(previous["inputs"]),
            }
        write_manifest(out_stage, manifest, proc_stage)


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
        # repeat sections said not collected (--no-repeat): a later round compares with
        # this one read the same way
        "no_repeat": [s for s in str(result.stats.get("not_collected") or "").split(", ") if s],
        "timings_s": timings,
    }
