"""Projects: the inventory of the projects entities report (a repeat section), and counts
of projects by status, by dimension item (e.g. life-cycle stage) and by region.

The survey's ``projects`` section says which repeat section holds the projects and which
of its questions give the title, status, stages, regions, partners and budget. The
contract's ``start_year``, ``end_year`` and ``countries`` columns are taken from the repeat
field of that name when the section has one (NA otherwise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analyses.common import acronym_map
from pipeline.registry import Registry
from pipeline.score import selected_choices
from pipeline.spec import FormField, Projects, Survey

PROJECT_COLUMNS = [
    "entity_id",
    "instance",
    "title",
    "status",
    "start_year",
    "end_year",
    "regions",
    "countries",
    "stages",
    "partners",
    "budget_usd",
    "topics",
    "source",
    "source_url",
]
SOURCES = ("survey", "desk")  # where a project row comes from: the survey, or desk research
SUMMARY_COLUMNS = ["by", "key", "label", "status", "n_projects", "budget_usd", "n_desk"]
NOT_STATED = "Not stated"
DESK_STATUS = "Desk research"  # the status column of initiatives found by desk research
SEPARATOR = "; "


def project_inventory(
    repeats_projects: pd.DataFrame, survey: Survey, registry: Registry
) -> pd.DataFrame:
    """One readable row per project.

    In: ``Responses.repeats[<projects section>]`` (typed rows with ``entity_id, instance``
    and the section's fields, multi-selects space-separated).
    Out: ``entity_id, instance, title, status, start_year, end_year, regions, countries,
    stages, partners, budget_usd, topics, source, source_url`` (``source`` "survey";
    desk-research rows are added by :func:`pipeline.desk.merge.merge_projects`); status, regions and stages as choice labels, partners
    as acronyms, several values joined by "; " (declared order; partners alphabetical).
    Sorted by entity_id (an entity's projects in the order given). An empty table with
    those columns when there are none.
    """
    spec = _spec(survey)
    frame = repeats_projects if repeats_projects is not None else pd.DataFrame()
    if frame.empty:
        return _empty_inventory()
    fields = {f.name: f for f in survey.fields(spec.section)}

    def column(name: str | None) -> pd.Series:
        return _column(frame, name)

    acronyms = acronym_map(registry, selected_choices(column(spec.partners)))
    out = pd.DataFrame(
        {
            "entity_id": frame["entity_id"].astype("string"),
            "instance": frame["instance"] if "instance" in frame.columns else pd.NA,
            "title": column(spec.title).astype("string"),
            "status": _labels(column(spec.status), _choice_order(survey, fields.get(spec.status))),
            "start_year": pd.to_numeric(
                column(_same_name(fields, "start_year")), errors="coerce"
            ).astype("Int64"),
            "end_year": pd.to_numeric(
                column(_same_name(fields, "end_year")), errors="coerce"
            ).astype("Int64"),
            "regions": _labels(
                column(spec.regions), _choice_order(survey, fields.get(spec.regions))
            ),
            "countries": column(_same_name(fields, "countries")).astype("string"),
            "stages": _labels(column(spec.stages), _choice_order(survey, fields.get(spec.stages))),
            "partners": _labels(column(spec.partners), {k: (v, v) for k, v in acronyms.items()}),
            "budget_usd": pd.to_numeric(column(spec.budget), errors="coerce").astype("float64"),
            "topics": _labels(column(spec.topics), _choice_order(survey, fields.get(spec.topics or ""))),
            "source": pd.Series("survey", index=frame.index, dtype="string"),
            "source_url": pd.Series(pd.NA, index=frame.index, dtype="string"),
        },
        columns=PROJECT_COLUMNS,
    )
    return out.sort_values("entity_id", kind="stable").reset_index(drop=True)


def project_summary(
    inventory_raw: pd.DataFrame, survey: Survey, registry: Registry | None = None
) -> pd.DataFrame:
    """Counts and budgets of projects by status, by dimension item x status, by region x
    status, and by partner entity x status.

    In: the raw (typed, not labelled) projects repeat table, ``Responses.repeats[...]``.
    Out: long table ``by, key, label, status, n_projects, budget_usd, n_desk``
    (``n_desk``: of ``n_projects``, those found by desk research: rows whose ``_source``
    is "desk", see :mod:`pipeline.desk.merge`): ``by`` is
    ``status``, ``stage``, ``region`` or ``partner`` (only the partners named, most projects
    first; label = acronym when the registry is given); ``key``/``label`` the choice name
    and label;
    ``status`` the status label ("Not stated" when missing, "Desk research" for a desk
    row); ``budget_usd`` the sum of the
    known budgets (NA when none is known). A project under several stages (regions) counts
    once in each, with its whole budget. Every declared stage and region appears for every
    status (zero counts included). Empty (with those columns) when there are no projects.
    """
    spec = _spec(survey)
    if inventory_raw is None or inventory_raw.empty:
        return _empty_summary()
    fields = {f.name: f for f in survey.fields(spec.section)}
    status_order = _choice_order(survey, fields.get(spec.status))
    base = pd.DataFrame(
        {
            "status": _column(inventory_raw, spec.status)
            .astype("string")
            .str.strip()
            .fillna(NOT_STATED),
            "budget_usd": pd.to_numeric(
                _column(inventory_raw, spec.budget), errors="coerce"
            ).astype("float64"),
            # 1 for a row found by desk research (pipeline.desk.merge), else 0
            "desk": (_column(inventory_raw, "_source").astype("string") == "desk")
            .fillna(False)
            .astype("int64"),
        }
    ).reset_index(drop=True)
    # an initiative found by desk research has no status: shown as such, not as "not stated"
    base.loc[(base["desk"] == 1) & (base["status"] == NOT_STATED), "status"] = DESK_STATUS
    statuses = list(status_order) + [
        s for s in (NOT_STATED, DESK_STATUS) if (base["status"] == s).any()
    ]
    status_labels = {k: v[1] for k, v in status_order.items()} | {
        NOT_STATED: NOT_STATED,
        DESK_STATUS: DESK_STATUS,
    }

    parts = [
        _count(
            base.assign(key=base["status"]),
            "status",
            statuses,
            [None],
            status_labels,
            status_labels,
        )
    ]
    for by, question in (("stage", spec.stages), ("region", spec.regions)):
        order = _choice_order(survey, fields.get(question))
        chosen = selected_choices(_column(inventory_raw, question).reset_index(drop=True))
        long = base.loc[chosen.index].assign(key=chosen.to_numpy())
        labels = {k: v[1] for k, v in order.items()}
        parts.append(_count(long, by, list(order), statuses, labels, status_labels))
    # partner agencies: only those named (not the whole registry), most projects first
    partners = selected_choices(_column(inventory_raw, spec.partners).reset_index(drop=True))
    long = base.loc[partners.index].assign(key=partners.to_numpy())
    named = long["key"].value_counts(sort=False)
    keys = sorted(named.index, key=lambda k: (-named[k], str(k)))
    names = {str(k): str(k) for k in keys} | (
        acronym_map(registry, pd.Series(keys)) if registry else {}
    )
    parts.append(_count(long, "partner", keys, statuses, names, status_labels))
    out = pd.concat(parts, ignore_index=True)
    return out.astype(
        {
            "by": "string",
            "key": "string",
            "label": "string",
            "status": "string",
            "n_projects": "int64",
            "budget_usd": "float64",
            "n_desk": "int64",
        }
    )[SUMMARY_COLUMNS]


def _count(
    long: pd.DataFrame,
    by: str,
    keys: list[str],
    statuses: list[str | None],
    labels: dict[str, str],
    status_labels: dict[str, str],
) -> pd.DataFrame:
    """Counts and budget sums of ``long`` (key, status, budget_usd) on the full key x status grid."""
    if statuses == [None]:
        grouped = long.groupby("key").agg(
            n_projects=("key", "size"),
            budget_usd=("budget_usd", lambda s: s.sum(min_count=1)),
            n_desk=("desk", "sum"),
        )
        grid = grouped.reindex(keys)
        out = grid.reset_index()
        out["status"] = out["key"].map(status_labels)
    else:
        grouped = long.groupby(["key", "status"]).agg(
            n_projects=("key", "size"),
            budget_usd=("budget_usd", lambda s: s.sum(min_count=1)),
            n_desk=("desk", "sum"),
        )
        grid = grouped.reindex(
            pd.MultiIndex.from_product([keys, statuses], names=["key", "status"])
        )
        out = grid.reset_index()
        out["status"] = out["status"].map(status_labels)
    out["n_projects"] = out["n_projects"].fillna(0).astype("int64")
    out["n_desk"] = out["n_desk"].fillna(0).astype("int64")
    out["by"] = by
    out["label"] = out["key"].map(labels).fillna(out["key"])
    return out[SUMMARY_COLUMNS]


def _labels(values: pd.Series, order: dict[str, tuple[int | str, str]]) -> pd.Series:
    """Space-separated names -> "; "-joined labels, in declared order (unknown names as is)."""
    chosen = selected_choices(values.reset_index(drop=True))
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    if chosen.empty:
        return out
    long = pd.DataFrame({"row": chosen.index.to_numpy(), "name": chosen.astype(str).to_numpy()})
    long["rank"] = long["name"].map({k: v[0] for k, v in order.items()})
    long["label"] = long["name"].map({k: v[1] for k, v in order.items()}).fillna(long["name"])
    long["rank"] = long["rank"].where(long["rank"].notna(), long["label"])
    long["rank"] = long["rank"].astype(str)
    long = long.sort_values(["row", "rank"], kind="stable")
    # join each row's labels in one reduction (no Python call per row)
    rows = long["row"].to_numpy()
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    labels = (long["label"].astype(str) + SEPARATOR).to_numpy(dtype=object)
    joined = pd.Series(np.add.reduceat(labels, starts), dtype="string").str.slice(
        0, -len(SEPARATOR)
    )
    out.iloc[rows[starts]] = joined.to_numpy()
    return out


def _choice_order(survey: Survey, field: FormField | None) -> dict[str, tuple[int | str, str]]:
    """choice name -> (sort key, label) for a select field; empty when there is no field."""
    if field is None or not field.list_name or field.type in {"entity", "entities"}:
        return {}
    return {c.name: (f"{i:06d}", c.label) for i, c in enumerate(survey.choices(field.list_name))}


def _column(frame: pd.DataFrame, name: str | None) -> pd.Series:
    """The column ``name`` of ``frame``, or an all-NA column when there is none."""
    if name and name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def _same_name(fields: dict[str, FormField], name: str) -> str | None:
    return name if name in fields else None


def _empty_inventory() -> pd.DataFrame:
    dtypes = {c: "string" for c in PROJECT_COLUMNS} | {
        "start_year": "Int64",
        "end_year": "Int64",
        "budget_usd": "float64",
        "instance": "object",
    }
    return pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in PROJECT_COLUMNS})


def _empty_summary() -> pd.DataFrame:
    dtypes = {c: "string" for c in SUMMARY_COLUMNS} | {
        "n_projects": "int64",
        "n_desk": "int64",
        "budget_usd": "float64",
    }
    return pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in SUMMARY_COLUMNS})


def _spec(survey: Survey) -> Projects:
    if survey.model.projects is None:
        raise ValueError(f"survey '{survey.id}' declares no projects section")
    return survey.model.projects
