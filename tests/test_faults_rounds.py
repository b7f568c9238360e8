"""Faults around a run as a whole (issue 10): two runs of one round at once, SIGTERM and
an early Ctrl-C, a kill between the two folder swaps, rounds whose ids share a prefix,
output paths that are links or files, damaged outputs that look up to date, a full
TMPDIR and a file size limit.

Each case checks the exit code, the message, that the raw inputs are byte-identical, that
the previous outputs are intact (or rebuilt, where that is the point) and that nothing is
left or written outside the project's folders.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from catalogue import ROUND, SURVEY, Project, cli, leftovers, new_project, no_charts, snapshot

from pipeline.exports import example_round, write_kobo_xlsx
from pipeline.locks import lock_path
from pipeline.registry import Registry
from pipeline.spec import Survey
from pipeline.staging import journal_path, recover

RUN_DATE = "2026-11-25"
# the command line in a child process, its charts stubbed; the workbook writer is
# replaced by HANG (writes half a file, says so in the marker file, waits) when asked
CHILD = """
import os, sys, time
from pathlib import Path
import pipeline.analyses as charts
import pipeline.report.workbook as workbook
charts.make_charts = lambda result, folder: []
root, marker, mode = sys.argv[1], Path(sys.argv[2]), sys.argv[3]

def hang(result, path):
    Path(path).write_bytes(b"PK\\x03\\x04 half a workbook")
    marker.write_text("writing")
    time.sleep(120)

if mode == "hang":
    workbook.write_workbook = hang
if mode == "kill-between-swaps":
    real = Path.rename
    def rename(self, target):
        out = real(self, target)
        if Path(target).name == "2026-R1" and "processed" in Path(target).parts:
            os.kill(os.getpid(), 9)  # the processed tables are in, the outputs not yet
        return out
    Path.rename = rename
if mode in ("full-tmpdir", "plain"):  # the workbook is written, not copied from a cache
    os.environ["EMG_CHART_CACHE"] = str(marker.with_name("empty-cache"))
if mode == "full-tmpdir":
    import openpyxl.worksheet._writer as sheet_writer
    def on_full_disk(suffix=""):  # the temporary file lands on a full disk
        link = marker.with_name(f"sheet-{len(list(marker.parent.iterdir()))}.xml")
        link.symlink_to("/dev/full")
        return str(link)
    sheet_writer.create_temporary_file = on_full_disk
from pipeline.console import main
sys.exit(main(["run", "ewaste_img", "--round", "2026-R1", "--root", root, "--force",
               "--run-date", "2026-11-25"]))
"""


@pytest.fixture(autouse=True)
def quick_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipeline.analyses.make_charts", no_charts)


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory, survey: Survey, registry: Registry) -> Project:
    """A project whose round was run once: its outputs are the previous good outputs."""
    project = new_project(tmp_path_factory.mktemp("done") / "project")
    main, repeats = example_round(survey, registry, n=4)
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "kobo_export.xlsx")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("pipeline.analyses.make_charts", no_charts)
        outcome = cli(project, "run", "--run-date", RUN_DATE)
    assert outcome.code == 0, outcome.text
    return project


@pytest.fixture
def project(done: Project, tmp_path: Path) -> Project:
    """A fresh copy of the project that was run once, alone in ``tmp_path/project``."""
    shutil.copytree(done.root, tmp_path / "project", symlinks=True)
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


def outside(project: Project) -> list[str]:
    """Files written next to the project folder (its parent holds only the test's own
    ``scratch`` folder)."""
    return sorted(p.name for p in project.root.parent.iterdir() if p.name not in ("project", "scratch"))


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A folder of the test's own, beside the project."""
    (tmp_path / "scratch").mkdir()
    return tmp_path / "scratch"


def child(project: Project, mode: str, marker: Path, **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(project.root), str(marker), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def wait_for(process: subprocess.Popen[bytes], marker: Path) -> None:
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run never reached the workbook"
        time.sleep(0.05)


def consistent(project: Project) -> bool:
    """The processed tables are the ones the outputs' manifest lists (same run)."""
    manifest = json.loads((project.outputs / "manifest.json").read_text())
    return snapshot(project.processed).keys() == {e["path"] for e in manifest["processed"]} and all(
        hashlib.sha256((project.processed / e["path"]).read_bytes()).hexdigest()
        == e["sha256"]
        for e in manifest["processed"]
    )


@pytest.mark.slow
# -- two runs at once, SIGTERM -----------------------------------------------------------
def test_a_second_run_of_the_same_round_says_who_holds_it_and_sigterm_cleans_up(
    project: Project, scratch: Path
) -> None:
    before = State(project)
    marker = scratch / "writing"
    first = child(project, "hang", marker)
    try:
        wait_for(first, marker)
        second = cli(project, "run", "--force", "--run-date", RUN_DATE)
        assert second.code == 4, second.text
        assert f"round {ROUND} of {SURVEY} is being written by another run: process {first.pid}" in second.text
        assert "since 20" in second.text and "UTC" in second.text
        assert "Stopped: nothing was read or written." in second.text
        assert "Traceback" not in second.text
        first.send_signal(signal.SIGTERM)  # as a CI cancel or `timeout` does
        _, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 143, err.decode()
    assert "Terminated (SIGTERM); previous outputs are unchanged." in err.decode()
    assert "Traceback" not in err.decode()
    assert before.unchanged(project) and leftovers(project) == []  # lock and staging gone
    assert outside(project) == []


@pytest.mark.slow
def test_a_lock_left_by_a_dead_process_is_taken_over(project: Project) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    lock = lock_path(project.outputs)
    lock.write_text(json.dumps({"pid": int(gone.stdout), "host": os.uname().nodename, "since": "2026-11-01 10:00:00 UTC"}))
    outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    assert outcome.code == 0, outcome.text
    assert not lock.exists() and leftovers(project) == []


def test_a_lock_of_a_live_process_is_respected(project: Project) -> None:
    before = State(project)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock_path(project.outputs).write_text(
            json.dumps({"pid": holder.pid, "host": os.uname().nodename, "since": "2026-11-30 09:15:00 UTC",
                        "command": "emg-pipeline run ewaste_img --round 2026-R1"})
        )
        outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    finally:
        holder.kill()
        holder.wait()
    assert outcome.code == 4
    assert f"process {holder.pid}" in outcome.text and "since 2026-11-30 09:15:00 UTC" in outcome.text
    assert f"delete {lock_path(project.outputs)}" in outcome.text
    assert before.unchanged(project)


START = """
import sys
from pipeline.console import main
print("started", flush=True)
sys.exit(main())
"""


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.6])
def test_ctrl_c_in_the_first_moments_prints_no_traceback(project: Project, delay: float) -> None:
    """Ctrl-C while the command loads (pandas, rich...) or starts: a message, no traceback.
    Counted from when the entry point is loaded (``pipeline.console``, which loads nothing
    else): before that Python itself is starting and handles Ctrl-C its own way."""
    before = State(project)
    argv = ["validate", SURVEY, "--round", ROUND, "--root", str(project.root)]
    process = subprocess.Popen(
        [sys.executable, "-c", START, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stdout.readline() == b"started\n"
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert "Traceback" not in err.decode() + out.decode(), err.decode()
    assert process.returncode in (130, 0), err.decode()  # interrupted, or already done
    if process.returncode == 130:
        assert "Interrupted" in err.decode()
    assert before.unchanged(project)


@pytest.mark.slow
# -- the two swaps -----------------------------------------------------------------------
def test_killed_between_the_two_swaps_the_next_run_puts_both_back(
    project: Project, tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    """kill -9 after the processed tables were swapped in and before the outputs were."""
    before = State(project)
    main, repeats = example_round(survey, registry, n=2)  # so that the new tables differ
    main["_submission_id"] = "late-" + main["_submission_id"]
    main["agency"] = ["UNEP", "ILO"]
    write_kobo_xlsx(main, {k: v.iloc[0:0] for k, v in repeats.items()}, survey, registry,
                    project.raw / "late_export.xlsx")
    raw = snapshot(project.raw)
    killed = child(project, "kill-between-swaps", tmp_path / "unused")
    killed.communicate(timeout=300)
    assert killed.returncode == -signal.SIGKILL
    assert snapshot(project.processed) != before.processed  # one run's tables...
    assert snapshot(project.outputs) == before.outputs  # ...beside another's report
    assert journal_path([project.processed, project.outputs]).exists()

    assert recover(project.processed, project.outputs) is True  # what the next run does first
    assert before.unchanged(project) is False  # (the raw folder has the late export)
    assert snapshot(project.outputs) == before.outputs
    assert snapshot(project.processed) == before.processed
    assert leftovers(project) == [f".{ROUND}.lock"]  # the dead run's lock, taken over next
    assert snapshot(project.raw) == raw


@pytest.mark.slow
def test_the_next_run_repairs_a_half_swap_and_says_so(project: Project, tmp_path: Path) -> None:
    killed = child(project, "kill-between-swaps", tmp_path / "unused")
    killed.communicate(timeout=300)
    assert killed.returncode == -signal.SIGKILL
    raw = snapshot(project.raw)
    outcome = cli(project, "run", "--run-date", RUN_DATE)
    assert outcome.code == 0, outcome.text
    assert "a run killed while swapping its outputs in was undone" in outcome.text
    assert consistent(project) and leftovers(project) == []
    assert snapshot(project.raw) == raw


def test_a_failed_second_swap_undoes_the_first(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The processed tables swap in, the outputs cannot (a folder owned by someone else)."""
    before = State(project)
    real = Path.rename

    def rename(self: Path, target: Any) -> Path:
        if Path(target) == project.outputs and ".tmp-" in self.name:
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    assert outcome.code == 3
    assert f"ERROR {project.outputs} cannot write the outputs: permission denied" in outcome.text
    assert before.unchanged(project) and leftovers(project) == []


def test_stale_cleanup_touches_only_its_own_rounds_folders(project: Project) -> None:
    """Rounds 2026-R1 and 2026-R1.v2: the folders of a run of 2026-R1.v2 in progress are
    not those of 2026-R1, though their names start the same."""
    theirs = []
    for parent in (project.outputs.parent, project.processed.parent):
        for name in (f".{ROUND}.v2.tmp-abc123", f".{ROUND}.v2.old-4242", f".{ROUND}.v2.lock"):
            path = parent / name
            if name.endswith(".lock"):
                path.write_text("{}")
            else:
                path.mkdir()
                (path / "report.docx").write_bytes(b"the other round's report")
            theirs.append(path)
    ours = project.outputs.with_name(f".{ROUND}.tmp-zz9")  # what a killed run of ours left
    ours.mkdir()
    outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    assert outcome.code == 0, outcome.text
    assert all(path.exists() for path in theirs)
    assert all((p / "report.docx").read_bytes() == b"the other round's report" for p in theirs if p.is_dir())
    assert not ours.exists()


# -- paths that cannot hold the outputs --------------------------------------------------
def test_a_symlinked_round_output_folder_is_named_not_replaced(project: Project, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    project.outputs.rename(elsewhere)
    project.outputs.symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(elsewhere)
    outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    assert outcome.code == 3
    assert f"ERROR {project.outputs} cannot write the outputs: this path is a symbolic link (to {elsewhere})" in outcome.text
    assert "remove the link" in outcome.text and "run again" not in outcome.text
    assert project.outputs.is_symlink() and snapshot(elsewhere) == before
    assert leftovers(project) == []


def test_outputs_that_is_a_file_is_named(project: Project) -> None:
    shutil.rmtree(project.root / "outputs")
    (project.root / "outputs").write_text("not a folder")
    before = snapshot(project.root)
    outcome = cli(project, "run", "--force", "--run-date", RUN_DATE)
    assert outcome.code == 3
    assert f"'{project.root / 'outputs'}' is a file, not a folder" in outcome.text
    assert "run again" not in outcome.text
    assert snapshot(project.root) == before


# -- "up to date" checks what it has -----------------------------------------------------
@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda p: (p.outputs / "report.docx").write_bytes((p.outputs / "report.docx").read_bytes()[:500]), "report.docx was changed"),
        (lambda p: shutil.copy(p.outputs / "report.docx", p.outputs / "results.xlsx"), "results.xlsx was changed"),
        (lambda p: (p.processed / "tidy_responses.csv").unlink(), "tidy_responses.csv is missing"),
        (lambda p: shutil.rmtree(p.processed), "coverage.csv is missing"),
    ],
    ids=["truncated report", "replaced workbook", "deleted table", "deleted processed folder"],
)
@pytest.mark.slow  # two whole runs per damage
def test_damaged_outputs_are_not_up_to_date_and_are_rebuilt(project: Project, damage: Any, named: str) -> None:
    before = State(project)
    assert "up to date" in cli(project, "run", "--run-date", RUN_DATE).text
    damage(project)
    outcome = cli(project, "run", "--run-date", RUN_DATE)
    assert outcome.code == 0, outcome.text
    assert "not up to date" in outcome.text and named in outcome.text and ": done" in outcome.text
    assert consistent(project) and snapshot(project.processed) == before.processed
    manifest = json.loads((project.outputs / "manifest.json").read_text())
    for entry in manifest["outputs"]:  # every output is the one the manifest lists
        data = (project.outputs / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert "up to date" in cli(project, "run", "--run-date", RUN_DATE).text
    assert snapshot(project.raw) == before.raw and leftovers(project) == []


@pytest.mark.slow
# -- the disk and the file size limit ----------------------------------------------------
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_tmpdir_is_named_with_advice(project: Project, tmp_path: Path) -> None:
    before = State(project)
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    process = child(project, "full-tmpdir", scratch / "marker")
    out, err = process.communicate(timeout=300)
    text = " ".join((out + err).decode().split())
    assert process.returncode == 3, text
    assert "the disk is full in the temporary folder" in text and "(TMPDIR)" in text
    assert "set TMPDIR to a folder on a disk with room" in text
    assert "Traceback" not in text and "Exception ignored" not in text
    assert before.unchanged(project) and leftovers(project) == []


@pytest.mark.slow
def test_the_file_size_limit_is_named_with_advice(project: Project, tmp_path: Path) -> None:
    import resource

    before = State(project)
    biggest = max(len(b) for b in before.outputs.values())
    limit = max(64 * 1024, biggest // 2)

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    process = child(project, "plain", tmp_path / "unused", preexec_fn=small_files)
    out, err = process.communicate(timeout=300)
    text = " ".join((out + err).decode().split())
    assert process.returncode == 3, text
    assert "a file is larger than this system lets a process write (file size limit)" in text
    assert "ulimit -f unlimited" in text and "Traceback" not in text
    assert before.unchanged(project) and leftovers(project) == []


def test_the_lock_has_one_holder_and_leaves_no_trace(tmp_path: Path) -> None:
    """The lock that run, compare and comments take: a second holder is refused while the
    first holds it; released, the lock file and the folders made for it are gone."""
    from pipeline.errors import BusyError
    from pipeline.locks import round_lock

    final = tmp_path / "outputs" / SURVEY / f"{ROUND}-comments"
    with round_lock(final, "the comment table"):
        assert lock_path(final).is_file()
        busy = rf"the comment table is being written by another run: process {os.getpid()}"
        with pytest.raises(BusyError, match=busy), round_lock(final, "the comment table"):
            pass
        assert lock_path(final).is_file()  # the refused one did not remove it
    assert not (tmp_path / "outputs").exists()


def test_a_journal_killed_while_written_is_no_swap(project: Project) -> None:
    """Killed while writing the journal (before any swap): the next run removes it and
    leaves the outputs as they were."""
    before = State(project)
    journal = journal_path([project.processed, project.outputs])
    journal.with_name(journal.name + ".tmp-new").write_text('{"pid": 1, "pai')
    journal.write_text('{"pid": 1, "pai')  # and one half-written in place
    assert recover(project.processed, project.outputs) is False
    assert before.unchanged(project) and leftovers(project) == []
