"""Bad files in a round folder, through `emg-pipeline validate`: each is named with what to
do about it, the other files are still read, and no input file is modified.

The reader-level checks of the same files are in test_ingest_round.py; here every case
goes through the command line (exit code, message) with a good export next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from catalogue import (
    OLE_BYTES,
    Example,
    Project,
    edit_workbook,
    located,
    main_sheet,
    new_project,
    questionnaire,
    rezip,
    validate_round,
)

from pipeline.exports import example_round, write_kobo_csv, write_kobo_xlsx
from pipeline.forms import write_questionnaire
from pipeline.ingest import safe
from pipeline.registry import Registry
from pipeline.rounds import check_round, open_survey
from pipeline.spec import Survey

OLE = OLE_BYTES
MACRO_TYPES = (
    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
)


@pytest.fixture
def project(tmp_path: Path, survey: Survey, registry: Registry, example: Example) -> Project:
    """A round holding one good Kobo export of four submissions."""
    project = new_project(tmp_path)
    main, repeats = example
    write_kobo_xlsx(main, repeats, survey, registry, project.raw / "kobo_export.xlsx")
    return project


def good_bytes(survey: Survey, registry: Registry, example: Example, tmp: Path) -> bytes:
    main, repeats = example
    return write_kobo_xlsx(main, repeats, survey, registry, tmp / "copy.xlsx").read_bytes()


BadFile = Callable[[Survey, Registry, Example, Path], bytes]

CASES: list[tuple[str, str, BadFile, str, list[str]]] = [
    ("empty file", "late.csv", lambda *_: b"", "file-empty", ["empty (0 bytes)"]),
    ("zero-byte xlsx", "late.xlsx", lambda *_: b"", "file-empty", ["empty (0 bytes)"]),
    (
        "csv named xlsx",
        "late.xlsx",
        lambda *_: b'"_uuid";"agency"\n"u1";"UNEP"\n',
        "file-not-xlsx",
        ["text (CSV) file", "rename it to .csv"],
    ),
    (
        "html named xlsx",
        "late.xlsx",
        lambda *_: b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>",
        "file-not-xlsx",
        ["HTML"],
    ),
    (
        "corrupt zip",
        "late.xlsx",
        lambda s, r, e, tmp: good_bytes(s, r, e, tmp)[:3000],
        "file-corrupt",
        ["damaged", "again"],
    ),
    (
        "password-protected workbook",
        "late.xlsx",
        lambda *_: OLE,
        "file-encrypted",
        ["password", "save it as .xlsx"],
    ),
    (
        "old .xls",
        "late.xls",
        lambda *_: OLE,
        "file-xls",
        ["old Excel .xls", "save it as 'Excel Workbook (.xlsx)'"],
    ),
    (
        "zip archive",
        "late.zip",
        lambda *_: b"PK\x05\x06" + bytes(18),
        "file-zip",
        ["unzip it"],
    ),
]


@pytest.mark.parametrize(
    ("name", "make", "code", "words"),
    [pytest.param(n, m, c, w, id=case) for case, n, m, c, w in CASES],
)
def test_a_bad_file_is_named_and_the_others_are_read(
    project: Project,
    survey: Survey,
    registry: Registry,
    example: Example,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    make: BadFile,
    code: str,
    words: list[str],
) -> None:
    (project.raw / name).write_bytes(make(survey, registry, example, tmp_path_factory.mktemp("x")))
    outcome = validate_round(project)
    assert outcome.code == 1
    issue = outcome.only(code)
    assert issue.severity == "error" and located(issue, name)
    assert all(w in issue.message for w in words), issue.message
    assert outcome.codes() == [code]  # one error for the file, nothing else
    assert f"ERROR {name} {issue.message}" in outcome.text
    assert "2 file(s), 4 submission(s): 1 error(s)" in outcome.text


def test_a_workbook_with_macros_is_read_and_nothing_is_run(
    project: Project,
) -> None:
    source = project.raw / "kobo_export.xlsx"

    def macro_enabled(name: str, data: bytes) -> bytes:
        if name != "[Content_Types].xml":
            return data
        data = data.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
        return data.replace(b"</Types>", MACRO_TYPES)

    # a VBA project that would write a file if anything ever ran it
    rezip(source, project.raw / "kobo_export.xlsm", macro_enabled,
          {"xl/vbaProject.bin": safe.OLE_SIGNATURE + b"Shell(\"touch pwned\")" + bytes(512)})
    source.unlink()
    outcome = validate_round(project)
    assert outcome.code == 0, outcome.text
    assert "1 file(s), 4 submission(s): 0 error(s), 0 warning(s)" in outcome.text
    macros = outcome.only("file-macros")
    assert macros.severity == "info" and located(macros, "kobo_export.xlsm")
    assert "not run" in macros.message
    assert not list(project.root.rglob("pwned"))


def test_csv_in_windows_1252_with_semicolons_and_utf8_bom_with_commas(
    tmp_path: Path,
    survey: Survey,
    registry: Registry,
    example: Example,
) -> None:
    project = new_project(tmp_path)
    main, _ = example
    write_kobo_csv(main.iloc[:2], None, survey, registry, project.raw / "a_cp1252.csv",
                   delimiter=";", encoding="cp1252")
    write_kobo_csv(main.iloc[2:], None, survey, registry, project.raw / "b_bom.csv",
                   delimiter=",", encoding="utf-8-sig")
    assert (project.raw / "b_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    outcome = validate_round(project, "--no-repeat", "projects")  # Kobo CSVs hold no projects
    assert outcome.code == 0, outcome.text
    assert "2 file(s), 4 submission(s): 0 error(s), 1 warning(s)" in outcome.text
    fallback = outcome.only("encoding-fallback")
    assert located(fallback, "a_cp1252.csv") and "Windows-1252" in fallback.message
    _, raw = check_round(project.layout, "ewaste_img", "2026-R1")
    assert raw is not None
    texts = set(raw.main["strengths"].dropna()) | set(raw.main["weaknesses"].dropna())
    assert "Coopération régionale; «Afrique de l'Ouest», phase 2" in texts  # accents intact
    assert raw.main["agency"].tolist() == main["agency"].tolist()  # the BOM is not in a header


def test_files_of_another_survey_are_one_error_each(
    project: Project,
    registry: Registry,
) -> None:
    other, _ = open_survey(project.layout, "ess_safeguards")
    main, repeats = example_round(other, registry, n=2)
    main["_submission_id"] = "ess-" + main["_submission_id"]
    write_kobo_xlsx(main, repeats, other, registry, project.raw / "ess_export.xlsx")
    write_questionnaire(other, registry, project.raw / "ess_questionnaire.xlsx")
    outcome = validate_round(project)
    assert outcome.code == 1
    assert outcome.codes() == ["file-wrong-survey", "questionnaire-survey"]
    assert outcome.codes("warning") == []  # no flood of unknown columns or missing answers
    foreign = outcome.only("file-wrong-survey")
    assert located(foreign, "ess_export.xlsx", main_sheet(other), 1)
    assert "this is an export of ess_safeguards" in foreign.message  # named as that survey
    assert "data/raw/ess_safeguards/2026-R1/" in foreign.message
    assert "rows are not read" in foreign.message
    form = outcome.only("questionnaire-survey")
    assert located(form, "ess_questionnaire.xlsx", "About", column="survey_id")
    assert "is for survey 'ess_safeguards'" in form.message
    assert "3 file(s), 4 submission(s)" in outcome.text


def test_data_on_a_renamed_sheet_behind_a_notes_sheet(
    project: Project,
    survey: Survey,
) -> None:
    def rename(book) -> None:  # type: ignore[no-untyped-def]
        book[main_sheet(survey)].title = "Données"
        notes = book.create_sheet("Notes", 0)
        notes["A1"] = "Exported by the regional office"

    edit_workbook(project.raw / "kobo_export.xlsx", rename)
    outcome = validate_round(project)
    assert outcome.code == 0, outcome.text
    assert "1 file(s), 4 submission(s): 0 error(s), 1 warning(s)" in outcome.text
    ignored = outcome.only("sheet-ignored")
    assert located(ignored, "kobo_export.xlsx", "Notes")
    _, raw = check_round(project.layout, "ewaste_img", "2026-R1")
    assert raw is not None
    assert set(raw.main["_source_sheet"]) == {"Données"}
    assert len(raw.repeats["projects"]) == 3  # the repeat rows still find their parents


def test_a_filled_questionnaire_beside_a_bad_file(
    tmp_path: Path,
    survey: Survey,
    registry: Registry,
    example: Example,
) -> None:
    project = new_project(tmp_path)
    questionnaire(survey, registry, example, 0, project.raw / "BRS.xlsx")
    (project.raw / "UNEP.xlsx").write_bytes(OLE)  # sent with a password
    outcome = validate_round(project)
    assert outcome.code == 1 and outcome.codes() == ["file-encrypted"]
    assert "2 file(s), 1 submission(s)" in outcome.text
