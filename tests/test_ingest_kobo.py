"""KoboToolbox exports (XLSX and CSV, XML or label headers) read back to canonical values."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.errors import IssueLog
from pipeline.exports import (
    example_round,
    sheet_title,
    submission_uuid,
    write_kobo_csv,
    write_kobo_xlsx,
)
from pipeline.ingest import kobo
from pipeline.ingest.headers import EXTRA_PREFIX
from pipeline.registry import Registry
from pipeline.spec import Survey
from pipeline.tables import META_COLUMNS, REPEAT_META_COLUMNS

Example = tuple[pd.DataFrame, dict[str, pd.DataFrame]]


def field_names(survey: Survey, repeat: str | None = None) -> list[str]:
    return [f.name for f in survey.fields(repeat)]


def assert_same_answers(got: pd.DataFrame, expected: pd.DataFrame, columns: list[str]) -> None:
    pd.testing.assert_frame_equal(
        got[columns].reset_index(drop=True),
        expected[columns].reset_index(drop=True).astype("string"),
        check_dtype=True,
    )


def codes(log: IssueLog, severity: str | None = None) -> list[str]:
    return [i.code for i in log.issues if severity is None or i.severity == severity]


def header_positions(
    path: Path, sheet: str | None = None
) -> tuple[openpyxl.Workbook, object, dict[str, int]]:
    book = openpyxl.load_workbook(path)
    ws = book[sheet] if sheet else book.worksheets[0]
    heads = {c.value: c.column for c in ws[1]}
    return book, ws, heads


# -- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize("headers", ["xml", "label"])
def test_xlsx_round_trip(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example, headers: str
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(
        main, repeats, survey, registry, tmp_path / "export.xlsx", headers=headers
    )
    assert kobo.can_read_xlsx(path) and not kobo.can_read_csv(path)
    log = IssueLog()
    got, got_repeats = kobo.read_xlsx(path, "export.xlsx", survey, registry, log)
    assert [i.code for i in log.issues] == ["kobo-deployment"]  # recorded, never compared
    assert list(got.columns) == [*META_COLUMNS, *field_names(survey)]
    assert all(str(t) == "string" for t in got.dtypes)
    assert_same_answers(got, main, field_names(survey))
    assert got["_submission_id"].tolist() == [
        f"kobo:{submission_uuid(s)}" for s in main["_submission_id"]
    ]
    assert got["_submitted_at"].tolist() == main["_submitted_at"].tolist()
    assert got["_source_sheet"].unique().tolist() == [sheet_title(survey.title)]
    assert got["_source_row"].tolist() == ["2", "3", "4", "5"]
    assert set(got["_reader"]) == {"kobo-xlsx"} and set(got["_form_version"]) == {"2026.1"}
    projects = got_repeats["projects"]
    assert list(projects.columns) == [*REPEAT_META_COLUMNS, *field_names(survey, "projects")]
    assert_same_answers(projects, repeats["projects"], field_names(survey, "projects"))
    parent = dict(zip(main["_submission_id"], got["_submission_id"], strict=True))
    assert projects["_submission_id"].tolist() == [
        parent[s] for s in repeats["projects"]["_submission_id"]
    ]
    assert projects["_source_sheet"].unique().tolist() == ["projects"]
    assert projects["_source_row"].tolist() == ["2", "3", "4"]


def test_label_export_shows_labels_and_is_read_by_label(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(
        main, repeats, survey, registry, tmp_path / "labels.xlsx", headers="label"
    )
    _, ws, heads = header_positions(path)
    header = "Engagement across the life-cycle of electrical and electronic equipment/Raw materials and extraction/Raw materials and extraction: level of your agency's engagement"
    assert header in heads
    assert "Issue topics your agency works on/Extended producer responsibility" in "|".join(heads)
    cells = {ws.cell(r, heads[header]).value for r in range(2, 6)}
    assert cells <= {"None", "Minor", "Moderate", "Major"} and len(cells) > 1
    agency = next(h for h in heads if h.endswith("/Your agency"))
    assert " - " in ws.cell(2, heads[agency]).value  # 'BRS - Secretariat of ...'


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("headers", ["xml", "label"])
def test_csv_round_trip(
    tmp_path: Path,
    survey: Survey,
    registry: Registry,
    example: Example,
    delimiter: str,
    headers: str,
) -> None:
    main, repeats = example
    path = write_kobo_csv(
        main,
        repeats,
        survey,
        registry,
        tmp_path / "export.csv",
        headers=headers,
        delimiter=delimiter,
    )
    assert kobo.can_read_csv(path) and not kobo.can_read_xlsx(path)
    log = IssueLog()
    got, got_repeats = kobo.read_csv(path, "export.csv", survey, registry, log)
    assert [i.code for i in log.issues] == ["kobo-deployment"]  # recorded, never compared
    assert_same_answers(got, main, field_names(survey))
    assert got["_source_sheet"].isna().all() and set(got["_reader"]) == {"kobo-csv"}
    assert got["_source_row"].tolist() == ["2", "3", "4", "5"]
    assert "projects" not in got_repeats  # Kobo CSV exports hold no repeat rows


@pytest.mark.parametrize(("encoding", "warned"), [("utf-8-sig", False), ("cp1252", True)])
def test_csv_encodings(
    tmp_path: Path,
    survey: Survey,
    registry: Registry,
    example: Example,
    encoding: str,
    warned: bool,
) -> None:
    main, repeats = example
    path = write_kobo_csv(
        main, repeats, survey, registry, tmp_path / "export.csv", encoding=encoding
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    log = IssueLog()
    got, _ = kobo.read_csv(path, "export.csv", survey, registry, log)
    assert_same_answers(got, main, field_names(survey))
    assert any("Coopération régionale" in str(v) for v in got.stack().tolist())
    assert ("encoding-fallback" in codes(log, "warning")) == warned
    if warned:
        issue = next(i for i in log.issues if i.code == "encoding-fallback")
        assert issue.file == "export.csv"


def test_only_option_columns_are_joined(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    """An export with 0/1 columns and no space-separated column (as 1/0, "True"/"False")."""
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    book, ws, heads = header_positions(path)
    multi = {
        f"scope/{f.name}"
        for f in survey.fields()
        if f.type == "select_multiple" and f.section == "scope"
    }
    multi |= {
        h
        for h in heads
        if h.startswith("lifecycle/") and h.split("/")[-1].startswith("activities_")
    }
    multi.add("collaboration/collaborators")
    for header in sorted(multi, key=heads.__getitem__, reverse=True):
        ws.delete_cols(heads[header])
    after = {c.value: c.column for c in ws[1]}
    topic_cols = [c for h, c in after.items() if h.startswith("scope/topics/")]
    for col in topic_cols:  # the same answers as "True"/"False" text
        for row in range(2, ws.max_row + 1):
            value = ws.cell(row, col).value
            if value is not None:
                ws.cell(row, col).value = "True" if value == 1 else "False"
    book.save(path)
    log = IssueLog()
    got, _ = kobo.read_xlsx(path, "export.xlsx", survey, registry, log)
    assert [i for i in log.issues if i.severity != "info"] == []
    assert_same_answers(got, main, field_names(survey))


def test_summary_column_wins_over_option_columns(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    book, ws, heads = header_positions(path)
    ws.cell(2, heads["scope/topics/epr"]).value = 1 - (
        ws.cell(2, heads["scope/topics/epr"]).value or 0
    )
    book.save(path)
    got, _ = kobo.read_xlsx(path, "export.xlsx", survey, registry, IssueLog())
    assert got.loc[0, "topics"] == main.loc[0, "topics"]


def test_excel_numbers_and_dates_become_plain_text(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    book, ws, heads = header_positions(path)
    ws.cell(2, heads["_submission_time"]).value = dt.datetime(2026, 3, 2, 9, 15, 0)
    ws.cell(3, heads["knowledge_sharing/ks_rank_webinars"]).value = 3.0
    ws.cell(3, heads["collaboration/collaboration_notes"]).value = "Plain answer"
    rws = book["projects"]
    rheads = {c.value: c.column for c in rws[1]}
    rws.cell(2, rheads["projects/start_year"]).value = 2019.0
    rws.cell(2, rheads["_parent_index"]).value = 1.0
    book.save(path)
    got, got_repeats = kobo.read_xlsx(path, "export.xlsx", survey, registry, IssueLog())
    assert got.loc[0, "_submitted_at"] == "2026-03-02T09:15:00+0000"
    assert got.loc[1, "ks_rank_webinars"] == "3"
    assert got_repeats["projects"].loc[0, "start_year"] == "2019"
    assert got_repeats["projects"].loc[0, "_submission_id"] == got.loc[0, "_submission_id"]


def test_labels_and_case_map_back_and_unknown_values_pass_through(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    book, ws, heads = header_positions(path)
    ws.cell(2, heads["lifecycle/raw_materials/engagement_raw_materials"]).value = "  MODERATE "
    ws.cell(3, heads["lifecycle/raw_materials/engagement_raw_materials"]).value = "Moderat"
    ws.cell(2, heads["scope/topics"]).value = "Extended producer responsibility Knowledge sharing"
    ws.cell(3, heads["scope/topics"]).value = "epr  esm"
    ws.cell(4, heads["scope/topics"]).value = "epr recycling"
    ws.cell(
        2, heads["collaboration/collaborators"]
    ).value = "UNEP - United Nations Environment Programme ILO"
    book.save(path)
    got, _ = kobo.read_xlsx(path, "export.xlsx", survey, registry, IssueLog())
    assert got["engagement_raw_materials"].tolist()[:2] == ["moderate", "Moderat"]
    assert got["topics"].tolist()[:3] == ["epr knowledge", "epr esm", "epr recycling"]
    assert got.loc[0, "collaborators"] == "UNEP ILO"


# -- problems ------------------------------------------------------------------------------
def test_missing_required_column_is_one_error_naming_the_fields(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    book, ws, heads = header_positions(path)
    for header in ("identification/focal_email", "identification/agency"):
        ws.delete_cols(heads[header])
    book.save(path)
    log = IssueLog()
    kobo.read_xlsx(path, "round/export.xlsx", survey, registry, log)
    missing = [i for i in log.issues if i.code == "column-missing"]
    assert len(missing) == 1
    issue = missing[0]
    assert issue.severity == "error" and issue.file == "round/export.xlsx" and issue.row == 1
    assert issue.sheet == sheet_title(survey.title)
    assert "'agency' (Your agency)" in issue.message and "focal_email" in issue.message


def test_duplicated_column_is_an_error(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    book, ws, heads = header_positions(path)
    ws.cell(1, heads["views/strengths"]).value = "views/weaknesses"
    book.save(path)
    log = IssueLog()
    kobo.read_xlsx(path, "export.xlsx", survey, registry, log)
    dupes = [i for i in log.issues if i.code == "column-duplicate"]
    assert len(dupes) == 1 and dupes[0].severity == "error"
    assert (
        dupes[0].column == "views/weaknesses"
        and dupes[0].row == 1
        and dupes[0].file == "export.xlsx"
    )


def test_two_columns_for_one_field_is_an_error(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_csv(main, repeats, survey, registry, tmp_path / "export.csv")
    text = path.read_text(encoding="utf-8").replace(
        '"views/strengths"', '"strengths_copy/weaknesses"', 1
    )
    path.write_text(text, encoding="utf-8")
    log = IssueLog()
    kobo.read_csv(path, "export.csv", survey, registry, log)
    dupes = [i for i in log.issues if i.code == "column-duplicate"]
    assert len(dupes) == 1 and "'strengths_copy/weaknesses'" in dupes[0].message
    assert dupes[0].column == "views/weaknesses" and dupes[0].row == 1


def test_unknown_column_is_kept_and_warned_once(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    book, ws, _ = header_positions(path)
    col = ws.max_column + 1
    ws.cell(1, col).value = "extra/budget_comment"
    ws.cell(3, col).value = "approx."
    book.save(path)
    log = IssueLog()
    got, _ = kobo.read_xlsx(path, "export.xlsx", survey, registry, log)
    warnings = [i for i in log.issues if i.code == "column-unknown"]
    assert len(warnings) == 1 and warnings[0].severity == "warning"
    assert warnings[0].column == "extra/budget_comment" and warnings[0].row == 1
    assert got[f"{EXTRA_PREFIX}extra/budget_comment"].tolist()[:2] == [pd.NA, "approx."]
    assert not log.has_errors()


def test_orphan_repeat_row_is_an_error_naming_sheet_and_row(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    book, _, _ = header_positions(path)
    ws = book["projects"]
    heads = {c.value: c.column for c in ws[1]}
    ws.cell(3, heads["_parent_index"]).value = 99
    book.save(path)
    log = IssueLog()
    _, got_repeats = kobo.read_xlsx(path, "export.xlsx", survey, registry, log)
    orphans = [i for i in log.issues if i.code == "repeat-orphan"]
    assert len(orphans) == 1
    issue = orphans[0]
    assert (issue.severity, issue.file, issue.sheet, issue.row, issue.column) == (
        "error",
        "export.xlsx",
        "projects",
        3,
        "_parent_index",
    )
    assert "'99'" in issue.message
    assert got_repeats["projects"]["_source_row"].tolist() == ["2", "4"]


def test_bad_option_cell_is_warned(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    book, ws, heads = header_positions(path)
    ws.delete_cols(heads["scope/eee_categories"])
    after = {c.value: c.column for c in ws[1]}
    ws.cell(4, after["scope/eee_categories/lamps"]).value = "maybe"
    book.save(path)
    log = IssueLog()
    kobo.read_xlsx(path, "export.xlsx", survey, registry, log)
    bad = [i for i in log.issues if i.code == "option-cell"]
    assert len(bad) == 1 and bad[0].row == 4 and bad[0].column == "scope/eee_categories/lamps"


def test_export_of_another_form_is_one_error(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    path = tmp_path / "other.csv"
    path.write_text(
        '"name";"age";"_uuid";"_submission_time"\n"a";"3";"u1";"2026-01-01T10:00:00"\n',
        encoding="utf-8",
    )
    assert kobo.can_read_csv(path)
    log = IssueLog()
    got, _ = kobo.read_csv(path, "other.csv", survey, registry, log)
    assert codes(log) == ["file-wrong-survey"] and len(got) == 0
    assert list(got.columns) == [*META_COLUMNS, *field_names(survey)]


def test_rows_without_uuid_get_a_located_id(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    book, ws, heads = header_positions(path)
    ws.cell(3, heads["_uuid"]).value = None
    ws.cell(4, heads["_uuid"]).value = None
    ws.cell(4, heads["_id"]).value = None
    book.save(path)
    log = IssueLog()
    got, _ = kobo.read_xlsx(path, "export.xlsx", survey, registry, log)
    assert got.loc[1, "_submission_id"] == f"kobo:{41_000_002}"
    assert got.loc[2, "_submission_id"] == "kobo:export.xlsx#row4"
    warning = next(i for i in log.issues if i.code == "submission-id-missing")
    assert warning.row == 4


def test_csv_with_a_header_row_longer_than_the_sniffing_window(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_csv(main, repeats, survey, registry, tmp_path / "export.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    long_header = "note/" + "x" * 100_000
    rows = [[long_header, *rows[0]], *[["", *row] for row in rows[1:]]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL).writerows(rows)
    assert kobo.can_read_csv(path)
    log = IssueLog()
    got, _ = kobo.read_csv(path, "export.csv", survey, registry, log)
    assert_same_answers(got, main, field_names(survey))
    assert [i.column for i in log.issues if i.code == "column-unknown"] == [long_header]


def test_unknown_sheet_is_warned_and_not_read(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    book = openpyxl.load_workbook(path)
    book.create_sheet("Pivot").append(["agency", "count"])
    book.save(path)
    log = IssueLog()
    got, got_repeats = kobo.read_xlsx(path, "export.xlsx", survey, registry, log)
    [warning] = [i for i in log.issues if i.code == "sheet-ignored"]
    assert (warning.severity, warning.file, warning.sheet) == ("warning", "export.xlsx", "Pivot")
    assert len(got) == 4 and len(got_repeats["projects"]) == 3


def test_csv_row_with_too_many_cells_is_an_error_and_the_rest_is_read(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    main, repeats = example
    path = write_kobo_csv(main, repeats, survey, registry, tmp_path / "export.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    rows[3] = [*rows[3], "stray", ""]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL).writerows(rows)
    log = IssueLog()
    got, _ = kobo.read_csv(path, "export.csv", survey, registry, log)
    [issue] = log.errors
    assert (issue.code, issue.file, issue.row) == ("csv-row-too-long", "export.csv", 4)
    assert_same_answers(got, main, field_names(survey))


def test_export_without_submissions(tmp_path: Path, survey: Survey, registry: Registry) -> None:
    main, repeats = example_round(survey, registry, n=0)
    path = write_kobo_xlsx(main, repeats, survey, registry, tmp_path / "export.xlsx")
    log = IssueLog()
    got, got_repeats = kobo.read_xlsx(path, "export.xlsx", survey, registry, log)
    assert log.issues == []
    assert len(got) == 0 and list(got.columns) == [*META_COLUMNS, *field_names(survey)]
    assert len(got_repeats["projects"]) == 0
