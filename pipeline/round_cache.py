"""Processed rounds shared by the processes of one command (the demo's jobs).

The demo reads some rounds several times, each time in a fresh process: the demo analyst
lists the last round's open answers to make quoting decisions, the round's own run
processes it again, the next round's run compares with it and the survey's comparison
processes both. Inside :func:`round_cache`, :func:`pipeline.rounds.process_round` keeps
what it computed (the round read, checked, normalised and analysed, before the analyst's
quoting decisions are joined) under a key of everything that result depends on, and a
later call with the same key, in any process given the same folder, loads it instead of
reading the round again.

The key covers the round's input files (their hashes), the survey definition the round
was collected with and its language, the registry, the repeat sections not collected, the
pipeline's source and the versions of the libraries that compute (the run date is not in
it: no analysis reads it; it is set on the result loaded). Only rounds without errors are
kept (a round with errors is read again, and raises again).

The folder is the caller's: the demo makes a private temporary folder and removes it when
its jobs are done, so that nothing is left behind. Entries are pickles, which is safe only
because nothing but this process tree writes them; never point it at a shared folder.
A damaged or unreadable entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import replace
from pathlib import Path

from pipeline.manifest import sha256_file
from pipeline.paths import Layout
from pipeline.spec import Survey
from pipeline.tables import RunResult

_FOLDER: ContextVar[Path | None] = ContextVar("emg_round_cache", default=None)


@contextmanager
def round_cache(folder: Path | str | None) -> Iterator[None]:
    """Rounds processed within the block are kept in (and loaded from) ``folder``; None:
    no cache."""
    token = _FOLDER.set(Path(folder) if folder else None)
    try:
        yield
    finally:
        _FOLDER.reset(token)


def round_caching() -> bool:
    """Whether a round cache is active."""
    return _FOLDER.get() is not None


def round_key(
    layout: Layout,
    survey: Survey,
    round_id: str,
    input_hashes: dict[str, str],
    no_repeat: Collection[str],
) -> str:
    """The cache key of a round with these input files (``{relative path: sha256}``)."""
    from pipeline.report.chart_cache import _environment

    payload = json.dumps(
        {
            "survey": survey.id,
            "round": round_id,
            "definition": survey.sha256,
            "language": getattr(survey, "language", ""),
            "registry": sha256_file(layout.registry),
            "inputs": input_hashes,
            "no_repeat": sorted(no_repeat),
            "code": _environment(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def load_round(key: str, run_date: str) -> tuple[RunResult, dict[str, str]] | None:
    """The kept result and input hashes under ``key`` (with ``run_date`` set), or None."""
    folder = _FOLDER.get()
    if folder is None:
        return None
    try:
        with (folder / f"{key}.pickle").open("rb") as f:
            result, hashes = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    return replace(result, run_date=run_date), hashes


def keep_round(key: str, result: RunResult, input_hashes: dict[str, str]) -> None:
    """Keep ``result`` under ``key`` (written whole, then renamed into place)."""
    folder = _FOLDER.get()
    if folder is None:
        return
    with suppress(OSError, pickle.PicklingError, TypeError, AttributeError):
        folder.mkdir(parents=True, exist_ok=True)
        handle, part = tempfile.mkstemp(dir=folder, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as f:
                pickle.dump((result, input_hashes), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(part, folder / f"{key}.pickle")
        finally:
            with suppress(OSError):
                os.unlink(part)
