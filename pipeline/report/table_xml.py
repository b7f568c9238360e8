"""Word table rows as XML, built in one string and parsed once (python-docx's cell-by-cell
API is slow on long tables), and the column widths fitted to the page."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from xml.sax.saxutils import escape as xml_escape

import numpy as np
from docx.shared import Cm, Pt

QUOTE = {'"': "&quot;"}
_CHAR = Cm(0.17)  # average width of a character at the table font size (8.5 pt)
_PAD = Cm(0.35)  # left + right cell margins, with a little air
_RUN_BREAKS = re.compile(r"([\t\r\n])")


def _run_xml(text: str) -> str:
    """A ``w:r`` holding ``text`` as python-docx's ``Paragraph.add_run(text)`` writes it: a
    tab as ``w:tab``, a line break as ``w:br``, ``xml:space`` kept where the text has outer
    spaces, and an empty run for empty text."""
    parts = []
    for piece in _RUN_BREAKS.split(text):
        if piece == "\t":
            parts.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            parts.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            parts.append(f"<w:t{space}>{xml_escape(piece)}</w:t>")
    return f"<w:r>{''.join(parts)}</w:r>" if parts else "<w:r/>"


def table_rows_xml(
    values: list[list[str]],
    widths: Sequence[int],
    aligned: Sequence[bool],
    keep_next: Sequence[bool],
    fills: np.ndarray | None,
    whole: Sequence[bool] | None = None,
) -> str:
    """The ``w:tr`` elements of a table (header row first) as XML text, the same elements
    that building the rows cell by cell through python-docx makes, in one string parsed
    once: a profile or a report writes thousands of cells, and python-docx's per-cell
    objects cost about a millisecond each.

    Each row: the header repeated on every page (``w:tblHeader``), each cell's width,
    right alignment and shading; ``keep_next[r]``: row ``r``'s paragraphs keep with the
    next row (Word's "Keep with next", how Word keeps table rows on one page);
    ``whole[r]`` (default: every row): the row does not break across pages
    (``w:cantSplit``)."""
    tc_w = [f'<w:tcW w:type="dxa" w:w="{int(w / 635)}"/>' for w in widths]  # EMU -> twips
    out = []
    for r, row in enumerate(values):
        can_split = "" if whole is None or whole[r] else None
        tr_pr = ("<w:cantSplit/>" if can_split is not None else "") + ("<w:tblHeader/>" if r == 0 else "")
        out.append(f"<w:tr><w:trPr>{tr_pr}</w:trPr>" if tr_pr else "<w:tr>")
        keep = "<w:keepNext/>" if keep_next[r] else ""
        for c, value in enumerate(row):
            shade = ""
            if r and fills is not None:
                fill = fills[r - 1][c]
                if isinstance(fill, str) and fill:
                    shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{xml_escape(fill, QUOTE)}"/>'
            props = keep + ('<w:jc w:val="right"/>' if aligned[c] else "")
            p_pr = f"<w:pPr>{props}</w:pPr>" if props else ""
            out.append(f"<w:tc><w:tcPr>{tc_w[c]}{shade}</w:tcPr><w:p>{p_pr}{_run_xml(value)}</w:p></w:tc>")
        out.append("</w:tr>")
    return "".join(out)


# How a table that may break across pages keeps its ends: the header row with at least
# the first HEAD_ROWS body rows, the last TAIL_ROWS body rows together (no row left alone
# at the top of a page).
HEAD_ROWS = 2
TAIL_ROWS = 3


def keep_with_next(n_body: int, together: bool, note: bool) -> list[bool]:
    """Which rows (header first) keep with the next one.

    ``together``: the whole table stays on one page (every row but the last keeps with
    the next; the last too when a ``note`` follows, so that the note is not left alone at
    the top of a page). Otherwise the table may break between rows, but not right after
    the header's first HEAD_ROWS rows, and not within its last TAIL_ROWS rows (in a table
    that short, nowhere)."""
    rows = n_body + 1
    if together or n_body <= HEAD_ROWS + TAIL_ROWS:
        keep = [True] * rows
    else:
        keep = [r <= HEAD_ROWS - 1 or r >= rows - TAIL_ROWS for r in range(rows)]
    keep[-1] = note
    return keep


_LINE = Pt(8.5 * 1.17)  # a line of table text (8.5 pt, single spacing)
_ROW_PAD = Pt(4)  # a cell's top and bottom margins (40 twips each)


def row_heights(values: list[list[str]], widths: Sequence[int]) -> list[int]:
    """Each row's height (EMU) as the page will show it, about: its tallest cell, each
    cell's text wrapped at the column's width (a character at its average width)."""
    per_line = [max(int((w - _PAD) / _CHAR), 1) for w in widths]
    heights = []
    for row in values:
        lines = max(
            (sum(max(math.ceil(len(part) / n), 1) for part in str(text).split("\n")) for text, n in zip(row, per_line, strict=True)),
            default=1,
        )
        heights.append(int(lines * _LINE + _ROW_PAD))
    return heights


def text_columns(text: Sequence[list[str]]) -> frozenset[tuple[str, ...]]:
    """A table's columns (each the list of its cell texts) as tuples, headers left out."""
    return frozenset(tuple(column) for column in text)


def column_weights(text: Sequence[list[str]], headers: Sequence[str]) -> list[float]:
    """Relative column widths: a high quantile of the cell text lengths (and header words).
    ``text``: each column's cells as shown."""
    weights = []
    for i, column in enumerate(text):
        lengths = [len(t) for t in column]
        body = float(np.quantile(lengths, 0.9)) if lengths else 0.0
        longest_word = max((len(w) for w in str(headers[i]).split()), default=4)
        weights.append(min(max(body, longest_word, 4.0), 45.0))
    return weights


def min_widths(text: Sequence[list[str]], headers: Sequence[str], cap: int = 20) -> list[int]:
    """The width (EMU) below which a column would break words: its longest header word,
    or its longest word in the body (up to ``cap`` characters; longer ones may wrap).
    ``text``: each column's cells as shown."""
    out = []
    for i, column in enumerate(text):
        longest = max((len(w) for t in column for w in t.split()), default=0)
        body = min(longest, cap)
        head = max((len(w) for w in str(headers[i]).split()), default=1) * 1.15  # bold
        out.append(int(max(body, head, 2) * _CHAR + _PAD))
    return out


def fit_widths(weights: Sequence[float], minimum: Sequence[int], available: int) -> list[int]:
    """Share ``available`` width in proportion to ``weights``, never below ``minimum``
    (when even the minimums do not fit, they are scaled down together)."""
    n = len(weights)
    if sum(minimum) >= available:
        return [int(available * m / sum(minimum)) for m in minimum]
    fixed: dict[int, int] = {}
    while True:
        free = [i for i in range(n) if i not in fixed]
        room = available - sum(fixed.values())
        total = sum(weights[i] for i in free) or 1.0
        widths = {i: int(room * weights[i] / total) for i in free}
        short = [i for i in free if widths[i] < minimum[i]]
        if not short:
            return [fixed.get(i, widths.get(i, 0)) for i in range(n)]
        for i in short:
            fixed[i] = int(minimum[i])
