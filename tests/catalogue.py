"""Helpers shared by the catalogue of bad inputs and faults (issue 5).

The catalogue lives in ``test_bad_files.py``, ``test_bad_structure.py``,
``test_bad_values.py``, ``test_untrusted.py``, ``test_faults.py`` and
``test_properties.py``; issue 10's run-level cases in ``test_faults_rounds.py`` (locks,
signals, the two swaps, damaged outputs, TMPDIR, file size limit),
``test_bad_commands.py`` (ids, dates, round order, consoles, escapes, form --out,
registry, survey numbers) and ``test_personal_file_names.py``. Each case builds a small project in a temporary folder (a round
folder under ``data/raw``), runs the command line or the run API on it, and checks the
exit code, the message (file, sheet, row, column) and that the raw inputs are
byte-identical afterwards.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
import pandas as pd

import pipeline.rounds
from pipeline.cli import main
from pipeline.demo import repeats_of
from pipeline.errors import Issue, IssueLog
from pipeline.exports import sheet_title
from pipeline.ingest.safe import OLE_SIGNATURE
from pipeline.paths import Layout
from pipeline.questionnaire_fill import fill_questionnaire
from pipeline.registry import Registry
from pipeline.rounds import check_round
from pipeline.spec import Survey

SURVEY = "ewaste_img"
ROUND = "2026-R1"
OLE_BYTES = OLE_SIGNATURE + bytes(1024)  # an OLE compound file: encrypted workbook or .xls
WIDE = "400"  # terminal width for the CLI's messages, so that they are not wrapped

Example = tuple[pd.DataFrame, dict[str, pd.DataFrame]]


@dataclass
class Project:
    """A project folder holding one round of the e-waste survey."""

    root: Path

    @property
    def layout(self) -> Layout:
        return Layout(self.root)

    @property
    def raw(self) -> Path:
        return self.layout.raw(SURVEY, ROUND)

    @property
    def outputs(self) -> Path:
        return self.layout.outputs(SURVEY, ROUND)

    @property
    def processed(self) -> Path:
        return self.layout.processed(SURVEY, ROUND)


def new_project(root: Path) -> Project:
    """An empty round folder under ``root``."""
    project = Project(root)
    project.raw.mkdir(parents=True)
    return project


def snapshot(folder: Path) -> dict[str, bytes]:
    """The bytes of every file under ``folder``, by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(project: Project) -> list[str]:
    """Hidden staging or swap folders left next to the outputs or processed tables."""
    found: list[str] = []
    for final in (project.outputs, project.processed):
        if final.parent.is_dir():
            found += [p.name for p in final.parent.iterdir() if p.name.startswith(".")]
    return found


@dataclass
class Outcome:
    """What a command printed and returned, with the structured data-quality log."""

    code: int
    text: str
    log: IssueLog = field(default_factory=IssueLog)

    def only(self, code: str) -> Issue:
        found = [i for i in self.log.issues if i.code == code]
        assert len(found) == 1, [str(i) for i in self.log.issues]
        return found[0]

    def codes(self, severity: str = "error") -> list[str]:
        return sorted(i.code for i in self.log.issues if i.severity == severity)


@contextmanager
def _wide_terminal() -> Iterator[None]:
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDE
    try:
        yield
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def cli(project: Project, command: str = "validate", *extra: str) -> Outcome:
    """Run ``emg-pipeline COMMAND ewaste_img --round 2026-R1 --root ROOT``; return the
    exit code and everything printed, with white space collapsed (messages are wrapped)."""
    out, err = io.StringIO(), io.StringIO()
    with _wide_terminal(), redirect_stdout(out), redirect_stderr(err):
        code = main([command, SURVEY, "--round", ROUND, "--root", str(project.root), *extra])
    return Outcome(code, " ".join((out.getvalue() + err.getvalue()).split()))


def validate_round(project: Project, *extra: str) -> Outcome:
    """``emg-pipeline validate`` on the round (``extra``: more options), with the
    structured log the command printed; asserts that the raw inputs were left
    byte-identical."""
    before = snapshot(project.raw)
    logs: list[IssueLog] = []

    def check(*args: Any, **kwargs: Any) -> tuple[IssueLog, Any]:
        log, raw = check_round(*args, **kwargs)
        logs.append(log)
        return log, raw

    with mock.patch.object(pipeline.rounds, "check_round", check):
        outcome = cli(project, "validate", *extra)
    [outcome.log] = logs
    assert snapshot(project.raw) == before
    return outcome


def no_charts(result: Any, folder: Path) -> list[Any]:
    """Stand-in for :func:`pipeline.analyses.make_charts` where a test is about
    something else: drawing the charts takes seconds; the report skips missing charts."""
    return []


def located(issue: Issue, file: str, sheet: str | None = None, row: int | None = None,
            column: str | None = None) -> bool:
    """True when ``issue`` names this file (and sheet, row, column where given)."""
    return (
        issue.file == file
        and (sheet is None or issue.sheet == sheet)
        and (row is None or issue.row == row)
        and (column is None or issue.column == column)
    )


# -- building inputs -----------------------------------------------------------------------
def main_sheet(survey: Survey) -> str:
    """The name of the submissions sheet of a Kobo XLSX export."""
    return sheet_title(survey.title)


def edit_workbook(path: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    """Open an .xlsx with openpyxl, apply ``change`` and save it back."""
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return path


def header_columns(ws: object) -> dict[str, int]:
    """Header text -> 1-based column of the first row of a worksheet."""
    return {str(c.value): c.column for c in ws[1] if c.value is not None}  # type: ignore[index]


def questionnaire(
    survey: Survey, registry: Registry, example: Example, index: int, path: Path
) -> Path:
    """The offline questionnaire of example submission ``index``, filled in."""
    main, repeats = example
    row = main.iloc[index]
    record = {k: (None if pd.isna(v) else str(v)) for k, v in row.items() if not k.startswith("_")}
    rows = repeats_of(repeats, str(row["_submission_id"]))
    return fill_questionnaire(survey, registry, record, rows.get("projects", []), path)


def rezip(source: Path, target: Path, change: Callable[[str, bytes], bytes | None],
          extra: dict[str, bytes] | None = None) -> Path:
    """Copy a zip member by member through ``change(name, data)`` (None drops the member),
    adding ``extra`` members."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                out.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return target
