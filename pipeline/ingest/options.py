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


def _cell_states(block: pd.DataFrame) -> np.ndarray:
    """Per cell: 1 chosen, 0 not chosen, 2 neither (``2``, ``maybe``), -1 empty. Each
    distinct value is classified once, then looked up for every cell at C speed."""
    values = block.to_numpy(dtype=object).ravel()
    cells = pd.Categorical(values)  # missing cells get code -1
    states = np.array(
        [
            1 if str(v).casefold() in TRUE_CELLS else 0 if str(v).casefold() in FALSE_CELLS else 2
            for v in cells.categories
        ]
        + [-1],
        dtype=np.int8,
    )
    return states[cells.codes].reshape(block.shape)  # code -1 picks the trailing -1


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
    chosen = np.full(len(body), "", dtype=object)
    for j, choice in enumerate(present):  # a pass per option, over all rows at once
        chosen = chosen + np.where(state[:, j] == 1, choice + " ", "")
        bad = state[:, j] == 2
        if bad.any():
            _report_bad_cells(sheet, f, choice, columns[choice], block.iloc[:, j], bad, log)
    joined = pd.Series(chosen, index=body.index, dtype="string").str.strip()
    broken = pd.Series((state == 2).any(axis=1), index=body.index)
    return joined.mask(joined == "").astype("string"), broken


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
