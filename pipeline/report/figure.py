"""A chart written to disk, with the words the report puts around it (survey-blind)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Chart:
    """One chart written to disk, with the words the report puts around it."""

    id: str
    title: str
    caption: str
    alt_text: str
    png: Path
    svg: Path
