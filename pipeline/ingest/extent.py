"""How far a worksheet's cells reach, read from its XML before any reader builds a grid.

Spreadsheet readers (calamine, openpyxl) build a dense grid from A1 to the last cell of a
sheet. One stray cell far from the data (``A1048576``, ``XFD1048576``) makes that grid
millions of empty cells: minutes and gigabytes, or an allocation that aborts the process
from inside the Rust reader. A cell reference beyond Excel's last row or column
(``C99999999``) makes calamine panic. :class:`SheetScan` is fed the decompressed bytes of a
worksheet part (by :func:`pipeline.ingest.safe.check_zip`, which reads every part once
anyway) and finds, with regular expressions over the raw XML and without building any
tree:

- every cell reference that is malformed or beyond Excel's limits (``bad_ref``);
- the last row and column of the cells that hold something (``rows``, ``columns``: what
  the readers' grids will span; cells with a style and no value are left out, as the
  readers leave them out) and how many such cells there are (``cells``);
- the declared ``<dimension ref=...>`` (informative only: the readers ignore it).

A ``<`` never appears inside an XML tag or attribute value, so every tag before the last
``<`` of a block is whole; the rest is carried to the next block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import itemgetter

EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
MAX_TAG_BYTES = 2**20  # a tag longer than this is not a spreadsheet's

_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_CELL_OPEN = re.compile(_PREFIX + rb"c(?=[\s/>])")
_CELL_REF = re.compile(_PREFIX + rb'c\s[^>]*?(?<=\s)r="([A-Z]{1,3})([1-9][0-9]{0,6})"([^>]*)>')
_FIRST_REF = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"([^>]*)>')
_EMPTY_FIRST = re.compile(rb'<c r="[A-Z]+[0-9]+"[^>]*/>')
_EMPTY_CELL = re.compile(_PREFIX + rb"c\s[^>]*/>")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
_TAG = re.compile(_PREFIX + rb"(row|c)(?=[\s/>])([^>]*)>")
_ATTR_R = re.compile(rb'(?<=\s)r="([^"]*)"')
_REF = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,9})$")
_DIMENSION = re.compile(_PREFIX + rb'dimension\s[^>]*?(?<=\s)ref="([^"]{0,64})"')


def column_number(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    """1 -> 'A', 16384 -> 'XFD'."""
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def valid_ref(ref: str) -> bool:
    """True for a cell reference within Excel's 1,048,576 rows and 16,384 columns."""
    match = _REF.match(ref)
    if not match:
        return False
    column, row = column_number(match[1]), int(match[2])
    return 1 <= column <= EXCEL_COLUMNS and 1 <= row <= EXCEL_ROWS


def _far_corner(refs: list[tuple[bytes, bytes, bytes]]) -> tuple[int, int]:
    """The largest column number and row number among cell references."""
    columns = set(map(itemgetter(0), refs))
    rows = set(map(itemgetter(1), refs))
    widest = max(columns, key=lambda c: (len(c), c))  # letters: longer is further right
    return column_number(widest.decode()), max(map(int, rows))


@dataclass
class SheetScan:
    """The extent of one worksheet part, fed its XML block by block (:meth:`feed`)."""

    part: str
    rows: int = 0
    columns: int = 0
    cells: int = 0
    declared: str = ""
    bad_ref: str = ""
    slow: bool = False  # some cells had no reference of their own, or an unusual layout
    _carry: bytes = b""
    _looked: bool = False
    _row: int = 0  # the current row and column, for cells that give no reference
    _column: int = 0

    @property
    def grid_cells(self) -> int:
        """How many cells a reader's grid of this sheet holds (A1 to the last cell)."""
        return self.rows * self.columns

    @property
    def span(self) -> str:
        """The grid as a range, e.g. ``A1:XFD1048576``."""
        return f"A1:{column_letters(self.columns)}{self.rows}" if self.cells else "(empty)"

    def feed(self, block: bytes) -> None:
        """Scan the next block of the part's bytes."""
        data = self._carry + block
        cut = data.rfind(b"<")
        if cut == -1 or data.find(b">", cut) != -1:
            cut = len(data)  # the last tag is whole
        self._carry = data[cut:]
        if len(self._carry) > MAX_TAG_BYTES and not self.bad_ref:
            self.bad_ref = f"(a tag of more than {MAX_TAG_BYTES // 2**20} MB)"
        self._scan(data[:cut])

    def finish(self) -> None:
        """Scan what is left (a part cut in the middle of a tag)."""
        self._scan(self._carry)
        self._carry = b""

    def _scan(self, chunk: bytes) -> None:
        if not chunk:
            return
        if not self.declared and not self._looked:
            self._looked = True  # <dimension> comes before the cells, in the first block
            found = _DIMENSION.search(chunk, 0, 2**16)
            if found:
                self.declared = found[1].decode("ascii", "replace")
                if not all(valid_ref(r) for r in self.declared.split(":")) and not self.bad_ref:
                    self.bad_ref = f"{self.declared} (the declared dimension)"
        refs, fast = self._refs(chunk)
        if refs is None:
            self.slow = True
            self._scan_slowly(chunk)  # cells without a reference, or malformed ones
            return
        if not refs:
            return
        widest, deepest = _far_corner(refs)
        if widest > EXCEL_COLUMNS or deepest > EXCEL_ROWS:
            bad = next(
                c.decode() + r.decode()
                for c, r, _ in refs
                if column_number(c.decode()) > EXCEL_COLUMNS or int(r) > EXCEL_ROWS
            )
            self.bad_ref = self.bad_ref or bad
            return
        self._row, self._column = int(refs[-1][1]), column_number(refs[-1][0].decode())
        valued = refs
        empty = b"/>" in chunk and (_EMPTY_FIRST if fast else _EMPTY_CELL).search(chunk)
        if empty:  # a cell with a style and no value
            valued = [t for t in refs if t[2][-1:] != b"/"]
            if valued:
                widest, deepest = _far_corner(valued)
        if valued:
            self.cells += len(valued)
            self.columns, self.rows = max(self.columns, widest), max(self.rows, deepest)

    @staticmethod
    def _refs(chunk: bytes) -> tuple[list[tuple[bytes, bytes, bytes]] | None, bool]:
        """(letters, digits, the rest of the tag) of every cell of the chunk, or None when
        a cell has no valid reference; True when the fast path found them: the reference
        as the first attribute and no namespace prefix, as Excel, LibreOffice, XlsxWriter
        and openpyxl write cells."""
        # a byte search first: a prefixed cell tag ('<x:c ') holds ':c'
        if b":c" not in chunk or _PREFIXED_CELL.search(chunk) is None:
            opened = chunk.count(b"<c ") + chunk.count(b"<c>") + chunk.count(b"<c/>")
            refs = _FIRST_REF.findall(chunk)
            if len(refs) == opened:
                return refs, True
        refs = _CELL_REF.findall(chunk)
        return (refs if len(refs) == len(_CELL_OPEN.findall(chunk)) else None), False

    def _scan_slowly(self, chunk: bytes) -> None:
        """Tag by tag, in order: rows and cells without ``r`` follow the previous one."""
        bad_row = ""  # reported when no cell of the chunk has a bad reference itself
        for match in _TAG.finditer(chunk):
            name, attrs = match[1], match[2]
            said = _ATTR_R.search(attrs)
            if name == b"row":
                if said is None:
                    self._row += 1
                elif said[1].isdigit() and 1 <= int(said[1]) <= EXCEL_ROWS:
                    self._row = int(said[1])
                else:
                    bad_row = bad_row or f"row {said[1].decode('ascii', 'replace')[:20]}"
                self._column = 0
                continue
            if said is None:
                self._column += 1
                row, column = max(self._row, 1), self._column
            else:
                ref = said[1].decode("ascii", "replace")
                match_ref = _REF.match(ref)
                if not valid_ref(ref) or match_ref is None:
                    self.bad_ref = self.bad_ref or ref[:20]
                    return
                row, column = int(match_ref[2]), column_number(match_ref[1])
                self._row, self._column = row, column
            if column > EXCEL_COLUMNS or row > EXCEL_ROWS:
                self.bad_ref = self.bad_ref or f"{column_letters(column)}{row}"
                return
            if not attrs.rstrip().endswith(b"/"):
                self.cells += 1
                self.rows, self.columns = max(self.rows, row), max(self.columns, column)
        self.bad_ref = self.bad_ref or bad_row
