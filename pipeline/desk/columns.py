"""The columns of a survey's desk mapping, from its definition (no survey is named here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.spec import Desk, Survey

KIND = "emg-pipeline desk mapping"
KEY_SHEET = "_emg"  # hidden sheet: kind, survey id, template version (the file's key)
DATA_SHEET = "Initiatives"
INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"
TEMPLATE_VERSION = "1"
SEPARATOR = ";"  # between several values in one cell
# the headers that say "this is a desk mapping" when the hidden key sheet was lost (the
# rows were pasted into a new workbook): all of them in one row
SIGNATURE = ("title", "type", "start year", "source url")
YEARS = (1950, 2100)

Kind = Literal["entity", "text", "choice", "choices", "year", "url"]


@dataclass(frozen=True)
class DeskColumn:
    key: str  # the column of the table read (entity_id, title, ...)
    header: str  # as the template writes it
    kind: Kind
    help: str
    list_name: str | None = None
    required: bool = False
    min: int = YEARS[0]
    max: int = YEARS[1]


def desk_spec(survey: Survey) -> Desk:
    if survey.model.desk is None or survey.model.projects is None:
        raise ValueError(f"survey '{survey.id}' declares no desk mapping (desk: block)")
    return survey.model.desk


def desk_columns(survey: Survey) -> list[DeskColumn]:
    """The template's columns in order: entity, title, type, topics, stages, regions,
    start and end year, source URL, notes; the lists are the survey's own."""
    spec = desk_spec(survey)
    projects = survey.model.projects
    assert projects is not None
    fields = {f.name: f for f in survey.fields(projects.section)}
    noun = survey.model.entity_noun

    def list_of(name: str | None) -> str | None:
        f = fields.get(name or "")
        return f.list_name if f is not None else None

    def years(name: str) -> tuple[int, int]:
        f = fields.get(name)
        lo = int(f.min) if f is not None and f.min is not None else YEARS[0]
        hi = int(f.max) if f is not None and f.max is not None else YEARS[1]
        return lo, hi

    stages = list_of(projects.stages)
    stage_words = (
        survey.model.dimension_sets[stages].plural
        if stages in survey.model.dimension_sets
        else "stages"
    )
    columns = [
        DeskColumn("entity_id", noun.capitalize(), "entity",
                   f"The {noun} that runs the initiative: its acronym or name (the Lists sheet "
                   "has them all).", required=True),
        DeskColumn("title", "Title", "text", "The initiative's title, as its source gives it.",
                   required=True),
        DeskColumn("type", "Type", "choice", "What it is: one of the list.", spec.types,
                   required=True),
    ]
    if spec.topics:
        columns.append(DeskColumn("topics", "Topics", "choices",
                                  f"The topics it addresses, separated by '{SEPARATOR}'.",
                                  spec.topics))
    if stages:
        columns.append(DeskColumn("stages", stage_words.capitalize(), "choices",
                                  f"The {stage_words} it addresses, separated by '{SEPARATOR}'.",
                                  stages))
    regions = list_of(projects.regions)
    if regions:
        columns.append(DeskColumn("regions", "Regions", "choices",
                                  f"Where it works, separated by '{SEPARATOR}'.", regions))
    lo, hi = years("start_year")
    columns.append(DeskColumn("start_year", "Start year", "year",
                              f"The year it started, {lo} to {hi}.", min=lo, max=hi))
    lo, hi = years("end_year")
    columns.append(DeskColumn("end_year", "End year", "year",
                              f"The year it ended or ends, {lo} to {hi}; empty when open-ended.",
                              min=lo, max=hi))
    columns += [
        DeskColumn("source_url", "Source URL", "url",
                   "Where the information comes from: a web address (https://...).",
                   required=True),
        DeskColumn("notes", "Notes", "text", "Anything else worth knowing (not analysed)."),
    ]
    return columns
