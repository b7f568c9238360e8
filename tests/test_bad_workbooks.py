"""Damaged and hostile workbooks, through `emg-pipeline validate` and `run` (issue 10): a
single far cell, a cell reference beyond Excel's limits, a declared dimension of the
whole sheet, damaged Kobo exports (a missing part, truncated sheet XML, a shared-string
index out of range) and a panic of the Rust reader. Each is one error naming the file
(a damaged file is called damaged, not "another survey"), the other files are still
read, the raw files stay byte-identical and the previous outputs are left as they were.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO
from unittest import mock

import fastexcel
import pytest
import python_calamine
from catalogue import (
    Example,
    Project,
    cli,
    edit_workbook,
    located,
    main_sheet,
    new_project,
    no_charts,
    rezip,
    snapshot,
    validate_round,
)

from pipeline.exports import write_kobo_xlsx
from pipeline.registry import Registry
from pipeline.spec import Survey

MAIN_PART = "xl/worksheets/sheet1.xml"
MEMORY_LIMIT = 1536 * 2**20  # address space of the subprocess that reads the hostile files


@pytest.fixture
def project(tmp_path: Path, survey: Survey, registry: Registry, example: Example) -> Project:
    """A round holding one good Kobo export of four submissions, saved with shared strings
    (as KoboToolbox and Excel write text cells)."""
    project = new_project(tmp_path)
    main, repeats = example
    written = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "inline.xlsx")
    with_shared_strings(written, project.raw / "kobo_export.xlsx")
    return project


SST = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.S)


def with_shared_strings(source: Path, target: Path) -> Path:
    """A copy of an openpyxl workbook (inline strings) with its text in a shared-string
    table, as KoboToolbox (XlsxWriter) and Excel write text cells."""
    table: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        index = table.setdefault(match[3], len(table))
        return b'<c ' + match[1] + b't="s"' + match[2] + b"><v>%d</v></c>" % index

    def change(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/"):
            return INLINE.sub(shared, data)
        if name == "xl/_rels/workbook.xml.rels":
            rel = f'<Relationship Id="rIdSST" Type="{SST}" Target="sharedStrings.xml"/>'
            return data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
        if name == "[Content_Types].xml":
            part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
            return data.replace(b"</Types>", part.encode() + b"</Types>")
        return data

    with zipfile.ZipFile(source) as src:
        for name in src.namelist():
            change(name, src.read(name))  # fills the table in part order
    strings = b"".join(b"<si><t>" + text + b"</t></si>" for text in table)
    sst = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (len(table), len(table))
        + strings
        + b"</sst>"
    )
    return rezip(source, target, change, {"xl/sharedStrings.xml": sst})


def far_cell(ref: str) -> Callable[[object], None]:
    def change(book) -> None:  # type: ignore[no-untyped-def]
        book.worksheets[0][ref] = "stray note"

    return change


def patch_part(source: Path, target: Path, part: str, change: Callable[[bytes], bytes | None]) -> Path:
    return rezip(source, target, lambda name, data: change(data) if name == part else data)


def add_row(xml: bytes, row: str) -> bytes:
    return xml.replace(b"</sheetData>", row.encode() + b"</sheetData>")


def shared_index_out_of_range(xml: bytes) -> bytes:
    """The first shared-string cell points past the end of the shared-string table."""
    return re.sub(rb'(<c [^>]*t="s"[^>]*><v>)\d+(</v>)', rb"\g<1>999999\g<2>", xml, count=1)


# -- a far cell -----------------------------------------------------------------------------
@pytest.mark.parametrize("ref", ["A1048576", "XFD1048576"])
def test_a_single_far_cell_is_refused_before_any_grid_is_built(
    project: Project, survey: Survey, ref: str
) -> None:
    source = project.raw / "kobo_export.xlsx"
    late = project.raw / "late.xlsx"
    late.write_bytes(source.read_bytes())
    edit_workbook(late, far_cell(ref))
    assert late.stat().st_size < 40_000

    outcome = validate_round(project)

    assert outcome.code == 1
    assert outcome.codes() == ["file-sheet-too-large"]
    issue = outcome.only("file-sheet-too-large")
    assert located(issue, "late.xlsx")
    assert f"sheet '{main_sheet(survey)}'" in issue.message
    assert "(1,048,576 rows x " in issue.message
    assert ref != "XFD1048576" or "16,384 columns" in issue.message
    assert "far from the data" in issue.message and "Delete the rows below" in issue.message
    assert "2 file(s), 4 submission(s): 1 error(s)" in outcome.text


@pytest.mark.parametrize(
    ("row", "shown"),
    [
        ('<row r="99999999"><c r="C99999999" t="inlineStr"><is><t>x</t></is></c></row>', "C99999999"),
        ('<row r="7"><c r="A99999999999" t="inlineStr"><is><t>x</t></is></c></row>', "A99999999999"),
        ('<row r="7"><c r="XFE7" t="inlineStr"><is><t>x</t></is></c></row>', "XFE7"),
    ],
    ids=["row-beyond-excel", "row-that-aborts-calamine", "column-beyond-excel"],
)
def test_a_cell_reference_beyond_excel_is_a_damaged_file(
    project: Project, tmp_path: Path, row: str, shown: str
) -> None:
    patch_part(project.raw / "kobo_export.xlsx", project.raw / "late.xlsx", MAIN_PART,
               lambda xml: add_row(xml, row))
    outcome = validate_round(project)
    assert outcome.code == 1 and outcome.codes() == ["file-corrupt"]
    issue = outcome.only("file-corrupt")
    assert located(issue, "late.xlsx") and "damaged" in issue.message and shown in issue.message


def test_a_declared_dimension_of_the_whole_sheet_is_read(project: Project) -> None:
    """Excel's <dimension> is only a claim: the cells decide (an empty styled cell at
    XFD1048576 holds nothing either)."""
    source = project.raw / "kobo_export.xlsx"
    whole = project.raw / "whole.xlsx"
    rezip(source, whole, whole_sheet_dimension)
    source.unlink()
    outcome = validate_round(project)
    assert outcome.code == 0, outcome.text
    assert "1 file(s), 4 submission(s): 0 error(s)" in outcome.text


def whole_sheet_dimension(name: str, data: bytes) -> bytes:
    if not name.startswith("xl/worksheets/"):
        return data
    data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
    return add_row(data, '<row r="1048576"><c r="XFD1048576" s="0"/></row>')


# -- damaged exports ------------------------------------------------------------------------
DAMAGED: list[tuple[str, str, Callable[[bytes], bytes | None], str]] = [
    ("missing-workbook-part", "xl/workbook.xml", lambda xml: None, "'xl/workbook.xml' is missing"),
    ("missing-sheet-part", MAIN_PART, lambda xml: None, f"part '{MAIN_PART}' is missing"),
    ("truncated-sheet-xml", MAIN_PART, lambda xml: xml[: len(xml) * 2 // 3], "XmlError"),
    ("shared-string-out-of-range", MAIN_PART, shared_index_out_of_range, "shared strings"),
]


@pytest.mark.parametrize(
    ("part", "change", "words"),
    [pytest.param(p, c, w, id=case) for case, p, c, w in DAMAGED],
)
def test_a_damaged_kobo_export_is_called_damaged(
    project: Project, part: str, change: Callable[[bytes], bytes | None], words: str
) -> None:
    patch_part(project.raw / "kobo_export.xlsx", project.raw / "late.xlsx", part, change)
    outcome = validate_round(project)
    assert outcome.code == 1
    assert outcome.codes() == ["file-corrupt"], outcome.text
    issue = outcome.only("file-corrupt")
    assert located(issue, "late.xlsx") and "damaged" in issue.message
    assert words in issue.message
    assert "not a Kobo/ODK export" not in outcome.text
    assert "2 file(s), 4 submission(s): 1 error(s)" in outcome.text


class PanicException(BaseException):
    """What pyo3 raises when the Rust code of python-calamine or fastexcel panics (it
    derives from BaseException only, so ``except Exception`` does not catch it)."""


def test_a_reader_panic_is_a_damaged_file_and_the_others_are_read(project: Project) -> None:
    real = python_calamine.CalamineWorkbook
    late = project.raw / "late.xlsx"
    late.write_bytes((project.raw / "kobo_export.xlsx").read_bytes())
    edit_workbook(late, lambda book: None)  # other bytes, the same answers
    panics_on = late.read_bytes()

    class Panicking:
        @staticmethod
        def from_filelike(stream: BinaryIO) -> object:
            if stream.getvalue() == panics_on:  # type: ignore[attr-defined]
                raise PanicException("called `Option::unwrap()` on a `None` value")
            return real.from_filelike(stream)

    def arrow_panics(data: bytes) -> object:  # the Arrow reader (fastexcel) panics first
        if data == panics_on:
            raise PanicException("index out of bounds")
        return real_arrow(data)

    real_arrow = fastexcel.read_excel
    with (
        mock.patch.object(python_calamine, "CalamineWorkbook", Panicking),
        mock.patch.object(fastexcel, "read_excel", arrow_panics),
    ):
        outcome = validate_round(project)
    assert outcome.code == 1 and outcome.codes() == ["file-corrupt"]
    issue = outcome.only("file-corrupt")
    assert located(issue, "late.xlsx") and "PanicException" in issue.message
    assert "2 file(s), 4 submission(s): 1 error(s)" in outcome.text


def test_ctrl_c_inside_the_reader_is_not_taken_for_a_damaged_file(project: Project) -> None:
    class Interrupted:
        @staticmethod
        def from_filelike(stream: BinaryIO) -> object:
            raise KeyboardInterrupt

    def arrow_interrupted(data: bytes) -> object:
        raise KeyboardInterrupt

    with (
        mock.patch.object(python_calamine, "CalamineWorkbook", Interrupted),
        mock.patch.object(fastexcel, "read_excel", arrow_interrupted),
    ):
        outcome = cli(project, "validate")
    assert outcome.code != 1 and "damaged" not in outcome.text


# -- the previous outputs --------------------------------------------------------------------
@pytest.mark.slow  # a whole run, then hostile ones
def test_hostile_workbooks_leave_the_previous_outputs_as_they_were(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipeline.analyses.make_charts", no_charts)
    first = cli(project, "run", "--run-date", "2026-11-25")
    assert first.code == 0, first.text
    outputs, processed = snapshot(project.outputs), snapshot(project.processed)
    source = project.raw / "kobo_export.xlsx"
    for ref in ("A1048576", "XFD1048576"):
        path = project.raw / f"far_{ref}.xlsx"
        path.write_bytes(source.read_bytes())
        edit_workbook(path, far_cell(ref))
    for case, part, change, _ in DAMAGED:
        patch_part(source, project.raw / f"{case}.xlsx", part, change)
    before = snapshot(project.raw)

    outcome = cli(project, "run", "--run-date", "2026-11-25")

    assert outcome.code == 1
    assert outcome.text.count("ERROR") == 2 + len(DAMAGED), outcome.text
    assert snapshot(project.raw) == before
    assert snapshot(project.outputs) == outputs and snapshot(project.processed) == processed


# -- within a fixed memory bound -------------------------------------------------------------
READ_ALL = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    from pipeline.cli import main
    sys.exit(main(["validate", "ewaste_img", "--round", "2026-R1", "--root", {root!r}]))
    """
)


def read_in_a_bounded_process(project: Project) -> subprocess.CompletedProcess[str]:
    script = READ_ALL.format(limit=MEMORY_LIMIT, root=str(project.root))
    env = {**os.environ, "COLUMNS": "400", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_AS"), reason="no address-space limit here")
def test_every_sheet_of_a_whole_sheet_dimension_is_read_within_a_memory_bound(
    project: Project,
) -> None:
    """The workbook declares A1:XFD1048576 on every sheet (17 billion cells) and holds a
    few hundred: read in a process limited to 1.5 GB of address space."""
    source = project.raw / "kobo_export.xlsx"
    rezip(source, project.raw / "whole.xlsx", whole_sheet_dimension)
    source.unlink()
    done = read_in_a_bounded_process(project)
    assert done.returncode == 0, done.stdout + done.stderr
    text = " ".join(done.stdout.split())
    assert "1 file(s), 4 submission(s): 0 error(s)" in text


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_AS"), reason="no address-space limit here")
def test_far_cells_are_refused_within_a_memory_bound_and_never_abort(project: Project) -> None:
    source = project.raw / "kobo_export.xlsx"
    for ref in ("A1048576", "XFD1048576"):
        path = project.raw / f"far_{ref}.xlsx"
        path.write_bytes(source.read_bytes())
        edit_workbook(path, far_cell(ref))
    patch_part(source, project.raw / "beyond.xlsx", MAIN_PART, lambda xml: add_row(
        xml, '<row r="7"><c r="A99999999999" t="inlineStr"><is><t>x</t></is></c></row>'))
    done = read_in_a_bounded_process(project)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])  # not -6 (SIGABRT)
    text = " ".join(done.stdout.split())
    assert "4 file(s), 4 submission(s): 3 error(s)" in text
    assert "Traceback" not in done.stderr
