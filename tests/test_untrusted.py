"""Untrusted content: XML entity bombs and zip bombs are refused before any parser
expands them, in bounded time and memory; survey and round ids, file names and answers
can never make the pipeline write outside its output folders."""

from __future__ import annotations

import os
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from catalogue import (
    Example,
    Outcome,
    Project,
    cli,
    located,
    new_project,
    questionnaire,
    snapshot,
    validate_round,
)

from pipeline.cli import main
from pipeline.errors import UsageError
from pipeline.exports import write_kobo_xlsx
from pipeline.ingest import safe
from pipeline.paths import Layout
from pipeline.registry import Registry
from pipeline.rounds import open_survey
from pipeline.run import run_round
from pipeline.spec import Survey

MAX_PYTHON_MB = 64
MAX_INFLATED = 16 * 2**20  # bytes read out of a bomb's members before it is refused
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROWS = [
    ["_uuid", "_submission_time", "identification/agency", "identification/focal_name"],
    ["u1", "2026-03-01T10:00:00", "UNEP", "Ana"],
]


def laughs(root: str, levels: int = 9) -> bytes:
    """A 'billion laughs' document type declaration: &lol9; expands to 10^9 'lol'."""
    entities = "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    return f'<!DOCTYPE {root} [<!ENTITY lol0 "lol">{entities}]>'.encode()


def column(i: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]


def workbook(path: Path, rows: list[list[str]], bomb_in: str | None = None) -> Path:
    """A minimal .xlsx with shared strings, written by hand, with a billion-laughs
    declaration in ``xl/sharedStrings.xml`` or ``xl/worksheets/sheet1.xml`` when asked."""
    strings = [v for row in rows for v in row]
    cells = iter(range(len(strings)))
    body = "".join(
        f'<row r="{r + 1}">'
        + "".join(f'<c r="{column(c)}{r + 1}" t="s"><v>{next(cells)}</v></c>' for c in range(len(row)))
        + "</row>"
        for r, row in enumerate(rows)
    )
    sheet = f"<worksheet {NS}><sheetData>{body}</sheetData></worksheet>".encode()
    shared = (
        f'<sst {NS} count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{s}</t></si>" for s in strings)
        + "</sst>"
    ).encode()
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>'
    if bomb_in == "xl/sharedStrings.xml":
        shared = laughs("sst") + shared.replace(b"<si><t>", b"<si><t>&lol9;", 1)
    if bomb_in == "xl/worksheets/sheet1.xml":
        sheet = laughs("worksheet") + sheet.replace(b"</sheetData>", b'<row r="9"><c r="A9" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>')
    parts = {
        "[Content_Types].xml": TYPES.encode(),
        "_rels/.rels": (
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook {NS} xmlns:r="{REL}"><sheets><sheet name="data" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>"
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/worksheets/sheet1.xml": declaration + sheet,
        "xl/sharedStrings.xml": declaration + shared,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def bounded(project: Project) -> tuple[Outcome, float, int]:
    """Validate the round; return the outcome, peak Python memory (MB) and the bytes read
    out of zip members (what refusing a bomb early must keep small)."""
    inflated = [0]
    original = zipfile.ZipExtFile.read

    def counting(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        data = original(self, n)
        inflated[0] += len(data)
        return data

    tracemalloc.start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(zipfile.ZipExtFile, "read", counting)
            outcome = validate_round(project)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return outcome, peak / 2**20, inflated[0]


# -- XML and zip bombs -----------------------------------------------------------------------
def test_a_hand_made_workbook_is_read(tmp_path: Path) -> None:
    """The builder makes a workbook the readers take (so the bombs below are realistic)."""
    project = new_project(tmp_path)
    workbook(project.raw / "export.xlsx", ROWS)
    outcome = validate_round(project)
    assert "kobo-xlsx" in outcome.only("file-reader").message
    questions = len(open_survey(project.layout, "ewaste_img")[0].fields())
    message = outcome.only("file-wrong-survey").message
    assert f"2 of the {questions} questions" in message  # cells parsed


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_an_xml_entity_bomb_is_refused_quickly(tmp_path: Path, part: str) -> None:
    project = new_project(tmp_path)
    workbook(project.raw / "export.xlsx", ROWS, bomb_in=part)
    outcome, peak_mb, inflated = bounded(project)
    assert outcome.code == 1
    issue = outcome.only("file-xml-entities")
    assert located(issue, "export.xlsx") and f"'{part}'" in issue.message
    assert "refused as unsafe" in issue.message and outcome.codes() == ["file-xml-entities"]
    assert peak_mb < MAX_PYTHON_MB and inflated < MAX_INFLATED


def test_a_zip_bomb_is_refused_by_its_headers(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    with zipfile.ZipFile(project.raw / "export.xlsx", "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", TYPES)
        book.writestr("xl/worksheets/sheet1.xml", bytes(64 * 2**20))  # 64 MB of zeros
    assert (project.raw / "export.xlsx").stat().st_size < 200_000
    outcome, peak_mb, inflated = bounded(project)
    issue = outcome.only("file-zip-bomb")
    assert outcome.code == 1 and "to 1" in issue.message
    assert peak_mb < MAX_PYTHON_MB and inflated < MAX_INFLATED


def understate_sizes(path: Path, size: int) -> None:
    """Make every header of a zip claim that its member unpacks to ``size`` bytes."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        while start != -1:
            data[start + offset : start + offset + 4] = struct.pack("<I", size)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))


def test_a_zip_bomb_with_lying_headers_is_refused(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    path = project.raw / "export.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", TYPES)
        book.writestr("xl/worksheets/sheet1.xml", bytes(64 * 2**20))
    understate_sizes(path, 1000)
    outcome, peak_mb, inflated = bounded(project)
    assert outcome.code == 1
    assert outcome.codes() in (["file-zip-bomb"], ["file-corrupt"]), outcome.text
    assert peak_mb < MAX_PYTHON_MB and inflated < MAX_INFLATED


def test_a_workbook_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safe, "MAX_UNCOMPRESSED_BYTES", 2**20)
    project = new_project(tmp_path)
    with zipfile.ZipFile(project.raw / "export.xlsx", "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", TYPES)
        book.writestr("xl/media/photo.bin", os.urandom(2 * 2**20))  # does not compress
    outcome = validate_round(project)
    issue = outcome.only("file-zip-bomb")
    assert "unpacks to 2 MB (limit 1 MB)" in issue.message


# -- paths -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("survey_id", "round_id"),
    [
        ("ewaste_img", "../../evil"),
        ("ewaste_img", ".."),
        ("ewaste_img", ".hidden"),
        ("ewaste_img", "2026/R1"),
        ("ewaste_img", "/tmp/evil"),
        ("../surveys/ewaste_img", "2026-R1"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_ids_that_leave_their_folder_are_refused(
    tmp_path: Path, survey_id: str, round_id: str, command: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    evil = tmp_path / "data" / "evil"
    evil.mkdir(parents=True)
    (evil / "precious.csv").write_text("do not touch\n")
    before = snapshot(tmp_path)
    code = main([command, survey_id, "--round", round_id, "--root", str(tmp_path), "--quiet"])
    assert code == 2
    assert "not a plain folder name" in capsys.readouterr().err
    assert snapshot(tmp_path) == before and not (tmp_path / "outputs").exists()


def test_the_run_api_refuses_them_too(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a plain folder name"):
        run_round(Layout(tmp_path), "ewaste_img", "../../evil")


@pytest.mark.slow
def test_names_and_answers_that_look_like_paths_stay_inside_the_outputs(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    """File names, sheet names and answers are never used to build an output path."""
    project = new_project(tmp_path)
    main_, repeats = example[0].copy(), {k: v.copy() for k, v in example[1].items()}
    repeats["projects"].loc[0, "project_title"] = "../../evil"
    main_.loc[0, "strengths"] = "/etc/passwd"
    evil_dir = project.raw / "from ..\\..\\evil"
    evil_dir.mkdir()
    write_kobo_xlsx(main_.iloc[:3], repeats, survey, registry, evil_dir / "..\\..\\evil.xlsx")
    questionnaire(survey, registry, (main_, repeats), 3, project.raw / "ESCAP ..%2F..%2Fevil.xlsx")
    before = snapshot(project.raw)

    outcome = cli(project, "run", "--run-date", "2026-11-25")

    assert outcome.code == 0, outcome.text
    assert snapshot(project.raw) == before
    inside = (project.raw, project.outputs, project.processed)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert any(path.is_relative_to(folder) for folder in inside), path
            if not path.is_relative_to(project.raw):
                assert "evil" not in path.name and "passwd" not in path.name
