"""Page layout of the Word documents: which table rows keep with the next (Word's "Keep
with next", how a table stays on one page), which rows may break, no empty line left to
spill onto a page of its own; and the near-empty page check of tests/report_reading.py
catching what it should on PDFs drawn for the purpose.

The same checks over every survey's demo reports are in tests/test_every_survey.py (the
PDF one through LibreOffice, skipped without it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import matplotlib
import pandas as pd
import pytest
from docx.oxml.ns import qn
from report_reading import long_tables_kept_whole, near_empty_pages, row_keeps

from pipeline.report.document import KEEP_SHARE, ReportDocument
from pipeline.report.table_xml import HEAD_ROWS, TAIL_ROWS, keep_with_next

matplotlib.use("Agg")
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure


def _frame(n: int, text: str = "row") -> pd.DataFrame:
    return pd.DataFrame({"Item": [f"{text} {i}" for i in range(n)], "Count": range(n)})


def _write(tmp_path: Path, doc: ReportDocument) -> Path:
    return doc.save(tmp_path / "layout.docx")


# -- which rows keep with the next -------------------------------------------------------------
def test_keep_with_next_holds_a_short_table_whole_and_a_long_one_by_its_ends() -> None:
    assert keep_with_next(4, together=True, note=False) == [True, True, True, True, False]
    assert keep_with_next(4, together=True, note=True) == [True] * 5  # the note stays under it
    long = keep_with_next(30, together=False, note=False)
    assert long[:HEAD_ROWS] == [True] * HEAD_ROWS and not long[HEAD_ROWS]
    assert long[-TAIL_ROWS:] == [True] * (TAIL_ROWS - 1) + [False]
    assert sum(long) == HEAD_ROWS + TAIL_ROWS - 1
    # too short to break anywhere sensible: held whole
    assert all(keep_with_next(HEAD_ROWS + TAIL_ROWS, together=False, note=False)[:-1])


def test_a_table_taller_than_the_page_share_is_not_chained_to_one_page(tmp_path: Path) -> None:
    doc = ReportDocument()
    doc.heading("Matrix")
    doc.paragraph("How each entity covers each requirement.")
    doc.table(_frame(8), "Short, asked to stay whole", keep_together=True)
    doc.table(_frame(60), "Long, asked to stay whole", keep_together=True, note="A note.")
    doc.table(_frame(60), "Long, left to break")
    path = _write(tmp_path, doc)
    short, long_asked, long_free = row_keeps(path)
    assert all(short[:-1]) and not short[-1]
    for rows in (long_asked, long_free):
        assert rows[: HEAD_ROWS] == [True] * HEAD_ROWS  # header + first rows together
        assert not any(rows[HEAD_ROWS:-TAIL_ROWS])  # free to break in between
        assert all(rows[-TAIL_ROWS:-1])  # the last rows together
    assert long_asked[-1] and not long_free[-1]  # the last row keeps with its note
    assert long_tables_kept_whole(path) == []
    # the check itself catches a chained long table
    table = docx.Document(str(path)).tables[1]
    assert len(table.rows) * 14 > KEEP_SHARE * 770  # taller than the share, at 14 pt a row
    for tr in table._tbl.iter(qn("w:tr")):
        for p in tr.iter(qn("w:p")):
            p.get_or_add_pPr().keepNext_val = True
    table.part.document.save(str(tmp_path / "chained.docx"))
    assert long_tables_kept_whole(tmp_path / "chained.docx") == [(1, 60)]


def test_rows_do_not_break_unless_one_is_taller_than_a_third_of_the_page(tmp_path: Path) -> None:
    doc = ReportDocument()
    frame = pd.DataFrame({"Entity": ["UNEP", "FAO"], "Comment": ["Short answer.", "word " * 900]})
    doc.table(frame, "Comments")
    rows = docx.Document(str(_write(tmp_path, doc))).tables[0]._tbl.findall(qn("w:tr"))
    cant_split = [tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for tr in rows]
    assert cant_split == [True, True, False]
    assert rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None


def _body(path: Path) -> list:  # type: ignore[type-arg]
    return [c for c in docx.Document(str(path)).element.body if c.tag != qn("w:sectPr")]


def test_no_empty_line_after_a_table_can_spill_onto_a_page_of_its_own(tmp_path: Path) -> None:
    doc = ReportDocument()
    doc.heading("Annex A. Scores")
    doc.table(_frame(20), "Scores")
    doc.heading("Annex B. Log")  # a new page: the empty line under the table goes
    with doc.landscape():
        doc.table(_frame(20), "Wide")  # the section break after it: a hairline
    doc.paragraph("Back on portrait.")
    body = _body(_write(tmp_path, doc))
    tags = [c.tag.split("}")[1] for c in body]
    assert tags[:4] == ["p", "p", "tbl", "p"]
    heading = docx.text.paragraph.Paragraph(body[3], None)
    assert heading.text == "Annex B. Log" and heading.paragraph_format.page_break_before
    for k, child in enumerate(body):
        section_break = child.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
        if section_break is None or child.find(qn("w:r")) is not None:
            continue
        assert body[k - 1].tag == qn("w:tbl")
        size = child.find(f"{qn('w:pPr')}/{qn('w:rPr')}/{qn('w:sz')}")
        assert size is not None and size.get(qn("w:val")) == "2"
        spacing = child.find(f"{qn('w:pPr')}/{qn('w:spacing')}")
        assert spacing.get(qn("w:after")) == "0" and spacing.get(qn("w:before")) == "0"
        break
    else:
        pytest.fail("no section break after the landscape table")


# -- the near-empty page check, on PDFs drawn for it ----------------------------------------
A4 = (8.27, 11.69)
BLUE, WHITE, BLACK, GREY = "#1f4e79", "#ffffff", "#000000", "#595959"


def _page(pdf: PdfPages, lines: list[tuple[float, str, float, str]], number: int, total: int,
          landscape: bool = False) -> None:  # fmt: skip
    """A page with text lines ``(height from the top as a share, text, size, colour)``,
    and the footer every page has."""
    paper = A4[::-1] if landscape else A4
    fig = Figure(figsize=paper)
    for y, text, size, colour in lines:
        fig.text(0.1, 1 - y, text, fontsize=size, color=colour, va="top",
                 fontweight="bold" if colour != BLACK else "normal")  # fmt: skip
    fig.text(0.4, 0.5 / paper[1], f"Page {number} of {total}", fontsize=8, color=GREY)  # 1/2 in up
    pdf.savefig(fig)


def _full(top: float = 0.08) -> list[tuple[float, str, float, str]]:
    return [(top + k * 0.02, f"A line of body text, number {k}.", 10, BLACK) for k in range(40)]


def _pdf(path: Path, pages: list[tuple[list[tuple[float, str, float, str]], bool]]) -> Path:
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(path) as pdf:  # sizes as set
        for k, (lines, landscape) in enumerate(pages, start=1):
            _page(pdf, lines, k, len(pages), landscape)
    return path


needs_poppler = pytest.mark.skipif(shutil.which("pdftohtml") is None, reason="poppler's pdftohtml not installed")


@needs_poppler
def test_the_page_check_finds_short_pages_tails_and_stranded_headings(tmp_path: Path) -> None:
    title = [(0.3, "The report", 26, BLUE)]
    table_tail = [(0.08, "Agency", 9, WHITE), (0.1, "WFP", 9, BLACK), (0.12, "WTO", 9, BLACK),
                  (0.14, "Source: the survey.", 8, GREY)]  # fmt: skip
    stranded = [*_full()[:36], (0.85, "Annex C. Data-quality log", 16, BLUE)]
    chapter = [(0.08, "Gaps", 16, BLUE), *_full(0.11)]
    pdf = _pdf(tmp_path / "report.pdf", [
        (title, False),                                                      # 1 title page
        (_full(), False),                                                    # 2
        ([(0.08, "Comparison", 16, BLUE), (0.11, "Three lines.", 10, BLACK)], True),  # 3 pushed
        (_full(), True),                                                     # 4
        ([(0.08, "The end of a chapter.", 10, BLACK)], False),              # 5 before a chapter
        (chapter, False),                                                    # 6
        (table_tail, False),                                                 # 7 a table's tail
        (chapter, False),                                                    # 8
        (stranded, False),                                                   # 9 heading at foot
        (_full(), False),                                                    # 10
        ([], False),                                                         # 11 blank
        (_full(), False),                                                    # 12
        ([(0.08, "Last words.", 10, BLACK)], False),                         # 13 last page
    ])  # fmt: skip
    found = {e.page: e.reason for e in near_empty_pages(pdf)}
    assert sorted(found) == [3, 7, 9, 11], found
    assert "fills" in found[3] and "table's last 2 row(s)" in found[7]
    assert "heading alone" in found[9] and "blank" in found[11]


@needs_poppler
def test_the_page_check_passes_full_pages_and_a_short_page_before_the_paper_turns(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "fine.pdf", [
        ([(0.3, "The report", 26, BLUE)], False),
        ([(0.08, "A short page ending before a landscape annex.", 10, BLACK)], False),
        (_full(), True),
        (_full(), False),
    ])  # fmt: skip
    assert near_empty_pages(pdf) == []


def test_a_group_s_name_row_keeps_with_the_row_under_it(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Requirement": ["Principles", *[f"p{i}" for i in range(20)], "Procedures",
                                          *[f"q{i}" for i in range(20)]]})  # fmt: skip
    doc = ReportDocument()
    doc.table(frame, "Grouped", group_rows=[0, 21], keep_together=False)
    keeps = row_keeps(_write(tmp_path, doc))[0]
    assert keeps[1] and keeps[22]  # body rows 0 and 21 (after the header row)
    assert not keeps[21] and not keeps[23]
