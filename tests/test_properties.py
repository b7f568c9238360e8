"""Property-based tests: random tables, random cell values and random bytes given to the
readers, the validator and the normaliser. Whatever comes in, they either read it or
report it (an :class:`~pipeline.errors.Issue`, or the project's own
:class:`~pipeline.errors.PipelineError`), never an unhandled exception, and a reader
never fails in a way the round reader has to catch for it (``reader-failed``)."""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell import WriteOnlyCell

from pipeline.errors import Issue, IssueLog, PipelineError
from pipeline.exports import field_path
from pipeline.ingest.round_reader import read_round
from pipeline.ingest.safe import OLE_SIGNATURE
from pipeline.normalise import normalise
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey
from pipeline.tables import META_COLUMNS, REPEAT_META_COLUMNS, TIDY_COLUMNS, RawRound
from pipeline.validate import validate


def fast(examples: int) -> settings:
    """Few examples, no deadline: each example reads real files (about 0.1 s). Set
    EMG_PROPERTY_EXAMPLES=500 for a thorough hunt."""
    return settings(
        max_examples=int(os.environ.get("EMG_PROPERTY_EXAMPLES", examples)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SEVERITIES = {"error", "warning", "info"}
KOBO_META = ["_uuid", "_id", "_submission_time", "_index", "_parent_index", "__version__"]
AWKWARD = [
    "", " ", "major", "Major", "UNEP", "UN Environment", "2108", "-5", "1e309", "nan", "NaN",
    "=1+1", "@SUM(A1)", "+", "0", "1.0", "yes", "x", "2026-03-01T10:00:00", "31/02/2026",
    "\x00", "\x07bell", "\ufffe", "\u202eright-to-left", "电子废物", "a;b,c\td", '"quoted"',
    "line\nbreak", "../../evil", "x" * 300,
]


@contextmanager
def round_folder() -> Iterator[Path]:
    """An empty round folder (a new temporary one for each example)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "2026-R1"
        folder.mkdir()
        yield folder


def cells() -> st.SearchStrategy[str | None]:
    """Random cell values: empty, awkward, numbers, any unicode text."""
    return st.one_of(
        st.none(),
        st.sampled_from(AWKWARD),
        st.integers(-10**12, 10**12).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(max_size=40),
    )


def header_pool(survey: Survey) -> list[str]:
    """Headers an export might have: XML paths, bare names, labels, Kobo meta columns."""
    fields = survey.fields() + [f for s in survey.repeat_sections for f in survey.fields(s)]
    pool = [*KOBO_META, "start", "end", "meta/instanceID", "KEY", "PARENT_KEY", "SubmissionDate"]
    for f in fields:
        pool += ["/".join(field_path(f, survey)), f.name, f.label]
    return pool


def headers(survey: Survey) -> st.SearchStrategy[list[str]]:
    return st.lists(
        st.one_of(st.sampled_from(header_pool(survey)), st.text(max_size=20)),
        min_size=1,
        max_size=14,
    )


def tables(survey: Survey) -> st.SearchStrategy[tuple[list[str], list[list[str | None]]]]:
    """A header row and up to 6 rows of random cells (rows may be short or long)."""
    return st.tuples(headers(survey), st.lists(st.lists(cells(), max_size=16), max_size=6))


def assert_reported(log: IssueLog, raw: RawRound) -> None:
    """Everything went into issues and canonical tables; no reader crashed."""
    assert all(isinstance(i, Issue) and i.severity in SEVERITIES for i in log.issues)
    assert not [i for i in log.issues if i.code in {"reader-failed", "reader-broken"}], [
        str(i) for i in log.issues
    ]
    assert all(i.file for i in log.issues if i.severity == "error")
    assert list(raw.main.columns[: len(META_COLUMNS)]) == META_COLUMNS


def read_and_validate(folder: Path, survey: Survey, registry: Registry) -> None:
    """The first stages of a run on a round folder; only the project's errors may escape
    (normalising is exercised on random canonical tables below)."""
    log = IssueLog()
    try:
        raw = read_round(folder, survey, registry, log)
        assert_reported(log, raw)
        validate(raw, survey, registry, log)
    except PipelineError:
        return
    assert all(isinstance(i, Issue) and i.severity in SEVERITIES for i in log.issues)


# -- readers ----------------------------------------------------------------------------
@pytest.mark.slow
@fast(30)
@given(
    table=st.data(),
    delimiter=st.sampled_from([";", ",", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_random_csv_exports_are_read_or_reported(
    survey: Survey, registry: Registry, table: st.DataObject, delimiter: str, encoding: str
) -> None:
    head, rows = table.draw(tables(survey))
    with round_folder() as folder:
        path = folder / "export.csv"
        with path.open("w", encoding=encoding, errors="replace", newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
            writer.writerow(head)
            writer.writerows([["" if c is None else c for c in row] for row in rows])
        read_and_validate(folder, survey, registry)


def _xlsx_cell(sheet: object, value: str | None) -> object:
    """A value as openpyxl writes it: numbers as numbers, text always as text."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None and abs(number) < 1e300:
        return number
    cell = WriteOnlyCell(sheet, value=NOT_IN_XML.sub("", value))  # type: ignore[arg-type]
    cell.data_type = "s"
    return cell


@pytest.mark.slow
@fast(25)
@given(
    sheets=st.lists(
        st.tuples(st.sampled_from(["E-waste IMG gap analysis", "projects", "Sheet1", "Données"]),
                  st.data()),
        min_size=1,
        max_size=3,
        unique_by=lambda s: s[0],
    )
)
def test_random_xlsx_exports_are_read_or_reported(
    survey: Survey, registry: Registry, sheets: list[tuple[str, st.DataObject]]
) -> None:
    drawn = [(title, *data.draw(tables(survey))) for title, data in sheets]  # before writing
    with round_folder() as folder:
        book = openpyxl.Workbook(write_only=True)
        for title, head, rows in drawn:
            ws = book.create_sheet(title)
            ws.append([_xlsx_cell(ws, h) for h in head])
            for row in rows:
                ws.append([_xlsx_cell(ws, c) for c in row])
        book.save(folder / "export.xlsx")
        read_and_validate(folder, survey, registry)


@pytest.mark.slow
@fast(30)
@given(
    start=st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", OLE_SIGNATURE, b"\xef\xbb\xbf",
                           b"\xff\xfe", b"<html>", b'"_uuid";"agency"\n']),
    body=st.binary(max_size=3000),
    suffix=st.sampled_from([".csv", ".xlsx", ".xlsm", ".xls", ".txt", ".zip", ".json", ""]),
)
def test_random_bytes_are_reported_never_raised(
    survey: Survey, registry: Registry, start: bytes, body: bytes, suffix: str
) -> None:
    with round_folder() as folder:
        (folder / f"received{suffix}").write_bytes(start + body)
        read_and_validate(folder, survey, registry)


# -- validator and normaliser -------------------------------------------------------------
def value_for(f: FormField, survey: Survey, registry: Registry) -> st.SearchStrategy[str | None]:
    """A valid answer of the field's type, or anything at all."""
    if f.type in {"entity", "entities"}:
        valid = st.sampled_from(registry.ids[:12])
    elif f.is_select:
        names = [c.name for c in survey.choices(f.list_name or "")]
        valid = st.lists(st.sampled_from(names), min_size=1, max_size=3).map(" ".join)
    elif f.type in {"integer", "decimal"}:
        valid = st.integers(int(f.min or 0), int(f.max or 10**6)).map(str)
    else:
        valid = st.text(max_size=30)
    return st.one_of(st.none(), valid, cells())


def canonical(survey: Survey, registry: Registry, section: str | None, ids: list[str],
              n: int) -> st.SearchStrategy[pd.DataFrame]:
    """A canonical wide table of ``n`` rows, every value text or NA."""
    fields = survey.fields(section)
    columns = {f.name: st.lists(value_for(f, survey, registry), min_size=n, max_size=n)
               for f in fields}
    if section is None:
        columns |= {
            "_submission_id": st.just(ids),
            "_submitted_at": st.lists(st.one_of(st.none(), st.sampled_from(
                ["2026-03-01T10:00:00+0000", "2026-03-01", "yesterday"])), min_size=n, max_size=n),
            "_source_file": st.just(["export.xlsx"] * n),
            "_source_sheet": st.just(["data"] * n),
            "_source_row": st.just([str(i + 2) for i in range(n)]),
            "_reader": st.just(["kobo-xlsx"] * n),
            "_form_version": st.lists(st.sampled_from([None, "2026.1", "2025.1"]), min_size=n,
                                      max_size=n),
        }
    else:
        columns |= {
            "_submission_id": st.lists(st.sampled_from([*ids, "nobody"]) if ids else
                                       st.just("nobody"), min_size=n, max_size=n),
            "_source_file": st.just(["export.xlsx"] * n),
            "_source_sheet": st.just([section] * n),
            "_source_row": st.just([str(i + 2) for i in range(n)]),
        }
    meta = META_COLUMNS if section is None else REPEAT_META_COLUMNS
    order = [*meta, *(f.name for f in fields)]
    return st.fixed_dictionaries(columns).map(
        lambda d: pd.DataFrame(d, columns=order).astype("string")
    )


@pytest.mark.slow
@fast(20)
@given(data=st.data(), n=st.integers(0, 5), n_repeat=st.integers(0, 4))
def test_random_canonical_tables_are_validated_and_normalised(
    survey: Survey, registry: Registry, data: st.DataObject, n: int, n_repeat: int
) -> None:
    ids = [f"kobo:{i}" for i in range(n)]
    main = data.draw(canonical(survey, registry, None, ids, n))
    repeats = {s: data.draw(canonical(survey, registry, s, ids, n_repeat))
               for s in survey.repeat_sections}
    raw = RawRound(main=main, repeats=repeats)
    log = IssueLog()
    try:
        validate(raw, survey, registry, log)
        responses = normalise(raw, survey, registry, "2026-R1", log)
    except PipelineError:
        return
    assert all(isinstance(i, Issue) and i.severity in SEVERITIES for i in log.issues)
    assert all(i.file == "export.xlsx" for i in log.issues if i.row is not None)
    assert list(responses.tidy.columns) == TIDY_COLUMNS
    assert responses.submissions["entity_id"].is_unique
    assert set(responses.submissions["entity_id"]) <= set(registry.ids)
