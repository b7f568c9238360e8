"""Contact details typed where they do not belong (an answer, an author name, a file name)
are masked before they reach an output."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"']+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{7,}\d(?!\w)")
MIN_PHONE_DIGITS = 9  # fewer is a year range, a budget or a count, not a telephone number


def mask_email(text: str) -> str:
    """``text`` with every e-mail address replaced by ``[e-mail]``."""
    return EMAIL.sub("[e-mail]", text)


def mask_contacts(text: str) -> str:
    """``text`` with e-mail addresses and telephone numbers masked."""
    def phone(match: re.Match[str]) -> str:
        digits = sum(c.isdigit() for c in match.group(0))
        return "[phone]" if digits >= MIN_PHONE_DIGITS else match.group(0)

    return PHONE.sub(phone, mask_email(text))
