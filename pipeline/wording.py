"""Word helpers every writer shares, blind to any survey: counts in words, plurals and
the agreement of a verb with a counted subject ("one of the 18 entities engages")."""

from __future__ import annotations

__all__ = ["agree", "fewer_than", "number_word"]


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
