"""Read the comments and tracked changes of a reviewed Word document.

A reviewed copy is an untrusted file e-mailed back: it is opened as a zip with bounds on its
parts, and only four XML parts are read, each with defusedxml (no document type, no
entities) and a size limit. Nothing in it is executed or rendered.

The WordprocessingML read here is the same from Word and from LibreOffice:

- ``word/comments.xml``: ``<w:comment w:id w:author w:initials w:date>`` holding paragraphs;
- ``word/document.xml``: ``<w:commentRangeStart w:id>`` ... ``<w:commentRangeEnd w:id>``
  around the text a comment refers to (or only a ``<w:commentReference>`` for a comment on a
  point), and tracked changes as ``<w:ins>`` (runs of ``<w:t>``) and ``<w:del>`` (runs of
  ``<w:delText>``), each with ``w:author`` and ``w:date``;
- ``word/styles.xml``: which paragraph styles are headings (to name the section);
- ``word/commentsExtended.xml`` (Word 2013+, LibreOffice): ``w15:paraIdParent`` marks replies.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
MAX_PART_BYTES = 64 * 2**20
MAX_MEMBERS = 2000
CONTEXT_CHARS = 300
HEADING_NAME = re.compile(r"(heading\s*\d|title)", re.IGNORECASE)
HIDDEN_TEXT = frozenset({f"{W}instrText", f"{W}delInstrText"})

COLUMNS = ["comment_id", "kind", "author", "initials", "date", "section", "quoted", "text", "reply_to"]
"""One row per comment, reply or suggested change. ``kind``: comment, reply, insertion,
deletion or replacement; ``quoted``: the text it refers to (for a change: the text removed,
or the sentence an insertion goes into); ``text``: the comment, or the suggested text."""


class ReviewedCopyError(ValueError):
    """A reviewed copy that cannot be read (not a Word document, damaged, unsafe)."""


@dataclass
class _Change:
    kind: str  # insertion or deletion
    author: str
    date: str
    text: str
    section: str
    paragraph: int
    parent: Any
    position: int
    context: list[str] = field(default_factory=list)


def _parts(path: Path) -> dict[str, bytes]:
    """The XML parts needed, read from the zip within bounds."""
    wanted = {
        "word/document.xml",
        "word/comments.xml",
        "word/styles.xml",
        "word/commentsExtended.xml",
    }
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise ReviewedCopyError(f"it holds {len(infos)} parts; refused as unsafe")
            names = {i.filename for i in infos}
            if "word/document.xml" not in names:
                raise ReviewedCopyError(
                    "it is not a Word document (.docx); save it from Word or LibreOffice as .docx"
                )
            parts = {}
            for info in infos:
                if info.filename not in wanted:
                    continue
                if info.flag_bits & 0x1:
                    raise ReviewedCopyError("it is encrypted; remove the password and save it again")
                with archive.open(info) as member:
                    data = member.read(MAX_PART_BYTES + 1)
                if len(data) > MAX_PART_BYTES:
                    raise ReviewedCopyError(
                        f"its part '{info.filename}' unpacks to more than "
                        f"{MAX_PART_BYTES // 2**20} MB; refused as unsafe"
                    )
                parts[info.filename] = data
            return parts
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise ReviewedCopyError(
            f"it is not a .docx file or it is damaged ({exc}); save it again as .docx"
        ) from exc


def _xml(parts: dict[str, bytes], name: str) -> Any | None:
    if name not in parts:
        return None
    try:
        return fromstring(parts[name])
    except DefusedXmlException as exc:
        raise ReviewedCopyError(
            f"its part '{name}' declares a document type or entities, which Word never "
            "writes; refused as unsafe"
        ) from exc
    except ParseError as exc:
        raise ReviewedCopyError(f"its part '{name}' is damaged ({exc}); save it again") from exc


def _heading_styles(styles: Any | None) -> set[str]:
    """Style ids of headings (built-in names 'heading 1'... and 'Title', in any language
    of the user interface, since files store the built-in English names)."""
    ids = set()
    if styles is not None:
        for style in styles.iter(f"{W}style"):
            name = style.find(f"{W}name")
            label = name.get(f"{W}val", "") if name is not None else ""
            if HEADING_NAME.fullmatch(label.strip()):
                ids.add(style.get(f"{W}styleId", ""))
    return ids or {f"Heading{i}" for i in range(1, 10)} | {"Title"}


def _text(element: Any, tags: tuple[str, ...] = (f"{W}t",)) -> str:
    """The visible text of an element: ``tags`` text, tabs as spaces, breaks as newlines."""
    out = []
    for el in element.iter():
        if el.tag in tags:
            out.append(el.text or "")
        elif el.tag == f"{W}noBreakHyphen":  # Ctrl+Shift+- in Word: "UN-Habitat"
            out.append("-")
        elif el.tag == f"{W}tab":
            out.append(" ")
        elif el.tag in (f"{W}br", f"{W}cr"):
            out.append("\n")
    return "".join(out)


def _paragraphs_text(element: Any) -> str:
    return "\n".join(_text(p) for p in element.iter(f"{W}p")).strip()


def identity(kind: str, author: str, date: str, *texts: str) -> str:
    """A short stable id for a comment or change, the same in every copy that carries it."""
    key = "\x1f".join([kind, author.strip(), date.strip(), *(t.strip() for t in texts)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


def _clip(text: str, limit: int = CONTEXT_CHARS) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _walk(body: Any, headings: set[str]) -> tuple[dict[str, str], dict[str, str], list[_Change]]:
    """One pass over the body in document order: the text each comment range covers, the
    section each comment sits in, and every tracked insertion or deletion."""
    quoted: dict[str, list[str]] = {}
    open_ranges: set[str] = set()
    section_of: dict[str, str] = {}
    changes: list[_Change] = []
    section = ""
    paragraph = -1
    paragraph_text: list[str] = []

    stack = [(body, enumerate(body), False)]  # depth-first, without recursion (deep files)
    while stack:
        parent, children, inserted = stack[-1]
        step = next(children, None)
        if step is None:
            stack.pop()
            continue
        position, el = step
        tag = el.tag
        if tag == f"{W}p":
            paragraph += 1
            paragraph_text = []
            style = el.find(f"{W}pPr/{W}pStyle")
            if style is not None and style.get(f"{W}val") in headings:
                section = _clip(_text(el), 120)
            for ranged in open_ranges:
                if quoted[ranged]:
                    quoted[ranged].append("\n")
        elif tag == f"{W}commentRangeStart":
            cid = el.get(f"{W}id", "")
            open_ranges.add(cid)
            quoted.setdefault(cid, [])
            section_of.setdefault(cid, section)
        elif tag == f"{W}commentRangeEnd":
            open_ranges.discard(el.get(f"{W}id", ""))
        elif tag == f"{W}commentReference":
            cid = el.get(f"{W}id", "")
            section_of.setdefault(cid, section)
            if cid not in quoted:  # a comment on a point: its paragraph is the context
                quoted[cid] = paragraph_text
        elif tag in (f"{W}t", f"{W}noBreakHyphen"):
            piece = "-" if tag == f"{W}noBreakHyphen" else el.text or ""
            for ranged in open_ranges:
                quoted[ranged].append(piece)
            if not inserted:  # the context is the draft's own words
                paragraph_text.append(piece)
        elif tag in (f"{W}ins", f"{W}del", f"{W}moveTo", f"{W}moveFrom"):
            deleted = tag in (f"{W}del", f"{W}moveFrom")
            text = _text(el, (f"{W}delText",) if deleted else (f"{W}t",))
            if text.strip():
                kind = "deletion" if deleted else "insertion"
                changes.append(
                    _Change(
                        kind,
                        el.get(f"{W}author", ""),
                        el.get(f"{W}date", ""),
                        text,
                        section,
                        paragraph,
                        parent,
                        position,
                        paragraph_text,
                    )
                )
            if deleted:
                paragraph_text.append(text)
        if tag not in HIDDEN_TEXT and len(el):
            stack.append((el, enumerate(el), inserted or tag in (f"{W}ins", f"{W}moveTo")))
    return {k: "".join(v).strip() for k, v in quoted.items()}, section_of, changes


def _merge_changes(changes: list[_Change]) -> list[dict[str, str]]:
    """Adjacent changes by one author in one paragraph become one suggestion: Word splits
    an edit into several runs, and a deletion next to an insertion is a replacement."""
    rows: list[dict[str, str]] = []
    group: list[_Change] = []

    def flush() -> None:
        if not group:
            return
        removed = "".join(c.text for c in group if c.kind == "deletion")
        added = "".join(c.text for c in group if c.kind == "insertion")
        kind = "replacement" if removed and added else group[0].kind
        first = group[0]
        context = _clip("".join(first.context))
        if kind == "replacement":
            suggestion = f"Replace “{_clip(removed, 1000)}” with “{_clip(added, 4000)}”"
        elif kind == "deletion":
            suggestion = f"Delete “{_clip(removed, 1000)}”"
        else:
            suggestion = f"Insert “{_clip(added, 4000)}”"
        rows.append(
            {
                "kind": kind,
                "author": first.author,
                "initials": "",
                "date": first.date,
                "section": first.section,
                "quoted": context,
                "text": suggestion,
                "reply_to": "",
                "comment_id": identity(kind, first.author, first.date, removed, added),
            }
        )
        group.clear()

    for change in changes:
        last = group[-1] if group else None
        if last is not None and not (
            change.parent is last.parent
            and change.position <= last.position + 2  # a bookmark or proofing mark between
            and change.author == last.author
            and change.paragraph == last.paragraph
        ):
            flush()
        group.append(change)
    flush()
    return rows


def _replies(parts: dict[str, bytes], comments: Any) -> dict[str, str]:
    """``{comment w:id: parent comment w:id}`` for replies (commentsExtended.xml)."""
    extended = _xml(parts, "word/commentsExtended.xml")
    if extended is None:
        return {}
    last_para = {}
    for comment in comments.iter(f"{W}comment"):
        paras = comment.findall(f"{W}p")
        if paras:
            last_para[paras[-1].get(f"{W14}paraId", "")] = comment.get(f"{W}id", "")
    out = {}
    for ex in extended.iter(f"{W15}commentEx"):
        child, parent = ex.get(f"{W15}paraId", ""), ex.get(f"{W15}paraIdParent")
        if parent and child in last_para and parent in last_para:
            out[last_para[child]] = last_para[parent]
    return out


def read_reviewed_copy(path: Path) -> list[dict[str, str]]:
    """The comments, replies and suggested changes of one reviewed .docx, in document order
    (comments first, then changes), as rows with the keys of :data:`COLUMNS`.

    Raises :class:`ReviewedCopyError` when the file is not a safe, readable .docx.
    """
    parts = _parts(path)
    document = _xml(parts, "word/document.xml")
    body = document.find(f"{W}body") if document is not None else None
    if body is None:
        raise ReviewedCopyError("its main part has no body; save it again as .docx")
    quoted, section_of, changes = _walk(body, _heading_styles(_xml(parts, "word/styles.xml")))
    rows: list[dict[str, str]] = []
    comments = _xml(parts, "word/comments.xml")
    if comments is not None:
        parent_of = _replies(parts, comments)
        ids: dict[str, str] = {}
        for comment in comments.iter(f"{W}comment"):
            wid = comment.get(f"{W}id", "")
            author, date = comment.get(f"{W}author", ""), comment.get(f"{W}date", "")
            text = _paragraphs_text(comment)
            kind = "reply" if wid in parent_of else "comment"
            ids[wid] = identity("comment", author, date, text)
            rows.append(
                {
                    "comment_id": ids[wid],
                    "kind": kind,
                    "author": author,
                    "initials": comment.get(f"{W}initials", ""),
                    "date": date,
                    "section": section_of.get(wid, ""),
                    "quoted": _clip(quoted.get(wid, ""), 1000),
                    "text": text,
                    "reply_to": parent_of.get(wid, ""),
                }
            )
        for row in rows:  # replies point at their parent's stable id, not the file's w:id
            if row["reply_to"]:
                row["reply_to"] = ids.get(row["reply_to"], "")
                parent = next((r for r in rows if r["comment_id"] == row["reply_to"]), None)
                if parent is not None:
                    row["section"], row["quoted"] = parent["section"], parent["quoted"]
    rows.extend(_merge_changes(changes))
    return rows
