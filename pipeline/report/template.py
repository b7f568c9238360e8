"""The house template of EMG reports: :func:`house_template` builds the reference
document (styles, page set-up, the ``EMG Table`` table style) that
``templates/make_template.py`` saves as ``templates/report-template.docx``."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

TEMPLATE_PATH = Path(__file__).parent / "templates" / "report-template.docx"
TABLE_STYLE = "EMG Table"
NOTE_STYLE = "Table Note"
FONT = "Arial"
BLUE = "1F4E79"
MID_BLUE = "2E75B6"
GREY = "595959"
A4 = (Cm(21.0), Cm(29.7))
MARGINS = {"left": Cm(2.2), "right": Cm(2.2), "top": Cm(2.0), "bottom": Cm(2.0)}



_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _strip_theme(element) -> None:
    """Remove theme fonts and theme colours below ``element`` (they override explicit ones)."""
    for rfonts in element.iter(qn("w:rFonts")):
        for attr in _FONT_ATTRS:
            rfonts.attrib.pop(qn(attr), None)
    for color in element.iter(qn("w:color")):
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            color.attrib.pop(qn(attr), None)


def _style_text(
    doc: DocxDocument,
    name: str,
    size: float | None,
    *,
    color: str | None = None,
    bold: bool | None = None,
    italic: bool | None = None,
    before: float | None = None,
    after: float | None = None,
) -> None:
    style = doc.styles[name]
    _strip_theme(style.element)
    if size is not None:
        style.font.size = Pt(size)
    if color:
        style.font.color.rgb = RGBColor.from_string(color)
    if bold is not None:
        style.font.bold = bold
    if italic is not None:
        style.font.italic = italic
    fmt = style.paragraph_format
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)


_TABLE_STYLE_XML = f"""
<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="EMGTable">
  <w:name w:val="{TABLE_STYLE}"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="59"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="17"/><w:szCs w:val="17"/></w:rPr>
  <w:tblPr>
    <w:tblStyleRowBandSize w:val="1"/>
    <w:tblBorders>
      <w:top w:val="single" w:sz="8" w:space="0" w:color="{BLUE}"/>
      <w:bottom w:val="single" w:sz="8" w:space="0" w:color="{BLUE}"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="BFBFBF"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="40" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>
      <w:bottom w:w="40" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/><w:bCs/><w:color w:val="FFFFFF"/></w:rPr>
    <w:tblPr/>
    <w:trPr><w:tblHeader/></w:trPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{BLUE}"/><w:vAlign w:val="bottom"/></w:tcPr>
  </w:tblStylePr>
  <w:tblStylePr w:type="band2Horz">
    <w:tblPr/>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="EAF1F8"/></w:tcPr>
  </w:tblStylePr>
</w:style>
"""


def house_template() -> DocxDocument:
    """A new, empty document carrying the house styles: the reference template.

    A4 portrait with 2.2 cm side margins; Arial 10 pt body; Title, Subtitle, Heading 1-3,
    Caption, List Bullet/Number and Footer restyled in blue #1F4E79; a custom paragraph
    style ``Table Note`` and the table style ``EMG Table`` (blue header row that repeats,
    light banded rows, thin horizontal rules).
    """
    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = A4
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.header_distance = section.footer_distance = Cm(1.0)

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    _strip_theme(defaults)
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    rfonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), FONT)
    rpr.find(qn("w:sz")).set(qn("w:val"), "20")
    rpr.find(qn("w:szCs")).set(qn("w:val"), "20")
    rpr.find(qn("w:lang")).set(qn("w:val"), "en-GB")
    spacing = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}")
    spacing.set(qn("w:after"), "120")
    spacing.set(qn("w:line"), "264")

    # Normal keeps the document default size (10 pt) rather than its own: a size set on
    # Normal would override the table style's smaller font in every table cell.
    _strip_theme(doc.styles["Normal"].element)
    _style_text(doc, "Title", 26, color=BLUE, bold=True, before=120, after=12)
    title_ppr = doc.styles["Title"].element.pPr
    for border in title_ppr.findall(qn("w:pBdr")):
        title_ppr.remove(border)
    _style_text(doc, "Subtitle", 14, color=GREY, italic=False, after=24)
    sub_ppr = doc.styles["Subtitle"].element.pPr
    for num in sub_ppr.findall(qn("w:numPr")):
        sub_ppr.remove(num)
    _style_text(doc, "Heading 1", 16, color=BLUE, bold=True, before=18, after=6)
    _style_text(doc, "Heading 2", 13, color=BLUE, bold=True, before=12, after=4)
    _style_text(doc, "Heading 3", 11, color=MID_BLUE, bold=True, before=10, after=3)
    _style_text(doc, "Caption", 9, color=BLUE, bold=True, italic=False, before=3, after=9)
    _style_text(doc, "TOC Heading", 16, color=BLUE, bold=True)
    _style_text(doc, "Footer", 8, color=GREY)
    for name in ("List Bullet", "List Number"):
        _style_text(doc, name, None, after=3)

    if NOTE_STYLE not in [s.name for s in doc.styles]:
        note = doc.styles.add_style(NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        note.base_style = doc.styles["Normal"]
        note.font.size = Pt(8)
        note.font.italic = True
        note.font.color.rgb = RGBColor.from_string(GREY)
        note.paragraph_format.space_before = Pt(2)
        note.paragraph_format.space_after = Pt(10)
    if TABLE_STYLE not in [s.name for s in doc.styles]:
        styles.append(parse_xml(_TABLE_STYLE_XML))
    doc.core_properties.author = "EMG pipeline"
    doc.core_properties.title = ""
    doc.core_properties.comments = "Reference template of the EMG survey reports"
    return doc
