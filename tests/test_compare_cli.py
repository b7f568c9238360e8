"""`emg-pipeline compare SURVEY --rounds OLD NEW`: the folder it writes, all or nothing,
and its exit codes (0 done, 1 the data has errors, 2 wrong usage)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from docx import Document

from pipeline.cli import main
from pipeline.demo import write_demo_round
from pipeline.paths import Layout
from pipeline.rounds import open_survey

pytestmark = pytest.mark.slow  # whole runs of two rounds, then the comparison

SURVEY = "swfs_synthesis"


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, Path]:
    """A project with both SWFS demo rounds, compared once through the command line."""
    root = tmp_path_factory.mktemp("compare")
    layout = Layout(root)
    survey, registry = open_survey(layout, SURVEY)
    assert survey.model.demo is not None
    for spec in survey.model.demo.rounds:
        write_demo_round(survey.for_round(spec.id), registry, spec, layout.raw(SURVEY, spec.id))
    argv = ["compare", SURVEY, "--rounds", "2016-R1", "2026-R1", "--root", str(root)]
    code = main([*argv, "--quiet", "--run-date", "2026-11-25"])
    return root, code, root / "outputs" / SURVEY / "2026-R1-vs-2016-R1"


def test_compare_writes_the_comparison_folder(compared: tuple[Path, int, Path]) -> None:
    _, code, out = compared
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "charts",
        "comparison.docx",
        "comparison.xlsx",
        "manifest.json",
    ]
    charts = sorted(p.stem for p in (out / "charts").glob("*.png"))
    assert charts == ["compare_adoption", "compare_scores", "network_change"]
    assert sorted(p.stem for p in (out / "charts").glob("*.svg")) == charts
    # nothing half-written next to it, and no run outputs: compare writes only its folder
    assert [p.name for p in out.parent.iterdir()] == ["2026-R1-vs-2016-R1"]

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [r["round"] for r in manifest["rounds"]] == ["2016-R1", "2026-R1"]
    assert [r["form_version"] for r in manifest["rounds"]] == ["2016.1", "2026.1"]
    assert all(r["inputs"] for r in manifest["rounds"])
    assert {o["path"] for o in manifest["outputs"]} >= {"comparison.docx", "comparison.xlsx"}

    sheets = pd.ExcelFile(out / "comparison.xlsx", engine="calamine").sheet_names
    for sheet in ("README", "Change scores", "Change yes-no", "Change pairing", "Comparable questions"):
        assert sheet in sheets
    scores = pd.read_excel(out / "comparison.xlsx", sheet_name="Change scores", engine="calamine")
    assert "oceans" not in set(scores["dimension"])  # split since 2016.1: not comparable
    assert scores["p_value"].between(0, 1).all()

    doc = Document(str(out / "comparison.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:3] == ["Summary", "What could be compared", "Who answered both rounds"]
    assert "Method" in headings
    assert headings.index("Recommendations") == headings.index("Method") - 1
    drafted = [p.text for p in doc.paragraphs if p.style.name == "List Number"]
    scores = scores.set_index("dimension")
    told = scores[scores["distinguishable"].astype(bool)]
    for dim, row in told.iterrows():  # each change told from noise gets its action
        verb = "fell" if row["mean_change"] < 0 else "rise in"
        assert any(row["label"] in d and verb in d for d in drafted), (dim, drafted)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "answered both 2016-R1 and 2026-R1" in text
    assert "cannot be told from noise" in text


def test_failed_compare_leaves_the_previous_folder_as_it_was(
    compared: tuple[Path, int, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _, out = compared
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad = root / "data" / "raw" / SURVEY / "2026-R1" / "notes.txt"
    bad.write_text("not an export\n", encoding="utf-8")
    try:
        code = main(["compare", SURVEY, "--rounds", "2016-R1", "2026-R1", "--root", str(root), "-q"])
    finally:
        bad.unlink()
    assert code == 1
    err = capsys.readouterr().err
    assert f"data/raw/{SURVEY}/2026-R1/notes.txt" in err  # the round's file, named from the root
    assert "nothing was written" in err
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in out.parent.iterdir()] == ["2026-R1-vs-2016-R1"]


def test_unknown_round_is_a_data_error(
    compared: tuple[Path, int, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root = compared[0]
    code = main(["compare", SURVEY, "--rounds", "2016-R1", "2030-R9", "--root", str(root)])
    assert code == 1
    err = capsys.readouterr().err
    assert "no input folder for round '2030-R9'" in err
    assert "2016-R1, 2026-R1" in err  # the rounds that do exist
    assert not (root / "outputs" / SURVEY / "2030-R9-vs-2016-R1").exists()


def test_unknown_survey_is_a_data_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", "no_such_survey", "--rounds", "A", "B", "--root", str(tmp_path)])
    assert code == 1
    assert "no survey 'no_such_survey'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", SURVEY],  # no --rounds
        ["compare", SURVEY, "--rounds", "2016-R1"],  # only one round
        ["compare", "--rounds", "2016-R1", "2026-R1"],  # no survey
    ],
)
def test_missing_arguments_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2  # a usage error is returned, not raised
    assert "usage:" in capsys.readouterr().err


def test_the_same_round_twice_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", SURVEY, "--rounds", "2016-R1", "2016-R1", "--root", str(tmp_path)])
    assert code == 2
    assert "two different rounds" in capsys.readouterr().err
