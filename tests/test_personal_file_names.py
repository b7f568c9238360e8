"""Personal data in file names (issue 10): questionnaires saved under the focal point's
name and e-mail address (``Jane Doe jane.doe@unep.org.xlsx``). The name and address
reach no output: not the processed tables, the manifest (which keeps the file's hash and
a masked name), the report, the workbook or the messages; the raw file is untouched."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest
from catalogue import Example, Project, cli, new_project, no_charts, questionnaire, snapshot

from pipeline.exports import write_kobo_xlsx
from pipeline.masking import mask_path
from pipeline.registry import Registry
from pipeline.spec import Survey

FILE = "Jane Doe jane.doe@unep.org.xlsx"
MASKED = "[name] [e-mail].xlsx"
SECRETS = ("Jane", "jane.doe", "Doe jane", "unep.org.xlsx")


@pytest.fixture(scope="module")
def named_run(
    tmp_path_factory: pytest.TempPathFactory, survey: Survey, registry: Registry, example: Example
) -> tuple[Project, str, dict[str, bytes]]:
    project = new_project(tmp_path_factory.mktemp("names") / "project")
    main, repeats = example[0].copy(), example[1]
    main.loc[3, "focal_name"] = "Jane Doe"
    main.loc[3, "focal_email"] = "jane.doe@unep.org"
    write_kobo_xlsx(main.iloc[:3], repeats, survey, registry, project.raw / "kobo_export.xlsx")
    (project.raw / "questionnaires").mkdir()
    questionnaire(survey, registry, (main, repeats), 3, project.raw / "questionnaires" / FILE)
    before = snapshot(project.raw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("pipeline.analyses.make_charts", no_charts)
        outcome = cli(project, "run", "--run-date", "2026-11-25")
    assert outcome.code == 0, outcome.text
    return project, outcome.text, before


@pytest.mark.slow  # a whole run (the module fixture)
def test_the_raw_file_keeps_its_name_and_bytes(named_run: tuple[Project, str, dict[str, bytes]]) -> None:
    project, _, before = named_run
    assert snapshot(project.raw) == before
    assert (project.raw / "questionnaires" / FILE).is_file()


@pytest.mark.slow  # a whole run (the module fixture)
def test_no_output_holds_the_name_or_address(named_run: tuple[Project, str, dict[str, bytes]]) -> None:
    project, text, _ = named_run
    files = [p for p in (*project.outputs.rglob("*"), *project.processed.rglob("*")) if p.is_file()]
    for path in files:
        data = path.read_bytes()
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as book:
                data = b"".join(book.read(n) for n in book.namelist())
        for secret in SECRETS:
            assert secret.encode() not in data, (path.name, secret)
    for secret in SECRETS:
        assert secret not in text
    assert MASKED in (project.processed / "submissions.csv").read_text(encoding="utf-8")


@pytest.mark.slow  # a whole run (the module fixture)
def test_the_manifest_keeps_the_hash_and_the_masked_name(
    named_run: tuple[Project, str, dict[str, bytes]],
) -> None:
    project, _, before = named_run
    manifest = json.loads((project.outputs / "manifest.json").read_text(encoding="utf-8"))
    inputs = {i["path"]: i["sha256"] for i in manifest["inputs"]}
    digest = hashlib.sha256(before[f"questionnaires/{FILE}"]).hexdigest()
    assert inputs[f"questionnaires/{MASKED}"] == digest


@pytest.mark.slow  # a whole run (the module fixture)
def test_the_log_says_how_to_find_the_file(named_run: tuple[Project, str, dict[str, bytes]]) -> None:
    project, _, before = named_run
    digest = hashlib.sha256(before[f"questionnaires/{FILE}"]).hexdigest()
    book = zipfile.ZipFile(project.outputs / "results.xlsx")
    xml = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    assert "the file name holds personal data" in xml and digest[:12] in xml


@pytest.mark.parametrize(
    ("path", "words", "shown"),
    [
        ("Jane Doe jane.doe@unep.org.xlsx", {"jane", "doe"}, "[name] [e-mail].xlsx"),
        ("sub/jane_doe/UNEP.xlsx", {"jane", "doe"}, "sub/[name]/UNEP.xlsx"),
        ("reply from a.b@who.int (2).csv", set(), "reply from [e-mail] (2).csv"),
        ("UNEP questionnaire final.xlsx", {"jane"}, "UNEP questionnaire final.xlsx"),
    ],
)
def test_masked_names(path: str, words: set[str], shown: str) -> None:
    assert mask_path(path, words) == shown
