"""Survey exports written the way the real tools write them, for the tests.

KoboToolbox's XLSX export is written by formpack (``reporting/export.py``, ``to_xlsx``)
with xlsxwriter in constant-memory mode, every cell through ``worksheet.write()``: a text
answer that starts with ``=`` therefore becomes a formula cell (``<f>...</f><v>0</v>``),
whole numbers stay numbers. Its meta columns are ``_id, _uuid, _submission_time,
_validation_status, _notes, _status, _submitted_by, __version__, _tags, _index``;
``_validation_status`` holds the status uid (``validation_status_approved``,
``validation_status_not_approved``, ``validation_status_on_hold``) in an export with XML
values, its label ("Approved", "Not approved", "On hold") in a label export, and nothing
when no status was set; ``__version__`` holds Kobo's own deployment id (``vQ3s...``),
never the form's version. A Kobo CSV export has the same columns, no repeat rows.

ODK Central's CSV export (central-backend ``lib/data/briefcase.js``) ends each submission
with ``KEY, SubmitterID, SubmitterName, AttachmentsPresent, AttachmentsExpected, Status,
ReviewState, DeviceID, Edits, FormVersion``; ``ReviewState`` is empty for a received
submission, else ``hasIssues``, ``edited``, ``approved`` or ``rejected``.

The header layout comes from :func:`pipeline.exports.kobo_tables` (Kobo's column order and
group paths); the cells are written here by xlsxwriter as formpack writes them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from pipeline.exports import kobo_tables, write_odk_csv
from pipeline.registry import Registry
from pipeline.spec import Survey

xlsxwriter = pytest.importorskip("xlsxwriter", reason="a dev dependency: run `make install`")

KOBO_DEPLOYMENT = "vQ3sBnT8kRfW6yPz2LcMdA"  # what Kobo writes in __version__
KOBO_STATUS_UID = {
    "approved": "validation_status_approved",
    "not_approved": "validation_status_not_approved",
    "on_hold": "validation_status_on_hold",
}
KOBO_STATUS_LABEL = {"approved": "Approved", "not_approved": "Not approved", "on_hold": "On hold"}

Tables = dict[str, dict[str, list[object]]]


def kobo_export_tables(
    main: pd.DataFrame,
    repeats: dict[str, pd.DataFrame],
    survey: Survey,
    registry: Registry,
    *,
    headers: str = "xml",
    separator: str = "/",
    statuses: list[str | None] | None = None,
) -> Tables:
    """The sheets of a Kobo export of ``main``/``repeats``, with Kobo's deployment id in
    ``__version__`` and ``statuses`` (``approved``, ``not_approved``, ``on_hold`` or None
    per submission) written as Kobo writes them for this kind of export."""
    tables = kobo_tables(
        main, repeats, survey, registry, headers=headers, separator=separator  # type: ignore[arg-type]
    )
    first = next(iter(tables.values()))
    n = len(main)
    first["__version__"] = [KOBO_DEPLOYMENT] * n
    names = KOBO_STATUS_LABEL if headers == "label" else KOBO_STATUS_UID
    status_cells = [None if s is None else names[s] for s in (statuses or [None] * n)]
    first["_validation_status"] = list(status_cells)
    by_index = dict(zip(first["_index"], status_cells, strict=True))
    for table in list(tables.values())[1:]:
        table["_submission___version__"] = [KOBO_DEPLOYMENT] * len(table["_index"])
        table["_submission__validation_status"] = [by_index.get(p) for p in table["_parent_index"]]
    return tables


def _blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def write_formpack_xlsx(tables: Tables, path: Path) -> Path:
    """Write the sheets as formpack does: xlsxwriter, constant memory, ``write()`` per cell
    (``None`` cells are left empty, as formpack writes ``''``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "default_date_format": "yyyy-mm-dd", "remove_timezone": True},
    )
    for title, table in tables.items():
        sheet = book.add_worksheet(title)
        for col, header in enumerate(table):
            sheet.write(0, col, header)
        for row, cells in enumerate(zip(*table.values(), strict=True), start=1):
            for col, value in enumerate(cells):
                sheet.write(row, col, "" if _blank(value) else value)
    book.close()
    return path


def write_kobo_csv_export(tables: Tables, path: Path, delimiter: str = ";") -> Path:
    """The submissions sheet as Kobo's CSV export: every cell quoted, no repeat rows."""
    main = next(iter(tables.values()))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, quoting=csv.QUOTE_ALL)
        writer.writerow(list(main))
        for cells in zip(*main.values(), strict=True):
            writer.writerow(["" if _blank(v) else v for v in cells])
    return path


def write_central_csv(
    main: pd.DataFrame,
    repeats: dict[str, pd.DataFrame],
    survey: Survey,
    registry: Registry,
    folder: Path,
    form_id: str,
    review_states: list[str | None] | None = None,
) -> list[Path]:
    """ODK Central's unzipped CSV export, with ``review_states`` (Central's own values,
    None for a received submission) in the ``ReviewState`` column."""
    written = write_odk_csv(main, repeats, survey, registry, folder, form_id)
    if review_states is not None:
        path = folder / f"{form_id}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["ReviewState"] = ["" if s is None else s for s in review_states]
        frame.to_csv(path, index=False)
    return written
