"""The command line given hostile or broken arguments, definitions and consoles (issue 10):
empty, over-long and odd ids, dates that are not dates, a round order that is not string
order, a console that cannot show CJK or Arabic, terminal escape sequences and newlines
in file names and answers, a questionnaire in the way of `form --out`, a registry as
Excel saves it, survey.yaml numbers out of bounds.

Each case checks the exit code and the message, and that nothing was written or changed
in the project (raw inputs byte-identical, no outputs) unless writing is the point.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from catalogue import ROUND, SURVEY, Example, Project, cli, new_project, no_charts, snapshot

from pipeline.cli import main
from pipeline.exports import write_kobo_csv, write_kobo_xlsx
from pipeline.paths import SOURCE_ROOT, Layout
from pipeline.registry import Registry, load_registry
from pipeline.run import previous_round
from pipeline.spec import Survey

ESC = "\x1b"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages unwrapped, so that a line of output is a line of a message."""
    monkeypatch.setenv("COLUMNS", "400")


@pytest.fixture
def project(tmp_path: Path, survey: Survey, registry: Registry, example: Example) -> Project:
    """A round holding one good Kobo export of four submissions."""
    project = new_project(tmp_path / "project")
    main_, repeats = example
    write_kobo_xlsx(main_, repeats, survey, registry, project.raw / "kobo_export.xlsx")
    return project


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``emg-pipeline ARGV``: the exit code and everything printed, as printed."""
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# -- ids and dates -------------------------------------------------------------------------
def commands(root: str, value: str) -> list[list[str]]:
    """Every command that takes an id, with ``value`` as that id."""
    return [
        ["validate", SURVEY, "--round", value, "--root", root],
        ["run", SURVEY, "--round", value, "--root", root],
        ["compare", SURVEY, "--rounds", ROUND, value, "--root", root],
        ["compare", SURVEY, "--rounds", value, ROUND, "--root", root],
        ["comments", SURVEY, "--round", value, "--root", root, "copy.docx"],
        ["validate", value, "--round", ROUND, "--root", root],
        ["run", value, "--round", ROUND, "--root", root],
        ["form", value, "--out", str(Path(root) / "forms"), "--root", root],
        ["demo", "--survey", value, "--root", root],
    ]


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("", "is empty: give one (is a shell variable unset?)"),
        ("R" * 65, "has 65 characters; at most 64 are allowed"),
        ("2026-R1\x1b[2J", "is not a plain folder name"),
        ("2026-R1\nERROR forged", "is not a plain folder name"),
        ("2026-R1 ", "is not a plain folder name"),
    ],
    ids=["empty", "over-long", "escape", "newline", "trailing space"],
)
def test_bad_ids_are_usage_errors_for_every_command(
    project: Project, value: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(project.root)
    for argv in commands(str(project.root), value):
        code, text = run_main(argv, capsys)
        assert code == 2, (argv, text)
        assert said in text and "usage:" in text, (argv, text)
        assert ESC not in text and "\nERROR forged" not in text, argv
    assert snapshot(project.root) == before  # nothing read into outputs, nothing written
    assert sorted(p.name for p in project.root.iterdir()) == ["data"]


def test_an_empty_round_never_reads_the_whole_survey(project: Project) -> None:
    with pytest.raises(Exception, match="is empty"):
        project.layout.raw(SURVEY, "")


@pytest.mark.parametrize("date", ["2026-02-30", "yesterday", "", "2026-1-5", "25/11/2026"])
@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_run_date_must_be_a_date(
    project: Project, date: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(project.root)
    ids = ["--round", ROUND] if command == "run" else ["--rounds", "2016-R1", ROUND]
    code, text = run_main([command, SURVEY, *ids, "--root", str(project.root), "--run-date", date], capsys)
    assert code == 2
    assert "is not a date written YYYY-MM-DD (e.g. 2026-11-25)" in text
    assert snapshot(project.root) == before


def test_a_run_date_from_the_environment_is_checked_too(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMG_RUN_DATE", "next Tuesday")
    before = snapshot(project.root)
    outcome = cli(project, "run")
    assert outcome.code == 2
    assert "the run date 'next Tuesday' is not a date written YYYY-MM-DD" in outcome.text
    assert snapshot(project.root) == before


# -- round order -----------------------------------------------------------------------------
@pytest.fixture
def three_rounds(project: Project) -> Project:
    """Rounds 2026-R1, 2026-R2 and 2026-R10 of the same answers."""
    for round_id in ("2026-R2", "2026-R10"):
        shutil.copytree(project.raw, project.layout.raw(SURVEY, round_id))
    return project


def test_rounds_are_in_natural_order(three_rounds: Project) -> None:
    layout = three_rounds.layout
    assert layout.rounds(SURVEY) == ["2026-R1", "2026-R2", "2026-R10"]
    assert previous_round(layout, SURVEY, "2026-R10") == "2026-R2"
    assert previous_round(layout, SURVEY, "2026-R2") == "2026-R1"
    assert previous_round(layout, SURVEY, "2026-R1") is None


def test_a_declared_round_order_wins(three_rounds: Project) -> None:
    own = three_rounds.root / "surveys"
    shutil.copytree(SOURCE_ROOT / "surveys", own)
    definition = own / SURVEY / "survey.yaml"
    definition.write_text(
        definition.read_text() + "\nround_order: [2026-R10, 2026-R1, 2026-R2]\n", encoding="utf-8"
    )
    layout = Layout(three_rounds.root)
    assert previous_round(layout, SURVEY, "2026-R1") == "2026-R10"
    assert previous_round(layout, SURVEY, "2026-R10") is None


@pytest.mark.slow
def test_the_run_says_which_round_it_compared_with(
    three_rounds: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipeline.analyses.make_charts", no_charts)
    raw = snapshot(three_rounds.root / "data" / "raw")
    outcome = cli(three_rounds, "run", "--run-date", "2026-11-25")  # 2026-R1: the first
    assert outcome.code == 0 and "compared with" not in outcome.text
    root = str(three_rounds.root)
    assert main(["run", SURVEY, "--round", "2026-R10", "--root", root, "--run-date", "2026-11-25"]) == 0
    manifest = (three_rounds.layout.outputs(SURVEY, "2026-R10") / "manifest.json").read_text()
    assert '"round": "2026-R2"' in manifest
    assert snapshot(three_rounds.root / "data" / "raw") == raw


@pytest.mark.slow
def test_the_run_message_names_the_previous_round(
    three_rounds: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("pipeline.analyses.make_charts", no_charts)
    code, text = run_main(
        ["run", SURVEY, "--round", "2026-R2", "--root", str(three_rounds.root), "--run-date", "2026-11-25"], capsys
    )
    assert code == 0, text
    assert "compared with the previous round 2026-R1 (natural order of the round ids)" in text


# -- what reaches the terminal ---------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_console_that_cannot_show_cjk_or_arabic_gets_escapes(project: Project, encoding: str) -> None:
    (project.raw / "数据 بيانات.csv").write_bytes(b"")  # an empty file: an error naming it
    before = snapshot(project.raw)
    env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "400"}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", SURVEY, "--round", ROUND, "--root", str(project.root)],
        capture_output=True,
        env=env,
    )
    text = (done.stdout + done.stderr).decode(encoding)
    assert done.returncode == 1, text
    assert "Traceback" not in text and "UnicodeEncodeError" not in text
    assert "\\u6570\\u636e \\u0628\\u064a\\u0627\\u0646\\u0627\\u062a.csv" in text
    assert "the file is empty (0 bytes)" in text
    assert snapshot(project.raw) == before


def test_escape_sequences_and_newlines_in_names_and_answers_are_made_printable(
    project: Project, survey: Survey, registry: Registry, example: Example,
    capsys: pytest.CaptureFixture[str],
) -> None:
    evil = "clear\x1b[2J\x1b]8;;evil.example\x07link\x1b]8;;\x07\nERROR forged line.csv"
    (project.raw / evil).write_bytes(b"")
    main_, repeats = example[0].copy(), example[1]
    main_.loc[0, "agency"] = "\x1b[1A\x1b[2KUNEP\u202e"  # a CSV holds what XML cannot
    (project.raw / "kobo_export.xlsx").unlink()
    write_kobo_csv(main_, repeats, survey, registry, project.raw / "kobo_export.csv")
    before = snapshot(project.raw)
    code, text = run_main(["validate", SURVEY, "--round", ROUND, "--root", str(project.root)], capsys)
    assert code == 1
    assert ESC not in text and "\x07" not in text and "\u202e" not in text
    assert not any(line.startswith("ERROR forged") for line in text.splitlines())
    assert "clear\\x1b[2J\\x1b]8;;evil.example\\x07link" in text
    assert "\\nERROR forged line.csv" in text
    assert "\\x1b[1A\\x1b[2KUNEP\\u202e" in text  # the unknown agency, quoted printably
    assert snapshot(project.raw) == before


# -- form --out -----------------------------------------------------------------------------
def test_form_never_overwrites_a_questionnaire(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    forms = tmp_path / "forms"
    forms.mkdir()
    filled = forms / f"{SURVEY}_questionnaire.xlsx"
    filled.write_bytes(b"PK\x03\x04 filled in by UNEP, e-mailed back")
    code, text = run_main(["form", SURVEY, "--out", str(forms), "--root", str(tmp_path)], capsys)
    assert code == 0, text
    assert filled.read_bytes() == b"PK\x03\x04 filled in by UNEP, e-mailed back"
    beside = forms / f"{SURVEY}_questionnaire-2.xlsx"
    assert pd.ExcelFile(beside, engine="openpyxl").sheet_names  # a real workbook, beside the filled one
    assert "was already there (perhaps filled in): left as it was" in " ".join(text.split())
    assert sorted(p.name for p in forms.iterdir()) == [
        f"{SURVEY}.xlsx", f"{SURVEY}_questionnaire-2.xlsx", f"{SURVEY}_questionnaire.xlsx"
    ]  # no temporary file left


def test_form_out_that_is_a_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "forms").write_text("a file")
    code, text = run_main(["form", SURVEY, "--out", str(tmp_path / "forms"), "--root", str(tmp_path)], capsys)
    assert code == 2 and "is a file, not a folder" in text
    assert (tmp_path / "forms").read_text() == "a file"


# -- the registry as Excel saves it -----------------------------------------------------------
def own_registry(project: Project) -> Path:
    path = project.root / "data" / "reference" / "entities.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def excel_registry(encoding: str, sep: str, pad: bool) -> bytes:
    """The registry as Excel writes it: another delimiter and encoding, padded headers,
    an alias with accents and a dash."""
    table = pd.read_csv(SOURCE_ROOT / "data/reference/entities.csv", dtype="string", keep_default_na=False)
    unep = table["entity_id"] == "UNEP"
    table.loc[unep, "aliases"] = table.loc[unep, "aliases"] + "|Programme des Nations Unies pour l'environnement – PNUE"
    if pad:
        table.columns = [f"{c} " for c in table.columns]
    buffer = io.StringIO()
    table.to_csv(buffer, sep=sep, index=False, lineterminator="\r\n")
    prefix = "\ufeff" if encoding == "utf-16" else ""
    return (prefix + buffer.getvalue()).encode(encoding if encoding != "utf-16" else "utf-16-le")


@pytest.mark.parametrize(
    ("encoding", "sep", "pad"),
    [("cp1252", ";", False), ("utf-8", ",", True), ("cp1252", ";", True), ("utf-16", "\t", False)],
    ids=["excel csv ; windows-1252", "padded header", "all three", "unicode text"],
)
def test_a_registry_saved_by_excel_is_read(project: Project, encoding: str, sep: str, pad: bool) -> None:
    own_registry(project).write_bytes(excel_registry(encoding, sep, pad))
    registry = load_registry(own_registry(project))
    assert registry.resolve("Programme des Nations Unies pour l'environnement – PNUE") == "UNEP"
    assert len(registry) == len(load_registry(SOURCE_ROOT / "data/reference/entities.csv"))
    outcome = cli(project, "validate")
    assert outcome.code == 0, outcome.text


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "the registry is empty; it needs a header row (entity_id,acronym,full_name"),
        (b"\r\n\r\n", "the registry is empty"),
        (b"entity_id,acronym\x81\r\nUNEP,UNEP\r\n", "neither UTF-8 nor Windows-1252 (byte 18); save it as 'CSV UTF-8'"),
        (b"id;name\r\nUNEP;UNEP\r\n", "missing column(s) entity_id, acronym"),
    ],
    ids=["empty", "blank lines", "undecodable", "other columns"],
)
def test_a_broken_registry_is_a_clear_message(project: Project, content: bytes, said: str) -> None:
    own_registry(project).write_bytes(content)
    before = snapshot(project.root)
    outcome = cli(project, "validate")
    assert outcome.code == 2
    assert "The survey definition or registry has problems" in outcome.text
    assert said in outcome.text and "Traceback" not in outcome.text
    assert snapshot(project.root) == before


# -- survey.yaml numbers ----------------------------------------------------------------------
def own_definition(project: Project, change: dict[str, object]) -> None:
    shutil.copytree(SOURCE_ROOT / "surveys", project.root / "surveys")
    path = project.root / "surveys" / SURVEY / "survey.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in change.items():
        if key.startswith("question:"):
            for section in data["sections"]:
                for question in section["questions"]:
                    if question["id"] == key.split(":", 1)[1]:
                        question.update(value)  # type: ignore[arg-type]
        else:
            block, name = key.split(".")
            data[block][name] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"coverage.bootstrap_resamples": 2_000_000_000},
         "coverage.bootstrap_resamples: Input should be less than or equal to 100000"),
        ({"coverage.seed": -1}, "coverage.seed: Input should be greater than or equal to 0"),
        ({"question:start_year": {"min": 2040, "max": 1990}},
         "question 'start_year': min (2040) is greater than max (1990); every answer would be out of range"),
        ({"question:budget_usd": {"max": float("inf")}}, "Input should be a finite number"),
        ({"links.complement_weak": 0.9}, "complement_weak (0.9) must be below complement_strong (0.67)"),
        ({"gaps.min_entities": 10**9}, "gaps.min_entities: Input should be less than or equal to 10000"),
    ],
    ids=["huge resamples", "negative seed", "min above max", "infinite max", "weak above strong", "huge minimum"],
)
def test_survey_numbers_are_bounded_and_cross_checked(
    project: Project, change: dict[str, object], said: str
) -> None:
    own_definition(project, change)
    before = snapshot(project.root)
    outcome = cli(project, "validate")
    assert outcome.code == 2
    assert "survey.yaml" in outcome.text and said in outcome.text, outcome.text
    assert snapshot(project.root) == before
