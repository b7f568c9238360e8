"""Reviewers' comments into a comment/response table (`emg-pipeline comments`)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest
from word_review import write_word_review

from pipeline.cli import main
from pipeline.comments.read import ReviewedCopyError, read_reviewed_copy

FIXTURES = Path(__file__).parent / "fixtures"
LIBREOFFICE_COPY = FIXTURES / "reviewed_libreoffice.docx"  # the Word copy, saved by LibreOffice 7.4
SURVEY, ROUND = "ewaste_img", "2026-R1"
PEOPLE = ("Jane Doe", "Kwame Mensah", "jdoe@unitar.org", "Ines Garcia")


@pytest.fixture
def word_copy(tmp_path: Path) -> Path:
    return write_word_review(tmp_path / "draft report - reviewed.docx")


def _by_kind(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        out.setdefault(row["kind"], []).append(row)
    return out


def test_word_copy_gives_comments_replies_and_suggested_changes(word_copy: Path) -> None:
    rows = _by_kind(read_reviewed_copy(word_copy))

    first, point = rows["comment"]
    assert first["section"] == "Executive summary"
    assert first["quoted"] == (  # a range over two paragraphs, across proofing marks
        "Three of the seven life-cycle stages have no agency at the major level. "
        "Collection is the weakest stage."
    )
    assert first["text"] == "Name the three stages here."
    (reply,) = rows["reply"]
    assert reply["reply_to"] == first["comment_id"] and reply["author"] == "Kwame Mensah"
    assert point["section"] == "Gaps"  # under the second heading, on a point of a paragraph
    assert point["quoted"] == "No agency reports work on final disposal."
    (replacement,) = rows["replacement"]  # two w:del and two w:ins runs make one suggestion
    assert replacement["text"] == "Replace “very weakly” with “only in two regions”"
    assert replacement["quoted"] == "The system covers repair very weakly."  # the draft's words
    (insertion,) = rows["insertion"]
    assert insertion["text"] == "Insert “UNITAR has started a study.”"


def test_libreoffice_copy_reads_as_the_same_comments(word_copy: Path) -> None:
    word = read_reviewed_copy(word_copy)
    libre = read_reviewed_copy(LIBREOFFICE_COPY)
    assert [r["comment_id"] for r in libre] == [r["comment_id"] for r in word]
    assert {r["comment_id"]: (r["section"], r["quoted"], r["text"]) for r in libre} == {
        r["comment_id"]: (r["section"], r["quoted"], r["text"]) for r in word
    }
    # LibreOffice 7.4 does not write commentsExtended.xml: the reply is a plain comment there
    assert [r["kind"] for r in libre].count("reply") == 0


def _python_docx_copy(path: Path) -> Path:
    """A third reviewer's copy, with one comment added in Word's layout by python-docx."""
    document = docx.Document()
    document.add_heading("Links among agencies", 1)
    paragraph = document.add_paragraph("Twelve pairs of agencies name each other as partners.")
    document.add_comment(paragraph.runs, text="ITU and UNEP work together on this.", author="Ines Garcia (ITU)", initials="IG")
    document.save(str(path))
    return path


def _table(root: Path) -> pd.DataFrame:
    path = root / "outputs" / SURVEY / f"{ROUND}-comments" / "comments.xlsx"
    return pd.read_excel(path, sheet_name="Comments", dtype="string", engine="calamine")


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _answer(root: Path, comment_id: str, response: str) -> None:
    """The analyst writes a response in comments.xlsx and saves it."""
    path = root / "outputs" / SURVEY / f"{ROUND}-comments" / "comments.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Comments"]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[headers.index("ID")].value == comment_id:
            row[headers.index("Response")].value = response
    wb.save(path)


def test_comments_table_keeps_responses_when_more_copies_arrive(
    tmp_path: Path, word_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = ["--root", str(tmp_path)]
    assert main(["comments", SURVEY, "--round", ROUND, str(word_copy), *root]) == 0
    table = _table(tmp_path)
    assert len(table) == 5
    by_text = table.set_index("Comment or suggested text")
    assert by_text.loc["Name the three stages here.", "Reviewer"] == "UNEP"  # "Jane Doe (UNEP)"
    assert by_text.loc["Please check with the BRS Secretariat.", "Reviewer"] == "UNITAR"  # by e-mail
    assert by_text.loc["Agreed; the table in chapter 4 lists them.", "Reviewer"] == "Kwame Mensah"
    assert table["Response"].isna().all() and table["Action"].isna().all()
    first = str(table.loc[0, "ID"])
    _answer(tmp_path, first, "Done: the three stages are named in the summary.")
    capsys.readouterr()

    third = _python_docx_copy(tmp_path / "report_ITU.docx")
    args = ["comments", SURVEY, "--round", ROUND, str(LIBREOFFICE_COPY), str(third), *root]
    assert main(args) == 0

    said = " ".join(capsys.readouterr().out.split())  # as printed, without the console's wrapping
    assert "1 new from 2 reviewed copies; 1 response(s) already written kept" in said
    table = _table(tmp_path)
    assert len(table) == 6  # the LibreOffice copy carries the same five comments
    assert table["No."].tolist() == [str(n) for n in range(1, 7)]
    assert table.loc[0, "Response"] == "Done: the three stages are named in the summary."
    assert table.loc[5, "Reviewer"] == "ITU"
    assert table.loc[5, "Section"] == "Links among agencies"
    folder = tmp_path / "outputs" / SURVEY / f"{ROUND}-comments"
    document = _docx_text(folder / "comments.docx")
    assert "Done: the three stages are named in the summary." in document
    workbook = table.to_csv()
    for person in PEOPLE[:1] + PEOPLE[2:]:  # reviewers whose entity is known are not named
        assert person not in workbook and person not in document


def _collected(tmp_path: Path, copy: Path) -> tuple[list[str], Path]:
    """A first collection of ``copy``'s comments; the --root arguments and the folder."""
    root = ["--root", str(tmp_path)]
    assert main(["comments", SURVEY, "--round", ROUND, str(copy), *root]) == 0
    return root, tmp_path / "outputs" / SURVEY / f"{ROUND}-comments"


def test_a_copy_that_cannot_be_read_changes_nothing(
    tmp_path: Path, word_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, folder = _collected(tmp_path, word_copy)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    not_docx = tmp_path / "notes.docx"
    not_docx.write_text("entity,comment\nUNEP,fine\n", encoding="utf-8")
    bomb = tmp_path / "bomb.docx"  # the same copy with an entity declaration in a part
    with zipfile.ZipFile(word_copy) as source, zipfile.ZipFile(bomb, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/comments.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
            archive.writestr(name, data)
    capsys.readouterr()

    assert main(["comments", SURVEY, "--round", ROUND, str(not_docx), str(bomb), *root]) == 1

    err = " ".join(capsys.readouterr().err.split())
    assert "notes.docx" in err and "not a .docx file" in err
    assert "bomb.docx" in err and "document type" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_the_table_open_in_excel_is_left_alone(
    tmp_path: Path, word_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, folder = _collected(tmp_path, word_copy)
    (folder / "~$comments.xlsx").write_bytes(b"\x00owner")
    table = (folder / "comments.xlsx").read_bytes()

    assert main(["comments", SURVEY, "--round", ROUND, str(LIBREOFFICE_COPY), *root]) == 1
    assert "open in Excel" in capsys.readouterr().err
    assert (folder / "comments.xlsx").read_bytes() == table


def test_a_zip_that_is_not_a_word_document_is_named(tmp_path: Path) -> None:
    path = tmp_path / "sheet.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ReviewedCopyError, match="not a Word document"):
        read_reviewed_copy(path)
