"""Open answers coded into the themes a survey declares, and the analyst's quoting decisions.

:func:`code_open_answers` finds, in each answer to a text question the survey declares
themes for, the themes whose words it uses (in any declared language, any case, with or
without accents); :func:`theme_counts` counts entities per theme; :func:`merge_decisions`
joins the analyst's decisions on which answers may be quoted. An answer's identity is its
entity and question, so a decision follows the answer from run to run; a decision taken
on a different text is flagged and not applied. Contact details inside answers are
masked before any of this is kept. :func:`compute` is the analysis' entry point in a run.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np
import pandas as pd

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.privacy import mask_contacts
from pipeline.spec import Survey, Theme

ANSWER_COLUMNS = ["answer_id", "entity_id", "question_id", "question", "text", "text_sha", "themes", "theme_labels"]
"""``open_answers``: one row per entity x text question answered. ``themes``: the theme ids
found, ``; ``-joined (empty: no theme matched, for the analyst to code)."""
COUNT_COLUMNS = ["question_id", "question", "theme_id", "theme", "n_entities", "entities"]
DECISION_COLUMNS = ["answer_id", "include"]
PERSON_TITLE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Mme|Mlle|M|Sr|Sra|Dra)\.?\s+(?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+)?"
)
YES = frozenset({"yes", "y", "true", "1", "x", "oui", "si", "sí", "include", "approved"})
NO = frozenset({"no", "n", "false", "0", "non", "exclude", "not approved"})


def plain(text: str) -> str:
    """Casefolded text without accents: the form words are matched in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def theme_pattern(theme: Theme) -> re.Pattern[str]:
    """One pattern for all of a theme's words and phrases, in every declared language."""
    parts = []
    for phrases in theme.match.values():
        for phrase in phrases:
            words = plain(phrase).strip().split()
            if not words:
                continue
            stem = r"\s+".join(re.escape(w.rstrip("*")) for w in words)
            parts.append(stem + (r"\w*" if words[-1].endswith("*") else r"\b"))
    return re.compile(r"\b(?:" + "|".join(parts) + ")") if parts else re.compile(r"(?!)")


def mask_people(text: str) -> str:
    """``text`` with e-mail addresses, telephone numbers and titled names ("Dr. Jane Doe",
    "Mme Dupont") masked."""
    return PERSON_TITLE.sub("[name]", mask_contacts(text))


def _identity(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


def text_key(text: str) -> str:
    """A short hash of an answer's words (spacing and line breaks aside, which a spreadsheet
    may change), to tell whether a decision was taken on the same text."""
    return _identity(" ".join(str(text).split()))


def _joined(found: pd.DataFrame, names: list[str]) -> list[str]:
    """Per row, the names of the columns that are True, '; '-joined."""
    picked = np.where(found.to_numpy(dtype=bool), np.array(names, dtype=object), None)
    return ["; ".join(n for n in row if n) for row in picked.tolist()]


def code_open_answers(submissions: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """Every answer to a themed text question, masked and coded (see :data:`ANSWER_COLUMNS`)."""
    spec = survey.model.open_answers
    frames = []
    for qid, themes in (spec.themes.items() if spec else []):
        if qid not in submissions:
            continue
        text = submissions[qid].astype("string").str.strip()
        answered = text.fillna("").ne("")
        if not answered.any():
            continue
        masked = text[answered].map(mask_people).astype("string")
        normal = masked.map(plain)
        found = pd.DataFrame(
            {t.id: normal.str.contains(theme_pattern(t), regex=True).fillna(False) for t in themes}
        )
        ids = [t.id for t in themes]
        labels = {t.id: t.label for t in themes}
        entity = submissions.loc[answered, "entity_id"].astype("string")
        frames.append(
            pd.DataFrame(
                {
                    "answer_id": [_identity(e, qid) for e in entity],
                    "entity_id": entity.to_numpy(),
                    "question_id": qid,
                    "question": survey.question(qid).label,
                    "text": masked.to_numpy(),
                    "text_sha": [text_key(t) for t in masked],
                    "themes": _joined(found, ids),
                    "theme_labels": _joined(found, [labels[i] for i in ids]),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=ANSWER_COLUMNS).astype("string")
    return pd.concat(frames, ignore_index=True).astype("string")


def theme_counts(coded: pd.DataFrame, survey: Survey, acronyms: dict[str, str]) -> pd.DataFrame:
    """Entities per declared theme, question by question, most frequent first (themes no
    answer raised are listed with 0)."""
    spec = survey.model.open_answers
    rows = []
    for qid, themes in (spec.themes.items() if spec else []):
        mine = coded.loc[coded["question_id"] == qid]
        if mine.empty:
            continue
        for t in themes:
            has = mine["themes"].str.split("; ").map(lambda ids, t=t: t.id in ids)
            entities = sorted(acronyms.get(e, e) for e in mine.loc[has, "entity_id"])
            rows.append((qid, survey.question(qid).label, t.id, t.label, len(entities), ", ".join(entities)))
    counts = pd.DataFrame(rows, columns=COUNT_COLUMNS)
    if counts.empty:
        return counts
    order = counts.groupby("question_id", sort=False).ngroup()
    return (
        counts.assign(_q=order)
        .sort_values(["_q", "n_entities", "theme"], ascending=[True, False, True], kind="stable")
        .drop(columns="_q")
        .reset_index(drop=True)
    )


def parse_include(value: object) -> bool | None:
    """An analyst's include cell: True, False, or None when undecided or unreadable."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    word = str(value).strip().casefold()
    return True if word in YES else False if word in NO else None


def merge_decisions(coded: pd.DataFrame, decisions: pd.DataFrame | None) -> pd.DataFrame:
    """``coded`` with the analyst's decisions: ``include`` (True / False / NA) and
    ``status``: undecided, approved, not approved, or changed since decided (the answer's
    text differs from the one decided on: decide again; it is not quoted meanwhile).

    ``decisions``: ``answer_id, text_sha, include`` as read back from the review file."""
    out = coded.copy()
    out["include"] = pd.array([pd.NA] * len(out), dtype="boolean")
    out["status"] = "undecided"
    if decisions is None or decisions.empty or out.empty:
        return out.astype({"status": "string"})
    decided = decisions.drop_duplicates("answer_id", keep="last").set_index("answer_id")
    verdict = out["answer_id"].map(decided["include"].map(parse_include))
    same_text = out["text_sha"].eq(out["answer_id"].map(decided["text_sha"])).fillna(False)
    known = verdict.notna()
    changed = known & ~same_text
    out.loc[known & same_text, "include"] = verdict[known & same_text].astype(bool)
    out.loc[known & same_text, "status"] = verdict[known & same_text].map(
        {True: "approved", False: "not approved"}
    )
    out.loc[changed, "status"] = "changed since decided"
    return out.astype({"status": "string"})


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """The run's ``open_answers`` (without the analyst's decisions: the run adds them) and
    ``theme_counts``."""
    coded = code_open_answers(inp.submissions, inp.survey)
    return {
        "open_answers": merge_decisions(coded, None),
        "theme_counts": theme_counts(coded, inp.survey, inp.registry.acronyms()),
    }, {}
