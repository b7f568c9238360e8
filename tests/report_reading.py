"""Reading a written report the way a reviewer does, for the checks a program can make:
raw identifiers in text meant for people, sentences said over and over, the table of
contents against the headings, figures against the workbook, tables cut short, and the
pages as printed: near-empty pages in the PDF, long tables chained to one page.

Pure helpers over a .docx (python-docx) and the survey definition, and over a PDF
(poppler's pdftohtml); the tests that use them are in tests/test_every_survey.py (every
survey's demo reports), tests/test_report_reading.py and tests/test_page_layout.py (each
check catching what it should).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from pipeline.registry import Registry
from pipeline.report.document import element_text
from pipeline.spec import Survey

# Sections whose text quotes what the inputs hold (file names, column headers as the
# export wrote them): a raw identifier there points the analyst to the cell.
QUOTING_SECTIONS = ("Data-quality log", "Data sources")
FILE_NAME = re.compile(r"[\w.-]+\.(?:xlsx|xls|csv|docx|json|zip|yaml)\b", re.IGNORECASE)
SNAKE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-])")
ARROW = re.compile(r"\b\w+\s*->\s*\w+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@dataclass(frozen=True)
class Block:
    """One paragraph or table cell of the body, with its style and the Heading 1 above."""

    text: str
    style: str
    section: str
    in_table: bool
    table: int = -1  # the table's position in the body, for cells


def _text(p) -> str:  # type: ignore[no-untyped-def]
    return element_text(p)


def blocks(path: Path) -> list[Block]:
    """Every paragraph and table cell of the body in reading order."""
    doc = Document(str(path))
    style_names = {s.style_id: s.name for s in doc.styles}
    out: list[Block] = []
    section = ""
    n_table = -1

    def style_of(p) -> str:  # type: ignore[no-untyped-def]
        found = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        return style_names.get(found.get(qn("w:val")), "") if found is not None else ""

    for child in doc.element.body:
        if child.tag == qn("w:p"):
            style = style_of(child)
            text = _text(child)
            if style == "Heading 1":
                section = text
            out.append(Block(text, style, section, False))
        elif child.tag == qn("w:tbl"):
            n_table += 1
            for tc in child.iter(qn("w:tc")):
                text = "\n".join(_text(p) for p in tc.iter(qn("w:p")))
                out.append(Block(text, "cell", section, True, n_table))
    return out


def tables(path: Path) -> list[list[list[str]]]:
    """Every table of the body as rows of cell texts."""
    doc = Document(str(path))
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


# -- (a) raw identifiers -------------------------------------------------------------------
def looks_like_identifier(token: str) -> bool:
    """A name a person would not write: snake_case, or letters and digits run together
    (``t2_4``, ``q12``)."""
    return "_" in token or bool(re.search(r"[A-Za-z]\d|\d[A-Za-z]", token))


def survey_identifiers(survey: Survey, registry: Registry | None = None) -> set[str]:
    """The machine names of the survey definition a report must never show: question,
    section, field, choice list, choice, dimension set and item ids that look like
    identifiers, and the registry's entity ids that are not their acronym (``UNHABITAT``
    for UN-Habitat)."""
    names: set[str] = set()
    for section in survey.model.sections:
        names.add(section.id)
        names.update(q.id for q in section.questions)
        if section.repeat:
            names.update(f.name for f in survey.fields(section.id))
    names.update(f.name for f in survey.fields())
    for list_name, choices in survey.model.choices.items():
        names.add(list_name)
        names.update(c.name for c in choices)
    for set_name, dim_set in survey.model.dimension_sets.items():
        names.add(set_name)
        names.update(i.id for i in dim_set.items)
    out = {n for n in names if looks_like_identifier(n)}
    if registry is not None:
        out |= {e for e, a in registry.acronyms().items() if e != a and e.replace("-", "") != a}
    return out


def raw_identifiers(items: Iterable[Block], forbidden: set[str]) -> list[tuple[str, str]]:
    """``(identifier, text)`` for each survey identifier, snake_case token or ``a -> b``
    arrow in text meant for people (file names and the sections quoting the inputs left
    out)."""
    hits: list[tuple[str, str]] = []
    words = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(f) for f in sorted(forbidden, key=len, reverse=True)) + r")(?![\w-])"
    ) if forbidden else None  # fmt: skip
    for item in items:
        if any(item.section.endswith(s) for s in QUOTING_SECTIONS) or not item.text.strip():
            continue
        text = FILE_NAME.sub(" ", item.text)
        found = set(SNAKE.findall(text)) | set(ARROW.findall(text))
        if words is not None:
            found |= set(words.findall(text))
        hits += [(token, item.text[:160]) for token in sorted(found)]
    return hits


# -- (b) repeated sentences -----------------------------------------------------------------
def sentences(items: Iterable[Block]) -> Iterator[str]:
    """The sentences of the paragraphs (not table cells): four words or more ending with
    a full stop, question or exclamation mark (a "label: value" line is not one)."""
    for item in items:
        if item.in_table or item.style.lower().startswith("toc"):
            continue
        for sentence in SENTENCE_END.split(" ".join(item.text.split())):
            if len(sentence.split()) >= 4 and sentence.endswith((".", "!", "?")):
                yield sentence


def repeated_sentences(items: Iterable[Block], most: int = 2) -> dict[str, int]:
    """Sentences said more than ``most`` times, with their count."""
    counts = Counter(sentences(items))
    return {s: n for s, n in counts.most_common() if n > most}


# -- (c) the table of contents --------------------------------------------------------------
def toc_and_headings(path: Path, levels: tuple[int, ...] = (1, 2)) -> tuple[list[str], list[str]]:
    """The entries of the filled table of contents (page numbers stripped) and the
    headings of the levels it lists, both in order."""
    items = blocks(path)
    toc = [i.text.rsplit("\t", 1)[0].strip() for i in items if re.fullmatch(r"toc \d", i.style.lower())]
    heads = [i.text.strip() for i in items if i.style in {f"Heading {n}" for n in levels} and i.text.strip()]
    return toc, heads


# -- (e) tables cut short -------------------------------------------------------------------
CAPPED = re.compile(r"[Tt]he first (\d+) of (\d+) ([^;.]+?) are shown")


def capped_notes(items: list[Block]) -> list[tuple[int, int, str, str]]:
    """``(shown, total, what, note)`` for each note saying a table was cut."""
    return [
        (int(m.group(1)), int(m.group(2)), m.group(3), item.text)
        for item in items
        if not item.in_table
        for m in CAPPED.finditer(item.text)
    ]


def table_after(items: list[Block], note: str) -> int | None:
    """The position of the table just before the paragraph ``note`` (its note)."""
    last = None
    for item in items:
        if item.in_table:
            last = item.table
        elif item.text == note:
            return last
    return None


# -- (a) names wrapped inside ---------------------------------------------------------------
def breakable_names(path: Path) -> list[str]:
    """Hyphenated acronym names ("UN-Habitat") whose hyphen a line may break at: written
    with a plain hyphen in the document's text rather than Word's non-breaking one."""
    from pipeline.report.document import HYPHENATED_NAME

    doc = Document(str(path))
    return [m.group(0) for t in doc.element.body.iter(qn("w:t")) for m in HYPHENATED_NAME.finditer(t.text or "")]


# -- a table printed twice ------------------------------------------------------------------
def repeated_tables(path: Path) -> list[tuple[int, int]]:
    """``(earlier, later)`` positions of tables showing the same figures: every column of
    the later but at most one (three at least) is a column of the earlier, over two rows
    or more, whatever the headers say."""
    found = []
    shown = tables(path)
    columns = [frozenset(zip(*t[1:], strict=True)) if len(t) > 2 else frozenset() for t in shown]
    for later, cols in enumerate(columns):
        if len(cols) < 3:
            continue
        for earlier in range(later):
            if len(cols & columns[earlier]) >= max(3, len(cols) - 1):
                found.append((earlier, later))
                break
    return found


WORKBOOK_MENTION = re.compile(r"results\.xlsx|\bworkbook\b", re.IGNORECASE)
SHEET_NAMED = re.compile(r"\bsheets? '?[A-Z]|\bthe [A-Z][\w -]* sheet\b|manifest\.json")


def unnamed_workbook_references(items: Iterable[Block]) -> list[str]:
    """Sentences sending the reader to the workbook without naming the sheet ("the full
    list is in the workbook", "(all in results.xlsx)")."""
    out = []
    for item in items:
        if item.in_table:
            continue
        for sentence in SENTENCE_END.split(" ".join(item.text.split())):
            if WORKBOOK_MENTION.search(sentence) and not SHEET_NAMED.search(sentence):
                out.append(sentence)
    return out


# -- near-empty pages (a PDF as LibreOffice printed it) -------------------------------------
HEADING_COLOURS = {"#1f4e79", "#2e75b6"}  # the house blues (template.py): headings, captions
HEADER_CELL = "#ffffff"  # a table's header row: white on blue
NOTE_COLOUR = "#595959"  # the grey of a table's note
LEAST_FILL = 0.2  # a page whose text reaches down less than a fifth of its text area
FEWEST_TAIL_ROWS = 2  # a table's last rows alone on a page: that many rows or fewer


@dataclass(frozen=True)
class PdfText:
    """One piece of text on a PDF page (pdftohtml's ``text``), in points from the top."""

    top: float
    bottom: float
    left: float
    size: int
    colour: str
    bold: bool
    text: str

    @property
    def heading(self) -> bool:
        """A heading (Heading 1-3, the contents' title): the house blue, 11 pt or larger."""
        return self.colour in HEADING_COLOURS and self.size >= 11

    @property
    def caption(self) -> bool:
        """A table caption ("Table 4. ..."): the house blue, caption size."""
        return self.colour in HEADING_COLOURS and self.size < 11 and self.text.startswith("Table")

    @property
    def header_cell(self) -> bool:
        return self.colour == HEADER_CELL


@dataclass(frozen=True)
class PdfPage:
    """A page: its number (from 1), size and the texts of its body (footer and header left
    out), top to bottom."""

    number: int
    width: float
    height: float
    texts: tuple[PdfText, ...]

    @property
    def landscape(self) -> bool:
        return self.width > self.height


def pdf_pages(pdf: Path) -> list[PdfPage]:
    """Every page of ``pdf`` with its body texts, read by poppler's ``pdftohtml -xml``
    (sizes in points). The page furniture (a line found at the same height, digits aside,
    on most pages, in the top or bottom eighth of the page: the draft footer, "Page X of Y")
    is left out."""
    import subprocess
    import xml.etree.ElementTree as ET

    xml = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-stdout", "-q", "-zoom", "1", str(pdf)],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xml))
    fonts: dict[str, tuple[int, str]] = {}
    raw: list[tuple[int, float, float, list[PdfText]]] = []
    for page in root.iter("page"):
        for spec in page.iter("fontspec"):
            fonts[spec.get("id", "")] = (int(float(spec.get("size", "0"))), spec.get("color", "").lower())
        texts = []
        for t in page.iter("text"):
            words = "".join(t.itertext()).strip()
            if not words:
                continue
            size, colour = fonts.get(t.get("font", ""), (0, ""))
            top = float(t.get("top", "0"))
            bold = t.find(".//b") is not None
            height = float(t.get("height", "0"))
            texts.append(PdfText(top, top + height, float(t.get("left", "0")), size, colour, bold, words))
        raw.append((int(page.get("number", "0")), float(page.get("width", "0")), float(page.get("height", "0")), texts))

    def place(t: PdfText, height: float) -> tuple[str, int] | None:
        """Where a line of page furniture would be: its text (digits aside) and its
        distance from the top, or from the foot (the same on portrait and landscape)."""
        if t.top < height / 8:
            return re.sub(r"\d+", "#", t.text), round(t.top)
        if t.top > height * 7 / 8:
            return re.sub(r"\d+", "#", t.text), -round(height - t.top)
        return None

    seen: Counter[tuple[str, int]] = Counter()
    for _, _, height, texts in raw:
        seen.update({key for t in texts if (key := place(t, height)) is not None})
    furniture = {key for key, n in seen.items() if n >= max(2, len(raw) / 2)}
    pages = []
    for number, width, height, texts in raw:
        body = [t for t in texts if place(t, height) not in furniture]
        pages.append(PdfPage(number, width, height, tuple(sorted(body, key=lambda t: (t.top, t.bottom)))))
    return pages


def _rows(texts: Sequence[PdfText]) -> list[list[PdfText]]:
    """Texts grouped into lines: those whose tops lie within 3 pt of the line's first."""
    lines: list[list[PdfText]] = []
    for t in texts:
        if lines and t.top - lines[-1][0].top < 3:
            lines[-1].append(t)
        else:
            lines.append([t])
    return lines


def _table_rows(lines: list[list[PdfText]]) -> int | None:
    """How many body rows of a table a page holds when it holds nothing else (its header
    row, the rows, the grey note under it), or None. A row starts where its first column
    has text; the wrapped lines of a cell do not count."""
    n_header = next((k for k, line in enumerate(lines) if not all(t.header_cell for t in line)), len(lines))
    body = lines[n_header:]
    if any(t.header_cell for line in body for t in line):
        return None  # a second table on the page
    cells = [line for line in body if not all(t.colour == NOTE_COLOUR for t in line)]
    if any(t.heading or t.caption or t.size > 9 for line in cells for t in line):
        return None
    if not cells:
        return 0
    first = min(t.left for line in cells for t in line)
    return sum(1 for line in cells if any(abs(t.left - first) < 2 for t in line))


@dataclass(frozen=True)
class EmptyPage:
    page: int
    reason: str


def near_empty_pages(pdf: Path) -> list[EmptyPage]:
    """The pages of ``pdf`` a reader would find (nearly) empty or left hanging:

    - a blank page (page furniture only) inside the document;
    - a heading, or a table's caption, as the last line of a page (its text or table
      went on to the next page);
    - a page holding only a table's tail: it opens with the table's repeated header row
      and has at most ``FEWEST_TAIL_ROWS`` rows of the table under it, and nothing else
      but the table's note;
    - a page whose text reaches down less than ``LEAST_FILL`` (a fifth) of its text
      area (from the highest text line of the document to the lowest, per orientation),
      unless the page ends its part on purpose: the title page (the first), the last
      page, a page the next of which opens a chapter (a Heading 1 starts on a new page)
      or turns the paper (a landscape section begins or ends).

    A page holding only headings is never a part's end on purpose. Headings, captions,
    header rows and notes are told apart by the house template's colours and sizes
    (pdftohtml reports both), so this reads the pipeline's own documents only."""
    pages = pdf_pages(pdf)
    if not pages:
        return []
    tops = [t.top for p in pages for t in p.texts]
    bottoms = [p.height - t.bottom for p in pages for t in p.texts]
    top_margin, bottom_margin = (min(tops), min(bottoms)) if tops else (0.0, 0.0)
    found: list[EmptyPage] = []
    for i, page in enumerate(pages):
        last = i == len(pages) - 1
        lines = _rows(page.texts)
        if not lines:
            if i > 0 and not last:
                found.append(EmptyPage(page.number, "blank page"))
            continue
        bottom_line = lines[-1]
        if i > 0 and not last and any(t.heading or t.caption for t in bottom_line):
            kind = "heading" if any(t.heading for t in bottom_line) else "table caption"
            found.append(EmptyPage(page.number, f"a {kind} alone at the page's foot: '{bottom_line[0].text[:60]}'"))
            continue
        if i > 0 and all(t.header_cell for t in lines[0]):
            rows = _table_rows(lines)
            if rows is not None and rows <= FEWEST_TAIL_ROWS:
                found.append(EmptyPage(page.number, f"only a table's last {rows} row(s)"))
                continue
        fill = (max(t.bottom for t in page.texts) - top_margin) / (page.height - top_margin - bottom_margin)
        if fill >= LEAST_FILL or i == 0 or last:
            continue
        following = pages[i + 1]
        opens_chapter = bool(following.texts) and following.texts[0].heading and following.texts[0].size >= 15
        turns = following.landscape != page.landscape
        only_headings = all(t.heading for t in page.texts)
        if (opens_chapter or turns) and not only_headings:
            continue
        found.append(EmptyPage(page.number, f"text fills {fill:.0%} of the page: '{page.texts[0].text[:60]}'"))
    return found


# -- tables held on one page (the .docx, no LibreOffice) -------------------------------------
def row_keeps(path: Path) -> list[list[bool]]:
    """For each table of the body, whether each row (header first) keeps with the next:
    every paragraph of the row has Word's "Keep with next" (``w:keepNext``)."""
    doc = Document(str(path))
    out = []
    for tbl in doc.element.body.iter(qn("w:tbl")):
        rows = []
        for tr in tbl.iter(qn("w:tr")):
            paragraphs = list(tr.iter(qn("w:p")))
            rows.append(bool(paragraphs) and all(p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in paragraphs))
        out.append(rows)
    return out


def long_tables_kept_whole(path: Path, most_rows: int = 25) -> list[tuple[int, int]]:
    """``(table position, body rows)`` of each table of more than ``most_rows`` body rows
    whose every row but the last keeps with the next: the whole table is chained to one
    page, and when it does not fit where it starts it leaves the rest of that page empty."""
    return [
        (k, len(rows) - 1)
        for k, rows in enumerate(row_keeps(path))
        if len(rows) - 1 > most_rows and all(rows[:-1])
    ]


# -- figures named in words, against the workbook --------------------------------------------
DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"


def picture_texts(path: Path) -> list[str]:
    """The title and the alt text of every picture (chart) of the document."""
    doc = Document(str(path))
    out = []
    for pr in doc.element.body.iter(DOCPR):
        out += [t for t in (pr.get("title"), pr.get("descr")) if t]
    return out


@dataclass(frozen=True)
class NamedFigure:
    """A figure the report gives beside the name of what it is about ("Climate change has
    the highest mean score (0.73)"), and where the workbook holds it: ``pattern`` has a
    ``{name}`` slot (the values of the sheet's column ``name``) and groups named after the
    sheet's columns, each shown as ``kinds[column]`` (a kind of :mod:`pipeline.numbers`)."""

    sheet: str
    name: str
    pattern: str
    kinds: dict[str, str]


_SCORE, _COUNT, _PCT = r"-?\d+(?:\.\d+)?", r"\d[\d,]*", r"\d+(?:\.\d+)?%"  # as written, right or wrong
NAMED_FIGURES = (
    NamedFigure("Coverage", "label", rf"{{name}} (?:has )?the (?:lowest|highest)(?: mean score)? \((?P<mean_score>{_SCORE})\)",
                {"mean_score": "score"}),
    NamedFigure("Coverage", "label", rf"{{name}} has the fewest \w+ engaged \((?P<n_engaged>{_COUNT}) of (?P<n_respondents>{_COUNT})\)",
                {"n_engaged": "count", "n_respondents": "count"}),
    NamedFigure("Coverage", "label", rf"covered is {{name}} \((?P<n_engaged>{_COUNT}) \w+ engaged[^()]*, mean score (?P<mean_score>{_SCORE})\)",
                {"n_engaged": "count", "mean_score": "score"}),
    NamedFigure("Change scores", "label", rf"{{name}} \((?P<mean_old>{_SCORE}) to (?P<mean_new>{_SCORE}), p",
                {"mean_old": "score", "mean_new": "score"}),
    NamedFigure("Ranking", "label", rf"{{name}} (?:is preferred most|comes first) \(mean rank (?P<mean_rank>{_SCORE})\)",
                {"mean_rank": "rank"}),
    NamedFigure("Ranking", "label", rf"followed by {{name}} \((?P<mean_rank>{_SCORE})\)", {"mean_rank": "rank"}),
    NamedFigure("Ranking", "label", rf"{{name}} least \((?P<mean_rank>{_SCORE})\)", {"mean_rank": "rank"}),
    NamedFigure("Adoption", "label",
                rf"{{name}} (?:is mandatory )?in the (?:most|fewest) \((?P<n_mandatory>{_COUNT}) of (?P<n_answered>{_COUNT}), (?P<share_mandatory>{_PCT})\)",
                {"n_mandatory": "count", "n_answered": "count", "share_mandatory": "percent"}),
    NamedFigure("Benchmark", "acronym",
                rf"{{name}} (?:has )?the (?:highest|lowest) (?:share )?\((?P<share_mandatory>{_PCT}), (?P<n_mandatory>{_COUNT}) of (?P<n_applicable>{_COUNT})\)",
                {"share_mandatory": "percent", "n_mandatory": "count", "n_applicable": "count"}),
    NamedFigure("Maturity", "label", rf"{{name}} is (?:furthest|least advanced) \(\d+ of (?P<n_answered>{_COUNT})[^()]*?, mean (?P<mean>{_SCORE})\)",
                {"n_answered": "count", "mean": "score"}),
)  # fmt: skip


def named_figures(
    texts: Iterable[str], figure: NamedFigure, rows: list[dict[str, object]]
) -> list[tuple[str, str, str, object]]:
    """``(name, column, as said, workbook value)`` each time a text gives a figure of
    ``rows`` (a sheet's rows) beside its name, as ``figure`` describes it."""
    by_name = {str(r[figure.name]).casefold(): r for r in rows if r.get(figure.name) not in (None, "")}
    if not by_name:
        return []
    names = "|".join(re.escape(n) for n in sorted(by_name, key=len, reverse=True))
    pattern = re.compile(figure.pattern.replace("{name}", rf"(?<![\w-])(?P<name>(?i:{names}))"))
    found = []
    for text in texts:
        for m in pattern.finditer(text):
            row = by_name[m.group("name").casefold()]
            found += [(m.group("name"), c, m.group(c), row.get(c)) for c in figure.kinds if m.group(c) is not None]
    return found


def change_rows(path: Path) -> list[tuple[str, str, str, str]]:
    """``(row label, earlier, change, later)`` as printed, for every row of every table
    with a "Change" column after two "Mean ..." columns (the comparison's tables)."""
    out = []
    for table in tables(path):
        if not table:
            continue
        head = table[0]
        means = [i for i, h in enumerate(head) if h.startswith("Mean ")]
        if "Change" not in head or len(means) != 2:
            continue
        change = head.index("Change")
        out += [(row[0], row[means[0]], row[change], row[means[1]]) for row in table[1:]]
    return out
