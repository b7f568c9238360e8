"""The tables passed between the stages of a run (see docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.spec import Survey

META_COLUMNS = [
    "_submission_id",
    "_submitted_at",
    "_source_file",
    "_source_sheet",
    "_source_row",
    "_reader",
    "_form_version",
    # the review state the survey tool gave the submission, as the file says it
    # (Kobo's _validation_status, ODK Central's ReviewState); see pipeline.review
    "_review_state",
]
# Optional per-field row numbers: a reader whose answers sit on different rows of one
# submission (the offline questionnaire: one row per question) adds a column
# ``_row:<field>`` so that an issue about that field names the row the answer is on.
FIELD_ROW_PREFIX = "_row:"
REPEAT_META_COLUMNS = ["_submission_id", "_source_file", "_source_sheet", "_source_row"]
TIDY_COLUMNS = [
    "survey_id",
    "round",
    "entity_id",
    "question_id",
    "field",
    "dimension",
    "answer",
    "answer_score",
    "instance",
    "source_file",
    "source_row",
    "submitted_at",
]
# The tidy table's text columns that repeat on many rows, held as pandas categoricals (a
# small code per row, each text once; the categories are the values present, sorted, as
# string dtype): they compare, filter, group and sort as the same text would, and are
# written as text. ``answer`` is a string column. See docs/architecture.md.
TIDY_CATEGORICAL = [
    "survey_id",
    "round",
    "entity_id",
    "question_id",
    "field",
    "dimension",
    "instance",
    "source_file",
]


@dataclass
class InputFile:
    """One file of the round folder, as the run found it."""

    path: str  # relative to the round folder
    sha256: str
    size: int
    reader: str  # the reader that took it, or "" when none could
    rows: int = 0


@dataclass
class RawRound:
    """Canonical wide tables from every file of a round, all values text, unchecked."""

    main: pd.DataFrame
    repeats: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: list[InputFile] = field(default_factory=list)
    # repeat sections the analyst said this round did not collect (--no-repeat)
    not_collected: list[str] = field(default_factory=list)
    # submissions left out for their review state in the survey tool (pipeline.review)
    set_aside: list[str] = field(default_factory=list)
    # initiatives of a desk mapping dropped into the round folder (pipeline.desk.read),
    # checked; None when the round has none
    desk: pd.DataFrame | None = None


@dataclass
class Responses:
    """Checked, typed answers: one kept submission per entity, and the tidy long table."""

    submissions: pd.DataFrame
    repeats: dict[str, pd.DataFrame]
    tidy: pd.DataFrame


@dataclass
class RunResult:
    """Everything a run computed; the writers turn it into the report, workbook and charts."""

    survey: Survey
    registry: Registry
    round: str
    run_date: str  # ISO date of the run, shown in the report footer
    responses: Responses
    tables: dict[str, pd.DataFrame]  # name -> table, see docs/architecture.md
    stats: dict[str, Any]  # scalars: response rate, Kendall's W, ...
    log: IssueLog
    files: list[InputFile] = field(default_factory=list)
