"""The demo never deletes or overwrites data it did not write (a real round with a demo id)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.demo import write_demo_round
from pipeline.demo_guard import (
    MARKER,
    check_demo_may_write,
    clear_demo_round,
    record_demo_round,
)
from pipeline.errors import UsageError
from pipeline.paths import Layout

SURVEY, ROUND = "ewaste_img", "2026-R1"  # the README's own example round is a demo id


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _demo_round(layout: Layout, survey, registry) -> Path:  # type: ignore[no-untyped-def]
    """The demo's first e-waste round, written and recorded as `emg-pipeline demo` does."""
    spec = survey.model.demo.rounds[0]
    folder = layout.raw(SURVEY, spec.id)
    write_demo_round(survey, registry, spec, folder)
    record_demo_round(layout, SURVEY, spec.id)
    return folder


def test_demo_over_a_real_round_stops_and_keeps_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "data/raw" / SURVEY / ROUND
    (real / "questionnaires").mkdir(parents=True)
    (real / "kobo_export.xlsx").write_bytes(b"PK\x03\x04 the agencies' real answers")
    (real / "questionnaires/UNEP.xlsx").write_bytes(b"PK\x03\x04 e-mailed back")
    before = _snapshot(tmp_path)

    code = main(["demo", "--root", str(tmp_path), "--quiet"])

    err = capsys.readouterr().err
    assert code == 2
    assert f"data/raw/{SURVEY}/{ROUND} holds a round the demo did not write" in err
    assert "--root" in err  # and says where the demo can run instead
    assert _snapshot(tmp_path) == before  # nothing written for any survey, nothing deleted
    assert not (tmp_path / "outputs").exists()


def test_results_of_a_round_the_demo_did_not_write_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "outputs" / SURVEY / ROUND / "report.docx"
    report.parent.mkdir(parents=True)
    report.write_bytes(b"the consultant's edited report")

    assert main(["demo", "--root", str(tmp_path), "--quiet", "--survey", SURVEY]) == 2
    assert f"outputs/{SURVEY}/{ROUND} holds results of a round" in capsys.readouterr().err
    assert report.read_bytes() == b"the consultant's edited report"
    assert not (tmp_path / "data").exists()


def test_demo_replaces_its_own_round_and_records_it(tmp_path: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    layout = Layout(tmp_path)
    folder = _demo_round(layout, survey, registry)
    recorded = json.loads((layout.raw(SURVEY) / MARKER).read_text())["rounds"][ROUND]
    assert set(recorded) == set(_snapshot(folder))  # every file it wrote, and only those

    check_demo_may_write(layout, SURVEY, [ROUND])  # its own, unchanged: allowed
    clear_demo_round(layout, SURVEY, ROUND)
    assert not folder.exists()


@pytest.mark.parametrize("change", ["added", "edited"])
def test_a_demo_round_the_analyst_touched_is_no_longer_the_demos(
    tmp_path: Path, survey, registry, change: str  # type: ignore[no-untyped-def]
) -> None:
    layout = Layout(tmp_path)
    folder = _demo_round(layout, survey, registry)
    export = next(folder.glob("*.xlsx"))
    if change == "added":
        touched = folder / "UNDP answers.xlsx"
        touched.write_bytes(b"PK\x03\x04 a real questionnaire dropped into the demo round")
    else:
        touched = export
        touched.write_bytes(export.read_bytes() + b"\n")
    before = _snapshot(folder)

    with pytest.raises(UsageError, match=f"holds files the demo did not write: {touched.name}"):
        check_demo_may_write(layout, SURVEY, [ROUND])
    assert _snapshot(folder) == before


def test_clearing_a_demo_round_leaves_what_appeared_since(tmp_path: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    """Even without the check before it, clearing deletes only the recorded files."""
    layout = Layout(tmp_path)
    folder = _demo_round(layout, survey, registry)
    late = folder / "questionnaires" / "late arrival.xlsx"
    late.write_bytes(b"PK\x03\x04 arrived after the demo")

    clear_demo_round(layout, SURVEY, ROUND)

    assert _snapshot(folder) == {"questionnaires/late arrival.xlsx": late.read_bytes()}
