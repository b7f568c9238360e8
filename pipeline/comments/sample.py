"""A reviewed copy of a report, as a reviewer sends one back: for the demo and the tests.

The reviewer's comments are added with python-docx (which lays them out as Word does) and
the suggested changes as Word's tracked-change markup (``w:ins`` / ``w:del``).
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph

NOTES = (
    "Please give the number of entities behind this statement.",
    "Our agency also works on this; see our latest annual report.",
    "Could the next round ask about this directly?",
)
SUGGESTION = " (to be confirmed with the focal points)"


def _paragraph_styles(document: docx.document.Document) -> tuple[dict[str, str], str]:
    """The names of the paragraph styles by style id, and the default paragraph style's:
    what ``Paragraph.style`` gives (the first style with the id, when it is a paragraph
    style, else the default), looked up once; python-docx searches every style again for
    each paragraph without one of its own (most of the time taken on a report)."""
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    default_name = default.name if default is not None else ""
    first: dict[str, BaseStyle] = {}
    for style in document.styles:
        first.setdefault(style.style_id, style)
    names = {
        style_id: (style.name if style.type == WD_STYLE_TYPE.PARAGRAPH else default_name)
        for style_id, style in first.items()
    }
    return {k: v or "" for k, v in names.items()}, default_name or ""


def _body_paragraphs(document: docx.document.Document) -> list[tuple[str, Paragraph]]:
    """(section heading, paragraph) for body paragraphs of at least 12 words."""
    names, default = _paragraph_styles(document)
    out, section = [], ""
    for p in document.paragraphs:
        style_id = p._p.style
        style = names.get(style_id, default) if style_id else default
        if style.startswith("Heading"):
            section = p.text
        elif section and len(p.text.split()) >= 12 and p.runs:
            out.append((section, p))
    return out


def _tracked(kind: str, author: str, date: str, change_id: int) -> OxmlElement:
    element = OxmlElement(f"w:{kind}")
    element.set(qn("w:id"), str(change_id))
    element.set(qn("w:author"), author)
    element.set(qn("w:date"), date)
    return element


def _replace_last_word(paragraph: Paragraph, author: str, date: str, change_id: int) -> None:
    """Mark the paragraph's last word as deleted and a new ending as inserted."""
    run = paragraph.runs[-1]
    head, _, last = run.text.rstrip().rpartition(" ")
    if not head:
        return
    run.text = head + " "
    deleted = _tracked("del", author, date, change_id)
    r = OxmlElement("w:r")
    text = OxmlElement("w:delText")
    text.text = last
    r.append(text)
    deleted.append(r)
    inserted = _tracked("ins", author, date, change_id + 1)
    r = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = last.rstrip(".") + SUGGESTION + "."
    text.set(qn("xml:space"), "preserve")
    r.append(text)
    inserted.append(r)
    run._r.addnext(deleted)
    deleted.addnext(inserted)


def write_reviewed_copy(
    report: Path, out: Path, reviewer: str, initials: str, date: str, offset: int = 0
) -> Path:
    """A copy of ``report`` with two comments and one suggested replacement by
    ``reviewer`` on body paragraphs chosen from ``offset`` on; returns ``out``."""
    document = docx.Document(str(report))
    paragraphs = _body_paragraphs(document)
    if not paragraphs:
        raise ValueError(f"{report.name} has no body paragraph to comment on")
    step = max(1, len(paragraphs) // 3)  # spread over the report
    picks = [paragraphs[(offset * 2 + k * step) % len(paragraphs)][1] for k in range(3)]
    for k, paragraph in enumerate(picks[:2]):
        comment = document.add_comment(
            paragraph.runs, text=NOTES[(offset + k) % len(NOTES)], author=reviewer, initials=initials
        )
        comment._comment_elm.set(qn("w:date"), date)
    _replace_last_word(picks[2], reviewer, date, 900 + offset * 2)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out
