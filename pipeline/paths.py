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
MAX_ID_LENGTH = 64
"""The longest survey or round id the command line takes (folders derived from it, such
as ``<NEW>-vs-<OLD>``, must stay plain folder names too)."""
MAX_NAME_BYTES = 200
"""The longest folder name built from ids, in UTF-8 bytes: hidden staging folders add
about 20 bytes to it, and a name may have at most 255 bytes on most file systems."""


def folder_name(value: str, what: str = "round", max_length: int = MAX_NAME_BYTES) -> str:
    """``value`` when it is a plain folder name, else :class:`UsageError`: survey and round
    ids become parts of input and output paths, and must never lead out of their folder.
    An empty id (an unset shell variable) and one over ``max_length`` characters (or
    :data:`MAX_NAME_BYTES` bytes) are refused too."""
    from pipeline.printable import printable

    if not value:
        raise UsageError(f"the {what} is empty: give one (is a shell variable unset?)")
    if len(value) > max_length or len(value.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        limit = (
            f"at most {max_length} are allowed"
            if len(value) > max_length
            else f"at most {MAX_NAME_BYTES} bytes in UTF-8 are allowed"
        )
        raise UsageError(f"the {what} '{printable(value[:20])}...' has {len(value)} characters; {limit}")
    if not FOLDER_NAME.fullmatch(value) or value.endswith((" ", ".")):
        raise UsageError(
            f"the {what} '{printable(value)}' is not a plain folder name: use letters, digits, "
            "spaces and . _ - ( ) +, without '/', '\\' or a leading '.'"
        )
    return value


def check_run_date(value: str) -> str:
    """``value`` when it is a calendar date written YYYY-MM-DD, else :class:`UsageError`."""
    import datetime as dt

    from pipeline.printable import printable

    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"the run date '{printable(value[:40])}' is not a date written YYYY-MM-DD "
            "(e.g. 2026-11-25)"
        ) from None
    return value


def natural_key(name: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that orders numbers as numbers: ``2026-R2`` before ``2026-R10``."""
    parts = re.findall(r"[0-9]+|[^0-9]+", name)
    key = [(0, int(p), "") if p[0] in "0123456789" else (1, 0, p.casefold()) for p in parts]
    return (*key, (-1, 0, name))  # a prefix first (2026-R1 before 2026-R1.v2), then exact


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

CHART_CACHE_ENV = "EMG_CHART_CACHE"


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
        return base if round_id is None else base / folder_name(round_id)

    def processed(self, survey_id: str, round_id: str) -> Path:
        survey_id = folder_name(survey_id, "survey id")
        return self.root / "data" / "processed" / survey_id / folder_name(round_id)

    def review(self, survey_id: str, round_id: str) -> Path:
        """Where people's review of a round lives (reviewed copies, decisions): never
        written by a run."""
        return self.root / "data" / "review" / folder_name(survey_id, "survey id") / folder_name(round_id)

    @property
    def chart_cache(self) -> Path:
        """Charts drawn before, reused when what they show is unchanged (safe to delete):
        ``data/processed/.chart-cache``, or the folder named by the environment variable
        ``EMG_CHART_CACHE`` (one cache shared by several project folders, e.g. in tests)."""
        shared = os.environ.get(CHART_CACHE_ENV)
        return Path(shared) if shared else self.root / "data" / "processed" / ".chart-cache"

    def outputs(self, survey_id: str, round_id: str) -> Path:
        return self.root / "outputs" / folder_name(survey_id, "survey id") / folder_name(round_id)

    def survey_ids(self) -> list[str]:
        return sorted(p.parent.name for p in self.surveys.glob("*/survey.yaml"))

    def rounds(self, survey_id: str) -> list[str]:
        """The round folders under ``data/raw/<survey>/`` in natural order (numbers as
        numbers: 2026-R2 before 2026-R10)."""
        base = self.raw(survey_id)
        if not base.is_dir():
            return []
        names = (p.name for p in base.iterdir() if p.is_dir() and _is_folder_name(p.name))
        return sorted(names, key=natural_key)


def _is_folder_name(name: str) -> bool:
    try:
        return bool(folder_name(name))
    except UsageError:
        return False
