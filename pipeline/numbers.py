"""One way to show a number, for the report, the slides and the workbook alike.

Excel shows a value formatted ``0.00`` or ``0%`` rounded half away from zero, from the
value's first 15 significant digits: 0.625 shows as 0.63 and 62.5 % as 63 %, where
Python's own formatting (``f"{0.625:.2f}"``) rounds half to even on the binary value and
writes 0.62. Every number a reader sees in the report is written here, the way Excel
shows the same value in ``results.xlsx`` (whose number formats, :data:`EXCEL_FORMATS`,
are defined here too), so that the two never differ in the last digit.

- :func:`score` 0.62 (two decimals), :func:`decimal` any number of decimals;
- :func:`percent` 62% (a share 0..1), :func:`percentage_points` 13 (a difference of
  shares), :func:`p_value` 0.012 or < 0.001, :func:`p_text`
  "p = 0.012" / "p < 0.001" (the workbook's p format shows "< 0.001" as well);
- :func:`money` 1,800,000 (whole units), :func:`count` 1,234;
- :func:`change` the difference of two shown values, so that "0.63 → 0.25" is said to
  change by -0.38, not by the -0.37 of the unrounded values (:func:`shown_difference`
  the same as a number, for a table's change column); :func:`signed` a difference
  already made, with its sign ("+0.05");
- :func:`rank` a mean or median rank (2.45), :func:`plain` a number as it
  was given (a scale's score 0.5, a threshold 0.05, an answer 12.5: no digit added or cut);
- :func:`format_number` any of these by kind, or a Python format string such as
  ``"{:.2f}"`` or ``"{:.0%}"`` read the same way (what the document's tables take).
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "EXCEL_FORMATS", "P_FLOOR", "change", "count", "decimal", "format_number", "money",
    "p_text", "p_value", "percent", "percentage_points", "plain", "rank", "round_half_up", "score",
    "shown_difference", "signed",
]  # fmt: skip

P_FLOOR = 0.001
"""p-values below this are shown as "< 0.001"."""

EXCEL_FORMATS = {
    "score": "0.00",
    "percent": "0%",
    "p": f'[<{P_FLOOR}]"< {P_FLOOR}";0.000',
    "money": "#,##0",
    "count": "#,##0",
}
"""The workbook's number format for each kind: Excel shows them as this module writes
them (rounded half away from zero)."""

NOT_AVAILABLE = "n/a"


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _exact(value: float) -> Decimal:
    """The value as Excel holds it for display: its first 15 significant digits."""
    return Decimal(f"{float(value):.15g}")


def round_half_up(value: float, digits: int = 0) -> float:
    """``value`` rounded to ``digits`` decimals, halves away from zero (as Excel shows it):
    ``round_half_up(0.625, 2) == 0.63``, ``round_half_up(-2.5) == -3.0``."""
    return float(_rounded(value, digits))


def _rounded(value: float, digits: int) -> Decimal:
    try:
        out = _exact(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # infinities
        return Decimal(float(value))
    return out + 0 if out != 0 else abs(out)  # no "-0.00"


def decimal(value: object, digits: int = 2, thousands: bool = False) -> str:
    """A number with ``digits`` decimals, halves away from zero; missing -> ``"n/a"``."""
    if _missing(value):
        return NOT_AVAILABLE
    number = float(value)  # type: ignore[arg-type]
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    rounded = _rounded(number, digits)
    return f"{rounded:,.{digits}f}" if thousands else f"{rounded:.{digits}f}"


def score(value: object) -> str:
    """A score or mean score (0..1) as ``"0.63"``."""
    return decimal(value, 2)


def signed(value: object, digits: int = 2) -> str:
    """A difference with its sign, ``digits`` decimals: ``"+0.05"``, ``"-0.38"``; zero as
    shown has no sign (``"0.00"``), as :func:`change` writes it."""
    text = decimal(value, digits)
    if text == NOT_AVAILABLE or text.startswith(("-", "∞")) or float(text) == 0:
        return "+∞" if text == "∞" else text
    return "+" + text


def rank(value: object) -> str:
    """A mean or median rank (1 is the first place) with two decimals, as the workbook
    shows it: ``"2.45"``."""
    return decimal(value, 2)


def plain(value: object, thousands: bool = False) -> str:
    """A number as it was given, nothing rounded away and no digit added: a scale's score
    ``0.5``, a threshold ``0.05``, a year ``2014``, an answer ``12.25`` (at most 15
    significant digits, as Excel holds it); ``thousands``: with separators
    (``"12,345.5"``); missing -> ``"n/a"``."""
    if _missing(value):
        return NOT_AVAILABLE
    number = float(value)  # type: ignore[arg-type]
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    exact = _exact(number).normalize()
    exact = exact if exact != 0 else abs(exact)
    return f"{exact:,f}" if thousands else f"{exact:f}"


def shown_difference(old: object, new: object, digits: int = 2) -> float:
    """``new - old`` as the two read when shown with ``digits`` decimals (NaN when either
    is missing): the change column beside the two values, so that "0.63", "0.25" and
    "-0.38" subtract on the page and in the workbook alike."""
    if _missing(old) or _missing(new):
        return math.nan
    return float(_rounded(float(new), digits) - _rounded(float(old), digits))  # type: ignore[arg-type]


def percent(share: object, digits: int = 0) -> str:
    """A share (0..1) as ``"63%"``; values above 1 are read as percentages already."""
    if _missing(share):
        return NOT_AVAILABLE
    value = float(share)  # type: ignore[arg-type]
    return _percent(value if abs(value) <= 1 else value / 100, digits)


def _percent(share: float, digits: int) -> str:
    """A share as a percentage, exactly as Excel's ``0%`` shows it."""
    if math.isinf(share):
        return "∞%" if share > 0 else "-∞%"
    rounded = (_exact(share) * 100).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    rounded = rounded if rounded != 0 else abs(rounded)
    return f"{rounded:.{digits}f}%"


def percentage_points(share: object, digits: int = 0) -> str:
    """A difference of two shares (0..1) in percentage points, the number alone:
    ``percentage_points(0.125) == "13"`` (as :func:`percent` writes the share)."""
    if _missing(share):
        return NOT_AVAILABLE
    return _percent(float(share), digits).removesuffix("%")  # type: ignore[arg-type]


def p_value(p: object) -> str:
    """A p-value as ``"0.012"`` (three decimals) or ``"< 0.001"``."""
    if _missing(p):
        return NOT_AVAILABLE
    return f"< {P_FLOOR}" if float(p) < P_FLOOR else decimal(p, 3)  # type: ignore[arg-type]


def p_text(p: object) -> str:
    """A p-value in a sentence: ``"p = 0.012"`` or ``"p < 0.001"``."""
    shown = p_value(p)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def money(value: object) -> str:
    """An amount in whole units with thousands separators: ``"1,800,000"``."""
    return decimal(value, 0, thousands=True)


def count(value: object) -> str:
    """A count with thousands separators: ``"1,234"``."""
    return decimal(value, 0, thousands=True)


def change(old: object, new: object, digits: int = 2) -> str:
    """The change from ``old`` to ``new`` as the difference of the two values as shown
    (``change(0.625, 0.2449) == "-0.39"``: 0.63 → 0.24), with its sign (``"+0.05"``)."""
    return signed(shown_difference(old, new, digits), digits)


_PY_FORMAT = re.compile(r"\{:(?P<plus>\+)?(?P<comma>,)?\.(?P<digits>\d+)(?P<kind>[f%])\}")
_KINDS = {
    "score": score,
    "change": signed,
    "rank": rank,
    "plain": plain,  # as given: an answer's minimum, 12.25
    "year": lambda value: decimal(value, 0),  # a year or a median of years: 2014, no separator
    "number": lambda value: plain(value, thousands=True),  # as given, 12,345.5
    "percent": lambda share: _percent(float(share), 0),  # a table's shares are shares
    "p": p_value,
    "money": money,
    "count": count,
}


def format_number(value: object, spec: str) -> str:
    """``value`` shown as ``spec`` says: a kind (``"score"``, ``"change"``, ``"rank"``,
    ``"percent"``, ``"p"``, ``"money"``, ``"count"``, ``"plain"``, ``"number"``,
    ``"year"``) or a Python format string; ``"{:.2f}"``, ``"{:,.0f}"``,
    ``"{:+.2f}"`` and ``"{:.0%}"`` round halves away from zero like the kinds, any other
    format string is applied as it is. Missing -> ``""`` (a table cell left empty)."""
    if _missing(value):
        return ""
    if spec in _KINDS:
        return _KINDS[spec](value)
    found = _PY_FORMAT.fullmatch(spec)
    if not found:
        return spec.format(value)
    digits = int(found["digits"])
    if found["kind"] == "%":
        return _percent(float(value), digits)  # type: ignore[arg-type]
    text = decimal(value, digits, thousands=bool(found["comma"]))
    if found["plus"] and not text.startswith("-"):
        text = "+" + text
    return text
