"""The benchmark harness of ``make bench`` (benchmarks/) at a toy size, so that it never
rots: the generator, every measurement (in this process, one repetition), the up-to-date
check through the installed command and the table it writes. No timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is a folder of the repository, not installed
    sys.path.insert(0, str(ROOT))

import benchmarks.run as benchmark_run  # noqa: E402
from benchmarks.generate import (  # noqa: E402
    ROUND_ID,
    SURVEY_ID,
    benchmark_input,
    prepare_root,
)
from benchmarks.run import BEGIN, END, machine, render, run_benchmark, write_doc  # noqa: E402
from pipeline.paths import Layout  # noqa: E402
from pipeline.rounds import process_round  # noqa: E402


def _sheets(path: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, engine="calamine")


def test_the_generator_is_deterministic_and_scales_the_registry(tmp_path: Path) -> None:
    first = benchmark_input(20, tmp_path / "a")
    again = benchmark_input(20, tmp_path / "b")
    one, two = _sheets(first.export), _sheets(again.export)
    assert list(one) == list(two) == ["E-waste IMG gap analysis", "projects"]
    for name in one:
        pd.testing.assert_frame_equal(one[name], two[name])
    main = one["E-waste IMG gap analysis"]
    assert len(main) == 20 and main["_uuid"].is_unique
    assert main["identification/agency"].nunique() == 18  # two earlier drafts: latest wins
    assert benchmark_input(20, tmp_path / "a").export == first.export  # cached, not made again

    offices = pd.read_csv(benchmark_input(60, tmp_path / "a").registry)
    assert len(offices) == 60 and offices["entity_id"].str.startswith("CO").sum() == 9
    agencies = benchmark_input(60, tmp_path / "a", scenario="agencies")
    assert len(pd.read_csv(agencies.registry)) == 51
    assert _sheets(agencies.export)["E-waste IMG gap analysis"]["identification/agency"].nunique() == 51


@pytest.mark.slow
def test_every_measurement_runs_and_the_table_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(benchmark_run, "ROUND_CASE", ("offices", 20))  # the CLI runs too
    results, demo = run_benchmark(
        (("offices", 20),),
        reps=1,
        demo_reps=0,
        up_to_date_reps=1,
        cache=tmp_path / "cache",
        in_process=True,
        log=lambda _: None,
    )
    assert demo is None and len(results) == 1
    result = results[0]
    assert set(result.seconds) == {"fastexcel", "calamine", "openpyxl", "pipeline", "run"}
    assert all(s > 0 for s in result.seconds.values())
    assert result.entities == 18 and result.raw_bytes > 0
    assert result.rows["E-waste IMG gap analysis"] == 20
    assert {"ingest", "validate", "normalise", "score"} <= set(result.stages)
    assert "Writing report" in result.steps and result.report_seconds > 0
    assert result.up_to_date["said_up_to_date"] and result.up_to_date["unchanged"]
    assert result.cli_run["ok"] and result.cli_run["cold"] > 0 and result.cli_run["warm"] > 0

    table = render(results, demo, machine())
    assert "| 20 | 18 | 20 + " in table and "within 1.5x the bare calamine read" in table
    assert "fastexcel to Arrow, the physical floor" in table and "charts unchanged" in table
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Notes\n\nProse kept.\n\n{BEGIN}\nold table\n{END}\n\nMore prose.\n")
    text = write_doc(table, doc).read_text()
    assert "old table" not in text and table in text
    assert text.startswith("# Notes\n\nProse kept.") and text.endswith("More prose.\n")


def test_a_large_round_points_to_the_tidy_csv_instead_of_a_sheet(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pipeline.report import workbook

    root = prepare_root(benchmark_input(20, tmp_path / "cache"), tmp_path / "root")
    result, _ = process_round(Layout(root), SURVEY_ID, ROUND_ID, run_date="2026-04-01")
    monkeypatch.setattr(workbook, "MAX_TIDY_ROWS", len(result.responses.tidy) - 1)
    path = workbook.write_workbook(result, tmp_path / "results.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    assert "Tidy responses" not in book.sheetnames and "Scores" in book.sheetnames
    readme = [c for row in book["README"].iter_rows(values_only=True) for c in row if c]
    note = next(c for c in readme if "tidy_responses.csv" in str(c))
    assert f"data/processed/{SURVEY_ID}/{ROUND_ID}/tidy_responses.csv" in note
