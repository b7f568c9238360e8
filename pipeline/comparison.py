"""Round over round, as a command: compare two processed rounds and write the comparison.

:func:`pipeline.analyses.compare.compute.compare_results` compares two :class:`~pipeline.tables.RunResult` (each analysed
with the survey version it was collected with) through
:func:`pipeline.analyses.compare.compute.compare_rounds`; ``run`` uses it to add a chapter on the
change since the previous round to every report. :func:`run_comparison` is
``emg-pipeline compare SURVEY --rounds OLD NEW``: it processes both rounds in memory and
writes ``outputs/<survey>/<NEW>-vs-<OLD>/`` all-or-nothing: ``comparison.docx``,
``comparison.xlsx``, ``charts/`` and ``manifest.json``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import __version__
from pipeline.analyses.compare.compute import COMPARISON_TABLES, compare_results
from pipeline.errors import Issue, IssueLog, PipelineError
from pipeline.manifest import sha256_file, write_manifest
from pipeline.masking import masked_inputs
from pipeline.paths import Layout, UsageError, check_run_date, folder_name
from pipeline.spec import Survey
from pipeline.tables import Responses, RunResult


@dataclass
class ComparisonOutcome:
    """What ``emg-pipeline compare`` did: where it wrote, and the comparison itself."""

    survey_id: str
    old_round: str
    new_round: str
    outputs: Path
    log: IssueLog
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # round -> repeat sections it did not collect (--no-repeat)
    not_collected: dict[str, list[str]] = field(default_factory=dict)


def comparison_dir(layout: Layout, survey_id: str, old_round: str, new_round: str) -> Path:
    """``outputs/<survey>/<NEW>-vs-<OLD>/``."""
    new_round, old_round = folder_name(new_round), folder_name(old_round)
    return layout.root / "outputs" / folder_name(survey_id, "survey id") / f"{new_round}-vs-{old_round}"


def _located(issues: list[Issue], layout: Layout, survey_id: str, round_id: str) -> list[Issue]:
    """Issues of one round with their file given from the project root, so that the two
    rounds' problems can be told apart (``data/raw/<survey>/<round>/<file>``)."""
    base = layout.raw(survey_id, round_id)
    prefix = (
        base.relative_to(layout.root).as_posix() if base.is_relative_to(layout.root) else str(base)
    )
    return [
        replace(i, file=f"{prefix}/{i.file}") if i.file and not Path(i.file).is_absolute() else i
        for i in issues
    ]


def no_repeat_by_round(
    survey: Survey, no_repeat: Collection[str], rounds: tuple[str, str]
) -> dict[str, list[str]]:
    """``compare --no-repeat`` values -> the repeat sections each round did not collect.

    ``GROUP`` holds for both rounds, ``ROUND:GROUP`` for that round only (round ids never
    hold ':'). A group the survey lacks or a round not compared is a :class:`UsageError`.
    """
    from pipeline.rounds import check_no_repeat

    per_round: dict[str, list[str]] = {r: [] for r in rounds}
    for value in no_repeat:
        round_id, _, group = value.rpartition(":")
        if round_id and round_id not in per_round:
            raise UsageError(
                f"--no-repeat {value}: '{round_id}' is not one of the rounds compared "
                f"({' and '.join(rounds)}); give GROUP for both rounds or ROUND:GROUP for one"
            )
        check_no_repeat(survey, [group])
        for r in [round_id] if round_id else rounds:
            if group not in per_round[r]:
                per_round[r].append(group)
    return per_round


def _compare_advice(issues: list[Issue], survey: Survey, round_id: str) -> list[Issue]:
    """Repeat-data errors of one compared round, their advice given as the ``compare``
    option for that round (``--no-repeat ROUND:GROUP``) instead of ``run``'s."""
    out = []
    for issue in issues:
        if issue.code in {"repeat-missing", "repeat-not-collected"}:
            message = issue.message
            for section in survey.repeat_sections:
                for verb in ("with", "without"):
                    message = message.replace(
                        f"run {verb} --no-repeat {section}",
                        f"compare {verb} --no-repeat {round_id}:{section}",
                    )
            issue = replace(issue, message=message)
        out.append(issue)
    return out


def run_comparison(
    layout: Layout,
    survey_id: str,
    old_round: str,
    new_round: str,
    *,
    run_date: str | None = None,
    on_step: Any = None,
    no_repeat: Collection[str] = (),
    pdf: bool | None = None,
) -> ComparisonOutcome:
    """Compare round ``old_round`` with ``new_round`` and write the comparison folder.

    Both rounds are read, checked and analysed in memory, each with its own survey
    version. ``no_repeat`` names repeat sections a round did not collect, as ``run
    --no-repeat`` does: ``GROUP`` for both rounds, ``ROUND:GROUP`` for one of them
    (:func:`no_repeat_by_round`). Raises :class:`PipelineError` with the errors of both
    rounds (files named from the project root) when either has errors; nothing is written
    then. ``pdf=False`` (``--no-pdf``): no ``comparison.pdf`` (:mod:`pipeline.report.office`).
    """
    from pipeline.rounds import Steps, open_survey, process_round

    steps = Steps(on_start=on_step)
    survey, _ = open_survey(layout, survey_id)  # an unknown survey is named before anything else
    per_round = no_repeat_by_round(survey, no_repeat, (old_round, new_round))
    run_date = check_run_date(
        run_date or os.environ.get("EMG_RUN_DATE") or dt.date.today().isoformat()
    )
    results: dict[str, RunResult] = {}
    hashes: dict[str, dict[str, str]] = {}
    errors: list[Issue] = []
    for round_id in (old_round, new_round):
        try:
            results[round_id], hashes[round_id] = process_round(
                layout,
                survey_id,
                round_id,
                run_date=run_date,
                steps=Steps(on_start=on_step),
                no_repeat=per_round[round_id],
            )
        except PipelineError as exc:
            issues = _compare_advice(list(exc.issues), survey, round_id)
            errors.extend(_located(issues, layout, survey_id, round_id))
    if errors:
        raise PipelineError(errors)
    old, new = results[old_round], results[new_round]
    with steps.step("Comparing"):
        tables, stats = compare_results(old, new)
    log = IssueLog()
    for round_id, result in results.items():
        log.extend(_located(result.log.issues, layout, survey_id, round_id))
    out_dir = comparison_dir(layout, survey_id, old_round, new_round)
    outcome = ComparisonOutcome(survey_id, old_round, new_round, out_dir, log, tables, stats)
    outcome.not_collected = {r: groups for r, groups in per_round.items() if groups}
    write_comparison(outcome, old, new, layout, hashes, run_date, steps, pdf=pdf)
    outcome.timings = steps.timings
    return outcome


def comparison_result(outcome: ComparisonOutcome, new: RunResult, run_date: str) -> RunResult:
    """The comparison dressed as a :class:`RunResult` for the workbook writer: the
    comparison tables and statistics, the log of both rounds, no responses."""
    return RunResult(
        survey=new.survey,
        registry=new.registry,
        round=f"{outcome.new_round} compared with {outcome.old_round}",
        run_date=run_date,
        responses=Responses(pd.DataFrame(), {}, pd.DataFrame()),
        tables={k: outcome.tables[k] for k in COMPARISON_TABLES if k in outcome.tables},
        stats=dict(outcome.stats),
        log=outcome.log,
    )


def write_comparison(
    outcome: ComparisonOutcome,
    old: RunResult,
    new: RunResult,
    layout: Layout,
    hashes: dict[str, dict[str, str]],
    run_date: str,
    steps: Any,
    *,
    pdf: bool | None = None,
) -> None:
    """Write comparison.docx (and comparison.pdf when LibreOffice is there), comparison.xlsx,
    charts/ and manifest.json all-or-nothing."""
    from pipeline.analyses.compare.chapter import write_comparison_report
    from pipeline.analyses.compare.charts import make_compare_charts
    from pipeline.locks import round_lock
    from pipeline.report.chart_cache import chart_cache
    from pipeline.report.office import finish_documents, office_on
    from pipeline.report.workbook import write_workbook
    from pipeline.staging import staged

    survey = new.survey
    what = f"the comparison {outcome.new_round}-vs-{outcome.old_round} of {survey.id}"
    with round_lock(outcome.outputs, what), staged(outcome.outputs) as (stage,):
        with steps.step("Drawing charts"), chart_cache(layout.chart_cache):  # the runs' charts
            charts_dir = stage / "charts"
            charts_dir.mkdir()
            tables = {k: v for k, v in outcome.tables.items() if k in COMPARISON_TABLES}
            charts = make_compare_charts(
                tables, outcome.stats, survey, charts_dir, outcome.old_round, outcome.new_round
            )
        with steps.step("Writing results workbook"):
            write_workbook(comparison_result(outcome, new, run_date), stage / "comparison.xlsx")
        with steps.step("Writing report"):
            write_comparison_report(outcome, old, new, charts, stage / "comparison.docx", run_date)
        if office_on(pdf):
            with steps.step("Writing PDF"):
                finish_documents([stage / "comparison.docx"], outcome.log, pdf=True)
        manifest = {
            "survey_id": survey.id,
            "survey_title": survey.title,
            "comparison": f"{outcome.new_round} compared with {outcome.old_round}",
            "run_date": run_date,
            "package_version": __version__,
            "registry": {
                "path": "data/reference/entities.csv",
                "sha256": sha256_file(layout.registry),
            },
            "rounds": [
                {
                    "round": r.round,
                    "form_version": r.survey.model.form_version,
                    "survey_definition_sha256": r.survey.sha256,
                    "submissions_kept": len(r.responses.submissions),
                    "no_repeat": outcome.not_collected.get(r.round, []),
                    "inputs": masked_inputs(hashes[r.round], r.files),
                }
                for r in (old, new)
            ],
            "row_counts": {f"table_{k}": len(v) for k, v in outcome.tables.items()},
            "data_quality": outcome.log.counts(),
            "timings_s": steps.timings,
        }
        write_manifest(stage, manifest)
