"""Word helpers every writer shares, blind to any survey: counts in words, plurals and
the agreement of a verb with a counted subject ("one of the 18 entities engages")."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline import numbers

__all__ = [
    "agree", "article", "capitalise", "count", "fewer_than", "inline", "join_names",
    "number_word", "p_text", "percent", "plural", "score",
]  # fmt: skip


def number_word(n: int) -> str:
    """Small counts in words at the start of a clause (one to ten), digits otherwise."""
    words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    return words[n] if 0 <= n < len(words) else str(n)



def agree(
    n: int,
    one: str,
    many: str,
    verb: tuple[str, str] | None = None,
    of: int | None = None,
    words: bool = True,
) -> str:
    """A counted subject, with its verb agreeing: the one helper for plurals.

    ``agree(1, "entity", "entities", ("engages", "engage"), of=18)`` -> "one of the 18
    entities engages"; ``(0, ..., of=18)`` -> "none of the 18 entities engages"; ``(5, ...)``
    -> "five entities engage"; ``(0, ...)`` -> "no entity engages". ``words``: small
    counts in words (default), else digits. Capitalise the result at a sentence's start.
    """
    number = number_word(n) if words else str(n)
    if of:
        head = "none" if n == 0 else number
        subject = f"{head} of the {of} {one if of == 1 else many}"
    elif n == 0:
        subject = f"no {one}"
    else:
        subject = f"{number} {one if n == 1 else many}"
    if verb is None:
        return subject
    return f"{subject} {verb[0] if n <= 1 else verb[1]}"


def fewer_than(n: int, one: str, many: str, verb: tuple[str, str] | None = None) -> str:
    """A threshold as a subject: ``fewer_than(3, ...)`` -> "fewer than 3 entities work on",
    ``fewer_than(1, ...)`` -> "no entity works on" (never "fewer than 1 entities")."""
    if n <= 1:
        return f"no {one}" + (f" {verb[0]}" if verb else "")
    return f"fewer than {n} {many}" + (f" {verb[1]}" if verb else "")


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


SMALL_WORDS = frozenset({"a", "an", "and", "for", "in", "of", "on", "or", "the", "to", "with"})


def inline(label: str) -> str:
    """A label for use inside a sentence: "Moderate" -> "moderate", "Own measurement" ->
    "own measurement"; a name stays as written: "UN", "Greening the Blue", "Global
    Reporting Initiative" (a later word other than a small one is capitalised)."""
    words = label.split()
    if not words or not words[0][1:2].islower():
        return label
    if any(w[:1].isupper() for w in words[1:] if w.lower() not in SMALL_WORDS):
        return label
    return label[:1].lower() + label[1:]


def article(noun: str) -> str:
    """``"agency"`` -> ``"an agency"``; ``"entity"`` -> ``"an entity"``; an acronym by how
    its first letter is said: ``"UN body"`` -> ``"a UN body"``, ``"SDG target"`` -> ``"an SDG
    target"``."""
    first = noun.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():  # spelt out: "es-dee-gee", "you-en"
        return f"an {noun}" if first[0] in "AEFHILMNORSX" else f"a {noun}"
    return f"an {noun}" if noun[:1].lower() in "aeio" else f"a {noun}"


def count(n: int, singular: str, plural_form: str) -> str:
    """Like :func:`plural` but "no agencies" for zero."""
    return f"no {plural_form}" if n == 0 else plural(n, singular, plural_form)


def join_names(names: Sequence[str], limit: int | None = None, conj: str = "and") -> str:
    """``["A", "B", "C"]`` -> ``"A, B and C"``; beyond ``limit`` names: ``"A, B and 3 others"``;
    ``conj="or"``: ``"A, B or C"``."""
    names = [str(n) for n in names if str(n)]
    if limit is not None and len(names) > limit:
        rest = len(names) - limit
        return f"{', '.join(names[:limit])} and {rest} other{'s' if rest > 1 else ''}"
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conj} {names[-1]}"


def percent(share: float | None) -> str:
    """A share (0..1; values above 1 are read as percentages already) as ``"58%"``,
    rounded as the workbook shows it (:func:`pipeline.numbers.percent`)."""
    return numbers.percent(share)


def score(value: float | None) -> str:
    """A score or mean score as ``"0.63"``, as the workbook shows it."""
    return numbers.score(value)


def p_text(p: float | None) -> str:
    """A p-value in a sentence: ``"p = 0.012"`` or ``"p < 0.001"``."""
    return numbers.p_text(p)


def plural(n: int, singular: str, plural_form: str) -> str:
    return f"{n} {singular if n == 1 else plural_form}"
