"""Where a project's survey definitions, reference data, inputs and outputs live."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import UsageError

SOURCE_ROOT = Path(__file__).resolve().parents[1]
FOLDER_NAME = re.compile(r"\w[\w .()+-]*")
"""A survey id or round id: one plain folder name (no '/', '\\', leading '.' or '..')."""


def folder_name(value: str, what: str = "round") -> str:
    """``value`` when it is a plain folder name, else :class:`UsageError`: survey and round
    ids become parts of input and output paths, and must never lead out of their folder."""
    if not FOLDER_NAME.fullmatch(value) or value.endswith((" ", ".")):
        raise UsageError(
            f"the {what} '{value}' is not a plain folder name: use letters, digits, spaces "
            "and . _ - ( ) +, without '/', '\\' or a leading '.'"
        )
    return value


def find_root(start: Path | None = None) -> Path:
    """The project root: ``$EMG_ROOT``, else the nearest folder above ``start`` holding
    ``surveys/``, else the source tree this package was installed from."""
    if os.environ.get("EMG_ROOT"):
        return Path(os.environ["EMG_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "surveys").is_dir() and (folder / "data" / "reference").is_dir():
            return folder
    return SOURCE_ROOT


@dataclass(frozen=True)
class Layout:
    """The folders of one project root (see DESIGN.md, Layout)."""

    root: Path

    def _own_or_source(self, relative: str) -> Path:
        own = self.root / relative
        return own if own.exists() else SOURCE_ROOT / relative

    @property
    def surveys(self) -> Path:
        return self._own_or_source("surveys")

    @property
    def registry(self) -> Path:
        return self._own_or_source("data/reference/entities.csv")

    def survey_dir(self, survey_id: str) -> Path:
        return self.surveys / folder_name(survey_id, "survey id")

    def raw(self, survey_id: str, round_id: str | None = None) -> Path:
        base = self.root / "data" / "raw" / folder_name(survey_id, "survey id")
        return base / folder_name(round_id) if round_id else base

    def processed(self, survey_id: str, round_id: str) -> Path:
        survey_id = folder_name(survey_id, "survey id")
        return self.root / "data" / "processed" / survey_id / folder_name(round_id)

    def review(self, survey_id: str, round_id: str) -> Path:
        """Where people's review of a round lives (reviewed copies, decisions): never
        written by a run."""
        return self.root / "data" / "review" / folder_name(survey_id, "survey id") / folder_name(round_id)

    @property
    def chart_cache(self) -> Path:
        """Charts drawn before, reused when what they show is unchanged (safe to delete)."""
        return self.root / "data" / "processed" / ".chart-cache"

    def outputs(self, survey_id: str, round_id: str) -> Path:
        return self.root / "outputs" / folder_name(survey_id, "survey id") / folder_name(round_id)

    def survey_ids(self) -> list[str]:
        return sorted(p.parent.name for p in self.surveys.glob("*/survey.yaml"))

    def rounds(self, survey_id: str) -> list[str]:
        base = self.raw(survey_id)
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if p.is_dir() and _is_folder_name(p.name))


def _is_folder_name(name: str) -> bool:
    try:
        return bool(folder_name(name))
    except UsageError:
        return False
