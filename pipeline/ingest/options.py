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


def join_options(
    sheet: RawSheet, f: FormField, columns: dict[str, int], order: tuple[str, ...], log: IssueLog
) -> tuple[pd.Series, pd.Series]:
    """0/1 option columns -> 'name name' in choice order (<NA> when nothing is chosen),
    and which rows have an option cell that is neither 1 nor 0 (``2``, ``maybe``: an
    error at that cell, read as not chosen)."""
    body = sheet.body
    chosen = pd.Series("", index=body.index, dtype="string")
    broken = pd.Series(False, index=body.index)
    for choice in [c for c in order if c in columns]:
        cells = body[columns[choice]]
        folded = cells.str.casefold()
        yes = folded.isin(TRUE_CELLS).fillna(False).astype(bool)
        no = folded.isin(FALSE_CELLS).fillna(False).astype(bool)
        bad = cells.notna() & ~yes & ~no
        broken |= bad
        if bad.any():
            header = sheet.headers[columns[choice]]
            rows = [int(r) for r in bad[bad].index]
            for row in rows[:MAX_CELL_ISSUES]:
                log.error(
                    "option-cell",
                    f"'{cells[row]}' in the option column '{choice}' of '{f.name}'; expected "
                    "1 (chosen) or 0 (not chosen)",
                    column=header,
                    row=row,
                    **sheet.where(),
                )
            if len(rows) > MAX_CELL_ISSUES:
                log.error(
                    "option-cell",
                    f"... and {len(rows) - MAX_CELL_ISSUES} more cells of this option column "
                    "that are neither 1 nor 0",
                    column=header,
                    **sheet.where(),
                )
        chosen = chosen.mask(yes, chosen + choice + " ")
    joined = chosen.str.strip()
    return joined.mask(joined == "").astype("string"), broken


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
    for row in rows[:MAX_CELL_ISSUES]:
        cell = raw[row]
        shown = f"'{cell}'" if pd.notna(cell) else "blank"
        options = joined[row]
        log.error(
            "option-disagree",
            f"the answer contradicts itself: the cell says {shown} but its 0/1 option "
            f"columns ({prefix}/...) say {repr(options) if pd.notna(options) else 'none'}; "
            "correct the cell or the option columns so that they agree",
            column=summary_header,
            row=row,
            **sheet.where(),
        )
    if len(rows) > MAX_CELL_ISSUES:
        log.error(
            "option-disagree",
            f"... and {len(rows) - MAX_CELL_ISSUES} more answers of '{f.name}' that disagree "
            "with their option columns",
            column=summary_header,
            **sheet.where(),
        )
