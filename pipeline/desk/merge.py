"""Desk-research initiatives merged with the projects entities reported in the survey.

A desk row and a survey project of the same entity whose titles are alike (rapidfuzz
token-sort ratio, case and punctuation ignored, at or above ``desk.match_threshold``) are
one initiative: the survey's row is kept (its answers are the entity's own), takes the
desk row's source address, and the match is listed (``matches`` and the data-quality
log). Other desk rows join the inventory with ``source`` = "desk". Entities found only by
desk research stay out of every count of respondents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from rapidfuzz import fuzz, utils

from pipeline.analyses.projects.inventory import PROJECT_COLUMNS, _choice_order, _labels
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.spec import Survey

MATCH_COLUMNS = [
    "entity_id",
    "acronym",
    "survey_title",
    "desk_title",
    "similarity",
    "desk_file",
    "desk_row",
]


@dataclass
class Merged:
    projects: pd.DataFrame  # the inventory, survey rows then desk rows, with ``source``
    matches: pd.DataFrame  # MATCH_COLUMNS, one row per desk row matched to a survey project
    desk_added: pd.DataFrame  # the desk rows added (read columns), for the summary counts
    survey: Survey

    def typed(self, raw_projects: pd.DataFrame) -> pd.DataFrame:
        """The survey's typed repeat rows and the added desk rows under the repeat's own
        field names, with ``_source`` (survey / desk): the input of ``project_summary``."""
        spec = self.survey.model.projects
        assert spec is not None
        base = raw_projects.copy() if raw_projects is not None else pd.DataFrame()
        base["_source"] = "survey"
        desk = self.desk_added
        na = pd.Series(pd.NA, index=desk.index, dtype="string")
        renamed = pd.DataFrame(
            {
                "entity_id": desk["entity_id"],
                spec.title: desk["title"],
                spec.stages: desk["stages"] if "stages" in desk.columns else na,
                spec.regions: desk["regions"] if "regions" in desk.columns else na,
                "_source": "desk",
            }
        )
        if spec.topics:
            renamed[spec.topics] = desk["topics"] if "topics" in desk.columns else na
        return pd.concat([base, renamed], ignore_index=True)

    def stats(self, submissions: pd.DataFrame) -> dict[str, Any]:
        """Counts the report states: desk rows read, matched, added; the entities found
        only by desk research (they did not answer the survey)."""
        respondents = set(submissions["entity_id"].astype(str)) if len(submissions) else set()
        desk_entities = set(self.desk_added["entity_id"].dropna().astype(str)) | set(
            self.matches["entity_id"].astype(str)
        )
        return {
            "n_desk_read": len(self.desk_added) + len(self.matches),
            "n_desk_added": len(self.desk_added),
            "n_desk_matched": len(self.matches),
            "desk_only_entities": sorted(desk_entities - respondents),
        }


def merge_projects(
    projects: pd.DataFrame,
    desk: pd.DataFrame,
    survey: Survey,
    registry: Registry,
    log: IssueLog | None = None,
) -> Merged:
    """Merge the desk rows (:func:`pipeline.desk.read.read`) into the project inventory.

    In: the inventory (:func:`~pipeline.analyses.projects.inventory.project_inventory`), the desk
    rows, the survey (its ``desk.match_threshold`` and choice lists), the registry, the
    run's log (one info line per match). Out: :class:`Merged`.
    """
    spec = survey.model.desk
    threshold = spec.match_threshold if spec else 88.0
    inventory = projects.copy()
    desk = desk.dropna(subset=["entity_id", "title"]).reset_index(drop=True)
    taken: set[int] = set()
    matched: dict[int, tuple[int, float]] = {}
    # best pairs first, each survey project matched at most once
    pairs = []
    for d, row in desk.iterrows():
        mine = inventory.index[inventory["entity_id"].astype(str) == str(row["entity_id"])]
        for i in mine:
            score = fuzz.token_sort_ratio(
                str(row["title"]), str(inventory.at[i, "title"]), processor=utils.default_process
            )
            if score >= threshold:
                pairs.append((-score, d, i))
    for neg, d, i in sorted(pairs):
        if d in matched or i in taken:
            continue
        matched[d] = (i, -neg)
        taken.add(i)
    acronyms = registry.acronyms()
    records = []
    for d, (i, score) in sorted(matched.items()):
        row = desk.loc[d]
        if pd.isna(inventory.at[i, "source_url"]):
            inventory.at[i, "source_url"] = row.get("source_url")
        records.append(
            {
                "entity_id": row["entity_id"],
                "acronym": acronyms.get(str(row["entity_id"]), str(row["entity_id"])),
                "survey_title": inventory.at[i, "title"],
                "desk_title": row["title"],
                "similarity": round(float(score), 1),
                "desk_file": row.get("_source_file"),
                "desk_row": row.get("_source_row"),
            }
        )
        if log is not None:
            log.info(
                "desk-match",
                f"desk initiative '{row['title']}' is the survey's project "
                f"'{inventory.at[i, 'title']}' of {acronyms.get(str(row['entity_id']), row['entity_id'])} "
                f"(title similarity {score:.0f}); counted once, as reported in the survey",
                file=str(row.get("_source_file") or ""),
                sheet=str(row.get("_source_sheet") or ""),
                row=int(row["_source_row"]) if pd.notna(row.get("_source_row")) else None,
                entity=str(row["entity_id"]),
            )
    added = desk.drop(index=list(matched)).reset_index(drop=True)
    rows = _inventory_rows(added, survey)
    merged = pd.concat([inventory, rows], ignore_index=True) if len(rows) else inventory
    matches = pd.DataFrame(records, columns=MATCH_COLUMNS).astype(
        {c: "string" for c in MATCH_COLUMNS if c != "similarity"} | {"similarity": "float64"}
    )
    return Merged(merged[PROJECT_COLUMNS], matches, added, survey)


def _inventory_rows(desk: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """Desk rows as inventory rows (labels "; "-joined, like the survey's)."""
    spec = survey.model.projects
    assert spec is not None
    fields = {f.name: f for f in survey.fields(spec.section)}
    desk_spec = survey.model.desk

    def labels(column: str, order: dict) -> pd.Series:
        values = desk[column] if column in desk.columns else pd.Series(pd.NA, index=desk.index)
        return _labels(values, order)

    topic_order = (
        {c.name: (f"{i:06d}", c.label) for i, c in enumerate(survey.choices(desk_spec.topics))}
        if desk_spec and desk_spec.topics
        else {}
    )
    na = pd.Series(pd.NA, index=desk.index, dtype="string")

    def col(name: str) -> pd.Series:
        return desk[name] if name in desk.columns else na

    out = pd.DataFrame(
        {
            "entity_id": desk["entity_id"].astype("string"),
            "instance": "desk:" + desk["_source_file"].astype(str) + ":" + desk["_source_row"].astype(str),
            "title": desk["title"].astype("string"),
            "status": na,
            "start_year": pd.to_numeric(col("start_year"), errors="coerce").astype("Int64"),
            "end_year": pd.to_numeric(col("end_year"), errors="coerce").astype("Int64"),
            "regions": labels("regions", _choice_order(survey, fields.get(spec.regions))),
            "countries": na,
            "stages": labels("stages", _choice_order(survey, fields.get(spec.stages))),
            "partners": na,
            "budget_usd": pd.Series(float("nan"), index=desk.index, dtype="float64"),
            "topics": labels("topics", topic_order),
            "source": pd.Series("desk", index=desk.index, dtype="string"),
            "source_url": col("source_url").astype("string"),
        },
        columns=PROJECT_COLUMNS,
    )
    return out
