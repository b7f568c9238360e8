"""A whole round folder: detection, hashing, skipped files, unsafe and unreadable files."""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.errors import Issue, IssueLog
from pipeline.exports import write_kobo_csv, write_kobo_xlsx, write_odk_csv
from pipeline.ingest import safe
from pipeline.ingest.choose import readers
from pipeline.ingest.round_reader import read_round
from pipeline.registry import Registry
from pipeline.spec import Survey
from pipeline.tables import META_COLUMNS

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>"
)

Example = tuple[pd.DataFrame, dict[str, pd.DataFrame]]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def only(log: IssueLog, code: str) -> Issue:
    found = [i for i in log.issues if i.code == code]
    assert len(found) == 1, [str(i) for i in log.issues]
    return found[0]


def test_readers_in_detection_order() -> None:
    names = [r.NAME for r in readers()]
    assert names[-3:] == ["kobo-xlsx", "odk-csv", "kobo-csv"]
    assert names[0] == "offline-questionnaire" or len(names) == 3


def test_missing_questionnaire_reader_is_tolerated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pipeline.ingest.questionnaire", None)
    log = IssueLog()
    assert [r.NAME for r in readers(log)] == ["kobo-xlsx", "odk-csv", "kobo-csv"]
    assert log.issues == []


def test_a_mixed_round_is_read_whole_and_left_untouched(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    folder = tmp_path / "2026-R1"
    first, second = main.iloc[:2], main.iloc[2:]
    projects = repeats["projects"]
    first_projects = {
        "projects": projects[projects["_submission_id"].isin(first["_submission_id"])]
    }
    second_projects = {
        "projects": projects[projects["_submission_id"].isin(second["_submission_id"])]
    }
    write_kobo_xlsx(
        first, first_projects, survey, registry, folder / "kobo" / "export.xlsx", headers="label"
    )
    write_odk_csv(second, second_projects, survey, registry, folder / "odk", "ewaste_img")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    (folder / "kobo" / "~$export.xlsx").write_bytes(b"lock")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = snapshot(folder)

    log = IssueLog()
    raw = read_round(folder, survey, registry, log)

    assert snapshot(folder) == before  # raw files are never modified
    assert not log.has_errors() and not log.warnings, [str(i) for i in log.issues]
    assert list(raw.main.columns) == [*META_COLUMNS, *(f.name for f in survey.fields())]
    assert raw.main["_reader"].tolist() == ["kobo-xlsx"] * 2 + ["odk-csv"] * 2
    assert raw.main["agency"].tolist() == main["agency"].tolist()
    assert raw.main["_submission_id"].is_unique
    assert raw.repeats["projects"]["_source_file"].tolist() == ["kobo/export.xlsx"] * 3
    files = {f.path: f for f in raw.files}
    assert sorted(files) == [
        "kobo/export.xlsx",
        "odk/ewaste_img-projects.csv",
        "odk/ewaste_img.csv",
    ]
    for rel, record in files.items():
        assert record.sha256 == hashlib.sha256(before[rel]).hexdigest()
        assert record.size == len(before[rel])
    assert (files["kobo/export.xlsx"].reader, files["kobo/export.xlsx"].rows) == ("kobo-xlsx", 2)
    assert (files["odk/ewaste_img.csv"].reader, files["odk/ewaste_img.csv"].rows) == ("odk-csv", 2)
    ignored = {i.file for i in log.issues if i.code == "file-ignored"}
    assert ignored == {".DS_Store", "kobo/~$export.xlsx", ".git"}
    readers_named = {i.file: i.message for i in log.issues if i.code == "file-reader"}
    assert "kobo-xlsx" in readers_named["kobo/export.xlsx"]


def test_missing_and_empty_folders_are_errors(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    log = IssueLog()
    raw = read_round(tmp_path / "nope", survey, registry, log)
    assert only(log, "input-missing").file.endswith("nope") and len(raw.main) == 0
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".hidden").write_text("x")
    log = IssueLog()
    raw = read_round(tmp_path / "empty", survey, registry, log)
    assert only(log, "input-empty").severity == "error"
    assert "projects" in raw.repeats and len(raw.repeats["projects"]) == 0


def test_same_submission_twice_is_an_error(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    write_kobo_csv(main, repeats, survey, registry, tmp_path / "export.csv")
    log = IssueLog()
    read_round(tmp_path, survey, registry, log)
    dupes = [i for i in log.issues if i.code == "submission-duplicate"]
    assert len(dupes) == 4 and all(i.severity == "error" for i in dupes)
    first = next(i for i in dupes if i.row == 2)
    assert first.file == "export.xlsx" and "export.csv row 2" in first.message


def test_a_file_nobody_reads_is_an_error(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    (tmp_path / "notes.txt").write_text("Call UNEP about the late answers.\n")
    book = openpyxl.Workbook()
    book.active.append(["Agency", "Comment"])
    book.active.append(["UNEP", "fine"])
    book.save(tmp_path / "budget.xlsx")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    log = IssueLog()
    raw = read_round(tmp_path, survey, registry, log)
    unknown = [i for i in log.issues if i.code == "file-unknown-format"]
    assert sorted(i.file for i in unknown) == ["budget.xlsx", "notes.txt", "scan.pdf"]
    assert all(i.severity == "error" and "ewaste_img" in i.message for i in unknown)
    assert all(f.reader == "" for f in raw.files)


# -- unsafe or disguised files ------------------------------------------------------------------
def read_one(folder: Path, name: str, data: bytes, survey: Survey, registry: Registry) -> Issue:
    (folder / name).write_bytes(data)
    log = IssueLog()
    raw = read_round(folder, survey, registry, log)
    assert [f.path for f in raw.files] == [name] and raw.files[0].reader == ""
    assert len(log.errors) == 1, [str(i) for i in log.issues]
    issue = log.errors[0]
    assert issue.file == name
    return issue


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def mark_encrypted(data: bytes) -> bytes:
    """Set the 'encrypted' bit of every local and central header (zipfile cannot write it)."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = out.find(signature)
        while start != -1:
            out[start + offset] |= 0x1
            start = out.find(signature, start + 4)
    return bytes(out)


def test_csv_named_xlsx(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    issue = read_one(tmp_path, "export.xlsx", b'"_uuid";"agency"\n"u1";"UNEP"\n', survey, registry)
    assert issue.code == "file-not-xlsx" and "rename it to .csv" in issue.message


def test_html_named_xlsx(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    issue = read_one(
        tmp_path,
        "export.xlsx",
        b"<html><body><table><tr><td>1</td></tr></table></body></html>",
        survey,
        registry,
    )
    assert issue.code == "file-not-xlsx" and "HTML" in issue.message


def test_truncated_workbook_is_corrupt(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    good = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "good.xlsx").read_bytes()
    (tmp_path / "good.xlsx").unlink()
    issue = read_one(tmp_path, "export.xlsx", good[: len(good) // 2], survey, registry)
    assert issue.code == "file-corrupt"


def test_damaged_member_is_corrupt(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    data = bytearray(
        zip_bytes(
            {
                "[Content_Types].xml": CONTENT_TYPES.encode(),
                "xl/workbook.xml": b"<workbook>" + b"x" * 5000 + b"</workbook>",
            }
        )
    )
    start = data.find(b"xl/workbook.xml") + len("xl/workbook.xml") + 2
    data[start : start + 8] = b"\xff" * 8
    issue = read_one(tmp_path, "export.xlsx", bytes(data), survey, registry)
    assert issue.code == "file-corrupt"


def test_ole_file_named_xlsx_is_encrypted_or_old(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    issue = read_one(tmp_path, "export.xlsx", safe.OLE_SIGNATURE + b"\x00" * 1024, survey, registry)
    assert issue.code == "file-encrypted"
    assert "password" in issue.message and ".xls" in issue.message


def test_old_xls_is_refused_with_advice(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    issue = read_one(tmp_path, "export.xls", safe.OLE_SIGNATURE + b"\x00" * 1024, survey, registry)
    assert issue.code == "file-xls" and ".xlsx" in issue.message


def test_encrypted_zip_member(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    data = mark_encrypted(
        zip_bytes({"[Content_Types].xml": CONTENT_TYPES.encode(), "xl/workbook.xml": b"<w/>"})
    )
    issue = read_one(tmp_path, "export.xlsx", data, survey, registry)
    assert issue.code == "file-encrypted"


def test_zip_bomb_is_refused(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    data = zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES.encode(),
            "xl/worksheets/sheet1.xml": b"\x00" * (8 * 2**20),
        }
    )
    assert len(data) < 100_000
    issue = read_one(tmp_path, "export.xlsx", data, survey, registry)
    assert issue.code == "file-zip-bomb" and "to 1" in issue.message


def test_too_many_members_is_refused(
    tmp_path: Path, survey: Survey, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safe, "MAX_MEMBERS", 10)
    members = {"[Content_Types].xml": CONTENT_TYPES.encode()} | {
        f"xl/m{i}.xml": b"<a/>" for i in range(12)
    }
    issue = read_one(tmp_path, "export.xlsx", zip_bytes(members), survey, registry)
    assert issue.code == "file-zip-bomb" and "parts" in issue.message


def test_xml_entity_bomb_in_content_types(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><Types>&lol2;</Types>'
    )
    issue = read_one(
        tmp_path, "export.xlsx", zip_bytes({"[Content_Types].xml": laughs}), survey, registry
    )
    assert issue.code == "file-not-xlsx" and "not safe" in issue.message


def test_word_document_named_xlsx(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    types = CONTENT_TYPES.replace("spreadsheetml.sheet.main", "wordprocessingml.document.main")
    issue = read_one(
        tmp_path,
        "export.xlsx",
        zip_bytes({"[Content_Types].xml": types.encode()}),
        survey,
        registry,
    )
    assert issue.code == "file-not-xlsx" and "Word" in issue.message


def test_zip_archive_asks_to_unzip(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    issue = read_one(
        tmp_path, "ewaste_img.zip", zip_bytes({"ewaste_img.csv": b"KEY\n"}), survey, registry
    )
    assert issue.code == "file-zip" and "unzip" in issue.message


def test_workbook_named_csv(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    issue = read_one(
        tmp_path,
        "export.csv",
        zip_bytes({"[Content_Types].xml": CONTENT_TYPES.encode()}),
        survey,
        registry,
    )
    assert issue.code == "file-not-csv"


def test_empty_file(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    issue = read_one(tmp_path, "export.csv", b"", survey, registry)
    assert issue.code == "file-empty"


def test_real_workbook_passes_the_safety_check(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    assert safe.sniff(path) == "zip"
    assert safe.check_file(path, "export.xlsx") is None
