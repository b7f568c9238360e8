"""Faults while a run writes: a folder that cannot be written, a full disk, a run
interrupted or killed in the middle of writing, an input changed while it is read.

Each time the previous good outputs stay byte for byte as they were, no half-written
report or hidden staging folder is left behind, the message says what happened, and the
raw inputs are untouched. Charts are replaced by a stub here (drawing them takes seconds
and is tested elsewhere); everything else is the real run.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from catalogue import ROUND, SURVEY, Project, cli, leftovers, new_project, no_charts, snapshot

from pipeline.errors import OutputError
from pipeline.exports import example_round, write_kobo_xlsx
from pipeline.registry import Registry
from pipeline.run import run_round
from pipeline.spec import Survey

RUN_DATE = "2026-11-25"
KILLED_RUN = """
import sys, time
from pathlib import Path
import pipeline.analyses as charts
import pipeline.report.workbook as workbook
from pipeline.paths import Layout
from pipeline.run import run_round

charts.make_charts = lambda result, folder: []

def hang(result, path):
    Path(path).write_bytes(b"PK\\x03\\x04 half a workbook")
    Path(sys.argv[2]).write_text("writing")
    while True:
        time.sleep(60)

workbook.write_workbook = hang
run_round(Layout(Path(sys.argv[1])), "ewaste_img", "2026-R1", force=True, run_date="2026-11-25")
"""


@pytest.fixture(autouse=True)
def quick_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipeline.analyses.make_charts", no_charts)


@pytest.fixture(scope="module")
def done(
    tmp_path_factory: pytest.TempPathFactory, survey: Survey, registry: Registry
) -> Project:
    """A project whose round was run once: its outputs are the previous good outputs."""
    project = new_project(tmp_path_factory.mktemp("done"))
    main, repeats = example_round(survey, registry, n=4)
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "kobo_export.xlsx")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("pipeline.analyses.make_charts", no_charts)
        outcome = cli(project, "run", "--run-date", RUN_DATE)
    assert outcome.code == 0, outcome.text
    return project


@pytest.fixture
def project(done: Project, tmp_path: Path) -> Project:
    """A fresh copy of the project that was run once."""
    shutil.copytree(done.root, tmp_path / "project")
    return Project(tmp_path / "project")


class State:
    """The bytes of the raw inputs, outputs and processed tables of a project."""

    def __init__(self, project: Project):
        self.raw = snapshot(project.raw)
        self.outputs = snapshot(project.outputs)
        self.processed = snapshot(project.processed)

    def unchanged(self, project: Project) -> bool:
        return (
            snapshot(project.raw) == self.raw
            and snapshot(project.outputs) == self.outputs
            and snapshot(project.processed) == self.processed
        )


def failing(exc: BaseException | None = None) -> Callable[..., None]:
    """A writer that writes half a file to its path (the last argument), then fails with
    ``exc``, by default the disk full while writing that file."""

    def write(*args: Any, **kwargs: Any) -> None:
        path = Path(args[-1])
        path.write_bytes(b"half a file")
        raise exc or OSError(errno.ENOSPC, "No space left on device", str(path))

    return write


# -- cannot write ------------------------------------------------------------------------
def test_an_output_folder_that_cannot_be_written(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = State(project)
    locked = project.outputs.parent
    if os.geteuid() == 0:  # root writes anywhere: make the folder refuse new entries
        import pipeline.staging as staging

        real = staging.tempfile.mkdtemp

        def refuse(*args: Any, dir: Any = None, prefix: str = "", **kwargs: Any) -> str:
            if dir is not None and Path(dir) == locked:  # as mkdtemp reports it
                raise PermissionError(errno.EACCES, "Permission denied", f"{dir}/{prefix}x1y2")
            return real(*args, dir=dir, prefix=prefix, **kwargs)

        monkeypatch.setattr(staging.tempfile, "mkdtemp", refuse)
    else:
        locked.chmod(0o555)
    try:
        outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    finally:
        locked.chmod(0o755)
    assert outcome.code == 3
    assert f"ERROR {project.outputs} cannot write the outputs: permission denied" in outcome.text
    assert "the previous outputs are as they were" in outcome.text
    assert before.unchanged(project) and leftovers(project) == []


@pytest.mark.parametrize(
    ("target", "folder", "written"),
    [
        ("pipeline.report.workbook.write_csv_safe", "processed", "submissions.csv"),
        ("pipeline.report.workbook.write_workbook", "outputs", "results.xlsx"),
        ("pipeline.report.outline.write_report", "outputs", "report.docx"),
    ],
)
def test_the_disk_full_in_the_middle_of_writing(
    project: Project, monkeypatch: pytest.MonkeyPatch, target: str, folder: str, written: str
) -> None:
    before = State(project)
    monkeypatch.setattr(target, failing())
    outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    assert outcome.code == 3
    where = getattr(project, folder)  # the folder a person knows, not the hidden staging one
    assert f"ERROR {where} cannot write the outputs: the disk is full while writing {written}" in outcome.text
    assert "free some disk space and run again" in outcome.text
    assert "Stopped: the outputs could not be written" in outcome.text
    assert before.unchanged(project) and leftovers(project) == []


def test_the_run_api_raises_an_output_error(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = State(project)

    monkeypatch.setattr("pipeline.report.workbook.write_workbook", failing())
    with pytest.raises(OutputError) as info:
        run_round(project.layout, SURVEY, ROUND, force=True, run_date=RUN_DATE)
    [issue] = info.value.issues
    assert issue.code == "output-write-failed" and issue.file == str(project.outputs)
    assert "the disk is full while writing results.xlsx" in issue.message  # not the staging path
    assert before.unchanged(project) and leftovers(project) == []


# -- interrupted or killed ---------------------------------------------------------------
def test_interrupted_while_writing_the_report(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = State(project)
    monkeypatch.setattr("pipeline.report.outline.write_report", failing(KeyboardInterrupt()))
    outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    assert outcome.code == 130
    assert "Interrupted; previous outputs are unchanged." in outcome.text
    assert before.unchanged(project) and leftovers(project) == []


def test_an_exit_while_writing_through_the_api(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = State(project)
    monkeypatch.setattr("pipeline.report.workbook.write_workbook", failing(SystemExit(1)))
    with pytest.raises(SystemExit):
        run_round(project.layout, SURVEY, ROUND, force=True, run_date=RUN_DATE)
    assert before.unchanged(project) and leftovers(project) == []


@pytest.mark.slow
def test_killed_while_writing_then_a_new_run_cleans_up(project: Project, tmp_path: Path) -> None:
    """A real process killed with SIGKILL half-way through writing the workbook."""
    before = State(project)
    marker = tmp_path / "writing"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(project.root), str(marker)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while not marker.exists():  # the child hangs once it is there; an early exit fails
            assert child.poll() is None, child.stderr.read().decode()  # type: ignore[union-attr]
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        child.stderr.close()  # type: ignore[union-attr]
    assert child.returncode == -signal.SIGKILL
    assert before.unchanged(project)  # the previous outputs, not half a workbook
    stale = leftovers(project)
    assert stale and all(".tmp-" in name or name == f".{ROUND}.lock" for name in stale)
    assert f".{ROUND}.lock" in stale  # the dead run's lock, taken over by the next run

    outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    assert outcome.code == 0, outcome.text
    assert leftovers(project) == []
    assert {"report.docx", "results.xlsx", "manifest.json"} <= set(snapshot(project.outputs))
    assert snapshot(project.raw) == before.raw


def test_killed_between_the_two_renames_the_previous_outputs_come_back(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after the old outputs were moved aside and before the new ones moved in."""
    before = State(project)
    aside = project.outputs.with_name(f".{ROUND}.old-99999")
    project.outputs.rename(aside)
    monkeypatch.setattr("pipeline.report.workbook.write_workbook", failing())
    outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    assert outcome.code == 3
    assert before.unchanged(project) and leftovers(project) == []


# -- inputs that change ------------------------------------------------------------------
def test_an_input_changed_while_it_is_read(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.rounds

    before = State(project)
    export = project.raw / "kobo_export.xlsx"
    real = pipeline.rounds.read_round

    def read_then_change(*args: Any, **kwargs: Any) -> Any:
        raw = real(*args, **kwargs)
        with export.open("ab") as handle:  # the sender's sync client rewrites the file
            handle.write(b"\0")
        return raw

    monkeypatch.setattr(pipeline.rounds, "read_round", read_then_change)
    outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    assert outcome.code == 1
    assert (
        "ERROR kobo_export.xlsx the file changed while the run was reading it; run again "
        "once it is complete" in outcome.text
    )
    assert "nothing was written" in outcome.text
    assert export.read_bytes() == before.raw["kobo_export.xlsx"] + b"\0"  # only our change
    assert snapshot(project.outputs) == before.outputs and leftovers(project) == []


@pytest.mark.slow
def test_a_changed_input_is_run_again_and_its_new_hash_recorded(
    project: Project, survey: Survey, registry: Registry
) -> None:
    """Without --force an unchanged round is 'up to date'; a changed one runs again."""
    assert cli(project, "run", "--force", "--run-date", RUN_DATE).code == 0
    assert "up to date" in cli(project, "run", "--run-date", RUN_DATE).text
    main, repeats = example_round(survey, registry, n=2)
    main["_submission_id"] = "second-" + main["_submission_id"]
    main["agency"] = ["UNEP", "ILO"]
    repeats = {k: v.iloc[0:0] for k, v in repeats.items()}
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "late_export.xlsx")
    outcome = cli(project, "run", "--run-date", RUN_DATE)
    assert outcome.code == 0 and ": done" in outcome.text
    manifest = (project.outputs / "manifest.json").read_text()
    from pipeline.manifest import sha256_file

    assert sha256_file(project.raw / "late_export.xlsx") in manifest
