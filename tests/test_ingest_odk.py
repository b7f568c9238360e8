"""ODK Central CSV exports (main CSV + repeat CSVs) read back to canonical values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import IssueLog
from pipeline.exports import submission_uuid, write_odk_csv
from pipeline.ingest import choose, kobo, odk
from pipeline.ingest.round_reader import read_round
from pipeline.registry import Registry
from pipeline.spec import Survey
from pipeline.tables import META_COLUMNS, REPEAT_META_COLUMNS

Example = tuple[pd.DataFrame, dict[str, pd.DataFrame]]


def names(survey: Survey, repeat: str | None = None) -> list[str]:
    return [f.name for f in survey.fields(repeat)]


def same(got: pd.DataFrame, expected: pd.DataFrame, columns: list[str]) -> None:
    pd.testing.assert_frame_equal(
        got[columns].reset_index(drop=True),
        expected[columns].reset_index(drop=True).astype("string"),
    )


@pytest.mark.parametrize("split_multiple", [False, True])
def test_odk_round_trip(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example, split_multiple: bool
) -> None:
    main, repeats = example
    written = write_odk_csv(
        main, repeats, survey, registry, tmp_path, "ewaste-img", split_multiple=split_multiple
    )
    assert [p.name for p in written] == ["ewaste-img.csv", "ewaste-img-projects.csv"]
    header = written[0].read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[0] == "SubmissionDate" and "meta-instanceID" in header and "KEY" in header
    assert "lifecycle-raw_materials-engagement_raw_materials" in header
    assert header[-11:] == [  # central-backend lib/data/briefcase.js: the root's last columns
        "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
        "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion",
    ]  # fmt: skip
    # a repeat's columns are named by their path inside the repeat, then PARENT_KEY, KEY
    repeat_header = written[1].read_text(encoding="utf-8").splitlines()[0].split(",")
    assert repeat_header[:2] == ["project_title", "project_status"]
    assert repeat_header[-2:] == ["PARENT_KEY", "KEY"]
    assert not [h for h in repeat_header if h.startswith("projects-")]
    if split_multiple:
        assert "regions/africa" in repeat_header
    assert odk.can_read(written[0]) and not odk.can_read(written[1])
    assert odk.is_repeat_csv(written[1]) and not odk.is_repeat_csv(written[0])
    assert choose.pick_reader(written[0]) is odk
    assert odk.repeat_files(written[0]) == [written[1]]

    log = IssueLog()
    got, got_repeats = odk.read(written[0], "odk/ewaste-img.csv", survey, registry, log)
    assert log.issues == []
    assert list(got.columns) == [*META_COLUMNS, *names(survey)]
    same(got, main, names(survey))
    assert got["_submission_id"].tolist() == [
        f"odk:uuid:{submission_uuid(s)}" for s in main["_submission_id"]
    ]
    assert got["_submitted_at"].tolist() == main["_submitted_at"].tolist()
    assert set(got["_reader"]) == {"odk-csv"} and set(got["_form_version"]) == {"2026.1"}
    assert got["_source_sheet"].isna().all()
    projects = got_repeats["projects"]
    assert list(projects.columns) == [*REPEAT_META_COLUMNS, *names(survey, "projects")]
    same(projects, repeats["projects"], names(survey, "projects"))
    assert set(projects["_source_file"]) == {"odk/ewaste-img-projects.csv"}
    assert projects["_source_row"].tolist() == ["2", "3", "4"]
    parent = dict(zip(main["_submission_id"], got["_submission_id"], strict=True))
    assert projects["_submission_id"].tolist() == [
        parent[s] for s in repeats["projects"]["_submission_id"]
    ]


def test_repeat_csv_is_read_with_its_main_only(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    write_odk_csv(main, repeats, survey, registry, tmp_path, "ewaste_img")
    log = IssueLog()
    raw = read_round(tmp_path, survey, registry, log)
    assert not log.has_errors()
    assert len(raw.main) == 4 and len(raw.repeats["projects"]) == 3
    by_path = {f.path: (f.reader, f.rows) for f in raw.files}
    assert by_path == {"ewaste_img.csv": ("odk-csv", 4), "ewaste_img-projects.csv": ("odk-csv", 3)}
    infos = {i.file: i.message for i in log.issues if i.code == "file-reader"}
    assert "ewaste_img.csv" in infos["ewaste_img-projects.csv"]


def test_orphan_repeat_file_is_an_error(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    written = write_odk_csv(main, repeats, survey, registry, tmp_path / "in", "ewaste_img")
    written[0].unlink()
    log = IssueLog()
    raw = read_round(tmp_path / "in", survey, registry, log)
    errors = log.errors
    assert [e.code for e in errors] == ["repeat-orphan-file"]
    assert errors[0].file == "ewaste_img-projects.csv" and "ewaste_img.csv" in errors[0].message
    assert len(raw.main) == 0 and len(raw.repeats["projects"]) == 0


def test_orphan_repeat_row_names_file_row_and_column(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    written = write_odk_csv(main, repeats, survey, registry, tmp_path, "ewaste_img")
    table = pd.read_csv(written[1], dtype=str, keep_default_na=False)
    table.loc[1, "PARENT_KEY"] = "uuid:00000000-0000-0000-0000-000000000000"
    table.to_csv(written[1], index=False)
    log = IssueLog()
    _, got_repeats = odk.read(written[0], "ewaste_img.csv", survey, registry, log)
    [issue] = [i for i in log.issues if i.code == "repeat-orphan"]
    assert (issue.severity, issue.file, issue.row, issue.column) == (
        "error",
        "ewaste_img-projects.csv",
        3,
        "PARENT_KEY",
    )
    assert "uuid:00000000" in issue.message
    assert len(got_repeats["projects"]) == 2


def test_nested_parent_key_points_to_the_submission(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    """A repeat inside a group gives PARENT_KEY 'uuid:.../group[1]': still its submission."""
    main, repeats = example
    written = write_odk_csv(main, repeats, survey, registry, tmp_path, "ewaste_img")
    table = pd.read_csv(written[1], dtype=str, keep_default_na=False)
    table["PARENT_KEY"] = table["PARENT_KEY"] + "/projects_group[1]"
    table.to_csv(written[1], index=False)
    log = IssueLog()
    got, got_repeats = odk.read(written[0], "ewaste_img.csv", survey, registry, log)
    assert not log.has_errors()
    assert set(got_repeats["projects"]["_submission_id"]) <= set(got["_submission_id"])


def test_kobo_csv_reader_does_not_take_odk_files(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    written = write_odk_csv(main, repeats, survey, registry, tmp_path, "form")
    assert not kobo.can_read_csv(written[0]) and not kobo.can_read_csv(written[1])
    assert choose.pick_reader(written[1]) is None  # a repeat CSV alone is no reader's file


def test_odk_submission_date_with_milliseconds_and_zone(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    written = write_odk_csv(main, repeats, survey, registry, tmp_path, "form")
    table = pd.read_csv(written[0], dtype=str, keep_default_na=False)
    table.loc[0, "SubmissionDate"] = "2026-03-02T10:15:30.123+01:00"
    table.loc[1, "SubmissionDate"] = "yesterday"
    table.to_csv(written[0], index=False)
    log = IssueLog()
    got, _ = odk.read(written[0], "form.csv", survey, registry, log)
    assert got.loc[0, "_submitted_at"] == "2026-03-02T09:15:30+0000"
    assert got.loc[1, "_submitted_at"] == "yesterday"
    [warning] = [i for i in log.issues if i.code == "timestamp-invalid"]
    assert (warning.row, warning.column, warning.file) == (3, "SubmissionDate", "form.csv")
