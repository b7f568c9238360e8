"""Select-multiple answers in 0/1 option columns, and answers given twice.

KoboToolbox exports a select_multiple question as one space-separated cell (the summary
column) and, by default, one 0/1 column per option beside it; ODK Central can add the
option columns too. :func:`join_options` turns the option columns into the
space-separated form (for exports without a summary column); :func:`check_agreement`
compares the two forms where an export has both. The tool writes both from the same
answer, so a disagreement means the file was edited by hand: the answer contradicts
itself and is reported at the cell, as is an option cell holding anything but 1 or 0.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.errors import IssueLog
from pipeline.spec import FormField

MAX_CELL_ISSUES = 20  # per column; the rest are counted in one more issue
TRUE_CELLS = frozenset({"1", "1.0", "true", "yes", "x"})
FALSE_CELLS = frozenset({"0", "0.0", "false", "no"})


class RawSheet(Protocol):
    """What is used here of :class:`pipeline.ingest.headers.RawSheet` (which imports
    this module)."""

    headers: list[str]
    body: pd.DataFrame

    def where(self) -> dict[str, str]: ...


def _cell_state(value: object) -> int:
    folded = str(value).casefold()
    return 1 if folded in TRUE_CELLS else 0 if folded in FALSE_CELLS else 2


def _cell_states(block: pd.DataFrame) -> np.ndarray:
    """Per cell: 1 chosen, 0 not chosen, 2 neither (``2``, ``maybe``), -1 empty. Each
    distinct value of a column is classified once (the column factorised by pyarrow, no
    Python object per cell), then looked up for every cell at C speed."""
    states = np.empty(block.shape, dtype=np.int8)
    for j in range(block.shape[1]):
        codes, uniques = pd.factorize(block.iloc[:, j])  # missing cells get code -1
        table = np.array([*map(_cell_state, uniques), -1], dtype=np.int8)
        states[:, j] = table[codes]  # code -1 picks the trailing -1
    return states


def join_options(
    sheet: RawSheet, f: FormField, columns: dict[str, int], order: tuple[str, ...], log: IssueLog
) -> tuple[pd.Series, pd.Series]:
    """0/1 option columns -> 'name name' in choice order (<NA> when nothing is chosen),
    and which rows have an option cell that is neither 1 nor 0 (``2``, ``maybe``: an
    error at that cell, read as not chosen)."""
    body = sheet.body
    present = [c for c in order if c in columns]
    if not present:
        return pd.Series(pd.NA, index=body.index, dtype="string"), pd.Series(False, index=body.index)
    block = body[[columns[c] for c in present]]
    state = _cell_states(block)
    for j, choice in enumerate(present):
        bad = state[:, j] == 2
        if bad.any():
            _report_bad_cells(sheet, f, choice, columns[choice], block.iloc[:, j], bad, log)
    # the chosen (row, option) pairs come row by row, options in choice order: one list
    # of names per row, joined by pyarrow
    rows, options = np.nonzero(state == 1)
    per_row = np.bincount(rows, minlength=len(body))
    offsets = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int64)
    names = pa.array(present, type=pa.large_string()).take(pa.array(options))
    joined = pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets), names), pa.scalar(" ", pa.large_string()))
    joined = pc.if_else(pa.array(per_row > 0), joined, pa.scalar(None, pa.large_string()))
    broken = pd.Series((state == 2).any(axis=1), index=body.index)
    return pd.Series(pd.array(joined, dtype="string"), index=body.index), broken


def _report_bad_cells(
    sheet: RawSheet, f: FormField, choice: str, column: int, cells: pd.Series, bad: np.ndarray,
    log: IssueLog,
) -> None:
    log.errors_at_rows(
        "option-cell",
        [int(r) for r in cells.index[bad]],
        lambda row: f"'{cells[row]}' in the option column '{choice}' of '{f.name}'; expected "
        "1 (chosen) or 0 (not chosen)",
        "more cells of this option column that are neither 1 nor 0",
        MAX_CELL_ISSUES,
        column=sheet.headers[column],
        **sheet.where(),
    )


def check_agreement(
    sheet: RawSheet,
    f: FormField,
    summary: pd.Series,
    raw: pd.Series,
    joined: pd.Series,
    columns: dict[str, int],
    order: tuple[str, ...],
    summary_header: str,
    log: IssueLog,
    skip: pd.Series | None = None,
) -> None:
    """An error at each summary cell whose choices differ from its 0/1 option columns.

    ``summary``: the summary cells as choice names (space-separated); ``raw``: the same
    cells as written (for the message); ``joined``: :func:`join_options` of the option
    columns. Only choices that have an option column are compared (a choice outside the
    list is the validator's to report), and not on the rows in ``skip`` (an option cell
    there is reported already)."""
    compared = [c for c in order if c in columns]
    wanted = set(compared)

    def canonical(text: str) -> str:
        tokens = set(text.split()) & wanted
        return " ".join(c for c in compared if c in tokens)

    uniques = summary.dropna().unique()
    said = summary.map({u: canonical(str(u)) for u in uniques}).astype("string").fillna("")
    differ = said != joined.fillna("")
    if skip is not None:
        differ &= ~skip
    if not differ.any():
        return
    rows = [int(r) for r in differ[differ].index]
    prefix = summary_header.rsplit("/", 1)[0] if "/" in summary_header else summary_header
    def disagreement(row: int) -> str:
        cell, options = raw[row], joined[row]
        shown = f"'{cell}'" if pd.notna(cell) else "blank"
        return (
            f"the answer contradicts itself: the cell says {shown} but its 0/1 option "
            f"columns ({prefix}/...) say {repr(options) if pd.notna(options) else 'none'}; "
            "correct the cell or the option columns so that they agree"
        )

    log.errors_at_rows(
        "option-disagree",
        rows,
        disagreement,
        f"more answers of '{f.name}' that disagree with their option columns",
        MAX_CELL_ISSUES,
        column=summary_header,
        **sheet.where(),
    )
