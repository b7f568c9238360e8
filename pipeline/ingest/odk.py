"""ODK Central CSV exports: reader ``odk-csv``.

Central's export is a zip holding ``<form>.csv`` (one row per submission: ``SubmissionDate``,
the fields with group paths joined by ``-``, ``meta-instanceID``, ``KEY``, ``SubmitterID``,
``ReviewState``, ``FormVersion`` ...) and one ``<form>-<repeat>.csv`` per repeat group, whose
rows point to their submission by ``PARENT_KEY`` (= the main file's ``KEY``). The analyst
unzips it into the round folder; this reader takes the main CSV and reads its repeat CSVs
with it, so :func:`pipeline.ingest.round_reader.read_round` never treats a repeat CSV as a file of its own
(:func:`is_repeat_csv`, :func:`repeat_files`).

``_submission_id`` is ``odk:<meta-instanceID>`` (e.g. ``odk:uuid:6f1c...``), or ``odk:<KEY>``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pandas as pd

from pipeline.errors import IssueLog
from pipeline.form_names import FORM_VERSION_FIELD
from pipeline.ingest.canonical import (
    assemble_main,
    assemble_repeat,
    empty_table,
    fill_missing_ids,
    first_of,
    iso_timestamps,
    read_fields,
)
from pipeline.ingest.detect import ReadResult, csv_header, load_csv
from pipeline.ingest.headers import ODK_META
from pipeline.registry import Registry
from pipeline.spec import Survey

NAME = "odk-csv"
ID_PREFIX = "odk:"


def can_read(path: Path) -> bool:
    """True for the main CSV of an ODK Central export (KEY plus SubmissionDate or
    meta-instanceID, no PARENT_KEY)."""
    header = set(csv_header(path) or [])
    return (
        "KEY" in header
        and bool({"SubmissionDate", "meta-instanceID"} & header)
        and "PARENT_KEY" not in header
    )


def is_repeat_csv(path: Path) -> bool:
    """True for a repeat CSV of an ODK Central export (KEY and PARENT_KEY)."""
    header = set(csv_header(path) or [])
    return {"KEY", "PARENT_KEY"} <= header


def repeat_files(main: Path) -> list[Path]:
    """The repeat CSVs (``<main stem>-<repeat>.csv``) next to an ODK main CSV, sorted."""
    prefix = main.stem + "-"
    try:
        siblings = sorted(main.parent.iterdir())
    except OSError:
        return []
    return [
        p
        for p in siblings
        if p.is_file()
        and p.suffix.lower() == ".csv"
        and p.name.startswith(prefix)
        and is_repeat_csv(p)
    ]


def main_file_of(repeat: Path) -> str:
    """The main CSV name a repeat CSV belongs to (its name up to the last ``-``)."""
    return repeat.stem.rsplit("-", 1)[0] + ".csv"


def read(path: Path, rel: str, survey: Survey, registry: Registry, log: IssueLog) -> ReadResult:
    """An ODK Central main CSV and its repeat CSVs -> canonical (main, repeats); a repeat
    whose file is not next to the main CSV is left out of ``repeats`` (read_round reports
    it)."""
    repeats: dict[str, pd.DataFrame] = {}
    sheet = load_csv(path, rel, log)
    if sheet is None:
        return empty_table(survey), repeats
    values, meta = read_fields(sheet, survey.fields(), survey, registry, log, ODK_META)
    if values is None:
        return empty_table(survey), repeats
    index = values.index
    ids = (ID_PREFIX + first_of(meta, ("meta-instanceID", "instanceID", "KEY"), index)).astype(
        "string"
    )
    ids = fill_missing_ids(ids, ID_PREFIX, sheet, "meta-instanceID or KEY", log)
    submitted = iso_timestamps(
        first_of(meta, ("SubmissionDate",), index), sheet, "SubmissionDate", log
    )
    main = assemble_main(
        values,
        sheet,
        submission_id=ids,
        submitted_at=submitted,
        form_version=first_of(meta, (FORM_VERSION_FIELD, "FormVersion"), index),
        reader=NAME,
        survey=survey,
        review_state=first_of(meta, ("ReviewState",), index),
    )
    keys = first_of(meta, ("KEY", "meta-instanceID"), index).reset_index(drop=True)
    lookup = {k: v for k, v in zip(keys, main["_submission_id"], strict=True) if pd.notna(k)}
    folder = PurePosixPath(rel).parent
    for repeat_path in repeat_files(path):
        repeat_rel = (folder / repeat_path.name).as_posix()
        section = _section_of(repeat_path, path, survey)
        if section is None:
            log.error(
                "repeat-unknown",
                f"the repeat file's name does not end with a repeat of survey '{survey.id}' "
                f"({', '.join(survey.repeat_sections) or 'none'}); its rows cannot be read",
                file=repeat_rel,
            )
            continue
        frame = _read_repeat(repeat_path, repeat_rel, section, lookup, survey, registry, log)
        earlier = repeats.get(section, empty_table(survey, section))
        repeats[section] = pd.concat([earlier, frame], ignore_index=True)
    return main, repeats


def _section_of(repeat: Path, main: Path, survey: Survey) -> str | None:
    """The repeat section named by ``<main stem>-<...>-<repeat>.csv`` (last segment)."""
    tail = repeat.stem[len(main.stem) + 1 :]
    segments = [s for s in tail.replace("/", "-").split("-") if s]
    for segment in reversed(segments):
        if segment in survey.repeat_sections:
            return segment
        folded = {s.casefold(): s for s in survey.repeat_sections}
        if segment.casefold() in folded:
            return folded[segment.casefold()]
    return None


def _read_repeat(
    path: Path,
    rel: str,
    section: str,
    lookup: dict[str, str],
    survey: Survey,
    registry: Registry,
    log: IssueLog,
) -> pd.DataFrame:
    sheet = load_csv(path, rel, log)
    if sheet is None:
        return empty_table(survey, section)
    values, meta = read_fields(sheet, survey.fields(section), survey, registry, log, ODK_META)
    if values is None:
        return empty_table(survey, section)
    said = first_of(meta, ("PARENT_KEY",), values.index)
    # a repeat inside a group or another repeat points to 'uuid:.../group[1]': the
    # submission is the part before the first '/'
    root = said.str.split("/", n=1).str[0]
    parents = said.map(lookup).astype("string").fillna(root.map(lookup).astype("string"))
    return assemble_repeat(values, sheet, section, parents, "PARENT_KEY", said, survey, log)
