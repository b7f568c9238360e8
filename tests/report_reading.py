"""Reading a written report the way a reviewer does, for the checks a program can make:
raw identifiers in text meant for people, sentences said over and over, the table of
contents against the headings, figures against the workbook, tables cut short.

Pure helpers over a .docx (python-docx) and the survey definition; the tests that use
them are in tests/test_every_survey.py (every survey's demo reports) and
tests/test_report_reading.py (each check catching what it should).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
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
