"""Personal data in file names: questionnaires are often saved under the name or e-mail
address of the focal point who filled them in (``Jane Doe jane.doe@unep.org.xlsx``).
Such names must not reach the processed tables, the manifest, the report, the workbook
or the messages, so the run shows every input file under a masked name:

- e-mail addresses and telephone numbers become ``[e-mail]`` and ``[phone]``
  (:func:`pipeline.privacy.mask_contacts`);
- words that are part of a personal answer of the round (the focal point's name or
  e-mail, the survey's ``personal: true`` questions) become ``[name]``, except words that
  name an entity of the registry (``UNEP``) or are numbers.

``Jane Doe jane.doe@unep.org.xlsx`` becomes ``[name] [e-mail].xlsx``. The manifest keeps
each file's SHA-256 beside its masked name, and an info line in the data-quality log
gives the first characters of that hash, so the analyst can still find the file
(``sha256sum data/raw/...``). Names the masking cannot know (a person who is not among
the answers) are left as they are: name files after the agency.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath

import pandas as pd

from pipeline.errors import IssueLog
from pipeline.privacy import mask_contacts
from pipeline.registry import Registry, normalise_name
from pipeline.spec import Survey
from pipeline.tables import RawRound

WORD = re.compile(r"[^\W_]+", re.UNICODE)
NAME = "[name]"


def personal_words(raw: RawRound, survey: Survey, registry: Registry) -> set[str]:
    """Casefolded words of the round's personal answers, less registry names and numbers."""
    columns = [c for c in survey.personal_fields if c in raw.main.columns]
    if not columns or raw.main.empty:
        return set()
    values = pd.unique(raw.main[columns].stack().dropna().astype(str))
    # an e-mail address's domain names the organisation, not the person: only its local
    # part counts (jane.doe of jane.doe@unep.org)
    texts = [re.sub(r"@[\w.-]+", " ", str(value)) for value in values]
    words = {w.casefold() for text in texts for w in WORD.findall(text) if len(w) > 1}
    known = {
        normalise_name(n)
        for n in (*registry.table["entity_id"], *registry.table["acronym"])
    }
    return {w for w in words if not w.isdigit() and normalise_name(w) not in known}


def mask_part(part: str, words: set[str]) -> str:
    """One path component with e-mail addresses and personal words masked."""
    stem, dot, suffix = part.rpartition(".") if "." in part.lstrip(".") else (part, "", "")
    if not dot:
        stem, suffix = part, ""
    masked = mask_contacts(stem)
    masked = re.sub(
        r"\[(?:e-mail|phone)\]|([^\W_]+)",
        lambda m: NAME if m.group(1) and m.group(1).casefold() in words else m.group(),
        masked,
    )
    # "[name] [name]" and "[name]_[name]" read as one name
    masked = re.sub(rf"{re.escape(NAME)}(?:[\s._-]+{re.escape(NAME)})+", NAME, masked)
    return f"{masked}{dot}{suffix}"


def mask_path(path: str, words: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    """``path`` (relative, '/'-separated) with every component masked."""
    return "/".join(mask_part(part, words) for part in PurePosixPath(path).parts) or path


def mask_file_names(
    raw: RawRound, log: IssueLog, survey: Survey, registry: Registry, hashes: dict[str, str]
) -> dict[str, str]:
    """Replace every input file name that holds personal data by its masked name, in
    ``raw`` (``_source_file``, ``_submission_id``, ``files``) and in ``log`` (files and
    messages); return ``{real path: masked path}`` for the names that changed. Two files
    whose masked names coincide are told apart by a number."""
    words = personal_words(raw, survey, registry)
    paths = sorted({*hashes, *(f.path for f in raw.files)})
    masks: dict[str, str] = {}
    taken = set(paths)
    for path in paths:
        masked = mask_path(path, words)
        if masked == path:
            continue
        base, n = masked, 2
        while masked in taken:
            stem, dot, suffix = base.rpartition(".")
            masked = f"{stem} ({n}).{suffix}" if dot else f"{base} ({n})"
            n += 1
        taken.add(masked)
        masks[path] = masked
    if not masks:
        return masks

    def swap(text: str) -> str:
        for real in sorted(masks, key=len, reverse=True):
            if real in text:
                text = text.replace(real, masks[real])
            name = PurePosixPath(real).name
            if name in text:
                text = text.replace(name, PurePosixPath(masks[real]).name)
        return text

    for frame in (raw.main, *raw.repeats.values()):
        for column in ("_source_file", "_submission_id"):
            if column in frame.columns and len(frame):
                values = frame[column].astype("string")
                uniques = pd.unique(values.dropna())
                frame[column] = values.map({u: swap(str(u)) for u in uniques}).astype("string")
    raw.files = [replace(f, path=masks.get(f.path, f.path)) for f in raw.files]
    log.issues[:] = [
        replace(i, file=swap(i.file), message=swap(i.message)) if i.file or i.message else i
        for i in log.issues
    ]
    for real, masked in masks.items():
        log.info(
            "file-name-masked",
            "the file name holds personal data (a name or an e-mail address) and is shown "
            f"masked; the file's SHA-256 begins {hashes.get(real, '?')[:12]}",
            file=masked,
        )
    return masks


def masked_inputs(hashes: dict[str, str], files: list | None = None) -> list[dict[str, str]]:
    """``[{path, sha256}]`` of a round's input hashes for a manifest, each path shown as the
    run showed it (``files``: the round's :class:`~pipeline.tables.InputFile` list, already
    masked, matched by hash), else with its e-mail addresses masked."""
    shown = {f.sha256: f.path for f in files or []}
    return [{"path": shown.get(v) or mask_path(k), "sha256": v} for k, v in hashes.items()]
