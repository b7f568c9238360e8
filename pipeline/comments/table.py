"""The comment/response table: reviewers named by entity, merged with the analyst's answers.

The table is cumulative: each ``comments`` command adds the comments of the copies it is
given to those already in the table, matched by comment identity (a comment carried in two
copies is listed once), and every response and action the analyst has written is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from pipeline.privacy import mask_email
from pipeline.registry import Registry

HEADERS = {
    "comment_id": "ID",
    "number": "No.",
    "reviewer": "Reviewer",
    "document": "Reviewed copy",
    "section": "Section",
    "quoted": "Text referred to",
    "kind": "Type",
    "text": "Comment or suggested text",
    "reply_to": "Reply to",
    "date": "Date",
    "response": "Response",
    "action": "Action",
}
"""Column headers of comments.xlsx, which the analyst edits and the next run reads back."""

ANALYST_COLUMNS = ("response", "action")
KIND_WORDS = {
    "comment": "Comment",
    "reply": "Reply",
    "insertion": "Suggested insertion",
    "deletion": "Suggested deletion",
    "replacement": "Suggested replacement",
}
SEPARATORS = re.compile(r"[()\[\],;/|:]|\s[-–—]\s")
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9-]+")


def reviewer_entity(author: str, document: str, registry: Registry) -> str | None:
    """The entity a reviewer writes for, when it can be told without guessing: the author
    name or one of its parts ("Jane Doe (UNEP)", "UNITAR - Chemicals"), else a word of the
    reviewed copy's file name ("report_ITU.docx"), each an exact registry name or alias."""
    candidates = [author, *SEPARATORS.split(author), *TOKEN.findall(author)]
    stem = re.sub(r"\.docx$", "", document, flags=re.IGNORECASE)
    candidates += [*re.split(r"[_\s.]+", stem), *TOKEN.findall(stem)]
    for candidate in candidates:
        candidate = candidate.strip()
        if len(candidate) >= 2:
            entity = registry.resolve(candidate)
            if entity:
                return entity
    return None


def comment_rows(
    rows: Iterable[dict[str, str]], document: str, registry: Registry
) -> pd.DataFrame:
    """Rows of one reviewed copy for the table: reviewer as the entity's acronym where it can
    be told (the person's name is then not kept), else as written with e-mails masked."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return pd.DataFrame(columns=list(HEADERS), dtype="string")
    acronyms = registry.acronyms()
    entity = {
        author: reviewer_entity(author, document, registry) for author in frame["author"].unique()
    }
    frame["reviewer"] = frame["author"].map(
        lambda a: acronyms[entity[a]] if entity[a] else (mask_email(a).strip() or "(unnamed)")
    )
    frame["document"] = mask_email(document)
    frame["kind"] = frame["kind"].map(KIND_WORDS)
    for column in ANALYST_COLUMNS:
        frame[column] = ""
    return frame.reindex(columns=list(HEADERS)).drop(columns="number").astype("string")


def merge_comments(previous: pd.DataFrame | None, new: list[pd.DataFrame]) -> pd.DataFrame:
    """The table so far followed by the comments not yet in it, numbered 1..n; responses and
    actions already written are kept, a comment seen in several copies is listed once."""
    frames = [f for f in [previous, *new] if f is not None and not f.empty]
    if not frames:
        return pd.DataFrame(columns=list(HEADERS), dtype="string")
    table = pd.concat(
        [f.reindex(columns=[c for c in HEADERS if c != "number"]) for f in frames],
        ignore_index=True,
    ).astype("string")
    table = table.drop_duplicates(subset="comment_id", keep="first").reset_index(drop=True)
    table.insert(0, "number", pd.array(range(1, len(table) + 1), dtype="Int64"))
    table[list(ANALYST_COLUMNS)] = table[list(ANALYST_COLUMNS)].fillna("")
    return table


def as_sheet(table: pd.DataFrame) -> pd.DataFrame:
    """The table with the headers people read (and the next run reads back)."""
    return table.rename(columns=HEADERS)


def from_sheet(sheet: pd.DataFrame, source: str) -> pd.DataFrame:
    """The table read back from comments.xlsx (headers as written by :func:`as_sheet`).
    Raises ValueError naming a missing column."""
    names = {v: k for k, v in HEADERS.items()}
    needed = [HEADERS["comment_id"], *(HEADERS[c] for c in ANALYST_COLUMNS)]
    missing = [h for h in needed if h not in sheet.columns]
    if missing:
        raise ValueError(
            f"{source}: the sheet has no column {', '.join(repr(m) for m in missing)}; "
            "keep the columns as the pipeline wrote them (rows and answers may change)"
        )
    frame = sheet.rename(columns=names).reindex(columns=[c for c in HEADERS if c != "number"])
    frame = frame.astype("string")
    return frame[frame["comment_id"].fillna("").str.strip() != ""].reset_index(drop=True)
