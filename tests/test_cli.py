"""The command line as a new user meets it: exit codes, messages, files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main


def test_no_arguments_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2  # a usage error is returned, not raised
    assert "COMMAND" in capsys.readouterr().err


def test_unknown_survey_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "no_such_survey", "--round", "R1", "--root", str(tmp_path)])
    assert code == 1
    assert "no survey 'no_such_survey'" in capsys.readouterr().err


def test_missing_round_folder_is_a_data_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "ewaste_img", "--round", "2030-R9", "--root", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "2030-R9" in out


def test_surveys_lists_the_ewaste_survey(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["surveys", "--root", str(tmp_path)]) == 0
    assert "ewaste_img" in capsys.readouterr().out


def test_form_writes_xlsform_and_questionnaire(tmp_path: Path) -> None:
    assert main(["form", "ewaste_img", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "ewaste_img.xlsx").is_file()
    assert (tmp_path / "ewaste_img_questionnaire.xlsx").is_file()


def _root_with_a_broken_survey(tmp_path: Path) -> Path:
    """A project whose surveys/ holds the e-waste definition and a broken neighbour."""
    import shutil

    source = Path(__file__).resolve().parents[1]
    shutil.copytree(source / "surveys" / "ewaste_img", tmp_path / "surveys" / "ewaste_img")
    shutil.copytree(source / "data" / "reference", tmp_path / "data" / "reference")
    broken = tmp_path / "surveys" / "half_written"
    broken.mkdir()
    (broken / "survey.yaml").write_text(
        "id: half_written\ntitle: Half written\nform_version: '1'\nchoices: {}\nsections:\n"
        "  - id: about\n    label: About\n    questions:\n"
        "      - {id: entity, type: entity, label: Entity}\n"
        "      - {id: level, type: select_one, label: Level, choices: no_such_list}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_surveys_lists_the_good_and_names_the_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _root_with_a_broken_survey(tmp_path)
    assert main(["surveys", "--root", str(root)]) == 2
    captured = capsys.readouterr()
    assert "ewaste_img" in captured.out
    assert "half_written" not in captured.out
    assert "Survey 'half_written' cannot be used" in captured.err
    assert "unknown choice list 'no_such_list'" in captured.err
    assert "half_written/survey.yaml" in captured.err.replace("\\", "/")


@pytest.fixture(scope="module")
def demo_beside_a_broken_survey(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``demo --survey ewaste_img`` run once in a project whose surveys/ also holds a broken
    definition (shared by the tests below: one demo run instead of one each)."""
    root = _root_with_a_broken_survey(tmp_path_factory.mktemp("demo"))
    assert main(["demo", "--root", str(root), "--quiet", "--survey", "ewaste_img"]) == 0
    return root


@pytest.mark.slow
def test_demo_then_validate_then_run(
    demo_beside_a_broken_survey: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path = demo_beside_a_broken_survey
    root = str(tmp_path)
    assert (tmp_path / "outputs/ewaste_img/2026-R1/report.docx").is_file()
    # two demo reviewers sent the report back; their comments are in the table
    comments = tmp_path / "outputs/ewaste_img/2026-R1-comments/comments.xlsx"
    table = pd.read_excel(comments, sheet_name="Comments", dtype="string", engine="calamine")
    assert len(table) == 6 and set(table["Type"]) == {"Comment", "Suggested replacement"}
    capsys.readouterr()
    assert main(["validate", "ewaste_img", "--round", "2026-R1", "--root", root]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    assert main(["run", "ewaste_img", "--round", "2026-R1", "--root", root, "--quiet"]) == 0
    assert "up to date" in capsys.readouterr().out


@pytest.mark.slow
def test_a_broken_neighbour_does_not_stop_a_good_survey(
    demo_beside_a_broken_survey: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path = demo_beside_a_broken_survey
    root = str(tmp_path)
    assert main(["validate", "ewaste_img", "--round", "2026-R1", "--root", root, "--quiet"]) == 0
    assert main(["run", "ewaste_img", "--round", "2026-R1", "--root", root, "--quiet", "--force"]) == 0
    assert (tmp_path / "outputs/ewaste_img/2026-R1/report.docx").is_file()
    assert main(["run", "half_written", "--round", "2026-R1", "--root", root, "--quiet"]) == 2
    assert "unknown choice list" in capsys.readouterr().err


def test_ctrl_c_that_python_re_raised_as_another_error_is_an_interruption() -> None:
    """Ctrl-C while a class is being made on import comes out as a RuntimeError raised
    from the KeyboardInterrupt: still an interruption (exit 130), not a traceback."""
    import io

    from rich.console import Console

    from pipeline.cli import guarded

    def importing() -> int:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'cached_property'") from exc

    def failing() -> int:
        raise RuntimeError("a real bug")

    err = Console(file=io.StringIO())
    assert guarded(importing, err) == 130
    assert "Interrupted" in err.file.getvalue()  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="a real bug"):
        guarded(failing, err)
