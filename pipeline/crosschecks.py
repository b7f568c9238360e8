"""Cross-field checks declared in a survey (``checks:`` in survey.yaml).

Like XLSForm constraints that span several answers: a project "planned" whose end year has
passed, "ongoing" though it ended years ago, an end year before its start, a strategy year
after the round. Each rule (:class:`pipeline.spec.Check`) names a number field, optional
``when`` answers and a ``min`` / ``max`` bound: a number, another field of the same table
or ``round_year`` with an offset. Every row that breaks a rule is a warning naming the
file, sheet, row and column, so it is listed in the report's data-quality annex.

The checks run on the typed values :func:`pipeline.validate.validate` has made (bad cells
are already NA there, and reported on their own).
"""

from __future__ import annotations

import re

import pandas as pd

from pipeline.errors import Issue
from pipeline.spec import Check, Survey
from pipeline.spec_checks import ROUND_YEAR
from pipeline.tables import FIELD_ROW_PREFIX

YEAR_IN_ROUND = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")


def round_year(round_id: str | None) -> int | None:
    """The first year in a round id (``2026-R1`` -> 2026), or None."""
    match = YEAR_IN_ROUND.search(round_id or "")
    return int(match.group(0)) if match else None


def check_rows(
    check: Check,
    frame: pd.DataFrame,
    values: dict[str, pd.Series],
    labels: dict[str, str],
    entity: pd.Series,
    year: int | None,
) -> list[Issue]:
    """The warnings of one rule on one table.

    ``frame``: the checked table (source columns), ``values``: typed values per field (NA
    where blank or bad), ``labels``: field labels, ``entity``: entity id per row (NA when
    unknown), ``year``: the round's year (rules bound by it are skipped without one).
    """
    value = pd.to_numeric(values[check.field], errors="coerce").astype("Float64")
    applies = value.notna()
    for name, wanted in check.when.items():
        allowed = [wanted] if isinstance(wanted, str) else list(wanted)
        applies &= values[name].astype("string").isin(allowed).fillna(False).astype(bool)
    issues: list[Issue] = []
    for side, bound in (("min", check.min), ("max", check.max)):
        if bound is None:
            continue
        limit, described = _bound(bound, values, labels, year)
        if limit is None:
            continue
        broken = applies & limit.notna() & ((value < limit) if side == "min" else (value > limit))
        broken = broken.fillna(False).astype(bool)
        expected = "at least" if side == "min" else "at most"
        for i in frame.index[broken.to_numpy(dtype=bool)]:
            issues.append(
                Issue(
                    "warning",
                    "cross-check",
                    f"{check.message}: \"{labels[check.field]}\" is {_number(value.at[i])}; "
                    f"expected {expected} {described(i)} (check '{check.id}' of the survey)",
                    **_where(frame, i, check.field),
                    column=check.field,
                    entity="" if pd.isna(entity.at[i]) else str(entity.at[i]),
                )
            )
    return issues


def _bound(
    bound: float | str,
    values: dict[str, pd.Series],
    labels: dict[str, str],
    year: int | None,
):  # type: ignore[no-untyped-def]
    """(the bound per row, a function row -> words for it), or (None, None) when the
    bound needs a round year the round id does not give."""
    index = next(iter(values.values())).index
    if isinstance(bound, int | float):
        limit = pd.Series(float(bound), index=index, dtype="Float64")
        return limit, lambda i: _number(bound)
    match = ROUND_YEAR.match(bound.strip())
    if match:
        if year is None:
            return None, None
        offset = int(match.group(2) or 0) * (-1 if match.group(1) == "-" else 1)
        limit = pd.Series(float(year + offset), index=index, dtype="Float64")
        words = f"{year + offset} (the round's year" + (
            f" {match.group(1)} {match.group(2)})" if offset else ")"
        )
        return limit, lambda i: words
    other = pd.to_numeric(values[bound], errors="coerce").astype("Float64")
    return other, lambda i: f"\"{labels[bound]}\" ({_number(other.at[i])})"


def _number(x: object) -> str:
    x = float(x)  # type: ignore[arg-type]
    return str(int(x)) if x.is_integer() else f"{x:g}"


def _where(frame: pd.DataFrame, i: object, field: str) -> dict[str, object]:
    row_column = FIELD_ROW_PREFIX + field
    row = frame.at[i, row_column] if row_column in frame else pd.NA
    if pd.isna(row):
        row = frame.at[i, "_source_row"]
    row = pd.to_numeric(row, errors="coerce")
    sheet = frame.at[i, "_source_sheet"]
    file = frame.at[i, "_source_file"]
    return {
        "file": "" if pd.isna(file) else str(file),
        "sheet": "" if pd.isna(sheet) else str(sheet),
        "row": None if pd.isna(row) else int(row),
    }


def survey_checks(survey: Survey, section: str | None) -> list[Check]:
    """The survey's cross-field checks on one table (None: the main form)."""
    return [c for c in survey.model.checks if c.section == section]


def respect_checks(
    frame: pd.DataFrame, survey: Survey, section: str | None, year: int | None
) -> pd.DataFrame:
    """A copy of a canonical table (text values) whose numbers are moved onto the bounds
    of the survey's checks they break: for made-up answers (the demo, test examples) that
    should not contradict themselves. Rules bounded by the round's year are applied only
    with a ``year``."""
    out = frame.copy()
    for _ in range(2):  # a second pass settles rules that move the same value
        for check in survey_checks(survey, section):
            if check.field not in out or any(name not in out for name in check.when):
                continue
            values = {name: out[name] for name in out.columns}
            value = pd.to_numeric(out[check.field], errors="coerce").astype("Float64")
            applies = value.notna()
            for name, wanted in check.when.items():
                allowed = [wanted] if isinstance(wanted, str) else list(wanted)
                applies &= out[name].astype("string").isin(allowed).fillna(False).astype(bool)
            for side, bound in (("min", check.min), ("max", check.max)):
                named = isinstance(bound, str) and not ROUND_YEAR.match(bound.strip())
                if bound is None or (named and bound not in out):
                    continue
                limit, _ = _bound(bound, values, {}, year)
                if limit is None:
                    continue
                broken = applies & limit.notna() & ((value < limit) if side == "min" else (value > limit))
                broken = broken.fillna(False).astype(bool)
                if broken.any():
                    value = value.mask(broken, limit)
                    fixed = limit[broken].map(_number).astype("string")
                    out[check.field] = out[check.field].astype("string").mask(broken, fixed)
    return out
