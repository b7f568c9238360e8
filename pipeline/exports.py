"""Writers of realistic survey exports, for the demo and the tests.

They take canonical wide tables (docs/architecture.md: the field columns plus
``_submission_id`` and ``_submitted_at``; repeat rows carry their parent's
``_submission_id``) and write what KoboToolbox or ODK Central would give an analyst:

- :func:`write_kobo_xlsx`: group-path headers (``lifecycle/raw_materials/...``) or
  labels, select_multiple as a space-separated column and one 0/1 column per option, Kobo's
  meta columns, one sheet per repeat linked by ``_index``/``_parent_index``;
- :func:`write_kobo_csv`: the submissions as a Kobo CSV (``;`` by default, every cell
  quoted), in any encoding the tests need (UTF-8, UTF-8 with BOM, cp1252);
- :func:`write_odk_csv`: ODK Central's ``<form>.csv`` and ``<form>-<repeat>.csv``.

:func:`example_round` makes a few deterministic submissions that touch every field type.
The readers in :mod:`pipeline.ingest` read all of these back to the same canonical values.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import openpyxl
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pipeline.crosschecks import respect_checks
from pipeline.forms import FORM_VERSION_FIELD, field_options
from pipeline.ingest.headers import KOBO_SUBMISSION_META, ODK_SUBMISSION_META
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey

Headers = Literal["xml", "label"]

KOBO_META_FIRST = ["start", "end"]
KOBO_META_LAST = [*KOBO_SUBMISSION_META, "_index"]
KOBO_REPEAT_META = [
    "_index",
    "_parent_table_name",
    "_parent_index",
    *(f"_submission_{m}" for m in KOBO_SUBMISSION_META),
]
ODK_META_LAST = list(ODK_SUBMISSION_META)
DIMENSION_GROUP_PREFIX = ""
FIRST_ID = 41_000_000  # Kobo's _id are large integers
SHEET_NAME_LIMIT = 31


def kobo_deployment(survey: Survey) -> str:
    """A deployment id as KoboToolbox writes in ``__version__`` (``v`` and 22 letters and
    digits), stable for a survey's form version: never the form version itself."""
    digest = uuid.uuid5(uuid.NAMESPACE_URL, f"kobo:{survey.id}:{survey.model.form_version}")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    number, letters = digest.int, []
    for _ in range(22):
        number, rem = divmod(number, len(alphabet))
        letters.append(alphabet[rem])
    return "v" + "".join(letters)


def submission_uuid(submission_id: str) -> str:
    """A stable UUID for a canonical submission id (what Kobo/ODK would have assigned)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"emg-pipeline:{submission_id}"))


# -- columns ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Column:
    header: str
    field: FormField
    option: str | None = None  # a 0/1 option column of a select_multiple


def field_path(f: FormField, survey: Survey, labels: bool = False) -> list[str]:
    """Group path of a field: section, ``<dimension>`` subgroup (as the XLSForm names it) when the section is asked
    per dimension, field name (or the labels of each, as Kobo's label export shows them)."""
    section = next(s for s in survey.model.sections if s.id == f.section)
    path = [section.label if labels else section.id]
    if section.per_dimension and f.dimension:
        dim = survey.dimension_labels(section.per_dimension)[f.dimension]
        path.append(dim if labels else f"{DIMENSION_GROUP_PREFIX}{f.dimension}")
    path.append(f.label if labels else f.name)
    return path


def _choices(f: FormField, survey: Survey, registry: Registry) -> list[tuple[str, str]]:
    """(name, label) of a select field's choices, as the XLSForm of :mod:`pipeline.forms`
    declares them (entities: 'UNEP - United Nations Environment Programme')."""
    return field_options(survey, registry, f)


def _columns(
    survey: Survey,
    registry: Registry,
    repeat: str | None,
    headers: Headers,
    split_multiple: bool | str,
    sep: str,
    option_sep: str = "/",
) -> list[_Column]:
    columns: list[_Column] = []
    labels = headers == "label"
    for f in survey.fields(repeat):
        base = sep.join(field_path(f, survey, labels))
        columns.append(_Column(base, f))
        split = split_multiple and not (f.type == "entities" and split_multiple == "except-entities")
        if f.is_multiple and split:
            for name, label in _choices(f, survey, registry):
                columns.append(_Column(f"{base}{option_sep}{label if labels else name}", f, name))
    return columns


def _cell_values(
    table: pd.DataFrame,
    columns: list[_Column],
    survey: Survey,
    registry: Registry,
    labels: bool,
    numbers: bool,
) -> dict[str, list[object]]:
    """Column header -> cell values (None for empty) as the export shows them."""
    out: dict[str, list[object]] = {}
    chosen: dict[str, list[list[str] | None]] = {}  # a multi-select's answers split, once
    for col in columns:
        values = (
            table[col.field.name]
            if col.field.name in table
            else pd.Series(pd.NA, index=table.index)
        )
        values = values.astype("string")
        if col.option is not None:
            if col.field.name not in chosen:
                chosen[col.field.name] = [None if pd.isna(v) else str(v).split(" ") for v in values]
            option = col.option  # blank where unanswered, not nan
            out[col.header] = [None if p is None else int(option in p) for p in chosen[col.field.name]]
            continue
        if labels and col.field.is_select:
            values = _to_labels(values, col.field, survey, registry)
        cells: list[object] = [None if pd.isna(v) else str(v) for v in values]
        if numbers and col.field.type in {"integer", "decimal"}:
            cells = [_as_number(v) for v in cells]
        out[col.header] = cells
    return out


def _to_labels(values: pd.Series, f: FormField, survey: Survey, registry: Registry) -> pd.Series:
    labels = dict(_choices(f, survey, registry))
    mapping: dict[str, str] = {}
    for raw in values.dropna().unique():
        text = str(raw)
        parts = text.split(" ") if f.is_multiple else [text]
        mapping[text] = " ".join(labels.get(p, p) for p in parts)
    return values.map(mapping).astype("string")


def _as_number(text: object) -> object:
    """Numeric text as an int/float when it reads back to the same text, else the text."""
    if not isinstance(text, str):
        return text
    try:
        number: int | float = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            return text
    return number if str(number) == text else text


def _times(main: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(main["_submitted_at"], utc=True, errors="coerce", format="ISO8601")


def _fmt(times: pd.Series, fmt: str) -> list[str | None]:
    return [None if pd.isna(t) else t.strftime(fmt) for t in times]


# -- KoboToolbox --------------------------------------------------------------------------
def _kobo_main(
    main: pd.DataFrame,
    survey: Survey,
    registry: Registry,
    headers: Headers,
    split_multiple: bool,
    numbers: bool,
    sep: str = "/",
) -> dict[str, list[object]]:
    main = main.reset_index(drop=True)
    times = _times(main)
    n = len(main)
    ids = [str(s) for s in main["_submission_id"]]
    columns = _columns(survey, registry, None, headers, split_multiple, sep, sep)
    out: dict[str, list[object]] = {
        "start": _fmt(times - pd.Timedelta(minutes=25), "%Y-%m-%dT%H:%M:%S.000+00:00"),
        "end": _fmt(times - pd.Timedelta(minutes=2), "%Y-%m-%dT%H:%M:%S.000+00:00"),
        FORM_VERSION_FIELD: [survey.model.form_version] * n,
    }
    out |= _cell_values(main, columns, survey, registry, headers == "label", numbers)
    out |= {
        "_id": [FIRST_ID + i for i in range(1, n + 1)],
        "_uuid": [submission_uuid(s) for s in ids],
        "_submission_time": _fmt(times, "%Y-%m-%dT%H:%M:%S"),
        "_validation_status": [None] * n,
        "_notes": [None] * n,
        "_status": ["submitted_via_web"] * n,
        "_submitted_by": [None] * n,
        "__version__": [kobo_deployment(survey)] * n,
        "_tags": [None] * n,
        "_index": list(range(1, n + 1)),
    }
    if not numbers:
        out = {k: [None if v is None else str(v) for v in vs] for k, vs in out.items()}
    return out


def _kobo_repeat(
    frame: pd.DataFrame,
    section: str,
    main: pd.DataFrame,
    main_sheet: str,
    survey: Survey,
    registry: Registry,
    headers: Headers,
    split_multiple: bool,
    sep: str = "/",
) -> dict[str, list[object]]:
    frame = frame.reset_index(drop=True)
    main = main.reset_index(drop=True)
    position = {str(s): i for i, s in enumerate(main["_submission_id"])}
    times = dict(
        zip(
            main["_submission_id"].astype(str), _fmt(_times(main), "%Y-%m-%dT%H:%M:%S"), strict=True
        )
    )
    parents = [position.get(str(s)) for s in frame["_submission_id"]]
    columns = _columns(survey, registry, section, headers, split_multiple, sep, sep)
    out = _cell_values(frame, columns, survey, registry, headers == "label", numbers=True)
    n = len(frame)
    sids = [str(s) for s in frame["_submission_id"]]
    out |= {
        "_index": list(range(1, n + 1)),
        "_parent_table_name": [main_sheet] * n,
        "_parent_index": [None if p is None else p + 1 for p in parents],
        "_submission__id": [None if p is None else FIRST_ID + p + 1 for p in parents],
        "_submission__uuid": [submission_uuid(s) for s in sids],
        "_submission__submission_time": [times.get(s) for s in sids],
        "_submission__validation_status": [None] * n,
        "_submission__notes": [None] * n,
        "_submission__status": ["submitted_via_web"] * n,
        "_submission__submitted_by": [None] * n,
        "_submission___version__": [kobo_deployment(survey)] * n,
        "_submission__tags": [None] * n,
    }
    return out


def sheet_title(text: str) -> str:
    """A valid Excel sheet name: no []:*?/\\ and at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:SHEET_NAME_LIMIT] or "data"


def write_kobo_xlsx(
    main: pd.DataFrame,
    repeats: dict[str, pd.DataFrame],
    survey: Survey,
    registry: Registry,
    path: Path,
    headers: Headers = "xml",
    split_multiple: bool | Literal["except-entities"] = True,
) -> Path:
    """Write a KoboToolbox XLSX export of canonical tables; return ``path``.

    First sheet: the submissions (named after the survey title, as Kobo does); then one
    sheet per repeat section. ``headers="label"`` writes Kobo's label export (question and
    choice labels instead of XML names and values). Numbers are written as numbers.
    ``split_multiple="except-entities"`` writes the 0/1 option columns for every
    select_multiple except the entity lists (as Kobo exports a ``select_multiple_from_file``
    over a long registry: the space-separated column only).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook(write_only=True)
    for title, table in kobo_tables(main, repeats, survey, registry, headers, split_multiple).items():
        _write_sheet(book, title, table)
    book.save(path)
    return path


def kobo_tables(
    main: pd.DataFrame,
    repeats: dict[str, pd.DataFrame],
    survey: Survey,
    registry: Registry,
    headers: Headers = "xml",
    split_multiple: bool | Literal["except-entities"] = True,
    separator: str = "/",
) -> dict[str, dict[str, list[object]]]:
    """The sheets of a KoboToolbox XLSX export, ``{sheet title: {header: cells}}``: the
    submissions, then one sheet per repeat section (see :func:`write_kobo_xlsx`).
    ``separator``: the group separator chosen in Kobo's export settings (``/`` by
    default), which also joins a select_multiple's option columns to their question."""
    main_sheet = sheet_title(survey.title)
    tables = {
        main_sheet: _kobo_main(main, survey, registry, headers, split_multiple, True, separator)
    }
    for section in survey.repeat_sections:
        frame = repeats.get(section)
        if frame is None:
            frame = pd.DataFrame({"_submission_id": pd.Series(dtype="string")})
        tables[sheet_title(section)] = _kobo_repeat(
            frame, section, main, main_sheet, survey, registry, headers, split_multiple, separator
        )
    return tables


def _write_sheet(book: openpyxl.Workbook, title: str, table: dict[str, list[object]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(table))
    for row in zip(*table.values(), strict=True):
        sheet.append([_cell(sheet, v) for v in row])


def _cell(sheet: object, value: object) -> object:
    """Text is written as text, even when it starts with '=' (never as a formula)."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
        cell.data_type = "s"
        return cell
    return value


def write_kobo_csv(
    main: pd.DataFrame,
    repeats: dict[str, pd.DataFrame] | None,
    survey: Survey,
    registry: Registry,
    path: Path,
    headers: Headers = "xml",
    split_multiple: bool = True,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> Path:
    """Write a KoboToolbox CSV export (the submissions only: Kobo's CSV holds no repeat
    rows, so ``repeats`` is not written); every cell quoted as Kobo does. ``encoding``
    may be ``utf-8``, ``utf-8-sig`` (with BOM) or e.g. ``cp1252`` to imitate a re-saved file.
    """
    table = _kobo_main(main, survey, registry, headers, split_multiple, numbers=False)
    return _write_csv(path, table, delimiter, encoding, csv.QUOTE_ALL)


def _write_csv(
    path: Path, table: dict[str, Iterable[object]], delimiter: str, encoding: str, quoting: int
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, quoting=quoting)
        writer.writerow(list(table))
        for row in zip(*table.values(), strict=True):
            writer.writerow(["" if v is None else v for v in row])
    return path


# -- ODK Central --------------------------------------------------------------------------
def write_odk_csv(
    main: pd.DataFrame,
    repeats: dict[str, pd.DataFrame],
    survey: Survey,
    registry: Registry,
    folder: Path,
    form_id: str,
    split_multiple: bool = False,
) -> list[Path]:
    """Write an unzipped ODK Central CSV export into ``folder``: ``<form_id>.csv`` and
    ``<form_id>-<repeat>.csv`` per repeat section. Returns the files written.

    Group paths are joined by ``-``, a repeat's columns named by their path inside the
    repeat; select_multiple is the space-separated column (plus ``<path>/<option>`` 0/1
    columns with ``split_multiple``, Central's option).
    """
    folder = Path(folder)
    main = main.reset_index(drop=True)
    times = _times(main)
    keys = [f"uuid:{submission_uuid(str(s))}" for s in main["_submission_id"]]
    n = len(main)
    columns = _columns(survey, registry, None, "xml", split_multiple, "-")
    table: dict[str, list[object]] = {
        "SubmissionDate": _fmt(times, "%Y-%m-%dT%H:%M:%S.000Z"),
        FORM_VERSION_FIELD: [survey.model.form_version] * n,
    }
    table |= _cell_values(main, columns, survey, registry, labels=False, numbers=False)
    table |= {
        "meta-instanceID": keys,
        "KEY": keys,
        "SubmitterID": ["5"] * n,
        "SubmitterName": ["web-form"] * n,
        "AttachmentsPresent": ["0"] * n,
        "AttachmentsExpected": ["0"] * n,
        "Status": [None] * n,
        "ReviewState": [None] * n,
        "DeviceID": [None] * n,
        "Edits": ["0"] * n,
        "FormVersion": [survey.model.form_version] * n,
    }
    written = [_write_csv(folder / f"{form_id}.csv", table, ",", "utf-8", csv.QUOTE_MINIMAL)]
    key_of = dict(zip(main["_submission_id"].astype(str), keys, strict=True))
    for section in survey.repeat_sections:
        frame = repeats.get(section)
        if frame is None:
            frame = pd.DataFrame({"_submission_id": pd.Series(dtype="string")})
        frame = frame.reset_index(drop=True)
        # Central names a repeat's columns by their path inside the repeat (briefcase.js)
        columns = [
            replace(c, header=c.header.removeprefix(f"{section}-"))
            for c in _columns(survey, registry, section, "xml", split_multiple, "-")
        ]
        rtable = _cell_values(frame, columns, survey, registry, labels=False, numbers=False)
        parents = [key_of.get(str(s)) for s in frame["_submission_id"]]
        counter: dict[str | None, int] = {}
        own: list[str] = []
        for parent in parents:
            counter[parent] = counter.get(parent, 0) + 1
            own.append(f"{parent}/{section}[{counter[parent]}]")
        rtable |= {"PARENT_KEY": parents, "KEY": own}
        path = folder / f"{form_id}-{section}.csv"
        written.append(_write_csv(path, rtable, ",", "utf-8", csv.QUOTE_MINIMAL))
    return written


# -- a small example round ----------------------------------------------------------------
EXAMPLE_TEXTS = [
    "Coopération régionale; «Afrique de l'Ouest», phase 2",
    'Quoted "partners", commas, and a\nsecond line',
    "=SUM(A1:A3) is text, not a formula",
    "Plain answer",
]


EXAMPLE_YEAR = 2026  # the example submissions are dated March 2026 (round 2026-R1)


def example_round(
    survey: Survey, registry: Registry, n: int = 4
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """``n`` deterministic canonical submissions touching every field type (labels with
    spaces and commas, empty multi-selects, skips, accents, quotes, new lines, text that
    looks like a formula), with 2, 1, 0, ... repeat rows, which break none of the survey's
    cross-field checks (for a round of :data:`EXAMPLE_YEAR`). Returns ``(main, repeats)``."""
    ids = registry.ids
    rows: list[dict[str, str | None]] = []
    for i in range(n):
        row: dict[str, str | None] = {
            "_submission_id": f"example:{i + 1}",
            "_submitted_at": f"2026-03-{2 + i:02d}T{9 + i:02d}:15:00+0000",
        }
        for j, f in enumerate(survey.fields()):
            row[f.name] = _example_value(f, survey, ids, i, j)
        _apply_skips(row, survey.fields())
        rows.append(row)
    columns = ["_submission_id", "_submitted_at", *(f.name for f in survey.fields())]
    main = pd.DataFrame(rows, columns=columns).astype("string")
    main = respect_checks(main, survey, None, EXAMPLE_YEAR)
    repeats: dict[str, pd.DataFrame] = {}
    for section in survey.repeat_sections:
        fields = survey.fields(section)
        items: list[dict[str, str | None]] = []
        for i in range(n):
            for k in range(max(0, 2 - i)):
                item: dict[str, str | None] = {"_submission_id": f"example:{i + 1}"}
                for j, f in enumerate(fields):
                    item[f.name] = _example_value(f, survey, ids, i + k, j)
                items.append(item)
        columns = ["_submission_id", *(f.name for f in fields)]
        frame = pd.DataFrame(items, columns=columns).astype("string")
        repeats[section] = respect_checks(frame, survey, section, EXAMPLE_YEAR)
    return main, repeats


def _example_value(f: FormField, survey: Survey, ids: list[str], i: int, j: int) -> str | None:
    pick: Callable[[list[str]], str] = lambda xs: xs[(i + j) % len(xs)]  # noqa: E731
    if f.type == "entity":
        return ids[(3 * i) % len(ids)]
    if f.type == "entities":
        chosen = [ids[(3 * i + k) % len(ids)] for k in (1, 4)]
        return " ".join(chosen) if (i + j) % 4 != 3 else None
    if f.type == "email":
        return f"focal{i + 1}@agency{i + 1}.example.org"
    if f.type == "select_one":
        return pick([c.name for c in survey.choices(f.list_name or "")])
    if f.type == "select_multiple":
        names = [c.name for c in survey.choices(f.list_name or "")]
        chosen = [c for k, c in enumerate(names) if (k + i + j) % 3 == 0]
        return " ".join(chosen) if (i + j) % 5 != 4 and chosen else None
    if f.type == "integer" and f.min == 1 and f.max:  # a rank: a permutation per row
        return str((j + i) % int(f.max) + 1)
    if f.type == "integer":
        return str(int(f.min or 0) + 3 * i + j % 5)
    if f.type == "decimal":
        return ["125000", "2500.5", None, "0.25"][(i + j) % 4]
    if f.personal:
        return ["Amina Diallo", "Lucas Moreau", "Mei Chen", "Olga Ivanova"][i % 4]
    return EXAMPLE_TEXTS[(i + j) % len(EXAMPLE_TEXTS)] if (i + j) % 6 != 5 else None


def _apply_skips(row: dict[str, str | None], fields: list[FormField]) -> None:
    for f in fields:
        if f.skip_field and row.get(f.skip_field) == f.skip_value:
            row[f.name] = None
