"""Safe opening of untrusted files: look at the bytes before any parser sees them.

Round folders hold files e-mailed by other organisations. Before a workbook goes to a
parser, :func:`check_file` makes sure it is what its name says and is safe to open:

- an ``.xlsx`` must be a real zip holding a spreadsheet, not too big once unpacked
  (:data:`MAX_UNCOMPRESSED_BYTES`), not compressed beyond :data:`MAX_RATIO` to one (zip
  bomb), with at most :data:`MAX_MEMBERS` members, and not encrypted;
- an OLE compound file (``D0 CF 11 E0``) named ``.xlsx`` is a password-protected workbook
  (or an old ``.xls`` renamed); an ``.xls`` cannot be read at all;
- a CSV or HTML page named ``.xlsx`` is recognised and reported as such;
- no XML part of a workbook may declare a document type or entities (XML entity bombs:
  spreadsheet programs never write a DTD);
- the workbook part and every sheet it lists must be in the zip (a damaged file, not a
  file of another survey), every cell reference must be within Excel's limits, and no
  sheet may span more than :data:`MAX_SHEET_CELLS` cells from A1 to its last cell (a stray
  cell far from the data would make a reader build a grid of billions of cells), see
  :mod:`pipeline.ingest.extent`.

:func:`reader_failure` tells which exceptions a reader may raise on a damaged file: every
``Exception`` and the ``PanicException`` of calamine's Rust code, which derives from
``BaseException`` only.

Every refusal is an :class:`~pipeline.errors.Issue` naming the file, never an exception.
XML read here is parsed with defusedxml.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from pipeline.errors import Issue
from pipeline.ingest import source
from pipeline.ingest.cell_types import CellTypes
from pipeline.ingest.extent import SheetScan

MAX_FILE_BYTES = 200 * 2**20
MAX_UNCOMPRESSED_BYTES = 200 * 2**20
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 2**20  # below 1 MB unpacked a high ratio harms nobody
MAX_MEMBERS = 2000
MAX_XML_BYTES = 2**20
MAX_SHEET_CELLS = 2**22
"""Rows x columns a sheet may span from A1 to its last cell: about 4 million cells, e.g.
10,000 submissions of 400 columns (a reader's grid of it takes some hundred MB)."""
SPARSE_SHEET_CELLS = 2**20
SPARSE_RATIO = 64
"""A sheet spanning more than :data:`SPARSE_SHEET_CELLS` cells must have at least one
filled cell in :data:`SPARSE_RATIO` of them: an export is dense, a sheet with a few
cells and a far one is not (its grid would be nearly all empty)."""
WORKSHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)

OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
SPREADSHEET_TYPE = "spreadsheetml"
OTHER_SPREADSHEETS = {
    ".ods": "an OpenDocument spreadsheet (.ods) is not read; open it in LibreOffice Calc "
    "(or Excel) and save it as .xlsx ('Excel 2007-365'), then put the .xlsx here instead",
    ".numbers": "an Apple Numbers file is not read; open it in Numbers, export it as Excel "
    "(File > Export To > Excel) and save it as .xlsx here instead",
    ".xlsb": "a binary Excel workbook (.xlsb) is not read; open it in Excel and save it as "
    "'Excel Workbook (.xlsx)'",
}
XML_PARTS = (".xml", ".rels", ".vml")
DTD_MARKERS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def sniff(path: Path, size: int = 4096) -> str:
    """What the first bytes of a file say it is.

    Returns ``"empty"``, ``"zip"``, ``"ole"`` (OLE compound file: old .xls or an encrypted
    Office file), ``"html"`` (HTML or XML text), ``"text"`` or ``"binary"``. Never raises.
    """
    try:
        head = source.read_head(path, size)
    except OSError:
        return "binary"
    if not head:
        return "empty"
    if head.startswith(ZIP_SIGNATURES):
        return "zip"
    if head.startswith(OLE_SIGNATURE):
        return "ole"
    text = _as_text(head)
    if text is None:
        return "binary"
    if text.lstrip().startswith("<"):
        return "html"
    return "text"


def utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when the first bytes of a file are UTF-16 text
    without a byte-order mark (as some tools save "Unicode text"), else None.

    Such text has a zero byte in every other position while its characters are Latin
    (the header row of an export always is): zero at odd offsets is little-endian."""
    n = len(head) - len(head) % 2
    if n < 8 or b"\x00" not in head[:n]:
        return None
    even, odd = head[0:n:2], head[1:n:2]
    zero_even, zero_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zero_odd >= 0.3 and zero_even <= 0.02:
        codec = "utf-16-le"
    elif zero_even >= 0.3 and zero_odd <= 0.02:
        codec = "utf-16-be"
    else:
        return None
    try:
        text = head[:n].decode(codec)
    except UnicodeDecodeError as exc:
        if exc.start < n - 4:  # a broken pair at the very end is only the cut
            return None
        text = head[: exc.start].decode(codec)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    return codec if controls <= len(text) // 100 else None


def _as_text(head: bytes) -> str | None:
    """The bytes as text when they look like text (UTF-8/16 or a Windows code page)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    codec = utf16_without_bom(head)
    if codec:
        return head[: len(head) - len(head) % 2].decode(codec, errors="ignore")
    if b"\x00" in head:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8-sig" and exc.start > len(head) - 4:
                return head[: exc.start].decode("utf-8-sig")  # cut inside a character
            continue
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
        return text if controls <= len(text) // 100 else None
    return None


_CHECKED: dict[tuple[str, int, str], tuple[str, str] | None] = {}
# What the check of a workbook learnt about its worksheets on the way (same key as
# _CHECKED), for the Arrow reader: {sheet name: (extent, special cells)}
_SHEETS: dict[tuple[str, int, str], dict[str, tuple[SheetScan, CellTypes]]] = {}


def check_file(path: Path, rel: str) -> Issue | None:
    """The reason not to open ``path`` (an error :class:`Issue` naming ``rel``), or None.

    The size is checked first: a file over :data:`MAX_FILE_BYTES` is refused without
    being read or hashed. Workbooks are checked in depth (see the module docstring); text
    files for size and for being text; other files are left to the readers' detection.
    A file that cannot be read (no permission) is refused naming the reason. The verdict
    is remembered for the same path and bytes (read through
    :mod:`pipeline.ingest.source`), so detection and reading check a file once.
    """
    try:
        stat = path.stat()
        if stat.st_size <= MAX_FILE_BYTES:  # a larger file is refused without reading it
            digest = source.sha256(path)
    except OSError as exc:
        return _refuse(
            rel,
            "file-unreadable",
            f"cannot read the file ({exc.strerror or exc}); give the account that runs the "
            "pipeline permission to read it, or copy it into the round folder again",
        )
    if stat.st_size > MAX_FILE_BYTES:
        return _check(path, rel, stat.st_size)
    key = (str(path.resolve()), stat.st_size, digest)
    if key not in _CHECKED:
        if len(_CHECKED) > 512:
            _CHECKED.clear()
        sheets: dict[str, tuple[SheetScan, CellTypes]] = {}
        issue = _check(path, rel, stat.st_size, sheets)
        _CHECKED[key] = (issue.code, issue.message) if issue else None
        _SHEETS.clear()  # only the last workbook's: it is the one read next
        if sheets and not issue:
            _SHEETS[key] = sheets
    verdict = _CHECKED[key]
    return _refuse(rel, *verdict) if verdict else None


def worksheet_scans(path: Path) -> dict[str, tuple[SheetScan, CellTypes]] | None:
    """``{sheet name: (its extent, its special cells)}`` of every worksheet of a workbook
    that :func:`check_file` passed last (in workbook order), or None (another file was
    checked since, or it was not a workbook that passed). Never raises."""
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, source.sha256(path))
    except OSError:
        return None
    return _SHEETS.get(key)


def _check(
    path: Path, rel: str, size: int, sheets: dict[str, tuple[SheetScan, CellTypes]] | None = None
) -> Issue | None:
    suffix = path.suffix.lower()
    if size == 0:
        return _refuse(rel, "file-empty", "the file is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        return _refuse(
            rel,
            "file-too-large",
            f"the file is {size / 2**20:.0f} MB; files over {MAX_FILE_BYTES // 2**20} MB are "
            "not read (is it really a survey export?)",
        )
    kind = sniff(path)
    if suffix == ".xls":
        return _refuse(
            rel,
            "file-xls",
            "an old Excel .xls file cannot be read; open it in Excel and save it as "
            "'Excel Workbook (.xlsx)', or export the data again as XLSX or CSV",
        )
    if suffix in OTHER_SPREADSHEETS:
        return _refuse(rel, "file-other-spreadsheet", OTHER_SPREADSHEETS[suffix])
    if suffix in WORKBOOK_SUFFIXES:
        return _check_workbook(path, rel, kind, sheets)
    if suffix == ".zip":
        return _refuse(
            rel,
            "file-zip",
            "a zip archive is not read as such; unzip it into the round folder (an ODK "
            "Central export is a zip of CSV files: put the CSV files in the folder)",
        )
    if suffix in TEXT_SUFFIXES and kind in {"zip", "ole", "binary"}:
        what = {
            "zip": "an Excel workbook (or another zip file)",
            "ole": "an old .xls or password-protected Office file",
            "binary": "not a text file (if it is UTF-16 text, save it as CSV UTF-8)",
        }[kind]
        return _refuse(rel, "file-not-csv", f"the file is named {suffix} but is {what}")
    return None


def _check_workbook(
    path: Path, rel: str, kind: str, sheets: dict[str, tuple[SheetScan, CellTypes]] | None = None
) -> Issue | None:
    if kind == "ole":
        return _refuse(
            rel,
            "file-encrypted",
            "this is not an .xlsx workbook but an OLE compound file: a password-protected "
            "(encrypted) workbook, or an old .xls renamed .xlsx; remove the password (File > "
            "Info > Protect Workbook) or save it as .xlsx, then put it back",
        )
    if kind == "html":
        return _refuse(
            rel,
            "file-not-xlsx",
            "the file is named .xlsx but holds HTML/XML text (a web page saved with an Excel "
            "name); open it in Excel and save it as .xlsx, or download the export as XLSX/CSV",
        )
    if kind == "text":
        return _refuse(
            rel,
            "file-not-xlsx",
            "the file is named .xlsx but is a text (CSV) file; rename it to .csv",
        )
    if kind != "zip" or not zipfile.is_zipfile(source.open_binary(path)):
        return _refuse(
            rel,
            "file-corrupt",
            "the file is named .xlsx but is not a valid Excel workbook (damaged or "
            "incompletely downloaded); download or save it again",
        )
    return check_zip(path, rel, sheets)


def check_zip(
    path: Path, rel: str, found: dict[str, tuple[SheetScan, CellTypes]] | None = None
) -> Issue | None:
    """Check a zip-based workbook: member count, encryption, sizes, ratio, content type.

    The members are decompressed once in a stream, counting bytes, so a zip whose headers
    understate its sizes is caught too. Returns the refusal or None. ``found`` (when
    given) receives each worksheet's extent and special cells
    (:class:`~pipeline.ingest.cell_types.CellTypes`), by sheet name in workbook order.
    """
    try:
        with zipfile.ZipFile(source.open_binary(path)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                return _refuse(
                    rel,
                    "file-zip-bomb",
                    f"the workbook holds {len(infos)} parts (more than {MAX_MEMBERS}); "
                    "refused as unsafe",
                )
            if any(info.flag_bits & 0x1 for info in infos):
                return _refuse(
                    rel,
                    "file-encrypted",
                    "the workbook is encrypted; remove the password and save it again",
                )
            declared = sum(info.file_size for info in infos)
            packed = max(1, sum(info.compress_size for info in infos))
            problem = _size_problem(rel, declared, packed)
            if problem:
                return problem
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names:
                return _refuse(rel, "file-not-xlsx", "a zip file, not an Excel workbook")
            problem = _content_type_problem(archive, rel)
            if problem:
                return problem
            sheets = _sheet_parts(archive, names)
            if isinstance(sheets, str):
                return _damaged(rel, sheets)
            scans: dict[str, SheetScan] = {}
            types: dict[str, CellTypes] = {}
            problem = _stream_check(archive, infos, rel, packed, scans, types)
            problem = problem or _extent_problem(rel, scans, sheets)
            if found is not None and not problem:
                found.update({n: (scans[p], types[p]) for p, n in sheets.items() if p in scans})
            return problem
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        return _refuse(
            rel,
            "file-corrupt",
            f"the workbook is damaged and cannot be opened ({exc}); download or save it again",
        )


def _size_problem(rel: str, unpacked: int, packed: int) -> Issue | None:
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        return _refuse(
            rel,
            "file-zip-bomb",
            f"the workbook unpacks to {unpacked / 2**20:.0f} MB (limit "
            f"{MAX_UNCOMPRESSED_BYTES // 2**20} MB); refused as unsafe",
        )
    ratio = unpacked / packed
    if unpacked > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
        return _refuse(
            rel,
            "file-zip-bomb",
            f"the workbook is compressed {ratio:.0f} to 1 (limit {MAX_RATIO} to 1), as a "
            "zip bomb is; refused as unsafe",
        )
    return None


def _content_type_problem(archive: zipfile.ZipFile, rel: str) -> Issue | None:
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > MAX_XML_BYTES:
        return _refuse(rel, "file-not-xlsx", "the workbook's content list is implausibly large")
    try:
        root = fromstring(archive.read(info))
    except (DefusedXmlException, ParseError) as exc:
        return _refuse(
            rel, "file-not-xlsx", f"the workbook's content list is not safe, valid XML ({exc})"
        )
    types = " ".join(el.get("ContentType", "") for el in root.iter())
    if SPREADSHEET_TYPE not in types:
        other = "a Word document" if "wordprocessingml" in types else "not an Excel workbook"
        if "presentationml" in types:
            other = "a PowerPoint file"
        return _refuse(rel, "file-not-xlsx", f"the file is named .xlsx but is {other}")
    return None


def _stream_check(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    rel: str,
    packed: int,
    scans: dict[str, SheetScan],
    types: dict[str, CellTypes],
) -> Issue | None:
    """Decompress every member once, counting bytes (zip bombs whose headers lie),
    looking in XML parts for a document type declaration (XML entity bombs) and scanning
    worksheet parts for how far their cells reach (into ``scans``, by part name) and for
    the cells an Arrow read cannot give as text exactly (into ``types``)."""
    total = 0
    for info in infos:
        xml = info.filename.lower().endswith(XML_PARTS)
        scan = typed = None
        if WORKSHEET_PART.match(info.filename):
            scan = scans[info.filename] = SheetScan(info.filename)
            typed = types[info.filename] = CellTypes(info.filename)
        tail = b""
        with archive.open(info) as member:
            while block := member.read(1 << 20):
                total += len(block)
                problem = _size_problem(rel, total, packed)
                if problem:
                    return problem
                if scan is not None and typed is not None:
                    scan.feed(block)
                    typed.feed(block)
                # a byte search for '<!' (which opens comments and CDATA too) first
                marked = b"<!" in block or b"<!" in tail + block[:16]
                if xml and marked and DTD_MARKERS.search(tail + block):
                    return _refuse(
                        rel,
                        "file-xml-entities",
                        f"the workbook part '{info.filename}' declares a document type or XML "
                        "entities, which spreadsheet programs never write (a possible XML "
                        "bomb); refused as unsafe: save the data again from Excel as .xlsx",
                    )
                tail = block[-16:]
        if scan is not None and typed is not None:
            scan.finish()
            typed.finish()
    return None


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str] | str:
    """``{worksheet part: sheet name}`` from the workbook part and its relationships, or
    what is missing (a damaged file) as a sentence."""
    workbook = _part_target(archive, "_rels/.rels", "", "/officeDocument") or "xl/workbook.xml"
    if workbook not in names:
        return f"the workbook part '{workbook}' is missing"
    base = workbook.rsplit("/", 1)[0] + "/" if "/" in workbook else ""
    rels_name = f"{base}_rels/{workbook.rsplit('/', 1)[-1]}.rels"
    root = _xml(archive, workbook, names)
    rels = _xml(archive, rels_name, names)
    if root is None or rels is None:
        return f"the workbook part '{workbook}' or its relationships cannot be read"
    targets = {
        el.get("Id", ""): el.get("Target", "")
        for el in rels.iter()
        if el.tag.endswith("Relationship")
    }
    parts: dict[str, str] = {}
    for el in root.iter():
        if not el.tag.endswith("}sheet"):
            continue
        name = el.get("name", "")
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
        target = targets.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(base + target)
        if not target or part not in names:
            return f"the sheet '{name}' is listed in the workbook but its part '{part}' is missing"
        parts[part] = name
    return parts


def _part_target(archive: zipfile.ZipFile, rels: str, base: str, kind: str) -> str | None:
    root = _xml(archive, rels, set(archive.namelist()))
    if root is None:
        return None
    for el in root.iter():
        if el.get("Type", "").endswith(kind):
            target = el.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else base + target
    return None


def _xml(archive: zipfile.ZipFile, name: str, names: set[str]):  # type: ignore[no-untyped-def]
    """A small XML part parsed with defusedxml, or None (missing, too large, not XML)."""
    if name not in names or archive.getinfo(name).file_size > MAX_XML_BYTES:
        return None
    try:
        return fromstring(archive.read(name))
    except (DefusedXmlException, ParseError, zipfile.BadZipFile, zlib.error, OSError):
        return None


def _extent_problem(rel: str, scans: dict[str, SheetScan], sheets: dict[str, str]) -> Issue | None:
    """A cell reference beyond Excel's limits (a damaged file) or a sheet whose cells
    reach so far that a reader's grid of it would not fit in memory."""
    for part, scan in scans.items():
        sheet = f"sheet '{sheets[part]}'" if part in sheets else f"part '{part}'"
        if scan.bad_ref:
            return _damaged(
                rel,
                f"the {sheet} holds a cell reference beyond Excel's last row (1048576) or "
                f"column (XFD), {scan.bad_ref}, which no spreadsheet program writes",
            )
        sparse = scan.grid_cells > SPARSE_SHEET_CELLS and (
            scan.grid_cells > SPARSE_RATIO * scan.cells
        )
        if scan.grid_cells > MAX_SHEET_CELLS or sparse:
            return _refuse(
                rel,
                "file-sheet-too-large",
                f"the {sheet} spans {scan.span} ({scan.rows:,} rows x {scan.columns:,} "
                f"columns) although it holds {scan.cells:,} filled cells: a "
                "cell far from the data (something typed or pasted far below or to the right). "
                "Delete the rows below and the columns right of the data, save and put the "
                "file back",
            )
    return None


def _damaged(rel: str, what: str) -> Issue:
    return _refuse(
        rel,
        "file-corrupt",
        f"the workbook is damaged: {what}; download the export again or open the file in "
        "Excel or LibreOffice, save it as .xlsx and put it back",
    )


def reader_failure(exc: BaseException) -> bool:
    """True for an exception a reader may raise on a damaged file: any ``Exception``, and
    a ``PanicException`` of a Rust reader (calamine), which derives from ``BaseException``
    only. Ctrl-C, SystemExit and the like are False: they must go through."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def has_macros(path: Path) -> bool:
    """True when a workbook holds a VBA project (macros). Macros are never run: the
    readers only read cell values. Never raises."""
    try:
        with zipfile.ZipFile(source.open_binary(path)) as archive:
            return any(n.lower().endswith("vbaproject.bin") for n in archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _refuse(rel: str, code: str, message: str) -> Issue:
    return Issue("error", code, message, file=rel)
