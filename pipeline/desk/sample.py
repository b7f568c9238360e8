"""A small filled desk mapping for a demo round, written on the real template.

It lists a few initiatives of responding entities, one near-duplicate of a project an
entity reported in the survey (the merge must count it once) and one initiative of an
entity that did not answer (shown as not responding, never as a respondent).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from pipeline.desk.columns import DATA_SHEET, SEPARATOR, desk_columns
from pipeline.desk.template import write_desk_template
from pipeline.registry import Registry
from pipeline.spec import Survey

FILE_NAME = "desk_mapping.xlsx"


def write_demo_desk(
    survey: Survey,
    registry: Registry,
    respondents: list[str],
    projects: pd.DataFrame,
    folder: Path,
) -> Path | None:
    """Fill the desk template of ``survey`` for a demo round in ``folder``; None when the
    survey declares no desk mapping or the round has no project to echo.

    ``respondents``: entity ids that answered; ``projects``: the round's repeat rows of
    the projects section (canonical, with ``_submission_id``) and ``entity_id``.
    """
    spec = survey.model.projects
    if survey.model.desk is None or spec is None or projects.empty:
        return None
    columns = desk_columns(survey)
    lists = {
        c.key: [x.label for x in survey.choices(c.list_name)] for c in columns if c.list_name
    }

    def pick(key: str, k: int, n: int = 1) -> str | None:
        values = lists.get(key)
        if not values:
            return None
        return f"{SEPARATOR} ".join(values[(k + j * 3) % len(values)] for j in range(n))

    first = projects.iloc[0]
    owner = str(first["entity_id"])
    title = str(first[spec.title])
    # the same project as the survey's, written the way a report or a website names it
    # (capitalised, the bracketed number dropped: "Circular Electronics Initiative - ITU")
    echo = " ".join(w[:1].upper() + w[1:] for w in re.sub(r"\s*\(([^)]*?)\s*\d*\)\s*$", r" - \1", title).split())
    absent = next(e for e in registry.ids if e not in set(respondents))
    others = [e for e in respondents if e != owner][:3]
    rows: list[dict[str, object]] = [
        _row(registry, owner, echo, pick, 0, 2021, 2025),
    ]
    for k, entity in enumerate(others, start=1):
        topic = pick("topics", k) or ""
        rows.append(_row(registry, entity, f"Regional assessment on {topic.lower()}", pick, k, 2018 + k, None))
    rows.append(_row(registry, absent, "Country guidance and training series", pick, 5, 2019, 2024))
    path = write_desk_template(survey, registry, Path(folder) / FILE_NAME)
    wb = load_workbook(path)
    ws = wb[DATA_SHEET]
    for r, row in enumerate(rows, start=2):
        for c, col in enumerate(columns, start=1):
            ws.cell(r, c, row.get(col.key))
    wb.save(path)
    return path


def _row(registry: Registry, entity: str, title: str, pick, k: int, start: int, end: int | None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    acronym = registry.acronym(entity)
    return {
        "entity_id": acronym,
        "title": title,
        "type": pick("type", k),
        "topics": pick("topics", k, 2),
        "stages": pick("stages", k, 2),
        "regions": pick("regions", k + 1),
        "start_year": start,
        "end_year": end,
        "source_url": f"https://www.example.org/{acronym.lower()}/initiatives/{k + 1}",
        "notes": None,
    }
