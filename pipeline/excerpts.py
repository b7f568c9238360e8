"""``excerpts.xlsx``: the open answers an analyst decides to quote, or not.

Each run writes ``outputs/<survey>/<round>/excerpts.xlsx``: every themed open answer with
its entity, question, themes, text (contact details masked), an ``Include`` column and the
status of the decision. The analyst keeps decisions in ``data/review/<survey>/<round>/
excerpts.xlsx`` (a copy of that file with ``Include`` filled: yes or no), which the run
reads and never writes. The report quotes only answers marked yes whose text has not
changed since.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import Issue

SHEET = "Excerpts"
FILE = "excerpts.xlsx"
HEADERS = {
    "answer_id": "ID",
    "entity": "Entity",
    "question": "Question",
    "theme_labels": "Themes",
    "text": "Answer",
    "include": "Include",
    "status": "Status",
}
NEEDED = ("ID", "Answer", "Include")


def excerpt_sheet(excerpts: pd.DataFrame, acronyms: dict[str, str]) -> pd.DataFrame:
    """The Excerpts sheet: one row per answer, ``Include`` as yes / no / blank."""
    sheet = excerpts.assign(
        entity=excerpts["entity_id"].map(lambda e: acronyms.get(e, e)),
        include=excerpts["include"].map({True: "yes", False: "no"}),
    )
    return sheet[list(HEADERS)].rename(columns=HEADERS).astype("string")


def how_to(review_path: str) -> pd.DataFrame:
    steps = [
        "Each row is an open answer, with the themes the run found in it.",
        "Write yes in Include for an answer the report may quote, no for one it must not; "
        "leave it blank to decide later.",
        f"Save the file as {review_path} (the run reads it there and never overwrites it), "
        "then run the round again.",
        "Status 'changed since decided': the agency's answer changed after your decision; "
        "decide again. Nothing is quoted without a yes on its current text.",
    ]
    return pd.DataFrame({"Step": range(1, len(steps) + 1), "What to do": steps})


def read_decisions(path: Path, shown: str) -> tuple[pd.DataFrame | None, list[Issue]]:
    """``answer_id, text_sha, include`` from the analyst's copy (None when it is absent),
    and the problems found: an unreadable file or missing column is an error, an Include
    cell that is neither yes nor no a warning naming the cell."""
    # imported here: importing an analysis loads the analyses' registry (the survey
    # model, the entity registry), which the up-to-date check (it needs only FILE) should
    # not wait for
    from pipeline.analyses.themes.compute import parse_include, text_key
    from pipeline.ingest.safe import check_file

    if not path.is_file():
        return None, []
    problem = check_file(path, shown)
    if problem is not None:
        return None, [problem]
    try:
        sheet = pd.read_excel(path, sheet_name=SHEET, dtype="string", engine="calamine")
    except ValueError as exc:
        return None, [
            Issue("error", "excerpts-unreadable", f"cannot be read ({exc}); keep the sheet "
                  f"'{SHEET}' as the run wrote it", file=shown)
        ]
    missing = [h for h in NEEDED if h not in sheet.columns]
    if missing:
        return None, [
            Issue("error", "excerpts-columns", f"the sheet '{SHEET}' has no column "
                  f"{', '.join(repr(m) for m in missing)}; keep the columns the run wrote",
                  file=shown, sheet=SHEET)
        ]
    include = sheet["Include"]
    parsed = include.map(parse_include)
    issues = [
        Issue("warning", "excerpts-include", f"'{value}' is neither yes nor no; the answer "
              "stays undecided", file=shown, sheet=SHEET, row=int(i) + 2, column="Include")
        for i, value in include[parsed.isna() & include.notna() & include.str.strip().ne("")].items()
    ]
    decisions = pd.DataFrame(
        {
            "answer_id": sheet["ID"],
            "text_sha": sheet["Answer"].fillna("").map(text_key),
            "include": include,
        }
    )
    return decisions[decisions["answer_id"].notna()].reset_index(drop=True), issues
