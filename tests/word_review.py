"""A reviewed copy laid out as Microsoft Word (Microsoft 365) writes one, part by part.

Word's markup, not python-docx's: revision ids (``w:rsidR``) and ``w14:paraId`` on
paragraphs, proofing marks and bookmarks between runs, a comment whose range spans two
paragraphs, a reply linked through ``commentsExtended.xml`` (``w15:paraIdParent``), a
suggested replacement that Word splits into two ``w:del`` runs and two ``w:ins`` runs, and
a comment on a point (a ``w:commentReference`` with no range).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

NS = (
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml" '
    'mc:Ignorable="w14 w15"'
)
AUTHOR = "Jane Doe (UNEP)"
REPLIER = "Kwame Mensah"
DATE = "2026-11-20T10:12:00Z"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/><Override PartName="/word/commentsExtended.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml"/></Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"""
DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/><Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2011/relationships/commentsExtended" Target="commentsExtended.xml"/></Relationships>"""
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {NS}><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/><w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style><w:style w:type="character" w:styleId="CommentReference"><w:name w:val="annotation reference"/><w:rPr><w:sz w:val="16"/></w:rPr></w:style></w:styles>"""


def _run(text: str, rsid: str = "00A1B2C3") -> str:
    return f'<w:r w:rsidR="{rsid}"><w:t xml:space="preserve">{text}</w:t></w:r>'


def _ref(cid: int) -> str:
    return f'<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:commentReference w:id="{cid}"/></w:r>'


DOCUMENT = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {NS}><w:body>
<w:p w14:paraId="1A2B3C01" w14:textId="77777777" w:rsidR="00A1B2C3" w:rsidRDefault="00A1B2C3"><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>{_run("Executive summary")}</w:p>
<w:p w14:paraId="1A2B3C02" w14:textId="77777777" w:rsidR="00A1B2C3" w:rsidRDefault="00A1B2C3"><w:commentRangeStart w:id="0"/><w:commentRangeStart w:id="1"/>{_run("Three of the seven life-cycle stages ")}<w:proofErr w:type="gramStart"/>{_run("have no agency")}<w:proofErr w:type="gramEnd"/>{_run(" at the major level.")}</w:p>
<w:p w14:paraId="1A2B3C03" w14:textId="77777777" w:rsidR="00A1B2C3" w:rsidRDefault="00A1B2C3">{_run("Collection is the weakest stage.")}<w:commentRangeEnd w:id="0"/>{_ref(0)}<w:commentRangeEnd w:id="1"/>{_ref(1)}</w:p>
<w:p w14:paraId="1A2B3C04" w14:textId="77777777" w:rsidR="00A1B2C3" w:rsidRDefault="00A1B2C3"><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:bookmarkStart w:id="0" w:name="_Toc1"/>{_run("Gaps")}<w:bookmarkEnd w:id="0"/></w:p>
<w:p w14:paraId="1A2B3C05" w14:textId="77777777" w:rsidR="00A1B2C3" w:rsidRDefault="00A1B2C3">{_run("The system covers repair ")}<w:del w:id="10" w:author="{AUTHOR}" w:date="{DATE}"><w:r w:rsidDel="00D4E5F6"><w:delText xml:space="preserve">very </w:delText></w:r></w:del><w:del w:id="11" w:author="{AUTHOR}" w:date="{DATE}"><w:r w:rsidDel="00D4E5F7"><w:delText>weakly</w:delText></w:r></w:del><w:ins w:id="12" w:author="{AUTHOR}" w:date="{DATE}"><w:r w:rsidR="00D4E5F6"><w:t xml:space="preserve">only </w:t></w:r></w:ins><w:ins w:id="13" w:author="{AUTHOR}" w:date="{DATE}"><w:r w:rsidR="00D4E5F7"><w:t>in two regions</w:t></w:r></w:ins>{_run(".")}</w:p>
<w:p w14:paraId="1A2B3C06" w14:textId="77777777" w:rsidR="00A1B2C3" w:rsidRDefault="00A1B2C3">{_run("No agency reports work on final disposal.")}{_ref(2)}<w:ins w:id="14" w:author="{REPLIER}" w:date="{DATE}"><w:r><w:t xml:space="preserve"> UNITAR has started a study.</w:t></w:r></w:ins></w:p>
<w:sectPr w:rsidR="00A1B2C3"><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>"""


def _comment(cid: int, author: str, initials: str, para_id: str, text: str) -> str:
    return (
        f'<w:comment w:id="{cid}" w:author="{author}" w:date="{DATE}" w:initials="{initials}">'
        f'<w:p w14:paraId="{para_id}" w14:textId="77777777" w:rsidR="00E1F2A3" w:rsidRDefault="00E1F2A3">'
        '<w:pPr><w:pStyle w:val="CommentText"/></w:pPr><w:r><w:rPr><w:rStyle w:val="CommentReference"/>'
        f'</w:rPr><w:annotationRef/></w:r><w:r><w:t>{text}</w:t></w:r></w:p></w:comment>'
    )


COMMENTS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:comments {NS}>'
    + _comment(0, AUTHOR, "JD", "5C000001", "Name the three stages here.")
    + _comment(1, REPLIER, "KM", "5C000002", "Agreed; the table in chapter 4 lists them.")
    + _comment(2, "jdoe@unitar.org", "JD", "5C000003", "Please check with the BRS Secretariat.")
    + "</w:comments>"
)
COMMENTS_EXTENDED = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w15:commentsEx {NS}>'
    '<w15:commentEx w15:paraId="5C000001" w15:done="0"/>'
    '<w15:commentEx w15:paraId="5C000002" w15:paraIdParent="5C000001" w15:done="0"/>'
    '<w15:commentEx w15:paraId="5C000003" w15:done="0"/></w15:commentsEx>'
)


def write_word_review(path: Path) -> Path:
    """Write the Word-made reviewed copy to ``path``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/_rels/document.xml.rels", DOC_RELS)
        archive.writestr("word/document.xml", DOCUMENT)
        archive.writestr("word/styles.xml", STYLES)
        archive.writestr("word/comments.xml", COMMENTS)
        archive.writestr("word/commentsExtended.xml", COMMENTS_EXTENDED)
    return path
