"""What the demo may replace: only rounds it wrote itself, unchanged since.

The demo writes its synthetic rounds under ``data/raw/<survey>/<round>/``, where real rounds
live too, and the README's own examples use the demo's round ids. So every round the demo
writes is recorded, file by file with its SHA-256, in ``data/raw/<survey>/.demo-rounds.json``
(beside the round folders, never inside one, so no reader meets it). Before it writes, the
demo checks each of its rounds: a round folder it did not record, or one where a recorded
file has changed or an unrecorded file has appeared, holds someone's data, and the demo stops
before writing anything. A report or processed tables of a round whose inputs the demo did
not record are protected the same way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.manifest import sha256_file
from pipeline.paths import Layout

MARKER = ".demo-rounds.json"
WRITER = "emg-pipeline demo"


def _marker(layout: Layout, survey_id: str) -> Path:
    return layout.raw(survey_id) / MARKER


def _recorded(layout: Layout, survey_id: str) -> dict[str, dict[str, str]]:
    """``{round: {relative path: sha256}}`` of the rounds the demo wrote (empty if none)."""
    path = _marker(layout, survey_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    rounds = data.get("rounds") if isinstance(data, dict) else None
    return rounds if isinstance(rounds, dict) else {}


def _files(folder: Path) -> dict[str, Path]:
    """Every file under ``folder`` (hidden ones and symlinks too), by relative path."""
    return {
        p.relative_to(folder).as_posix(): p
        for p in folder.rglob("*")
        if p.is_file() or p.is_symlink()
    }


def _foreign_files(folder: Path, recorded: dict[str, str]) -> list[str]:
    """Files of ``folder`` that the demo did not write, or that changed since it did."""
    foreign = []
    for rel, path in sorted(_files(folder).items()):
        if rel not in recorded or path.is_symlink() or sha256_file(path) != recorded[rel]:
            foreign.append(rel)
    return foreign


def _where(layout: Layout, path: Path) -> str:
    try:
        return path.relative_to(layout.root).as_posix()
    except ValueError:
        return str(path)


def check_demo_may_write(layout: Layout, survey_id: str, round_ids: list[str]) -> None:
    """Raise :class:`UsageError` naming every round of ``round_ids`` that holds data the demo
    did not write: its raw files, or outputs and processed tables of a round it never wrote."""
    recorded = _recorded(layout, survey_id)
    problems = []
    for round_id in round_ids:
        raw = layout.raw(survey_id, round_id)
        if raw.is_symlink() or (raw.exists() and not raw.is_dir()):
            problems.append(f"{_where(layout, raw)} is not a folder the demo wrote")
        elif raw.is_dir():
            if round_id not in recorded:
                problems.append(f"{_where(layout, raw)} holds a round the demo did not write")
            elif foreign := _foreign_files(raw, recorded[round_id]):
                shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
                problems.append(f"{_where(layout, raw)} holds files the demo did not write: {shown}")
        elif round_id not in recorded:
            for built in (layout.outputs(survey_id, round_id), layout.processed(survey_id, round_id)):
                if built.exists():
                    problems.append(
                        f"{_where(layout, built)} holds results of a round the demo did not write"
                    )
    if problems:
        raise UsageError(
            "The demo stopped before writing anything: it never replaces data it did not write.\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\nMove these folders elsewhere if they are old demo data, or run the demo in a "
            "folder of its own: emg-pipeline demo --root /tmp/emg-demo"
        )


def clear_demo_round(layout: Layout, survey_id: str, round_id: str) -> None:
    """Delete the files the demo recorded for a round (after :func:`check_demo_may_write`),
    then the folders they leave empty; anything else stays where it is."""
    raw = layout.raw(survey_id, round_id)
    for rel in _recorded(layout, survey_id).get(round_id, {}):
        (raw / rel).unlink(missing_ok=True)
    if raw.is_dir():
        for folder in sorted((p for p in raw.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()
        if not any(raw.iterdir()):
            raw.rmdir()


def record_demo_round(layout: Layout, survey_id: str, round_id: str) -> None:
    """Record the files of a round the demo has just written into a folder it had cleared
    (the record is written atomically, beside the round folders)."""
    rounds = _recorded(layout, survey_id)
    files = _files(layout.raw(survey_id, round_id))
    rounds[round_id] = {rel: sha256_file(path) for rel, path in sorted(files.items())}
    path = _marker(layout, survey_id)
    staged = path.with_name(f"{MARKER}.{os.getpid()}.tmp")
    staged.write_text(
        json.dumps({"written_by": WRITER, "rounds": rounds}, indent=2, sort_keys=True),
        encoding="utf-8",
    )
    os.replace(staged, path)
