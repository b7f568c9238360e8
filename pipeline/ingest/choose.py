"""Which reader takes a file: every reader in detection order (the offline questionnaire,
the Kobo XLSX export, the ODK Central CSV export, the Kobo CSV export) and the first whose
``can_read`` accepts a path. Kept apart from :mod:`pipeline.ingest.detect`, whose loading
helpers the readers themselves import.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from pipeline.errors import IssueLog
from pipeline.ingest import kobo, odk
from pipeline.ingest.detect import Reader
from pipeline.ingest.safe import reader_failure


def questionnaire_reader(log: IssueLog | None = None) -> Reader | None:
    """The offline-questionnaire reader, or None while it is not installed."""
    try:
        return importlib.import_module("pipeline.ingest.questionnaire")  # type: ignore[return-value]
    except ModuleNotFoundError as exc:
        if exc.name == "pipeline.ingest.questionnaire":
            return None
        if log is not None:
            log.error("reader-broken", f"the questionnaire reader cannot be loaded: {exc}")
        return None
    except Exception as exc:  # a broken reader must not hide the others
        if log is not None:
            log.error("reader-broken", f"the questionnaire reader cannot be loaded: {exc!r}")
        return None


def readers(log: IssueLog | None = None) -> list[Reader]:
    """Every reader in detection order (the questionnaire reader only when present)."""
    found: list[Reader] = []
    questionnaire = questionnaire_reader(log)
    if questionnaire is not None:
        found.append(questionnaire)
    found += [kobo.XLSX_READER, odk, kobo.CSV_READER]  # type: ignore[list-item]
    return found


def pick_reader(path: Path, candidates: list[Reader] | None = None) -> Reader | None:
    """The first reader whose ``can_read`` accepts ``path``, or None."""
    for reader in candidates if candidates is not None else readers():
        try:
            if reader.can_read(path):
                return reader
        except BaseException as exc:  # can_read must never raise: a failure is "not mine"
            if not reader_failure(exc):
                raise
            continue
    return None
