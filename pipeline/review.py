"""Review states from the survey tool: rejected submissions set aside, held ones flagged.

KoboToolbox lets a project manager give each submission a validation status, exported in
``_validation_status`` (the status uid ``validation_status_approved``,
``validation_status_not_approved``, ``validation_status_on_hold`` in an export with XML
values; its label "Approved", "Not approved", "On hold" in a label export; empty when none).
ODK Central exports a ``ReviewState`` (empty for a received submission, else ``approved``,
``hasIssues``, ``edited`` or ``rejected``). The readers keep what the file says in the
``_review_state`` meta column; :func:`apply_review_states` maps it onto four states
(``approved``, ``rejected``, ``on_hold``, ``edited``) and applies the survey's rule
(:class:`pipeline.spec.Review`, default: ``rejected`` set aside, ``on_hold`` kept with a
warning) *before* "latest wins", so that a later test submission marked rejected can never
replace an agency's real answers.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from pipeline.errors import IssueLog
from pipeline.ingest.headers import normalise_text
from pipeline.registry import Registry
from pipeline.spec import Survey
from pipeline.tables import RawRound

STATES: dict[str, str] = {
    # KoboToolbox: status uid (XML values export) and label (label export)
    "validation_status_approved": "approved",
    "validation_status_not_approved": "rejected",
    "validation_status_on_hold": "on_hold",
    "approved": "approved",
    "not approved": "rejected",
    "on hold": "on_hold",
    # ODK Central
    "rejected": "rejected",
    "hasissues": "on_hold",
    "has issues": "on_hold",
    "edited": "edited",
    "received": "received",
}
"""What a review-state cell says (normalised) -> the state the survey's rule names."""

KOBO_LABELS = {
    "validation_status_approved": "Approved",
    "validation_status_not_approved": "Not approved",
    "validation_status_on_hold": "On hold",
}
"""KoboToolbox's label of each status uid, as its interface shows it."""

WHERE = {"kobo": ("_validation_status", "KoboToolbox"), "odk": ("ReviewState", "ODK Central")}


def review_states(values: pd.Series) -> pd.Series:
    """Review-state cells -> ``approved``, ``rejected``, ``on_hold``, ``edited``,
    ``received`` or <NA> (empty); a value no tool writes stays as it is."""
    text = values.astype("string").str.strip()
    keys = text.map(lambda v: normalise_text(v) if isinstance(v, str) else v)
    return keys.map(STATES).astype("string").fillna(text.mask(text == ""))


def _shown(value: object) -> str:
    """A review-state cell as the tool's interface names it: ``'Not approved'
    (validation_status_not_approved)`` for a Kobo status uid, else the cell as written."""
    text = str(value).strip()
    label = KOBO_LABELS.get(text)
    return f"'{label}' ({text})" if label else f"'{text}'"


def _tool(reader: object) -> tuple[str, str]:
    """(column, tool name) of a reader's review state."""
    name = str(reader)
    return WHERE["odk" if name.startswith("odk") else "kobo"]


def apply_review_states(
    raw: RawRound, survey: Survey, registry: Registry, log: IssueLog
) -> RawRound:
    """``raw`` without the submissions (and their repeat rows) whose review state the
    survey sets aside; each is named in ``log`` (a warning with file, sheet, row), as is
    each submission kept with a state to check, and each review state no tool writes."""
    main = raw.main
    if "_review_state" not in main or main["_review_state"].isna().all():
        return raw
    rule = survey.model.review
    states = review_states(main["_review_state"])
    entity = survey.entity_field.name
    names = main[entity].astype("string") if entity in main else pd.Series(pd.NA, index=main.index)
    ids = registry.resolve_series(names)
    acronyms = registry.acronyms()
    known = set(STATES.values())
    aside = states.isin(rule.set_aside).fillna(False).astype(bool)
    others = pd.Series(ids[~aside].dropna()).value_counts()
    noun = survey.model.entity_noun
    for i in main.index[(states.notna() & ~states.isin(known)).to_numpy(dtype=bool)]:
        column, tool = _tool(main.at[i, "_reader"])
        log.warning(
            "review-state-unknown",
            f"review state '{main.at[i, '_review_state']}' is not one {tool} writes; the "
            "submission is kept as if it had none",
            **_where(main, i),
            column=column,
            entity=_entity(ids, i),
        )
    for i in main.index[aside.to_numpy(dtype=bool)]:
        column, tool = _tool(main.at[i, "_reader"])
        who = ids.at[i] if pd.notna(ids.at[i]) else names.at[i]
        shown = acronyms.get(str(who), str(who)) if pd.notna(who) else f"an unnamed {noun}"
        rest = (
            f"{shown}'s other submission(s) compete for 'latest wins'"
            if pd.notna(ids.at[i]) and others.get(ids.at[i], 0)
            else f"{shown} has no other submission, so it counts as not having answered"
        )
        log.warning(
            "review-set-aside",
            f"submission set aside: marked {_shown(main.at[i, '_review_state'])} in {tool}; {rest}",
            **_where(main, i),
            column=column,
            entity=_entity(ids, i),
        )
    warned = states.isin(rule.warn).fillna(False).astype(bool) & ~aside
    for i in main.index[warned.to_numpy(dtype=bool)]:
        column, tool = _tool(main.at[i, "_reader"])
        log.warning(
            "review-to-check",
            f"submission kept, but marked {_shown(main.at[i, '_review_state'])} in {tool}: check "
            "it with the focal point (or set its status in the tool) before the report is final",
            **_where(main, i),
            column=column,
            entity=_entity(ids, i),
        )
    if not aside.any():
        return raw
    dropped = set(main.loc[aside, "_submission_id"].dropna())
    repeats = {
        section: frame[~frame["_submission_id"].isin(dropped).fillna(False).astype(bool)]
        .reset_index(drop=True)
        for section, frame in raw.repeats.items()
    }
    return dataclasses.replace(
        raw,
        main=main[~aside].reset_index(drop=True),
        repeats=repeats,
        set_aside=sorted(str(s) for s in dropped),
    )


def _where(main: pd.DataFrame, i: object) -> dict[str, object]:
    sheet = main.at[i, "_source_sheet"]
    row = pd.to_numeric(main.at[i, "_source_row"], errors="coerce")
    return {
        "file": str(main.at[i, "_source_file"]),
        "sheet": "" if pd.isna(sheet) else str(sheet),
        "row": None if pd.isna(row) else int(row),
    }


def _entity(ids: pd.Series, i: object) -> str:
    return "" if pd.isna(ids.at[i]) else str(ids.at[i])
