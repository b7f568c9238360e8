"""A small Word document builder over python-docx, with the house styles of EMG reports.

:class:`ReportDocument` knows nothing about surveys: it writes headings, paragraphs,
bullet lists, tables (with a table style, a header row that repeats on every page and
right-aligned numbers), figures (inline PNG with alt text), numbered captions (``SEQ``
fields), a table-of-contents field, landscape sections and a draft footer with page
numbers. Everything it writes uses Word's built-in style names (Title, Heading 1-3,
Caption, List Bullet, ...) so that a consultant's navigation pane, TOC and style changes
work on the draft as on any Word document.

:func:`pipeline.report.template.house_template` builds the reference template (styles, page set-up, the
``EMG Table`` table style); ``templates/make_template.py`` saves it as
``templates/report-template.docx``, which the builder opens when it exists (so the
template can be restyled in Word) and rebuilds in memory when it does not.

All text goes through :func:`clean_text`, which drops control and XML-invalid characters
(they make python-docx raise or Word refuse the file) and keeps every other script,
right-to-left and CJK included.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import docx
import pandas as pd
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Emu, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from pipeline.numbers import format_number
from pipeline.report.table_xml import (
    column_weights,
    fit_widths,
    keep_with_next,
    min_widths,
    row_heights,
    table_rows_xml,
    text_columns,
)
from pipeline.report.template import (
    NOTE_STYLE,
    TABLE_STYLE,
    TEMPLATE_PATH,
    house_template,
)
from pipeline.report.zipstamp import stamp_zip

TOC_PLACEHOLDER = "Right-click to update the table of contents."

# C0/C1 controls except tab, newline and carriage return; lone surrogates; non-characters.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")

# The share of a page's text height up to which a table asked to stay on one page does
# so, and above which a table row may break across pages.
KEEP_SHARE = 0.6
ROW_SHARE = 0.3

# -- text ------------------------------------------------------------------------------
def clean_text(value: object, single_line: bool = False) -> str:
    """Any value as text Word accepts: missing -> "", invalid XML characters removed.

    ``single_line`` also turns tabs and line breaks into single spaces (for table cells).
    Right-to-left, CJK and other scripts are kept as they are.
    """
    if value is None:
        return ""
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return ""
    except (TypeError, ValueError):
        pass
    text = _INVALID.sub("", str(value))
    if single_line:
        text = _SPACES.sub(" ", text).strip()
    return text


def format_value(value: object, fmt: str | None = None) -> str:
    """A cell value as display text: numbers through ``fmt`` (a kind of
    :func:`pipeline.numbers.format_number`, ``"score"``, ``"percent"``, ..., or a format
    string such as ``"{:.2f}"``, rounded half away from zero as Excel shows it), NA as ""."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return ""
    except (TypeError, ValueError):
        pass
    if fmt and not isinstance(value, str) and not isinstance(value, bool):
        try:
            return format_number(value, fmt)
        except (TypeError, ValueError):
            pass
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer() and not fmt:
        return str(int(value))
    return clean_text(value, single_line=True)


def _texts(frame: pd.DataFrame, formats: dict[str, str]) -> list[list[str]]:
    """The cells of ``frame`` as a table shows them (:func:`format_value`), column by
    column: plain lists, for the small tables of a document (a frame of them costs more to
    build than the table's XML)."""
    return [
        [format_value(v, formats.get(c)) for v in frame.iloc[:, i].tolist()]
        for i, c in enumerate(frame.columns)
    ]


# A hyphenated name that starts with an acronym ("UN-Habitat", "UN-Water"): a line must
# not break at its hyphen ("UN-" at a line's end, "Habitat" on the next).
HYPHENATED_NAME = re.compile(r"(?<![\w-])([A-Z]{2,})-([A-Z][A-Za-z]+)(?![\w-])")


def element_text(element: Any) -> str:
    """The text of a paragraph (or any element) as a reader sees it: its ``w:t`` texts,
    a non-breaking hyphen as "-" and a tab as a tab."""
    out = []
    for el in element.iter(qn("w:t"), qn("w:noBreakHyphen"), qn("w:tab")):
        if el.tag == qn("w:t"):
            out.append(el.text or "")
        elif el.tag == qn("w:noBreakHyphen"):
            out.append("-")
        elif el.getparent() is not None and el.getparent().tag == qn("w:r"):  # not a tab stop
            out.append("\t")
    return "".join(out)


def keep_names_whole(element: Any) -> int:
    """Write the hyphen of every hyphenated acronym name below ``element`` as Word's
    non-breaking hyphen (``w:noBreakHyphen``, read back as "-" by python-docx and shown
    as "-" by Word and LibreOffice), so that no line breaks inside the name. Returns how
    many hyphens were replaced."""
    replaced = 0
    for t in list(element.iter(qn("w:t"))):
        text = t.text or ""
        if "-" not in text or not HYPHENATED_NAME.search(text):
            continue
        cuts = [m.start(2) - 1 for m in HYPHENATED_NAME.finditer(text)]
        pieces, last = [], 0
        for cut in cuts:
            pieces.append(text[last:cut])
            last = cut + 1
        pieces.append(text[last:])
        t.text = pieces[0]
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        anchor = t
        for piece in pieces[1:]:
            hyphen = OxmlElement("w:noBreakHyphen")
            anchor.addnext(hyphen)
            anchor = hyphen
            if piece:
                nxt = OxmlElement("w:t")
                nxt.text = piece
                nxt.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                anchor.addnext(nxt)
                anchor = nxt
            replaced += 1
    return replaced


# -- low-level XML helpers -------------------------------------------------------------
def _field(paragraph: Paragraph, instruction: str, result: str, dirty: bool = False) -> None:
    """Append a complex field (begin / instruction / separate / result / end) to a paragraph."""
    begin = paragraph.add_run()._r
    begin.append(
        parse_xml(
            f'<w:fldChar {nsdecls("w")} w:fldCharType="begin"'
            + (' w:dirty="true"' if dirty else "")
            + "/>"
        )
    )
    instr = paragraph.add_run()._r
    text = parse_xml(f'<w:instrText {nsdecls("w")} xml:space="preserve"/>')
    text.text = f" {instruction} "
    instr.append(text)
    paragraph.add_run()._r.append(
        parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="separate"/>')
    )
    paragraph.add_run(result)
    paragraph.add_run()._r.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>'))


def _set_update_fields(doc: DocxDocument) -> None:
    """Set ``w:updateFields`` in settings so Word offers to update TOC and fields on open."""
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is not None:
        return
    element = parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>')
    # CT_Settings is a sequence: updateFields comes before these elements.
    successors = [
        "w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars",
        "w:rsids", "m:mathPr", "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping",
        "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade",
        "w:captions", "w:readModeInkLockDown", "w:smartTagType", "w:shapeDefaults",
        "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator",
    ]  # fmt: skip
    for child in settings:
        if child.tag in {qn(s) for s in successors}:
            child.addprevious(element)
            return
    settings.append(element)


def _hairline(p: Any) -> None:
    """Make an empty paragraph (one that only carries a section break) a hairline: no space
    before or after, its mark in 1 pt type, so that it never spills onto a page of its
    own after a full page (a blank page in Word and LibreOffice)."""
    p_pr = p.get_or_add_pPr()
    spacing = p_pr.get_or_add_spacing()
    spacing.before = spacing.after = 0
    for old in p_pr.findall(qn("w:rPr")):
        p_pr.remove(old)
    p_pr.append(parse_xml(f'<w:rPr {nsdecls("w")}><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr>'))


# -- the builder -----------------------------------------------------------------------
def _stamp(path: Path) -> tuple[int, int]:
    """(modification time, size) of the template, (0, -1) when there is none."""
    try:
        stat = path.stat()
    except OSError:
        return 0, -1
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=4)
def _blank(path: str, mtime_ns: int, size: int) -> tuple[DocxDocument, dict[str, str]]:
    """The template at ``path`` (the house template when there is none: ``size`` -1) with
    its body emptied and fields set to update on open, and its style ids by name: opened
    and parsed once per process (a copy of it is a third of the time), for the 51
    profiles of a round and every other document."""
    doc = docx.Document(path) if size >= 0 else house_template()
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _set_update_fields(doc)
    return doc, {s.name: s.style_id for s in doc.styles}


class ReportDocument:
    """A Word document under construction, with numbered captions and house styles.

    ``template``: the .docx whose styles, page set-up and footer style to use; its body is
    emptied. Defaults to ``templates/report-template.docx`` or, when that file is missing,
    to :func:`house_template` built in memory.
    """

    def __init__(self, template: Path | None = None):
        path = template or TEMPLATE_PATH
        blank, style_ids = _blank(str(path), *_stamp(path))
        self.doc: DocxDocument = copy.deepcopy(blank)
        self._counters = {"Figure": 0, "Table": 0}
        # (number, columns as text) of each captioned table written, to find a repeat
        self._tables: list[tuple[int, frozenset[tuple[str, ...]]]] = []
        # name -> id, read once: python-docx looks a style up by scanning every style each
        # time it is set by name, which dominates the time to write a document
        self._style_ids = dict(style_ids)
        self._style_names = set(self._style_ids)
        self._toc: tuple[Any, range] | None = None  # the contents' field paragraph, levels

    # -- page furniture -----------------------------------------------------------------
    def properties(self, title: str, subject: str = "", keywords: str = "", date: str = "") -> None:
        """Set the document's core properties (title, subject, keywords, created date)."""
        props = self.doc.core_properties
        props.title = clean_text(title, True)
        props.subject = clean_text(subject, True)
        props.keywords = clean_text(keywords, True)
        props.author = "EMG pipeline"
        props.last_modified_by = "EMG pipeline"
        props.revision = 1
        if date:
            try:
                when = datetime.fromisoformat(date[:10])
            except ValueError:
                return
            props.created = props.modified = when

    def footer(self, text: str) -> None:
        """Footer of every page: ``text`` on one line and "Page X of Y" (PAGE/NUMPAGES) below."""
        footer = self.doc.sections[0].footer
        footer.is_linked_to_previous = False
        first = footer.paragraphs[0]
        first.text = ""
        first.style = self.doc.styles["Footer"]
        first.alignment = WD_ALIGN_PARAGRAPH.CENTER
        first.add_run(clean_text(text, True))
        pages = footer.add_paragraph(style="Footer")
        pages.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pages.add_run("Page ")
        _field(pages, "PAGE", "1")
        pages.add_run(" of ")
        _field(pages, "NUMPAGES", "1")

    def title_page(self, title: str, subtitle: str = "", lines: Sequence[str] = ()) -> None:
        """A title page: Title, Subtitle, then one short line each (round, status, date)."""
        spacer = self.doc.add_paragraph()
        spacer.paragraph_format.space_before = Pt(140)
        self.doc.add_paragraph(clean_text(title), style="Title")
        if subtitle:
            self.doc.add_paragraph(clean_text(subtitle), style="Subtitle")
        for line in lines:
            p = self.doc.add_paragraph()
            p.add_run(clean_text(line)).font.size = Pt(12)

    def toc(self, heading: str = "Contents", levels: str = "1-2") -> None:
        """A table-of-contents field; Word fills it when the reader updates fields on open."""
        title = self.doc.add_paragraph(clean_text(heading), style="TOC Heading")
        title.paragraph_format.page_break_before = not self._at_page_start()
        p = self.doc.add_paragraph()
        _field(p, f'TOC \\o "{levels}" \\h \\z \\u', TOC_PLACEHOLDER, dirty=True)
        first, last = (int(n) for n in levels.split("-"))
        self._toc = (p._p, range(first, last + 1))

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # -- text ---------------------------------------------------------------------------
    def _at_page_start(self) -> bool:
        """True when nothing was written since the last page or section break."""
        body = [c for c in self.doc.element.body if c.tag != qn("w:sectPr")]
        if not body:
            return True
        last = body[-1]
        if last.tag != qn("w:p"):
            return False
        if last.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
            return True
        breaks = [b for b in last.iter(qn("w:br")) if b.get(qn("w:type")) == "page"]
        return bool(breaks) and not "".join(last.itertext()).strip()

    def _add_paragraph(self, text: str = "", style: str | None = None) -> Paragraph:
        """A paragraph in a style given by name (a style the template lacks: the default)."""
        p = self.doc.add_paragraph(text)
        if style in self._style_ids:
            p._p.get_or_add_pPr().style = self._style_ids[style]
        return p

    def heading(self, text: str, level: int = 1, new_page: bool | None = None) -> Paragraph:
        """A heading (Heading 1-3 style). ``new_page`` (default: for level 1) starts it on a
        new page, unless a page or section break already did."""
        start = self._at_page_start()
        new = (level == 1 if new_page is None else new_page) and not start
        spacer = self._spacer_after_table()
        if new and spacer is not None:  # the new page is the gap: no empty line to spill over
            spacer.getparent().remove(spacer)
        p = self._add_paragraph(clean_text(text, True), f"Heading {level}")
        if new:
            p.paragraph_format.page_break_before = True
        return p

    def _spacer_after_table(self) -> Any | None:
        """The last paragraph of the body when it is the empty one that ends a table (the
        gap under it), else None."""
        body = [c for c in self.doc.element.body if c.tag != qn("w:sectPr")]
        if len(body) < 2 or body[-2].tag != qn("w:tbl") or body[-1].tag != qn("w:p"):
            return None
        last = body[-1]
        if last.find(qn("w:r")) is not None or last.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
            return None
        return last

    def paragraph(self, text: str = "", lead: str = "", style: str | None = None) -> Paragraph:
        """A paragraph; ``lead`` is written in bold before ``text`` (e.g. a label)."""
        p = self._add_paragraph(style=style)
        if lead:
            p.add_run(clean_text(lead) + (" " if text else "")).bold = True
        if text:
            p.add_run(clean_text(text))
        return p

    def note(self, text: str) -> Paragraph:
        """A small italic note (under a table or figure)."""
        return self.paragraph(text, style=NOTE_STYLE)

    def bullets(self, items: Sequence[str | tuple[str, str]], numbered: bool = False) -> None:
        """A bullet (or numbered) list; an item may be ``(bold lead, text)``."""
        style = "List Number" if numbered else "List Bullet"
        for item in items:
            lead, text = item if isinstance(item, tuple) else ("", item)
            self.paragraph(text, lead=lead, style=style)

    # -- captions, figures, tables ------------------------------------------------------
    def caption(self, kind: str, text: str) -> int:
        """A numbered caption "<kind> N. text" (Caption style, ``SEQ <kind>`` field); returns N."""
        self._counters[kind] = self._counters.get(kind, 0) + 1
        number = self._counters[kind]
        p = self._add_paragraph(style="Caption")
        p.add_run(f"{kind} ")
        _field(p, f"SEQ {kind} \\* ARABIC", str(number))
        p.add_run(f". {clean_text(text, True)}")
        if kind == "Table":
            p.paragraph_format.keep_with_next = True
            p.paragraph_format.space_before = Pt(9)
            p.paragraph_format.space_after = Pt(3)
        return number

    @property
    def text_width(self) -> int:
        """Width between the margins of the current (last) section, in EMU."""
        s = self.doc.sections[-1]
        return int(s.page_width - s.left_margin - s.right_margin)

    @property
    def text_height(self) -> int:
        s = self.doc.sections[-1]
        return int(s.page_height - s.top_margin - s.bottom_margin)

    def figure(
        self, png: Path, caption: str, alt_text: str, title: str = "", max_height: float = 0.55
    ) -> int | None:
        """An inline picture at text width (no taller than ``max_height`` of the page),
        alt text on ``wp:docPr`` (``descr`` and ``title``), then its numbered caption.

        Returns the figure number, or None when the PNG is missing.
        """
        png = Path(png)
        if not png.is_file():
            return None
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_with_next = True
        p.paragraph_format.space_before = Pt(6)
        p.paragraph_format.space_after = Pt(0)
        shape = p.add_run().add_picture(str(png), width=Emu(self.text_width))
        limit = int(self.text_height * max_height)
        if shape.height > limit:
            shape.width = Emu(int(shape.width * limit / shape.height))
            shape.height = Emu(limit)
        doc_pr = shape._inline.docPr
        doc_pr.set("descr", clean_text(alt_text, True) or clean_text(caption, True))
        doc_pr.set("title", clean_text(title or caption, True))
        return self.caption("Figure", caption)

    def table(
        self,
        frame: pd.DataFrame,
        caption: str | None = None,
        *,
        formats: dict[str, str] | None = None,
        fills: pd.DataFrame | None = None,
        weights: Sequence[float] | None = None,
        note: str | None = None,
        align_right: Sequence[str] | None = None,
        keep_together: bool | None = None,
        group_rows: Sequence[int] = (),
    ) -> Table:
        """A table of ``frame`` in the ``EMG Table`` style, header row repeated on each page.

        ``formats``: column -> number format (``"score"``, ``"percent"``, ``"p"``, ``"money"``
        or a format string like ``"{:.2f}"``; :func:`format_value`); numeric columns (and
        ``align_right``) are right-aligned. ``fills``: optional frame of hex colours (same
        shape, NA for none) used as cell shading. ``weights``: relative column widths (from
        the text lengths when not given). ``note`` goes under the table in the note style.

        Page breaks: ``keep_together`` (default: tables of up to 15 rows) keeps the table
        on one page with its caption and note, when it takes at most ``KEEP_SHARE`` of the
        page (a taller one would leave most of a page empty before it). A table that may
        break keeps its caption, header row and first two rows together, and its last
        three rows (:func:`~pipeline.report.table_xml.keep_with_next`); the header row
        repeats on each page. A row never breaks across pages unless it is taller than
        ``ROW_SHARE`` of the page. ``group_rows``: positions (from 0) of body rows that
        label the rows under them (a group's name): each keeps with the row after it, so
        that no page ends on a group's name.
        """
        formats = formats or {}
        number = self.caption("Table", caption) if caption else None
        headers = [clean_text(c, True) for c in frame.columns]
        right = {
            c
            for c, dtype in zip(frame.columns, frame.dtypes.tolist(), strict=True)
            if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        } | set(align_right or ())
        text = _texts(frame, formats)  # the cells as shown, column by column
        n_rows = len(text[0]) if text else 0
        widths = fit_widths(
            weights or column_weights(text, headers), min_widths(text, headers), self.text_width
        )
        style = TABLE_STYLE if TABLE_STYLE in self._style_names else "Table Grid"
        table = self.doc.add_table(rows=0, cols=len(headers))
        table._tbl.tblPr.style = self._style_ids[style]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for grid_col, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
            grid_col.w = Emu(width)
        values = [headers, *(list(row) for row in zip(*text, strict=True))]
        heights = row_heights(values, widths)
        page = self.text_height
        wanted = n_rows <= 15 if keep_together is None else keep_together
        together = wanted and sum(heights) <= KEEP_SHARE * page
        aligned = [c in right for c in frame.columns]
        fill_rows = fills.reindex(columns=frame.columns).to_numpy() if fills is not None else None
        keep = keep_with_next(n_rows, together, note=bool(note))
        for g in group_rows:
            if 0 <= g < n_rows - 1:
                keep[g + 1] = True  # the header row comes first
        rows = table_rows_xml(
            values,
            widths,
            aligned,
            keep,
            fill_rows,
            whole=[h <= ROW_SHARE * page for h in heights],
        )
        for tr in parse_xml(f"<w:tbl {nsdecls('w')}>{rows}</w:tbl>"):
            table._tbl.append(tr)
        if number is not None:
            self._tables.append((number, text_columns(text)))
        if note:
            self.note(note)
        else:
            spacer = self.doc.add_paragraph()
            spacer.paragraph_format.space_after = Pt(4)
        return table

    def earlier_table(self, frame: pd.DataFrame, formats: dict[str, str] | None = None) -> int | None:
        """The number of a table already written that shows the same figures as ``frame``
        (every column but at most one, three at least, over two rows or more, whatever the
        headers), or None: a table is printed once and referred to after that."""
        text = _texts(frame, formats or {})
        columns = text_columns(text)
        if len(frame) < 2 or len(columns) < 3:
            return None
        for number, earlier in self._tables:
            if len(columns & earlier) >= max(3, len(columns) - 1):
                return number
        return None

    # -- sections -----------------------------------------------------------------------
    def _new_section(self, landscape: bool) -> None:
        """End the current section and start a new one on a new page.

        The section break goes into the last paragraph when there is one (rather than into
        a new empty paragraph, which could spill onto a blank page after a full page).
        The new section keeps no header/footer references of its own, so it inherits them.
        """
        body = self.doc.element.body
        sentinel = body.get_or_add_sectPr()
        previous = self.doc.sections[-1]
        width, height = sorted((previous.page_width, previous.page_height))
        last = sentinel.getprevious()
        ends_para = (
            last is not None
            and last.tag == qn("w:p")
            and last.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is None
        )
        target = last if ends_para else body.add_p()
        if target.find(qn("w:r")) is None:
            _hairline(target)
        target.set_sectPr(sentinel.clone())
        for ref in sentinel.xpath("w:headerReference|w:footerReference"):
            sentinel.remove(ref)
        section = self.doc.sections[-1]
        section.start_type = WD_SECTION.NEW_PAGE
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = height, width
        else:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = width, height

    def landscape_throughout(self) -> None:
        """Lay the whole document out in landscape (a document that is one wide table);
        call before writing anything."""
        section = self.doc.sections[0]
        width, height = sorted((section.page_width, section.page_height))
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = height, width

    @contextmanager
    def landscape(self) -> Iterator[None]:
        """Write the body of the ``with`` block in a landscape section, then go back to portrait.

        The footer is linked to the previous section, so it carries over.
        """
        self._new_section(landscape=True)
        yield
        self._new_section(landscape=False)

    def _fill_toc(self) -> None:
        """Write the headings into the table of contents' field result, so that the contents
        show in any reader before fields are updated (without page numbers: only a word
        processor can count pages; Word updates the field, and its page numbers, on open)."""
        if self._toc is None:
            return
        field_paragraph, levels = self._toc
        ids = {self._style_ids.get(f"Heading {n}"): n for n in levels}
        entries = []
        for p in self.doc.element.body.iter(qn("w:p")):
            style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            level = ids.get(style.get(qn("w:val")) if style is not None else None)
            text = "".join(t.text or "" for t in p.iter(qn("w:t"))).strip()
            if level and text:
                entries.append((level, text))
        if not entries:
            return
        runs = field_paragraph.findall(qn("w:r"))
        result, end = runs[-2], runs[-1]  # the placeholder's run and the field's end
        result.find(qn("w:t")).text = entries[0][1]
        self._toc_style(field_paragraph, entries[0][0])
        field_paragraph.remove(end)
        previous = field_paragraph
        for level, text in entries[1:]:
            p = OxmlElement("w:p")
            self._toc_style(p, level)
            run = OxmlElement("w:r")
            t = OxmlElement("w:t")
            t.text = text
            run.append(t)
            p.append(run)
            previous.addnext(p)
            previous = p
        previous.append(end)
        self._toc = None

    def _toc_style(self, p: Any, level: int) -> None:
        """Word's built-in 'toc N' paragraph style (added to the document when missing)."""
        name = f"toc {level}"
        if name not in self._style_ids:
            style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = self.doc.styles["Normal"]
            style.paragraph_format.left_indent = Cm(0.6 * (level - 1))
            style.paragraph_format.space_after = Pt(3 if level > 1 else 4)
            style.font.bold = level == 1
            self._style_ids[name] = style.style_id
        p_pr = p.find(qn("w:pPr"))
        if p_pr is None:
            p_pr = OxmlElement("w:pPr")
            p.insert(0, p_pr)
        style_el = OxmlElement("w:pStyle")
        style_el.set(qn("w:val"), self._style_ids[name])
        p_pr.insert(0, style_el)

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fill_toc()
        keep_names_whole(self.doc.element.body)
        self.doc.save(str(path))
        return stamp_zip(path, self.doc.core_properties.created)
