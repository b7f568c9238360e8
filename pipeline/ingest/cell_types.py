"""The cells of a worksheet whose text an Arrow reader cannot give exactly, read from its XML.

:mod:`pipeline.ingest.arrow_grid` reads a workbook with fastexcel, every cell as text. For a
text cell and a whole number that text is the one the calamine reader gives
(:func:`pipeline.ingest.detect._cell_text`); for other cells it is not: fastexcel writes a
number with at most nine decimals (``29.02`` for ``29.020000000000003``, ``0.000015`` for
``1.5e-05``), a boolean as ``true``, minus zero as ``-0``. :class:`CellTypes` is fed the
decompressed bytes of a worksheet part (by :func:`pipeline.ingest.safe.check_zip`, which
reads every part once anyway) and keeps those cells, each with its saved value:

- a number whose saved value is not a plain whole number (it holds ``.``, ``E`` or is
  ``-0``), kind ``"n"``;
- a boolean (``t="b"``), kind ``"b"``.

Cells it cannot place make the sheet :attr:`CellTypes.unsure` (the reader then takes the
calamine path for that sheet): an ISO date cell (``t="d"``, which only some writers use),
a cell around a hit that does not parse as ``<c ...><f/>?<v>...</v></c>``, a row longer
than :data:`MAX_CARRY` bytes. Most cells are never looked at: only the places where
``<v>`` holds a ``.``, an ``E`` or ``-0``, and every ``t="b"``, are parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_CARRY = 64 * 2**20  # a row this long is not an export's: the sheet is read the slow way
MAX_CELLS = 2_000_000  # more special cells than this: the sheet is read the slow way

_NUMBER_HIT = re.compile(rb'<v>(?:[^<]*[.Ee][^<]*|-0)</v>')  # a literal start: fast search
_TYPE_HIT = re.compile(rb'\st="[bd]"')
_CELL = re.compile(
    rb'<c(\s[^>]*?)(?<!/)>(?:<f(?:\s[^>]*)?/>|<f(?:\s[^>]*)?>[^<]*</f>)?<v>([^<]*)</v>\s*</c>'
)
_REF = re.compile(rb'\sr="([A-Z]{1,3})([1-9][0-9]{0,6})"')
_TYPE = re.compile(rb'\st="([A-Za-z]+)"')
_TEXT_TYPES = frozenset({b"s", b"str", b"inlineStr", b"e"})


@dataclass
class CellTypes:
    """The special cells of one worksheet part, fed its XML block by block."""

    part: str
    cells: list[tuple[int, int, str, str]] = field(default_factory=list)
    """(row, column, kind, saved value): row and column 1-based, as a person sees them."""
    unsure: str = ""
    """Why the sheet's text cannot be derived exactly from an Arrow read ("" when it can)."""
    _carry: bytes = b""

    def feed(self, block: bytes) -> None:
        """Look at the next block of the part's bytes (whole rows at a time)."""
        if self.unsure:
            return
        data = self._carry + block
        cut = data.rfind(b"</row>")
        if cut == -1:
            self._carry = data
            if len(data) > MAX_CARRY:
                self._give_up(f"a row of more than {MAX_CARRY // 2**20} MB")
            return
        cut += len(b"</row>")
        self._carry = data[cut:]
        self._scan(data[:cut])

    def finish(self) -> None:
        """Look at what is left."""
        if not self.unsure and self._carry:
            self._scan(self._carry)
        self._carry = b""

    def _give_up(self, why: str) -> None:
        self.unsure = why
        self.cells = []
        self._carry = b""

    def _scan(self, chunk: bytes) -> None:
        hits = list(_NUMBER_HIT.finditer(chunk))
        if b't="b"' in chunk or b't="d"' in chunk:  # a byte search first: seldom there
            hits = sorted(hits + list(_TYPE_HIT.finditer(chunk)), key=lambda m: m.start())
        done = -1  # the end of the last cell parsed: two hits in one cell are one cell
        for hit in hits:
            if hit.start() < done:
                continue
            start = chunk.rfind(b"<c", 0, hit.start() + 1)
            while start != -1 and chunk[start + 2 : start + 3] not in (b" ", b"\t", b"\n", b"\r"):
                start = chunk.rfind(b"<c", 0, start)  # '<col', '<cfRule' ...
            cell = _CELL.match(chunk, start) if start != -1 else None
            if cell is None or cell.end() < hit.end():
                if hit[0].endswith(b'"') and chunk.rfind(b"<", 0, hit.start()) != start:
                    continue  # t="b" of another element (no cell around it)
                self._give_up("a cell whose layout the fast reader does not know")
                return
            done = cell.end()
            attrs = cell[1]
            ref = _REF.search(attrs)
            kind = _TYPE.search(attrs)
            t = kind[1] if kind else b"n"
            if t in _TEXT_TYPES:
                continue
            if ref is None or t not in (b"n", b"b"):
                self._give_up(
                    "a cell without a reference" if ref is None else f"a cell of type '{t.decode()}'"
                )
                return
            self.cells.append(
                (int(ref[2]), _column(ref[1]), t.decode(), cell[2].decode("ascii", "replace"))
            )
            if len(self.cells) > MAX_CELLS:
                self._give_up("too many cells that are neither text nor whole numbers")
                return


def _column(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number
