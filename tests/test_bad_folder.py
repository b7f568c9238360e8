"""What is in a round folder besides good files (issue 10): a file too large to read, a
file that changes while the run reads it, links (dangling, looping, to a folder, to a
file), a named pipe, and a file the pipeline may not read. Each is named in the log, the
other files are still read, the raw files stay byte-identical and a failed run leaves the
previous outputs as they were."""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from catalogue import (
    Example,
    Project,
    cli,
    located,
    new_project,
    no_charts,
    snapshot,
    validate_round,
)

import pipeline.ingest.round_reader
from pipeline import manifest
from pipeline.exports import write_kobo_xlsx
from pipeline.ingest import source
from pipeline.registry import Registry
from pipeline.rounds import check_round
from pipeline.spec import Survey

VERSION_A = "Answer of version A, the one hashed"
VERSION_B = "Answer of version B, written while the run was reading the file"


@pytest.fixture
def project(tmp_path: Path, survey: Survey, registry: Registry, example: Example) -> Project:
    """A round holding one good Kobo export of four submissions."""
    project = new_project(tmp_path)
    main, repeats = example
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "kobo_export.xlsx")
    return project


@pytest.fixture
def charts_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipeline.analyses.make_charts", no_charts)


def first_run(project: Project) -> tuple[dict[str, bytes], dict[str, bytes]]:
    outcome = cli(project, "run", "--run-date", "2026-11-25")
    assert outcome.code == 0, outcome.text
    return snapshot(project.outputs), snapshot(project.processed)


# -- a huge file ----------------------------------------------------------------------------
def test_a_huge_file_is_refused_by_its_size_without_being_read(
    project: Project, charts_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs, processed = first_run(project)
    huge = project.raw / "huge_export.csv"
    with huge.open("wb") as handle:  # 30 GB, sparse: nothing is written to the disk
        handle.truncate(30 * 2**30)
    whole_reads: list[str] = []  # reads of a whole file: hashing it or parsing it

    def watch(function: Callable[..., Any]) -> Callable[..., Any]:
        def watched(path: Any, *args: Any) -> Any:
            if os.path.abspath(path) == str(huge):
                whole_reads.append(function.__name__)
            return function(path, *args)

        return watched

    monkeypatch.setattr(manifest, "sha256_file", watch(manifest.sha256_file))
    monkeypatch.setattr(source, "read_bytes", watch(source.read_bytes))
    monkeypatch.setattr(source, "sha256", watch(source.sha256))

    outcome = cli(project, "run", "--run-date", "2026-11-25")

    assert outcome.code == 1
    assert "huge_export.csv the file is 30720 MB; files over 200 MB are not read" in outcome.text
    assert whole_reads == []  # neither hashed nor read: the size alone decides
    assert snapshot(project.outputs) == outputs and snapshot(project.processed) == processed


# -- a file that changes while it is read ---------------------------------------------------
def version(
    survey: Survey, registry: Registry, example: Example, path: Path, answer: str
) -> bytes:
    """The example export with ``answer`` as the first agency's strengths."""
    main, repeats = example
    main = main.copy()
    main.loc[0, "strengths"] = answer
    return write_kobo_xlsx(main, repeats, survey, registry, path).read_bytes()


def swapping(path: Path, during: bytes, after: bytes) -> Callable[..., Any]:
    """A stand-in for the reader call of read_round that writes ``during`` to ``path``
    just before the reader parses it and ``after`` once it is done."""
    real = pipeline.ingest.round_reader._read

    def read(reader: Any, file: Path, *args: Any) -> Any:
        if file == path:
            path.write_bytes(during)
        try:
            return real(reader, file, *args)
        finally:
            if file == path:
                path.write_bytes(after)

    return read


def test_a_change_and_back_while_the_run_reads_gives_the_hash_of_what_was_parsed(
    project: Project,
    survey: Survey,
    registry: Registry,
    example: Example,
    tmp_path_factory: pytest.TempPathFactory,
    charts_off: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A (hashed), B (on disk while the reader parses), A again (hashed after): the run
    parses the bytes it hashed, so the manifest's hash and the answers agree."""
    path = project.raw / "kobo_export.xlsx"
    a = version(survey, registry, example, path, VERSION_A)
    b = version(survey, registry, example, tmp_path_factory.mktemp("b") / "b.xlsx", VERSION_B)
    monkeypatch.setattr(pipeline.ingest.round_reader, "_read", swapping(path, b, a))

    outcome = cli(project, "run", "--run-date", "2026-11-25")

    assert outcome.code == 0, outcome.text
    record = json.loads((project.outputs / "manifest.json").read_text())["inputs"][0]
    assert record["sha256"] == hashlib.sha256(a).hexdigest()
    processed = snapshot(project.processed)
    assert any(VERSION_A.encode() in data for data in processed.values())
    assert not any(VERSION_B.encode() in data for data in processed.values())
    assert path.read_bytes() == a


def test_a_file_left_changed_after_it_was_read_stops_the_run(
    project: Project,
    survey: Survey,
    registry: Registry,
    example: Example,
    tmp_path_factory: pytest.TempPathFactory,
    charts_off: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outputs, processed = first_run(project)
    path = project.raw / "kobo_export.xlsx"
    a = path.read_bytes()
    b = version(survey, registry, example, tmp_path_factory.mktemp("b") / "b.xlsx", VERSION_B)
    monkeypatch.setattr(pipeline.ingest.round_reader, "_read", swapping(path, a, b))

    outcome = cli(project, "run", "--run-date", "2026-11-25", "--force")

    assert outcome.code == 1
    assert "ERROR kobo_export.xlsx the file changed while the run was reading it" in outcome.text
    assert snapshot(project.outputs) == outputs and snapshot(project.processed) == processed


def test_outside_a_run_the_readers_read_the_disk(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a")
    with source.frozen():
        assert source.read_bytes(path) == b"a"
        path.write_bytes(b"b")
        assert source.read_bytes(path) == b"a"  # the run's copy
        assert source.sha256(path) == hashlib.sha256(b"a").hexdigest()
        source.release(path)
        assert source.read_bytes(path) == b"b" and source.changed() == {str(path)}
    assert source.read_bytes(path) == b"b" and source.sha256(path) == hashlib.sha256(b"b").hexdigest()


# -- links and other things that are not files ----------------------------------------------
def test_links_and_pipes_are_each_named(
    project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shared = tmp_path_factory.mktemp("shared")
    (shared / "more.xlsx").write_bytes((project.raw / "kobo_export.xlsx").read_bytes())
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (project.raw / "kobo_export.xlsx").rename(elsewhere / "kobo_export.xlsx")
    (project.raw / "linked.xlsx").symlink_to(elsewhere / "kobo_export.xlsx")
    (project.raw / "gone.xlsx").symlink_to(project.raw / "deleted.xlsx")
    (project.raw / "loop.xlsx").symlink_to(project.raw / "loop.xlsx")
    (project.raw / "shared").symlink_to(shared, target_is_directory=True)
    os.mkfifo(project.raw / "pipe.csv")

    outcome = validate_round(project)

    assert outcome.code == 0, outcome.text
    expected = {
        ("file-link-broken", "gone.xlsx"): "a link to a file that does not exist",
        ("file-link-broken", "loop.xlsx"): "a link that loops",
        ("file-link-folder", "shared"): "a link to a folder, not followed",
        ("file-not-regular", "pipe.csv"): "not a regular file",
    }
    codes = {code for code, _ in expected}
    warnings = {(i.code, i.file): i.message for i in outcome.log.warnings if i.code in codes}
    for key, words in expected.items():
        assert words in warnings.pop(key)
    assert warnings == {}
    followed = outcome.only("file-link")
    assert located(followed, "linked.xlsx") and "is read" in followed.message
    assert "1 file(s), 4 submission(s): 0 error(s)" in outcome.text


# -- a file the pipeline may not read -------------------------------------------------------
@pytest.fixture
def unreadable(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A second export the account running the pipeline may not read: its permissions
    say so, and as root (who may read anything) opening it fails as it would otherwise."""
    path = project.raw / "locked_export.xlsx"
    path.write_bytes((project.raw / "kobo_export.xlsx").read_bytes())
    path.chmod(0)
    real_open = builtins.open

    def denying(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | os.PathLike) and os.path.abspath(file) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(file, *args, **kwargs)

    if os.geteuid() == 0:
        monkeypatch.setattr(builtins, "open", denying)
        monkeypatch.setattr(io, "open", denying)
    before = (project.raw / "kobo_export.xlsx").read_bytes()
    yield path
    monkeypatch.undo()
    path.chmod(0o644)
    assert path.read_bytes() == before and (project.raw / "kobo_export.xlsx").read_bytes() == before


def test_an_unreadable_file_is_a_data_error_and_the_others_are_read(
    project: Project, unreadable: Path
) -> None:
    outcome = cli(project, "validate")
    log, raw = check_round(project.layout, "ewaste_img", "2026-R1")
    assert outcome.code == 1
    assert sorted(i.code for i in log.errors) == ["file-unreadable"]
    [issue] = log.errors
    assert located(issue, "locked_export.xlsx") and "Permission denied" in issue.message
    assert f"ERROR {issue.location()} {issue.message}" in outcome.text
    assert "2 file(s), 4 submission(s): 1 error(s)" in outcome.text
    assert raw is not None and len(raw.main) == 4


def test_a_run_with_an_unreadable_file_stops_with_exit_1(
    project: Project, unreadable: Path, charts_off: None
) -> None:
    outcome = cli(project, "run", "--run-date", "2026-11-25")
    assert outcome.code == 1, outcome.text
    assert "ERROR locked_export.xlsx cannot read the file (Permission denied)" in outcome.text
    assert not project.outputs.exists()


def test_hash_inputs_never_raises_for_one_file(project: Project, unreadable: Path) -> None:
    hashes = manifest.hash_inputs(project.raw)
    assert hashes["locked_export.xlsx"] == "not read: Permission denied"
    assert hashes["kobo_export.xlsx"] == manifest.sha256_file(project.raw / "kobo_export.xlsx")
