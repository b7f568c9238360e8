"""Processed rounds kept for the demo's later jobs (pipeline.round_cache): a kept round is
the round processed afresh; a changed input is a miss; a round with errors is never kept."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.demo import write_demo_round
from pipeline.errors import PipelineError
from pipeline.paths import Layout
from pipeline.round_cache import round_cache
from pipeline.rounds import open_survey, process_round

SURVEY = "ewaste_img"
pytestmark = pytest.mark.slow  # each test processes the demo round two to four times


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Layout, str]:
    """A project folder with the e-waste demo round written as the demo writes it."""
    layout = Layout(tmp_path_factory.mktemp("round-cache"))  # definitions: the source's
    survey, registry = open_survey(layout, SURVEY)
    spec = survey.model.demo.rounds[0]
    write_demo_round(survey.for_round(spec.id), registry, spec, layout.raw(SURVEY, spec.id))
    return layout, spec.id


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.round == b.round
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], obj=name)
    assert a.stats == b.stats
    assert [i.message for i in a.log.issues] == [i.message for i in b.log.issues]
    pd.testing.assert_frame_equal(a.responses.submissions, b.responses.submissions)


def test_a_kept_round_is_the_round_processed_afresh(
    project: tuple[Layout, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout, round_id = project
    fresh, fresh_hashes = process_round(layout, SURVEY, round_id, run_date="2026-05-01")
    with round_cache(tmp_path / "kept"):
        first, _ = process_round(layout, SURVEY, round_id, run_date="2026-01-01")
        assert len(list((tmp_path / "kept").glob("*.pickle"))) == 1
        # the next call reads nothing: reading the round would fail now
        import pipeline.rounds as rounds

        def no_reading(*_: object, **__: object) -> None:
            raise AssertionError("the round was read again")

        monkeypatch.setattr(rounds, "ingest_round", no_reading)
        kept, kept_hashes = process_round(layout, SURVEY, round_id, run_date="2026-05-01")
    assert kept.run_date == "2026-05-01"  # the caller's run date, not the first call's
    assert first.run_date == "2026-01-01"
    assert kept_hashes == fresh_hashes
    _same(kept, fresh)
    assert "open_answers" in kept.tables  # the analyst's decisions joined, as afresh


def test_a_changed_input_is_read_again_and_errors_are_not_kept(
    project: tuple[Layout, str], tmp_path: Path
) -> None:
    layout, round_id = project
    folder = tmp_path / "kept"
    with round_cache(folder):
        process_round(layout, SURVEY, round_id, run_date="2026-05-01")
        assert len(list(folder.glob("*.pickle"))) == 1
        # another --no-repeat is another key; this round has errors with it: nothing kept,
        # and the error is raised again the next time
        for _ in range(2):
            with pytest.raises(PipelineError, match="repeat-not-collected"):
                process_round(layout, SURVEY, round_id, run_date="2026-05-01", no_repeat=["projects"])
        assert len(list(folder.glob("*.pickle"))) == 1
        # an input file changes: its key changes, the round is read and kept again
        extra = layout.raw(SURVEY, round_id) / "questionnaires"
        victim = sorted(extra.glob("*.xlsx"))[0]
        moved = tmp_path / victim.name
        victim.rename(moved)
        try:
            fewer, _ = process_round(layout, SURVEY, round_id, run_date="2026-05-01")
        finally:
            moved.rename(victim)
        assert len(list(folder.glob("*.pickle"))) == 2
    whole, _ = process_round(layout, SURVEY, round_id, run_date="2026-05-01")
    assert len(fewer.responses.submissions) == len(whole.responses.submissions) - 1


def test_a_damaged_entry_is_a_miss(project: tuple[Layout, str], tmp_path: Path) -> None:
    layout, round_id = project
    folder = tmp_path / "kept"
    with round_cache(folder):
        process_round(layout, SURVEY, round_id, run_date="2026-05-01")
        (entry,) = folder.glob("*.pickle")
        entry.write_bytes(b"not a pickle")
        again, _ = process_round(layout, SURVEY, round_id, run_date="2026-05-01")
    assert len(again.responses.submissions) > 0
    assert entry.read_bytes() != b"not a pickle"  # kept afresh


def test_without_a_cache_nothing_is_kept(project: tuple[Layout, str], tmp_path: Path) -> None:
    layout, round_id = project
    process_round(layout, SURVEY, round_id, run_date="2026-05-01")
    assert not list(layout.root.rglob("*.pickle"))
