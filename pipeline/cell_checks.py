"""The checks of one column of a canonical table, shared by :mod:`pipeline.validate`
(which reports them) and :mod:`pipeline.normalise` (which keeps the typed values):
:func:`check_field` returns a column's problems and its typed values with every bad cell
set to NA, so that what is reported and what is kept never disagree. Whole columns at a
time; Python objects are built only for the bad cells. Values of personal fields never
appear in a message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from pipeline.errors import Severity
from pipeline.form_names import MULTI_SEPARATOR
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey

CONTROL_CHARACTERS = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # all but \t and \n
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s.]+"
TOKEN_SEPARATORS = r"[\s,;]+"
# the same separators for ASCII text, written for pyarrow's RE2 (whose \s is narrower
# than Python's: Python counts \v and \x1c-\x1f as spaces)
ASCII_TOKEN_SEPARATORS = r"[\t\n\x0b\x0c\r\x1c-\x1f ,;]+"
MAX_LISTED_CHOICES = 10  # longer choice lists are not spelled out in messages
MAX_LISTED_FIELDS = 12  # conflicting fields named in a duplicate-submission message
# the same words as the questionnaire's instructions; both separators are accepted
MULTIPLE_SEPARATED = f", several separated by '{MULTI_SEPARATOR}' or by spaces"
MAX_LISTED_PLACES = 6  # submissions of one entity named in a duplicate-submission message


@dataclass(frozen=True)
class CellProblem:
    """One kind of problem in one column: a message per offending row.

    ``messages`` is indexed like the checked table and holds only the offending rows;
    ``column`` is the field name, or a Series of names per row (rankings span columns).
    """

    severity: Severity
    code: str
    messages: pd.Series
    column: str | pd.Series = ""


@dataclass
class CheckedField:
    """A column after checking: typed values (NA where blank, bad or skipped) and problems."""

    field: FormField
    values: pd.Series
    answered: pd.Series  # bool: the cell held something before any check
    present: bool  # the column exists in the table
    problems: list[CellProblem] = dataclass_field(default_factory=list)


# -- small helpers ----------------------------------------------------------------------


def prepare_table(frame: pd.DataFrame, meta_columns: list[str]) -> pd.DataFrame:
    """A copy of ``frame`` with a fresh 0..n-1 index and every meta column present (NA)."""
    out = frame.reset_index(drop=True)
    missing = {
        c: pd.Series(pd.NA, index=out.index, dtype="string")
        for c in meta_columns
        if c not in out.columns
    }
    return out.assign(**missing) if missing else out


def quoted(label: str) -> str:
    return f'"{label}"'


def number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def same_message(mask: pd.Series, message: str) -> pd.Series:
    """The same message for every row where ``mask`` holds."""
    index = mask.index[mask.to_numpy(dtype=bool, na_value=False)]
    return pd.Series(message, index=index, dtype="object")


def _shown(values: pd.Series, f: FormField) -> pd.Series:
    """Values as quoted in messages; personal values are never shown."""
    if f.personal:
        return pd.Series("the value", index=values.index, dtype="object")
    return ("'" + values.astype("string") + "'").astype("object")


def suggest_choices(value: str, survey: Survey, list_name: str, limit: int = 2) -> list[str]:
    """The choices closest to ``value`` by name or label, as 'name (Label)'."""
    choices = survey.choices(list_name)
    keys: dict[str, str] = {}
    for c in choices:
        keys.setdefault(c.name.casefold(), c.name)
        keys.setdefault(c.label.casefold(), c.name)
    matches = process.extract(
        value.casefold(), list(keys), scorer=fuzz.WRatio, limit=len(keys), score_cutoff=60
    )
    if not matches:
        return []
    best = matches[0][1]
    labels = {c.name: c.label for c in choices}
    names: list[str] = []
    for key, score, _ in matches:
        name = keys[key]
        if score >= best - 10 and name not in names:
            names.append(name)
    return [f"{n} ({labels[n]})" for n in names[:limit]]


def _expected_choices(survey: Survey, list_name: str) -> str:
    """The choices a cell may hold, each name with its label (an export holds names, a
    questionnaire labels): ``one of: europe (Europe), ...``."""
    choices = survey.choices(list_name)
    if len(choices) > MAX_LISTED_CHOICES:
        return f"a choice of the list '{list_name}'"
    return "one of: " + ", ".join(
        c.name if c.label.casefold() == c.name.casefold() else f"{c.name} ({c.label})"
        for c in choices
    )


def _did_you_mean(options: list[str]) -> str:
    return f"; did you mean {', '.join(options)}?" if options else ""


def _then_expected(hint: str, expected: str) -> str:
    """A suggestion (if any) followed by what was expected, punctuated either way."""
    return f"{hint} Expected {expected}" if hint else f"; expected {expected}"


# -- checks of one column ----------------------------------------------------------------


def check_field(
    frame: pd.DataFrame, f: FormField, survey: Survey, registry: Registry
) -> CheckedField:
    """Check one field's column of a canonical wide table and type its values.

    In: the table (all text, NA when empty) and the field. Out: a :class:`CheckedField`
    whose ``values`` are typed (Int64 / Float64 numbers, string choices; multi-selects as
    space-separated valid names in list order, entities as ids) with NA wherever the cell
    is blank, invalid or skipped by the form's skip logic, and one :class:`CellProblem` per
    kind of problem found. An absent column gives all-NA values and no problems.
    """
    present = f.name in frame.columns
    if present:
        text = frame[f.name].astype("string").str.strip()
        text = text.mask(text == "")
    else:
        text = pd.Series(pd.NA, index=frame.index, dtype="string")
    answered = text.notna()
    problems: list[CellProblem] = []
    label = quoted(f.label)

    skipped = pd.Series(False, index=frame.index)
    if f.skip_field and f.skip_field in frame.columns:
        control = frame[f.skip_field].astype("string").str.strip()
        skipped = (control == f.skip_value).fillna(False).astype(bool)
        ignored = answered & skipped
        if ignored.any():
            control_label = quoted(survey.field(f.skip_field).label)
            problems.append(
                CellProblem(
                    "warning",
                    "skip-answered",
                    same_message(
                        ignored,
                        f"{label}: answered although {control_label} is '{f.skip_value}', "
                        "which skips this question; the answer is ignored",
                    ),
                    f.name,
                )
            )
        text = text.mask(skipped)

    if f.type == "entity":
        noun = survey.model.entity_noun
        problems.append(
            CellProblem(
                "error",
                "entity-missing",
                same_message(
                    ~answered,
                    f"{label}: no {noun} given; expected the name, acronym or id of a "
                    f"registered {noun}",
                ),
                f.name,
            )
        )
    elif f.required:
        missing = ~answered & ~skipped
        problems.append(
            CellProblem(
                "error",
                "required-missing",
                same_message(missing, f"{label}: no answer, but an answer is required"),
                f.name,
            )
        )

    values, found = TYPE_CHECKS[f.type](text, f, survey, registry)
    problems.extend(found)
    return CheckedField(
        field=f,
        values=values,
        answered=answered,
        present=present,
        problems=[p for p in problems if len(p.messages)],
    )


def _check_text(
    text: pd.Series, f: FormField, survey: Survey, registry: Registry
) -> tuple[pd.Series, list[CellProblem]]:
    clean = text.str.replace(CONTROL_CHARACTERS, "", regex=True).str.strip()
    return clean.mask(clean == ""), []


def _check_email(
    text: pd.Series, f: FormField, survey: Survey, registry: Registry
) -> tuple[pd.Series, list[CellProblem]]:
    valid = text.str.fullmatch(EMAIL_PATTERN).fillna(False).astype(bool)
    bad = text.notna() & ~valid
    expected = "expected an address such as name@agency.org"
    if f.personal:
        messages = same_message(bad, f"{quoted(f.label)}: the e-mail address is not valid; {expected}")
    else:
        shown = _shown(text[bad], f)
        messages = quoted(f.label) + ": " + shown + f" is not a valid e-mail address; {expected}"
    return text.mask(bad), [CellProblem("error", "email-invalid", messages, f.name)]


def _expected_number(f: FormField) -> str:
    kind = "a whole number" if f.type == "integer" else "a number"
    if f.min is not None and f.max is not None:
        return f"{kind} from {number_text(f.min)} to {number_text(f.max)}"
    if f.min is not None:
        return f"{kind} of at least {number_text(f.min)}"
    if f.max is not None:
        return f"{kind} of at most {number_text(f.max)}"
    return kind


def _check_number(
    text: pd.Series, f: FormField, survey: Survey, registry: Registry
) -> tuple[pd.Series, list[CellProblem]]:
    number = pd.to_numeric(text, errors="coerce").astype("Float64")
    finite = (number.abs() < np.inf).fillna(False).astype(bool)
    not_number = text.notna() & ~finite
    fraction = pd.Series(False, index=text.index)
    if f.type == "integer":
        fraction = (finite & (number % 1 != 0)).fillna(False).astype(bool)
    too_low = (number < f.min) if f.min is not None else pd.Series(False, index=text.index)
    too_high = (number > f.max) if f.max is not None else pd.Series(False, index=text.index)
    out_of_range = (finite & ~fraction & (too_low | too_high)).fillna(False).astype(bool)
    expected = f"expected {_expected_number(f)}"
    prefix = quoted(f.label) + ": "
    problems = [
        CellProblem(
            "error",
            "not-a-number",
            prefix + _shown(text[not_number], f) + f" is not a number; {expected}",
            f.name,
        ),
        CellProblem(
            "error",
            "not-whole-number",
            prefix + _shown(text[fraction], f) + f" is not a whole number; {expected}",
            f.name,
        ),
        CellProblem(
            "error",
            "out-of-range",
            prefix + _shown(text[out_of_range], f) + f" is out of range; {expected}",
            f.name,
        ),
    ]
    values = number.mask(not_number | fraction | out_of_range)
    if f.type == "integer":
        values = values.round().astype("Int64")
    return values, problems


def _check_select_one(
    text: pd.Series, f: FormField, survey: Survey, registry: Registry
) -> tuple[pd.Series, list[CellProblem]]:
    list_name = f.list_name or ""
    names = [c.name for c in survey.choices(list_name)]
    bad = text.notna() & ~text.isin(names)
    expected = _expected_choices(survey, list_name)
    by_value = {
        v: (
            f"{quoted(f.label)}: "
            + ("the value" if f.personal else f"'{v}'")
            + " is not one of the choices"
            + _then_expected(_did_you_mean(suggest_choices(v, survey, list_name)), expected)
        )
        for v in pd.unique(text[bad].astype(object))
    }
    messages = text[bad].astype(object).map(by_value)
    return text.mask(bad), [CellProblem("error", "choice-invalid", messages, f.name)]


def _check_entity(
    text: pd.Series, f: FormField, survey: Survey, registry: Registry
) -> tuple[pd.Series, list[CellProblem]]:
    ids = registry.resolve_series(text)
    bad = text.notna() & ids.isna()
    noun = survey.model.entity_noun
    by_value = {
        v: f"{quoted(f.label)}: " + _unknown_entity(v, noun, registry)
        for v in pd.unique(text[bad].astype(object))
    }
    messages = text[bad].astype(object).map(by_value)
    return ids.mask(bad), [CellProblem("error", "entity-unknown", messages, f.name)]


def _unknown_entity(value: str, noun: str, registry: Registry) -> str:
    hint = _did_you_mean(registry.suggest(value))
    return f"unknown {noun} '{value}'" + (
        hint or f"; expected the name, acronym or id of a registered {noun}"
    )


def _check_multiple(
    text: pd.Series, f: FormField, survey: Survey, registry: Registry
) -> tuple[pd.Series, list[CellProblem]]:
    """select_multiple and entities: every token must be a choice name / known entity."""
    tokens = split_tokens(text.dropna())
    tokens = tokens[tokens.notna() & (tokens != "")].astype("string")
    if f.type == "entities":
        canonical = registry.resolve_series(tokens)
        order = {e: i for i, e in enumerate(registry.ids)}
    else:
        names = [c.name for c in survey.choices(f.list_name or "")]
        canonical = tokens.where(tokens.isin(names))
        order = {n: i for i, n in enumerate(names)}
    ok = canonical.notna().to_numpy(dtype=bool)
    values = _join_selected(text.index, canonical.index[ok], canonical[ok].to_numpy(), order)

    bad = tokens[~ok]
    if bad.empty:
        return values, []
    by_token = {t: _token_message(t, f, survey, registry) for t in pd.unique(bad.astype(object))}
    messages = quoted(f.label) + ": " + bad.astype(object).map(by_token)
    code = "entity-unknown" if f.type == "entities" else "choice-invalid"
    return values, [CellProblem("error", code, messages, f.name)]


def split_tokens(text: pd.Series) -> pd.Series:
    """The tokens of each cell (split at spaces, commas and semicolons), one row per token
    under its cell's label, in order: ``text.str.split(TOKEN_SEPARATORS).explode()``.
    ASCII text is split by pyarrow in one call; text with other characters the Python
    way (whose idea of a space pyarrow's regular expressions do not share)."""
    arrow = pa.array(text.array) if len(text) and isinstance(text.dtype, pd.StringDtype) else None
    if arrow is None or not pc.all(pc.string_is_ascii(arrow)).as_py():
        return text.str.split(TOKEN_SEPARATORS, regex=True).explode()
    lists = pc.split_pattern_regex(arrow, ASCII_TOKEN_SEPARATORS)
    rows = pc.list_parent_indices(lists).to_numpy()
    return pd.Series(
        pd.array(pc.list_flatten(lists), dtype="string"), index=text.index[rows], copy=False
    )


def _join_selected(
    index: pd.Index, rows: pd.Index, names: np.ndarray, order: dict[str, int]
) -> pd.Series:
    """Selected names -> one space-separated string per row, each name once, in list order.

    ``rows`` holds the row label of each selected name; rows with none selected are NA.
    Built from the (row, option) pairs, sorted once and joined per row in one reduction:
    no Python work per row, and memory in the number of names chosen (an entity list may
    have thousands of options).
    """
    options = np.array([f"{o} " for o in order], dtype=object)
    codes = pd.Categorical(names, categories=list(order)).codes.astype(np.int64)
    positions = index.get_indexer(rows).astype(np.int64)
    joined = np.full(len(index), "", dtype=object)
    if len(codes):
        pairs = np.unique(positions * len(options) + codes)  # sorted, each name once
        positions, codes = pairs // len(options), pairs % len(options)
        starts = np.flatnonzero(np.r_[True, positions[1:] != positions[:-1]])
        joined[positions[starts]] = np.add.reduceat(options[codes], starts)
    values = pd.Series(joined, index=index, dtype="string").str.rstrip()
    return values.mask(values == "")


def _token_message(token: str, f: FormField, survey: Survey, registry: Registry) -> str:
    """The message for one unknown token of a multiple choice (one issue per token)."""
    if f.type == "entities":
        return _unknown_entity(token, survey.model.entity_noun, registry)
    list_name = f.list_name or ""
    shown = "a value" if f.personal else f"'{token}'"
    hint = _did_you_mean(suggest_choices(token, survey, list_name))
    expected = _expected_choices(survey, list_name) + MULTIPLE_SEPARATED
    return f"{shown} is not one of the choices" + _then_expected(hint, expected)


TypeCheck = Callable[[pd.Series, FormField, Survey, Registry], tuple[pd.Series, list[CellProblem]]]
TYPE_CHECKS: dict[str, TypeCheck] = {
    "text": _check_text,
    "email": _check_email,
    "integer": _check_number,
    "decimal": _check_number,
    "select_one": _check_select_one,
    "select_multiple": _check_multiple,
    "entity": _check_entity,
    "entities": _check_multiple,
}


def check_fields(
    frame: pd.DataFrame, fields: list[FormField], survey: Survey, registry: Registry
) -> dict[str, CheckedField]:
    """:func:`check_field` for each field, keyed by field name."""
    return {f.name: check_field(frame, f, survey, registry) for f in fields}
