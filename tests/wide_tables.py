"""Helpers shared by tests that hand-build canonical wide tables of the e-waste survey
(``test_validate.py``, ``test_normalise.py``) or its stage profiles."""

from __future__ import annotations

import pandas as pd

from pipeline.tables import RawRound

STAGES = [
    "raw_materials",
    "design_manufacturing",
    "distribution_use",
    "reuse_repair",
    "collection_transboundary",
    "treatment_recycling",
    "final_disposal",
]
"""The e-waste survey's life-cycle stages, in form order."""

KS_OPTIONS = ["project_db", "community", "webinars", "repository", "newsletter", "missions"]
"""The options ranked in the e-waste survey's knowledge-sharing question."""


def wide_round(
    rows: list[dict[str, str | None]],
    projects: list[dict[str, str | None]],
    *,
    files: list[str] | None = None,
    times: list[str | None] | None = None,
) -> RawRound:
    """Canonical wide tables as a reader produces them: text, meta columns, file rows.

    In: main-form ``rows`` (field -> text) and ``projects`` repeat rows (each with its
    parent's ``_submission_id``); the source file and submission time of each main row
    (defaults: ``export.xlsx``, one day each in March 2026). Main rows get the ids
    ``kobo:1``, ``kobo:2`` ... in order.
    """
    main = pd.DataFrame(rows)
    n = len(main)
    main["_submission_id"] = [f"kobo:{i + 1}" for i in range(n)]
    main["_submitted_at"] = times or [f"2026-03-0{i % 9 + 1}T10:00:00Z" for i in range(n)]
    main["_source_file"] = files or ["export.xlsx"] * n
    main["_source_sheet"] = "data"
    main["_source_row"] = [str(i + 2) for i in range(n)]
    main["_reader"] = "kobo"
    main["_form_version"] = "2026.1"
    repeats = pd.DataFrame(projects)
    repeats["_source_file"] = "export.xlsx"
    repeats["_source_sheet"] = "projects"
    repeats["_source_row"] = [str(i + 2) for i in range(len(repeats))]
    return RawRound(main=main.astype("string"), repeats={"projects": repeats.astype("string")})
