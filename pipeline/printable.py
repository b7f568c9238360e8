"""Text from the inputs made safe to echo on a terminal or a log.

File names, sheet names and answers come from outside; printed as they are, an escape
sequence in them could clear the analyst's screen, move the cursor, plant a link, or a
newline could forge a line of the run's own output ("ERROR ..."). Everything the command
line echoes goes through :func:`printable`: control characters (C0, C1, DEL), line and
paragraph separators and the Unicode bidirectional controls become visible escapes
(``\\x1b``, ``\\n``, ``\\u202e``); every other character, CJK and Arabic included, is kept.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def printable(text: object) -> str:
    """``text`` as a single printable line: control characters shown as escapes."""
    value = str(text)
    return _UNSAFE.sub(_escape, value) if _UNSAFE.search(value) else value
