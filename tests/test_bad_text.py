"""Broken text exports, through `emg-pipeline validate` (issue 10): a stray quote that
would swallow the rest of a CSV, an answer longer than the csv module's default field
limit, UTF-16 text without a byte-order mark, exports that hold a header and no
submission. Each case checks the exit code, the message (file, row, column) and that the
raw files are byte-identical afterwards."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from catalogue import Example, cli, located, new_project, no_charts, snapshot, validate_round

from pipeline.exports import write_kobo_csv, write_kobo_xlsx, write_odk_csv
from pipeline.registry import Registry
from pipeline.rounds import check_round
from pipeline.spec import Survey

LONG_ANSWER = ("Regional take-back schemes, " * 6000)[:139_999] + "."


def six(example: Example) -> Example:
    """Six submissions of six agencies (the example's four and two more)."""
    main, repeats = example
    more = main.iloc[[0, 1]].copy()
    more["_submission_id"] = ["example:5", "example:6"]
    more["agency"] = ["UNICEF", "WHO"]
    return pd.concat([main, more], ignore_index=True), repeats


# -- a stray quote ---------------------------------------------------------------------------
def test_a_stray_quote_that_swallows_the_rest_of_an_odk_csv_is_an_error_at_its_row(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    main, _ = six(example)
    texts = [c for c in main.columns if main[c].astype("string").str.contains('[",\n]').any()]
    main[texts] = "plain answer"  # no quoted cell after the stray quote: it runs to the end
    main.loc[2, "strengths"] = "policy research"
    [path, *_] = write_odk_csv(main, {}, survey, registry, project.raw, "ewaste_img")
    data = path.read_bytes()
    assert data.count(b",policy research,") == 1  # ODK quotes only where needed
    path.write_bytes(data.replace(b",policy research,", b',"policy research,'))
    line = data[: data.index(b",policy research,")].count(b"\n") + 1  # the line of row 4
    # the csv module alone reads 4 records (the header and 3 submissions), 6 are in the file
    assert len(list(csv.reader(path.read_text(encoding="utf-8").splitlines(True)))) == 4

    outcome = validate_round(project)

    assert outcome.code == 1
    issue = outcome.only("csv-unclosed-quote")
    assert located(issue, "ewaste_img.csv", row=4, column="views-strengths")
    assert f"(lines {line + 1} to {line + 3}), 3 of them whole records" in issue.message
    assert "remove the stray quote" in issue.message and "not read" in issue.message
    assert f"ERROR {issue.location()} {issue.message}" in outcome.text
    assert outcome.codes() == ["csv-unclosed-quote"]


def test_a_multi_line_answer_is_not_taken_for_a_stray_quote(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    main, _ = six(example)
    main.loc[1, "strengths"] = "First line, with commas, a, b, c\nsecond line, d, e"
    write_odk_csv(main, {}, survey, registry, project.raw, "ewaste_img")
    outcome = validate_round(project)
    assert outcome.code == 0, outcome.text
    assert "6 submission(s)" in outcome.text


# -- a very long answer -----------------------------------------------------------------------
@pytest.mark.parametrize("limit", [131_072, 2**30], ids=["default-limit", "raised-earlier"])
def test_a_140000_character_answer_is_read_whatever_was_read_before(
    tmp_path: Path,
    survey: Survey,
    registry: Registry,
    example: Example,
    limit: int,
) -> None:
    """The csv module's field limit is process-wide; it is raised before the delimiter is
    sniffed, so the outcome does not depend on an earlier file having raised it."""
    project = new_project(tmp_path)
    main, _ = example
    main = main.copy()
    main.loc[0, "strengths"] = LONG_ANSWER
    write_kobo_csv(main, None, survey, registry, project.raw / "kobo.csv")
    saved = csv.field_size_limit(limit)
    try:
        outcome = validate_round(project, "--no-repeat", "projects")  # a Kobo CSV has none
        _, raw = check_round(project.layout, "ewaste_img", "2026-R1")
    finally:
        csv.field_size_limit(saved)
    assert outcome.code == 0, outcome.text
    assert "1 file(s), 4 submission(s): 0 error(s)" in outcome.text
    assert raw is not None and raw.main.loc[0, "strengths"] == LONG_ANSWER


# -- UTF-16 without a byte-order mark --------------------------------------------------------
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_recognised_and_read(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example, codec: str
) -> None:
    project = new_project(tmp_path)
    main, _ = example
    good = write_kobo_csv(main, None, survey, registry, tmp_path / "utf8.csv")
    path = project.raw / "kobo.csv"
    path.write_bytes(good.read_text(encoding="utf-8").encode(codec))  # no BOM
    assert not path.read_bytes().startswith((b"\xff\xfe", b"\xfe\xff"))

    outcome = validate_round(project, "--no-repeat", "projects")  # a Kobo CSV has none

    assert outcome.code == 0, outcome.text
    assert "1 file(s), 4 submission(s): 0 error(s)" in outcome.text
    note = outcome.only("encoding-utf16")
    assert located(note, "kobo.csv") and codec.upper() in note.message
    _, raw = check_round(project.layout, "ewaste_img", "2026-R1")
    assert raw is not None
    assert "Coopération régionale; «Afrique de l'Ouest», phase 2" in set(raw.main["strengths"])


def test_binary_named_csv_mentions_utf16(tmp_path: Path) -> None:
    project = new_project(tmp_path)
    (project.raw / "export.csv").write_bytes(b"\x00\x01\x02\x03binary" * 100)
    outcome = validate_round(project)
    assert outcome.code == 1
    issue = outcome.only("file-not-csv")
    assert "not a text file" in issue.message and "save it as CSV UTF-8" in issue.message


# -- exports without a submission -------------------------------------------------------------
def test_a_header_only_export_beside_a_good_one_is_a_warning_naming_it(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    main, repeats = example
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "kobo.xlsx")
    write_kobo_csv(main.iloc[:0], None, survey, registry, project.raw / "filtered.csv")
    before = snapshot(project.raw)

    outcome = validate_round(project)

    assert outcome.code == 0, outcome.text
    issue = outcome.only("file-no-submission")
    assert issue.severity == "warning" and located(issue, "filtered.csv")
    assert "no submission" in issue.message and "filter" in issue.message
    assert "2 file(s), 4 submission(s): 0 error(s)" in outcome.text
    assert snapshot(project.raw) == before


def test_a_round_of_header_only_exports_is_an_error(
    tmp_path: Path, survey: Survey, registry: Registry, example: Example
) -> None:
    project = new_project(tmp_path)
    main, _ = example
    write_kobo_xlsx(main.iloc[:0], {}, survey, registry, project.raw / "kobo.xlsx")
    write_kobo_csv(main.iloc[:0], None, survey, registry, project.raw / "kobo.csv")

    outcome = validate_round(project)

    assert outcome.code == 1
    assert outcome.codes() == ["round-no-submission"]
    issue = outcome.only("round-no-submission")
    assert "kobo.csv" in issue.message and "kobo.xlsx" in issue.message
    assert sorted(i.file for i in outcome.log.warnings if i.code == "file-no-submission") == [
        "kobo.csv",
        "kobo.xlsx",
    ]


@pytest.mark.slow  # a whole run, then a stopped one
def test_a_stray_quote_stops_the_run_and_leaves_the_previous_outputs(
    tmp_path: Path,
    survey: Survey,
    registry: Registry,
    example: Example,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("pipeline.analyses.make_charts", no_charts)
    project = new_project(tmp_path)
    main, repeats = example
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "kobo.xlsx")
    assert cli(project, "run", "--run-date", "2026-11-25").code == 0
    outputs, processed = snapshot(project.outputs), snapshot(project.processed)
    late, _ = six(example)
    late = late.iloc[4:].copy()
    texts = [c for c in late.columns if late[c].astype("string").str.contains('[",\n]').any()]
    late[texts] = "plain answer"  # nothing quoted after the stray quote
    late["strengths"] = "policy research"
    [path, *_] = write_odk_csv(late, {}, survey, registry, project.raw / "late", "ewaste_img")
    path.write_bytes(path.read_bytes().replace(b",policy research,", b',"policy research,', 1))
    before = snapshot(project.raw)

    outcome = cli(project, "run", "--run-date", "2026-11-25")

    assert outcome.code == 1
    assert "ERROR late/ewaste_img.csv, row 2, column 'views-strengths' a quote opens" in outcome.text
    assert snapshot(project.raw) == before
    assert snapshot(project.outputs) == outputs and snapshot(project.processed) == processed
