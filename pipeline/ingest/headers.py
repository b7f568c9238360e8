"""Export headers -> survey fields, and export cells -> canonical text.

Every reader turns its file into a :class:`RawSheet` (the header texts and the body as
text, indexed by the row number a person sees) and hands it to :func:`to_canonical`, which

- maps each header to a field, a select_multiple option column, a meta column or an
  unknown column (:func:`map_headers`). Headers may be XML names with group paths
  (``lifecycle/st_raw_materials/engagement_raw_materials`` in Kobo,
  ``lifecycle-st_raw_materials-engagement_raw_materials`` in ODK) or labels (Kobo's label
  export: ``Group label/Question label``, options ``Question label/Option label``);
- maps select labels in cells back to choice names, joins 0/1 option columns into the
  space-separated form when the export has no summary column and checks that both agree
  when it has both (:mod:`pipeline.ingest.options`);
- reports duplicated headers and missing required fields (errors), unknown columns
  (one warning each; they are kept as ``_extra:<header>``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.errors import IssueLog
from pipeline.form_names import FORM_VERSION_FIELD, entity_label
from pipeline.ingest.options import check_agreement, join_options
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey

EXTRA_PREFIX = "_extra:"

KOBO_SUBMISSION_META = (
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
)
"""Kobo's per-submission meta columns, in export order; a repeat sheet copies each one
as ``_submission_<name>``."""

KOBO_META = frozenset(
    {
        "_id",
        "_uuid",
        "_submission_time",
        "_index",
        "_parent_index",
        "_parent_table_name",
        "_validation_status",
        "_status",
        "_submitted_by",
        "_notes",
        "_tags",
        "_attachments",
        "_geolocation",
        "_xform_id_string",
        "_xform_id",
        "_media_count",
        "_total_media",
        "_media_all_received",
        "_version_",
        "__version__",
        "start",
        "end",
        "today",
        "deviceid",
        "username",
        "simserial",
        "subscriberid",
        "phonenumber",
        "audit",
        "audit_URL",
        "formhub/uuid",
        "meta/instanceID",
        "meta/instanceName",
        "meta/deprecatedID",
        "meta/rootUuid",
        "meta/audit",
        FORM_VERSION_FIELD,
    }
) | frozenset(  # the copies of the parent's meta columns on a repeat sheet
    f"_submission_{m}" for m in KOBO_SUBMISSION_META
)
"""Columns KoboToolbox adds to an export (used for ids and links, never reported)."""

ODK_SUBMISSION_META = (
    "meta-instanceID",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
)
"""The columns ODK Central puts after the answers of each submission, in export order."""

ODK_META = frozenset(ODK_SUBMISSION_META) | frozenset(
    {
        "SubmissionDate",
        "meta-instanceName",
        "meta-deprecatedID",
        "meta-audit",
        "instanceID",
        "PARENT_KEY",
        "start",
        "end",
        "today",
        "deviceid",
        FORM_VERSION_FIELD,
    }
)
"""Columns ODK Central adds to a CSV export (and the form's own version field)."""

_NUMERIC_TYPES = {"integer", "decimal"}
_DATE_ONLY = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$")
_INTEGRAL_FLOAT = re.compile(r"^(-?\d+)\.0+$")


@dataclass
class RawSheet:
    """One table of a file as text: ``headers`` (``""`` where a header cell is empty) and
    ``body`` (columns 0..n-1 in header order, string dtype, <NA> for empty, index = the
    row number a person sees in the file, header row included; fully empty rows dropped).
    """

    headers: list[str]
    body: pd.DataFrame
    file: str
    sheet: str | None = None
    header_row: int = 1

    def column(self, position: int) -> pd.Series:
        return self.body[position]

    def where(self) -> dict[str, str]:
        return {"file": self.file, "sheet": self.sheet or ""}


def frame_to_sheet(
    grid: pd.DataFrame, file: str, sheet: str | None, clean: bool = True
) -> RawSheet:
    """A headerless grid (as read with ``header=None``) -> :class:`RawSheet`.

    The header is the first non-empty row; cells are stripped, empty text becomes <NA>
    (``clean=False``: the grid is clean already, as :func:`clean_cells` makes it).
    """
    grid = clean_cells(grid.astype("string")) if clean else grid.astype("string")
    grid.index = pd.RangeIndex(1, len(grid) + 1)
    grid.columns = pd.RangeIndex(grid.shape[1])
    filled = grid.notna().any(axis=1)
    if not filled.any():
        return RawSheet([], pd.DataFrame(index=pd.Index([], dtype="int64")), file, sheet)
    header_row = int(filled.idxmax())
    headers = [("" if pd.isna(h) else str(h)) for h in grid.loc[header_row].tolist()]
    body = grid.loc[header_row + 1 :]
    body = body.loc[body.notna().any(axis=1)]
    return RawSheet(headers, body, file, sheet, header_row)


def clean_text(text: str) -> str | None:
    """Stripped text, None when empty, Excel date-times as ISO 8601: one cell as
    :func:`clean_cells` cleans a whole grid."""
    text = text.strip()
    if not text:
        return None
    if len(text) >= 19 and text[10] == " " and text[4] == "-":
        text = _DATE_TIME.sub(r"\1T\2", _DATE_ONLY.sub(r"\1", text))
    return text


def clean_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip every text cell; empty text -> <NA>; Excel date-times as ISO 8601 text.

    Works on all cells at once (one flat string Series), not column by column.
    """
    if frame.empty:
        return frame.astype("string")
    flat = pd.Series(frame.to_numpy(dtype=object).ravel(), dtype="string").str.strip()
    flat = flat.mask(flat == "")
    dated = flat.str.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").fillna(False).astype(bool)
    if dated.any():
        fixed = flat[dated].str.replace(_DATE_ONLY, r"\1", regex=True)
        flat[dated] = fixed.str.replace(_DATE_TIME, r"\1T\2", regex=True)
    grid = flat.to_numpy(dtype=object).reshape(frame.shape)
    out = pd.DataFrame(grid, index=frame.index, columns=frame.columns)
    return out.astype("string")


def whole_number_text(values: pd.Series) -> pd.Series:
    """'12.0' -> '12' (a whole number a spreadsheet stored as a float); other cells as they
    are. Only cells holding a '.' go through the regular expression."""
    dotted = values.str.contains(".", regex=False).fillna(False).astype(bool)
    if not dotted.any():
        return values
    fixed = values[dotted].str.replace(_INTEGRAL_FLOAT, r"\1", regex=True)
    return values.mask(dotted, fixed)


def excel_column(position: int) -> str:
    """0 -> 'A', 27 -> 'AB': the column letter a person sees in a spreadsheet."""
    letters = ""
    position += 1
    while position:
        position, rem = divmod(position - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def normalise_text(text: str) -> str:
    """Casefold and collapse whitespace: the key labels and choice texts match on."""
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


@functools.lru_cache(maxsize=1 << 16)
def _normalised_label(label: str) -> str:
    """:func:`normalise_text` of a choice label, remembered (a registry's labels are
    matched against every table read)."""
    return normalise_text(label)


def _option_keys(choices: ChoiceSet) -> list[tuple[str, str, str]]:
    """``(label, normalised label, choice)`` for every label or name an option column of
    these choices may show; remembered with the choice set (a registry's is reused)."""
    cached = choices.__dict__.get("_option_keys")
    if cached is None:
        cached = [
            (label, _normalised_label(label), choice)
            for choice, labels in choices.option_labels.items()
            for label in {*labels, choice}
        ]
        choices.__dict__["_option_keys"] = cached
    return cached


# -- choices ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChoiceSet:
    """The choices a select field accepts: names in order and a text -> name lookup."""

    names: tuple[str, ...]
    lookup: dict[str, str]  # normalised name or label -> name
    option_labels: dict[str, tuple[str, ...]]  # name -> labels usable in option headers

    @property
    def name_set(self) -> frozenset[str]:
        return frozenset(self.names)


def choice_set(f: FormField, survey: Survey, registry: Registry) -> ChoiceSet:
    """Choices of a select field; for entity fields the registry ids, labelled as the
    XLSForm shows them ('UNEP - United Nations Environment Programme'), by full name or
    by acronym."""
    if f.type in {"entity", "entities"}:
        # the same for every entity field: made once per registry (it may list thousands)
        cached = registry.__dict__.get("_ingest_choice_set")
        if cached is None:
            cached = _choice_set(f, survey, registry)
            registry.__dict__["_ingest_choice_set"] = cached
        return cached
    return _choice_set(f, survey, registry)


def _choice_set(f: FormField, survey: Survey, registry: Registry) -> ChoiceSet:
    lookup: dict[str, str] = {}
    labels: dict[str, tuple[str, ...]] = {}
    if f.type in {"entity", "entities"}:
        table = registry.table
        names = tuple(table["entity_id"].astype(str))
        for e, acronym, full in zip(names, table["acronym"], table["full_name"], strict=True):
            labels[e] = (entity_label(str(acronym), str(full)), str(full), str(acronym))
    else:
        choices = survey.choices(f.list_name or "")
        names = tuple(c.name for c in choices)
        translated = [survey.choice_labels(f.list_name or "", lang) for lang in survey.languages]
        labels = {c.name: tuple(dict.fromkeys(t[c.name] for t in translated)) for c in choices}
    for name in names:  # labels first, names win on a clash
        for label in labels[name]:
            lookup.setdefault(_normalised_label(label), name)
    for name in names:
        lookup[_normalised_label(name)] = name
    return ChoiceSet(names, lookup, labels)


def _segment(tokens: list[str], lookup: dict[str, str], longest: int) -> list[str] | None:
    """Split space-separated tokens into the fewest known names/labels, or None."""
    n = len(tokens)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + longest) + 1):
            name = lookup.get(" ".join(tokens[i:j]))
            if name is not None:
                candidate = [*best[i], name]  # type: ignore[misc]
                if best[j] is None or len(candidate) < len(best[j]):  # type: ignore[arg-type]
                    best[j] = candidate
    return best[n]


def map_choice_values(values: pd.Series, f: FormField, choices: ChoiceSet) -> pd.Series:
    """Cells of a select field -> choice names (labels and case differences mapped back).

    select_multiple cells become names separated by single spaces in the order given
    (names or labels may be separated by spaces or by ``;``, as the offline questionnaire
    asks); a cell that matches nothing is passed through unchanged for the validator to
    report.
    """
    uniques = values.dropna().unique()
    if len(uniques) == 0:
        return values
    uniques = _not_already_names(uniques, f, choices)
    if len(uniques) == 0:
        return values  # every cell is a choice name, or names separated by single spaces
    longest = 0  # words in the longest name or label, counted when first needed
    names = choices.name_set
    # names that are their own lookup result (nearly all): no normalising needed for them
    exact = {n for n in names if choices.lookup.get(_normalised_label(n)) == n}
    mapping: dict[str, str] = {}
    for raw in uniques:
        text = str(raw)
        if f.is_multiple:
            split = text.split()
            if all(t in names for t in split):
                mapping[text] = " ".join(split)
                continue
            if ";" in text or "\n" in text:  # 'policy; research', as the questionnaire asks
                pieces = [p.strip() for p in re.split(r"[;\n]", text) if p.strip()]
                found = [choices.lookup.get(normalise_text(p)) for p in pieces]
                if all(found):
                    mapping[text] = " ".join(found)  # type: ignore[arg-type]
                    continue
            tokens = normalise_text(text).split(" ")
            longest = longest or max((len(k.split(" ")) for k in choices.lookup), default=1)
            parts = _segment(tokens, choices.lookup, longest)
            mapping[text] = " ".join(parts) if parts is not None else text
        elif text in exact:
            mapping[text] = text
        else:
            mapping[text] = choices.lookup.get(normalise_text(text), text)
    return replace_values(values, mapping)


def _not_already_names(uniques: Any, f: FormField, choices: ChoiceSet) -> Any:
    """The distinct cells that are not already what :func:`map_choice_values` makes of
    them: a choice name (select_one) or choice names separated by single spaces
    (select_multiple), found on the whole array at once; the others go through the
    per-value mapping."""
    if not isinstance(uniques, pd.arrays.ArrowStringArray):
        return uniques
    text = pa.array(uniques).cast(pa.large_string())
    names, exact = _name_arrays(choices)
    if f.is_multiple:  # each piece between single spaces a name (names without spaces)
        pieces = pc.split_pattern(text, " ")
        known = pc.is_in(pc.list_flatten(pieces), value_set=names).to_numpy(zero_copy_only=False)
        parent = pc.list_parent_indices(pieces).to_numpy()
        done = np.bincount(parent[~known], minlength=len(text)) == 0
    else:  # a name that is its own lookup result
        done = pc.is_in(text, value_set=exact).to_numpy(zero_copy_only=False)
    return uniques[~done]


def _name_arrays(choices: ChoiceSet) -> tuple[pa.Array, pa.Array]:
    """The choice names without whitespace, and the names that are their own lookup
    result, as Arrow arrays; remembered with the choice set (a registry's is reused)."""
    cached = choices.__dict__.get("_name_arrays")
    if cached is None:
        plain = [n for n in choices.names if n and not any(ch.isspace() for ch in n)]
        exact = [n for n in choices.names if choices.lookup.get(_normalised_label(n)) == n]
        cached = (pa.array(plain, type=pa.large_string()), pa.array(exact, type=pa.large_string()))
        choices.__dict__["_name_arrays"] = cached
    return cached


def replace_values(values: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """``values`` with each text that is a key of ``mapping`` replaced by its value, the
    others (and <NA>) kept, as a string Series; pyarrow strings are looked up in one call,
    not one per cell."""
    if not mapping:
        return values.astype("string")
    if not isinstance(values.dtype, pd.StringDtype) or values.dtype.storage != "pyarrow":
        return values.map(lambda v: mapping.get(v, v), na_action="ignore").astype("string")
    text = pa.array(values.array)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = text.cast(pa.large_string())
    keys = pa.array(list(mapping), type=pa.large_string())
    found = pc.index_in(text, value_set=keys)
    replaced = pa.array(list(mapping.values()), type=pa.large_string()).take(found)
    texts = pc.if_else(pc.is_valid(found), replaced, text)
    return pd.Series(pd.array(texts, dtype="string"), index=values.index, name=values.name)


# -- headers ------------------------------------------------------------------------------
@dataclass
class HeaderMap:
    """Where each field's data is in a table (column positions of a :class:`RawSheet`)."""

    fields: dict[str, int] = field(default_factory=dict)
    options: dict[str, dict[str, int]] = field(default_factory=dict)
    meta: dict[str, int] = field(default_factory=dict)
    extra: dict[int, str] = field(default_factory=dict)
    by_label: bool = False
    duplicated: list[int] = field(default_factory=list)
    separator: str = "/"


GROUP_SEPARATORS = ("/", "-", ".", ":", "|", "\\", ">")
"""Group separators an export may use: ``/`` (Kobo's default), ``-`` (ODK Central) or one
chosen in Kobo's export settings."""


def group_separator(headers: Iterable[str], fields: list[FormField], survey: Survey) -> str:
    """The separator that joins group paths in these headers: the one after which most
    headers end with a field's or option's name or label (``/`` when none does)."""
    known: set[str] = set()
    for f in fields:
        known |= {normalise_text(f.name)}
        known |= {normalise_text(survey.field_label(f, lang)) for lang in survey.languages}
        if f.type in {"select_one", "select_multiple"} and f.list_name:
            known |= {normalise_text(c.name) for c in survey.choices(f.list_name)}
            for lang in survey.languages:
                known |= {normalise_text(t) for t in survey.choice_labels(f.list_name, lang).values()}
    heads = [h for h in headers if h]
    best, best_score = "/", 0
    for sep in GROUP_SEPARATORS:
        score = sum(
            1 for h in heads if sep in h and normalise_text(h.rsplit(sep, 1)[-1]) in known
        )
        if score > best_score:
            best, best_score = sep, score
    return best


class _Matcher:
    """Lookups from header text to (field,) or (field, option) for one table's fields."""

    def __init__(
        self,
        fields: list[FormField],
        survey: Survey,
        registry: Registry,
        headers: Iterable[str] | None = None,
        sep: str = "/",
    ):
        """``headers``: the table's headers, when known. Option-label keys are then made
        only for the fields whose label path appears in one of them (an entity list may
        have thousands of options, and a key no header contains can never match).
        ``sep``: the group separator of the export (:func:`group_separator`)."""
        texts = None if headers is None else [normalise_text(h) for h in headers]
        self.sep = sep
        self.splitter = re.compile("[/-]" if sep in "/-" else f"[/-]|{re.escape(sep)}")
        self.fields = {f.name: f for f in fields}
        self.folded = {f.name.casefold(): f.name for f in fields}
        self.choices = {f.name: choice_set(f, survey, registry) for f in fields if f.is_select}
        self.option_names = {
            name: {c: c for c in cs.names} | {c.casefold(): c for c in cs.names}
            for name, cs in self.choices.items()
            if self.fields[name].is_multiple
        }
        sections = {s.id: s for s in survey.model.sections}
        keyed: dict[str, set[tuple[str, ...]]] = {}
        for f, lang in ((f, lang) for f in fields for lang in survey.languages):
            section = sections.get(f.section)
            label = survey.field_label(f, lang)  # headers may be labels in any language
            prefixes = {""}
            if section:
                section_label = survey.section_label(section.id, lang)
                prefixes.add(section_label + sep)
                if section.per_dimension and f.dimension:
                    dim = survey.dimension_label(section.per_dimension, f.dimension, lang)
                    prefixes |= {f"{dim}{sep}", f"{section_label}{sep}{dim}{sep}"}
            for prefix in prefixes:
                keyed.setdefault(normalise_text(prefix + label), set()).add((f.name,))
                if f.is_multiple:
                    # normalise_text(f"{prefix}{label}{sep}{label}"), the prefix normalised once
                    head = normalise_text(f"{prefix}{label}{sep}")
                    if texts is not None and not any(head in t for t in texts):
                        continue
                    for label, folded, choice in _option_keys(self.choices[f.name]):
                        key = normalise_text(head + label) if label[:1].isspace() else head + folded
                        keyed.setdefault(key, set()).add((f.name, choice))
        # a label shared by two fields says nothing: keep only unambiguous keys
        self.labels = {k: next(iter(v)) for k, v in keyed.items() if len(v) == 1}

    def by_name(self, header: str, exact: bool) -> tuple[str, ...] | None:
        tokens = [t for t in self.splitter.split(header) if t]
        if not tokens:
            return None
        last = tokens[-1] if exact else tokens[-1].casefold()
        if len(tokens) >= 2:
            prev = tokens[-2] if exact else self.folded.get(tokens[-2].casefold(), "")
            options = self.option_names.get(prev)
            if options and last in options:
                return (prev, options[last])
        name = last if exact else self.folded.get(last)
        if name in self.fields:
            return (name,)
        return None

    def by_label(self, header: str) -> tuple[str, ...] | None:
        text = normalise_text(header)
        sep = normalise_text(self.sep) or self.sep
        starts = [0] + [m.end() for m in re.finditer(re.escape(sep), text)]
        for start in starts:  # longest suffix first: the most specific match
            hit = self.labels.get(text[start:].strip())
            if hit:
                return hit
        return None


def map_headers(
    sheet: RawSheet,
    fields: list[FormField],
    survey: Survey,
    registry: Registry,
    meta: Iterable[str],
    log: IssueLog,
) -> HeaderMap:
    """Map each header of ``sheet`` to a field, an option column, a meta column or extra.

    Order of matching: XML name (the last path segment, or the last two when they are a
    select_multiple field and one of its options), meta column, label (Kobo label export),
    name ignoring case. Logs an error per duplicated header or field, one warning per
    unknown column.
    """
    sep = group_separator(sheet.headers, fields, survey)
    matcher = _Matcher(fields, survey, registry, sheet.headers, sep)
    meta_set = set(meta)
    out = HeaderMap(separator=sep)
    if sep not in "/-":
        log.info(
            "group-separator",
            f"group paths in the headers are joined by '{sep}' (the export's group "
            "separator); read as such",
            **sheet.where(),
            row=sheet.header_row,
        )
    seen_headers: dict[str, int] = {}
    seen_targets: dict[tuple[str, ...], int] = {}
    for pos, header in enumerate(sheet.headers):
        where = {**sheet.where(), "row": sheet.header_row}
        if not header:
            if sheet.body.empty or sheet.body[pos].isna().all():
                continue
            header = f"(column {excel_column(pos)})"
        if header in seen_headers:
            log.error(
                "column-duplicate",
                f"the column '{header}' appears twice (columns {excel_column(seen_headers[header])} "
                f"and {excel_column(pos)}); each column must appear once",
                column=header,
                **where,
            )
            out.duplicated.append(pos)
            continue
        seen_headers[header] = pos
        target = matcher.by_name(header, exact=True)
        as_meta = header if header in meta_set or sep in "/-" else header.replace(sep, "/")
        if target is None and as_meta in meta_set:
            out.meta[as_meta] = pos
            continue
        if target is None:
            target = matcher.by_label(header)
            out.by_label |= target is not None
        if target is None:
            target = matcher.by_name(header, exact=False)
        if target is None:
            out.extra[pos] = header
            log.warning(
                "column-unknown",
                f"the column '{header}' is not a question of survey '{survey.id}'; it is kept "
                f"as '{EXTRA_PREFIX}{header}' and not analysed",
                column=header,
                **where,
            )
            continue
        if target in seen_targets:
            first = sheet.headers[seen_targets[target]]
            what = (
                f"option '{target[1]}' of '{target[0]}'" if len(target) == 2 else f"'{target[0]}'"
            )
            log.error(
                "column-duplicate",
                f"the columns '{first}' and '{header}' both hold {what}; keep one of them",
                column=header,
                **where,
            )
            out.duplicated.append(pos)
            continue
        seen_targets[target] = pos
        if len(target) == 1:
            out.fields[target[0]] = pos
        else:
            out.options.setdefault(target[0], {})[target[1]] = pos
    return out


def check_required(
    sheet: RawSheet, hmap: HeaderMap, fields: list[FormField], survey: Survey, log: IssueLog
) -> bool:
    """One error naming every required field that has no column; True when none is missing.

    Fields without a column that are not required get one warning (older form version?).
    """
    present = set(hmap.fields) | set(hmap.options)
    missing = [f for f in fields if f.name not in present]
    required = [f for f in missing if f.required]
    if required:
        names = "; ".join(f"'{f.name}' ({f.label})" for f in required)
        log.error(
            "column-missing",
            f"no column for the required question(s) {names}; headers must be the XML names "
            f"or the labels of survey '{survey.id}' (form version "
            f"{survey.model.form_version}); the rows of this sheet are not read",
            **sheet.where(),
            row=sheet.header_row,
        )
    optional = [f.name for f in missing if not f.required]
    if optional and len(optional) < len(fields):
        log.warning(
            "column-absent",
            f"no column for {len(optional)} optional question(s): {', '.join(optional)}; "
            "they are read as unanswered",
            **sheet.where(),
            row=sheet.header_row,
        )
    return not required


def to_canonical(
    sheet: RawSheet,
    hmap: HeaderMap,
    fields: list[FormField],
    survey: Survey,
    registry: Registry,
    log: IssueLog,
) -> pd.DataFrame:
    """Field columns in survey order (canonical text) plus ``_extra:`` columns.

    The index is the sheet's (row numbers as a person sees them).
    """
    body = sheet.body
    out: dict[str, pd.Series] = {}
    empty = pd.Series(pd.NA, index=body.index, dtype="string")
    for f in fields:
        choices = choice_set(f, survey, registry) if f.is_select else None
        joined = broken = None
        if f.name in hmap.options and choices:
            joined, broken = join_options(sheet, f, hmap.options[f.name], choices.names, log)
        if f.name in hmap.fields:
            values = body[hmap.fields[f.name]]
        elif joined is not None:
            values = joined
        else:
            values = empty
        if f.type in _NUMERIC_TYPES or f.is_select:
            values = whole_number_text(values)
        if choices:
            values = map_choice_values(values, f, choices)
        if joined is not None and choices and f.name in hmap.fields:
            position = hmap.fields[f.name]
            check_agreement(
                sheet, f, values, body[position], joined, hmap.options[f.name], choices.names,
                sheet.headers[position], log, broken,
            )
        out[f.name] = values.astype("string")
    for pos, header in hmap.extra.items():
        out[EXTRA_PREFIX + header] = body[pos].astype("string")
    return pd.DataFrame(out, index=body.index)
