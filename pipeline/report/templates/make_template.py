"""Build the reference Word template of the EMG reports: ``report-template.docx``.

Run it after changing the house styles in :func:`pipeline.report.template.house_template`::

    .venv/bin/python pipeline/report/templates/make_template.py [OUT.docx]

The template holds styles only (A4 page, Arial 10 pt, Title/Subtitle/Heading 1-3/Caption/
List Bullet/Footer restyled in #1F4E79, the ``EMG Table`` table style and the ``Table
Note`` paragraph style); its body is empty. The report writer opens it and writes the
report into it, so a designer may also restyle the committed template in Word (keeping the
style names) and every later report follows.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.report.template import TEMPLATE_PATH, house_template


def main(argv: list[str] | None = None) -> Path:
    """Write the template to ``argv[0]`` (default: next to this script) and return the path."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else TEMPLATE_PATH
    out.parent.mkdir(parents=True, exist_ok=True)
    house_template().save(str(out))
    print(f"template written to {out}")
    return out


if __name__ == "__main__":
    main()
