"""Ingestion: every file of a round folder -> one :class:`~pipeline.tables.RawRound`.

:func:`read_round` walks the round folder, hashes each file, checks it is safe to open
(:mod:`pipeline.ingest.safe`), picks a reader by detection (:mod:`pipeline.ingest.detect`:
offline questionnaire, Kobo XLSX, ODK Central CSV, Kobo CSV) and concatenates what the
readers return into the canonical wide tables of docs/architecture.md. Problems go to the
:class:`~pipeline.errors.IssueLog`; nothing here raises on bad input and no input file is
ever written to.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from pipeline.desk import read as desk
from pipeline.errors import IssueLog, SpecError
from pipeline.ingest import odk, source
from pipeline.ingest.canonical import canonical_columns, empty_table
from pipeline.ingest.choose import pick_reader, readers
from pipeline.ingest.detect import Reader, csv_header, workbook_damage, workbook_headers
from pipeline.ingest.headers import normalise_text
from pipeline.ingest.safe import MAX_FILE_BYTES, check_file, has_macros, reader_failure
from pipeline.registry import Registry
from pipeline.review import apply_review_states
from pipeline.spec import Survey, load_survey
from pipeline.tables import InputFile, RawRound

__all__ = ["read_round"]

SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini"})


def read_round(
    folder: Path,
    survey: Survey,
    registry: Registry,
    log: IssueLog,
    no_repeat: Collection[str] = (),
) -> RawRound:
    """Read every file of a round folder into canonical wide tables.

    ``folder``: ``data/raw/<survey>/<round>/`` (files in sub-folders are read too).
    Returns a :class:`RawRound` whose ``main`` and ``repeats`` hold every file's rows (all
    text, see docs/architecture.md) and whose ``files`` lists each file with its SHA-256 and
    the reader that took it. Hidden files, Excel lock files (``~$...``) and system files are
    skipped with an info issue; a file no reader takes, a missing or empty folder, and the
    same submission found twice are errors.

    A file with submissions that carries no rows of a repeat section (no sheet, no repeat
    file: a Kobo CSV export, an ODK main CSV without its ``<form>-<repeat>.csv``) is an
    error naming what is missing and how to get it, unless the section is named in
    ``no_repeat`` (the analyst says the round collected none): its submissions would
    otherwise count as reporting none. Such sections are listed in
    ``RawRound.not_collected``.

    Submissions whose review state in the survey tool the survey sets aside (rejected,
    by default) are left out, each named in the log (:mod:`pipeline.review`).

    Each file is read from disk once (:func:`pipeline.ingest.source.frozen`): the SHA-256
    recorded for it is the hash of the bytes its answers were parsed from, and a file
    found changed when read again is an ``input-changed`` error.
    """
    with source.frozen():
        raw = _read_round(Path(folder), survey, registry, log, no_repeat)
        for path in sorted(source.changed()):
            log.error(
                "input-changed",
                "the file changed while the run was reading it; run again once it is complete",
                file=Path(path).relative_to(Path(folder).absolute()).as_posix(),
            )
    return raw


def _read_round(
    folder: Path,
    survey: Survey,
    registry: Registry,
    log: IssueLog,
    no_repeat: Collection[str] = (),
) -> RawRound:
    """The body of :func:`read_round`, inside its :func:`source.frozen` block."""
    folder = Path(folder)
    empty = RawRound(
        main=empty_table(survey),
        repeats={s: empty_table(survey, s) for s in survey.repeat_sections},
    )
    if not folder.is_dir():
        log.error("input-missing", "the round folder does not exist", file=str(folder))
        return empty
    paths = _walk(folder, log)
    if not paths:
        log.error(
            "input-empty",
            "the round folder holds no file to read; put the Kobo/ODK exports and the "
            "filled questionnaires in it",
            file=str(folder),
        )
        return empty

    candidates = readers(log)
    odk_repeats = [p for p in paths if p.suffix.lower() == ".csv" and odk.is_repeat_csv(p)]
    consumed: dict[Path, str] = {}
    mains: list[pd.DataFrame] = []
    repeats: dict[str, list[pd.DataFrame]] = {s: [] for s in survey.repeat_sections}
    files: dict[Path, InputFile] = {}
    header_only: list[str] = []
    desks: list[pd.DataFrame] = []
    for path in paths:
        if path in odk_repeats:
            continue  # read with its main CSV below
        rel = path.relative_to(folder).as_posix()
        problem = check_file(path, rel)  # the size first: a huge file is never read
        record = files[path] = _input_file(path, rel)
        if problem:
            log.add(problem)
            source.release(path)
            continue
        if has_macros(path):
            log.info(
                "file-macros",
                "the workbook holds macros; they were not run (only cell values are read)",
                file=rel,
            )
        if desk.can_read(path):  # an analyst's desk mapping, not answers
            log.info("file-reader", f"read as a desk mapping (reader {desk.NAME})", file=rel)
            frame = desk.read(path, rel, survey, registry, log)
            record.reader, record.rows = desk.NAME, len(frame)
            desks.append(frame)
            continue
        reader = pick_reader(path, candidates)
        damage = workbook_damage(path) if reader is None else None
        if damage:
            log.error(
                "file-corrupt",
                f"the workbook is damaged and cannot be read ({damage}); download the export "
                "again, or open it in Excel or LibreOffice, save it as .xlsx and put it back",
                file=rel,
            )
            continue
        if reader is None:
            log.error(
                "file-unknown-format",
                f"not a Kobo/ODK export or an offline questionnaire of survey '{survey.id}' "
                f"({survey.title}); remove it from the round folder or export it again",
                file=rel,
            )
            _name_other_survey(log, len(log.issues) - 1, path, survey)
            continue
        log.info("file-reader", f"read as {_describe(reader)}", file=rel)
        errors = len(log.errors)
        before = len(log.issues)
        main, found = _read(reader, path, rel, survey, registry, log)
        _name_other_survey(log, before, path, survey)
        record.reader, record.rows = reader.NAME, len(main)
        if not len(main) and len(log.errors) == errors:
            header_only.append(rel)
            log.warning(
                "file-no-submission",
                "the file holds the column headers and no submission: an export of another "
                "form, or made with a filter that matched nothing? Export it again with all "
                "submissions, or remove it",
                file=rel,
            )
        mains.append(main)
        for section, frame in found.items():
            repeats.setdefault(section, []).append(frame)
        if len(main):
            for section in survey.repeat_sections:
                if section not in found and section not in no_repeat:
                    _missing_repeat(reader.NAME, path, rel, section, len(main), survey, log)
        if reader is odk:
            consumed |= {p: rel for p in odk.repeat_files(path)}
        source.release(path)

    for path in odk_repeats:
        rel = path.relative_to(folder).as_posix()
        record = files[path] = _input_file(path, rel)
        source.release(path)
        if path in consumed:
            record.reader = odk.NAME
            record.rows = sum(
                int((f["_source_file"] == rel).sum()) for fs in repeats.values() for f in fs
            )
            log.info(
                "file-reader", f"read as ODK Central repeat rows of {consumed[path]}", file=rel
            )
        else:
            log.error(
                "repeat-orphan-file",
                f"an ODK Central repeat file without its main file '{odk.main_file_of(path)}' "
                "in the same folder; put the whole unzipped export in the round folder",
                file=rel,
            )

    raw = RawRound(
        main=_concat(mains, canonical_columns(survey)),
        repeats={s: _concat(fs, canonical_columns(survey, s)) for s, fs in repeats.items()},
        files=[files[p] for p in sorted(files)],
        not_collected=[s for s in survey.repeat_sections if s in no_repeat],
        desk=pd.concat(desks, ignore_index=True) if desks else None,
    )
    _check_not_collected(raw, survey, log)
    _check_unique_ids(raw.main, log)
    if header_only and not len(raw.main):
        log.error(
            "round-no-submission",
            f"no file of the round holds a submission ({', '.join(header_only)} hold only "
            "column headers); export the submissions again",
            file=folder.name,
        )
    return apply_review_states(raw, survey, registry, log)


def _input_file(path: Path, rel: str) -> InputFile:
    """The file's record: its size, and the SHA-256 of the bytes read (none for a file
    too large to be read or that cannot be read)."""
    try:
        size = path.stat().st_size
        digest = source.sha256(path) if size <= MAX_FILE_BYTES else ""
    except OSError:
        size, digest = 0, ""
    return InputFile(path=rel, sha256=digest, size=size, reader="")


def _walk(folder: Path, log: IssueLog) -> list[Path]:
    """Files of the folder, sorted, without hidden, lock and system files (info each).

    Links: a link to a file is followed (the file it points to is read, an info says so);
    a link to a folder is not followed (a warning: its files are not read; links to
    folders can loop or reach anywhere on the disk); a link that points nowhere or to
    itself, and anything that is not a regular file (a pipe, a device), are named in a
    warning and not read. A sub-folder that cannot be listed is an error."""
    found: list[Path] = []

    def unlistable(exc: OSError) -> None:
        where = Path(exc.filename or folder)
        log.error(
            "file-unreadable",
            f"the folder cannot be read ({exc.strerror or exc}); its files are not read: "
            "give the account that runs the pipeline permission to read it",
            file=where.relative_to(folder).as_posix() if where.is_relative_to(folder) else str(where),
        )

    for current, dirs, names in os.walk(folder, onerror=unlistable):
        here = Path(current)
        for d in sorted(dirs):
            rel = (here / d).relative_to(folder).as_posix()
            if d.startswith("."):
                log.info("file-ignored", "hidden folder, not read", file=rel)
            elif (here / d).is_symlink():
                log.warning(
                    "file-link-folder",
                    "a link to a folder, not followed: its files are not read; copy them "
                    "into the round folder",
                    file=rel,
                )
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (here / d).is_symlink())
        for name in sorted(names):
            path = here / name
            rel = path.relative_to(folder).as_posix()
            if name.startswith("."):
                log.info("file-ignored", "hidden file, not read", file=rel)
            elif name.startswith("~$"):
                log.info(
                    "file-ignored",
                    "Excel lock file (the workbook is open somewhere), not read",
                    file=rel,
                )
            elif name.casefold() in SYSTEM_FILES:
                log.info("file-ignored", "system file, not read", file=rel)
            elif path.is_symlink():
                if _link_target_ok(path, rel, log):
                    found.append(path)
            elif path.is_file():
                found.append(path)
            else:
                log.warning(
                    "file-not-regular",
                    "not a regular file (a named pipe, socket or device), not read",
                    file=rel,
                )
    return sorted(found)


def _link_target_ok(path: Path, rel: str, log: IssueLog) -> bool:
    """True for a link to a regular file (read, with an info); a warning otherwise."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python 3.11 reports a loop so
        problem = "a link that loops (it points back to itself)"
    except FileNotFoundError:
        problem = "a link to a file that does not exist (moved or deleted?)"
    except OSError as exc:  # ELOOP on newer Pythons, or no permission
        problem = f"a link that cannot be followed ({exc.strerror or exc})"
    else:
        if target.is_file():
            log.info("file-link", "a link to a file; the file it points to is read", file=rel)
            return True
        problem = "a link to something that is not a regular file"
    log.warning("file-link-broken", f"{problem}, not read", file=rel)
    return False


def _describe(reader: Reader) -> str:
    names = {
        "kobo-xlsx": "a KoboToolbox XLSX export",
        "kobo-csv": "a KoboToolbox CSV export",
        odk.NAME: "an ODK Central CSV export",
        "offline-questionnaire": "a filled offline questionnaire",
    }
    return f"{names.get(reader.NAME, reader.NAME)} (reader {reader.NAME})"


def _read(
    reader: Reader, path: Path, rel: str, survey: Survey, registry: Registry, log: IssueLog
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Run a reader; an unexpected failure becomes an error naming the file."""
    try:
        return reader.read(path, rel, survey, registry, log)
    except BaseException as exc:  # one bad file must not hide the problems of the others
        if not reader_failure(exc):
            raise
        log.error(
            "reader-failed",
            f"the {reader.NAME} reader failed on this file ({type(exc).__name__}: {exc}); "
            "please report it with the file",
            file=rel,
        )
        return empty_table(survey), {}


FOREIGN_CODES = frozenset({"file-unknown-format", "file-wrong-survey"})
MIN_FOREIGN_MATCHES = 5  # headers that must name questions of the other survey


def _name_other_survey(log: IssueLog, start: int, path: Path, survey: Survey) -> None:
    """When the issues from ``start`` on say the file is not of this survey, and its
    headers are those of another survey of the project, say which one and where the file
    belongs. The warnings about its cells (formulas...) go: its rows are not read."""
    wrong = [
        i for i in range(start, len(log.issues)) if log.issues[i].code in FOREIGN_CODES
    ]
    if not wrong:
        return
    log.issues[start:] = [i for i in log.issues[start:] if i.severity != "warning"]
    wrong = [
        i for i in range(start, len(log.issues)) if log.issues[i].code in FOREIGN_CODES
    ]
    other = other_survey(path, survey)
    if other is None:
        return
    round_folder = path.parent.name
    note = (
        f"this is an export of {other.id} ({other.title}), not of {survey.id}: move it to "
        f"data/raw/{other.id}/{round_folder}/ and run `emg-pipeline validate {other.id} "
        f"--round {round_folder}`; its rows are not read here"
    )
    for i in wrong:
        log.issues[i] = dataclasses.replace(log.issues[i], message=note)


def other_survey(path: Path, survey: Survey) -> Survey | None:
    """The other survey of the project (a sibling folder of ``survey``'s) whose question
    names or labels most of the file's headers are, or None."""
    sheets = workbook_headers(path)
    headers = [h for hs in sheets.values() for h in hs] if sheets else csv_header(path) or []
    if not headers:
        return None
    texts = {normalise_text(t) for h in headers if h for t in _SPLIT.split(h)[-1:]}
    texts |= {normalise_text(h.rsplit("/", 1)[-1]) for h in headers if h}  # label paths
    texts |= {normalise_text(h) for h in headers if h}
    best, best_score = None, _score(survey, texts)
    for folder in sorted(survey.folder.parent.iterdir()):
        if folder == survey.folder or not (folder / "survey.yaml").is_file():
            continue
        try:
            candidate = _load_sibling(str(folder))
        except SpecError:
            continue
        score = _score(candidate, texts)
        if score >= MIN_FOREIGN_MATCHES and score > best_score:
            best, best_score = candidate, score
    return best


_SPLIT = re.compile(r"[-/.:|]")


@functools.lru_cache(maxsize=16)
def _load_sibling(folder: str) -> Survey:
    return load_survey(Path(folder))


def _score(survey: Survey, texts: set[str]) -> int:
    """How many of the survey's main-form fields a header names (by name or label)."""
    return sum(
        1
        for f in survey.fields()
        if normalise_text(f.name) in texts or normalise_text(f.label) in texts
    )


def _section_label(survey: Survey, section: str) -> str:
    return next((s.label for s in survey.model.sections if s.id == section), section)


def _missing_repeat(
    reader: str, path: Path, rel: str, section: str, n: int, survey: Survey, log: IssueLog
) -> None:
    """The error for a file whose submissions come without the rows of a repeat section."""
    what = f"the repeat group '{section}' ({_section_label(survey, section)})"
    if reader == "kobo-csv":
        why = (
            f"a KoboToolbox CSV export never holds the rows of {what}; download the data "
            "again as XLSX (it has one sheet per repeat group) and put it here instead of "
            "the CSV"
        )
    elif reader == odk.NAME:
        why = (
            f"the rows of {what} are in '{path.stem}-{section}.csv' of the zip ODK Central "
            "exports, which is not next to this file; unzip every CSV file of the export "
            "into the round folder"
        )
    elif reader == "kobo-xlsx":
        why = (
            f"this KoboToolbox XLSX export has no sheet '{section}' for {what}; download "
            "it again as XLSX from the form that has this group"
        )
    else:
        why = (
            f"the sheet for {what} is missing from the questionnaire; ask the {survey.model.entity_noun} "
            "to send it back whole, with every sheet"
        )
    log.error(
        "repeat-missing",
        f"{n} submission(s) without their {section}: {why}. If this round did not collect "
        f"{section}, run with --no-repeat {section} (the report then says they were not "
        "collected)",
        file=rel,
    )


def _check_not_collected(raw: RawRound, survey: Survey, log: IssueLog) -> None:
    """A section the analyst says was not collected must have no rows in any file."""
    for section in raw.not_collected:
        frame = raw.repeats.get(section)
        if frame is not None and len(frame):
            files = sorted(set(frame["_source_file"].dropna().astype(str)))
            log.error(
                "repeat-not-collected",
                f"--no-repeat {section} says this round collected no {section}, but "
                f"{len(frame)} '{section}' row(s) were read from {', '.join(files)}; run "
                f"without --no-repeat {section}, or export the files that lack them again",
                file=files[0] if files else "",
            )
        else:
            log.info(
                "repeat-not-collected",
                f"{_section_label(survey, section)} ({section}): not collected in this round "
                f"(--no-repeat {section}); the report says so",
            )


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f.columns)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
    joined = pd.concat(frames, ignore_index=True)
    extras = [c for c in joined.columns if c not in columns]
    return joined.reindex(columns=[*columns, *extras]).astype("string")


def _check_unique_ids(main: pd.DataFrame, log: IssueLog) -> None:
    """Each submission once in a round: the same id twice means the same export twice."""
    ids = main["_submission_id"]
    dup = ids.duplicated(keep=False) & ids.notna()
    if not dup.any():
        return
    for sid, rows in main.loc[dup].groupby("_submission_id", sort=True):
        places = [
            r["_source_file"]
            + (f" sheet '{r['_source_sheet']}'" if pd.notna(r["_source_sheet"]) else "")
            + f" row {r['_source_row']}"
            for r in rows.to_dict("records")
        ]
        last = rows.iloc[-1]
        log.error(
            "submission-duplicate",
            f"the submission '{sid}' is read {len(rows)} times ({'; '.join(places)}); the same "
            "export is probably in the round folder twice: keep one copy",
            file=str(last["_source_file"]),
            sheet="" if pd.isna(last["_source_sheet"]) else str(last["_source_sheet"]),
            row=int(last["_source_row"]),
        )
