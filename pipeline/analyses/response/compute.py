"""Response status: who was invited, who answered, and the response rate."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.registry import Registry

STATUS_COLUMNS = [
    "entity_id",
    "acronym",
    "full_name",
    "responded",
    "submitted_at",
    "n_submissions",
    "source_file",
]


def response_status(
    submissions: pd.DataFrame, registry: Registry, invited: list[str] | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per invited entity (and per respondent that was not invited).

    In: ``Responses.submissions`` (``entity_id, submitted_at, n_submissions, source_file``),
    the registry, and the ids of the invited entities (default: every registry entity).
    Out: ``(table, stats)``. ``table``: ``entity_id, acronym, full_name, responded,
    submitted_at, n_submissions`` (0 for non-respondents), ``source_file``; respondents
    first, then by acronym. ``stats``: ``n_invited``, ``n_respondents`` (invited entities
    that answered), ``response_rate`` (their share, NaN when nobody was invited) and
    ``uninvited`` (ids of respondents outside the invited list).
    """
    invited_ids = list(dict.fromkeys(registry.ids if invited is None else invited))
    subs = submissions.drop_duplicates("entity_id", keep="last").set_index("entity_id")
    respondent_ids = [str(e) for e in subs.index]
    uninvited = sorted(set(respondent_ids) - set(invited_ids))
    ids = invited_ids + uninvited
    names = registry.table.set_index("entity_id")
    index = pd.Index(ids, name="entity_id")

    def sub_column(name: str) -> pd.Series:
        if name in subs.columns:
            return subs[name].reindex(index)
        return pd.Series(pd.NA, index=index, dtype="object")

    table = pd.DataFrame(
        {
            "acronym": names["acronym"].reindex(index).fillna(index.to_series()),
            "full_name": names["full_name"].reindex(index),
            "responded": pd.Series(index.isin(respondent_ids), index=index),
            "submitted_at": sub_column("submitted_at"),
            "n_submissions": pd.to_numeric(sub_column("n_submissions"), errors="coerce"),
            "source_file": sub_column("source_file"),
        },
        index=index,
    ).reset_index()[STATUS_COLUMNS]
    table["n_submissions"] = table["n_submissions"].where(
        ~table["responded"] | table["n_submissions"].notna(), 1
    )
    table["n_submissions"] = table["n_submissions"].fillna(0).astype("int64")
    table = table.astype(
        {"entity_id": "string", "acronym": "string", "full_name": "string", "responded": "bool"}
    )
    table["source_file"] = table["source_file"].astype("string")
    table = table.sort_values(
        ["responded", "acronym"],
        ascending=[False, True],
        key=lambda s: s.str.casefold() if s.name == "acronym" else s,
        kind="stable",
    ).reset_index(drop=True)
    n_invited = len(invited_ids)
    n_respondents = len(set(respondent_ids) & set(invited_ids))
    stats = {
        "n_invited": n_invited,
        "n_respondents": n_respondents,
        "response_rate": n_respondents / n_invited if n_invited else float("nan"),
        "uninvited": uninvited,
    }
    return table, stats


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """The analysis' step in :func:`pipeline.analyses.analyse`."""
    invited = inp.invited if inp.invited is not None else inp.survey.model.invited
    status, stats = response_status(inp.submissions, inp.registry, invited)
    return {"response_status": status}, stats
