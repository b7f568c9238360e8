"""Side jobs: a run's charts and profiles made on forked processes while it goes on, with the
same results (and files) as made one by one in the run's own process."""

from __future__ import annotations

import hashlib
import os
from functools import partial
from pathlib import Path

import pytest

from pipeline.paths import CHART_CACHE_ENV, Layout
from pipeline.registry import Registry
from pipeline.report.chart_loop import WORKERS_ENV
from pipeline.report.side_jobs import SideJobs, can_fork
from pipeline.run import run_round
from pipeline.spec import Survey

forking = pytest.mark.skipif(not can_fork(), reason="the platform does not fork")


def square_here(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def fails_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


@forking
def test_jobs_run_on_forked_processes_and_give_their_results_in_order() -> None:
    jobs = [partial(square_here, x) for x in range(7)]
    with SideJobs(jobs, 2) as side:
        assert side.forked
        found = side.results(range(7))
    assert [value for value, _ in found] == [x * x for x in range(7)]
    assert os.getpid() not in {pid for _, pid in found}


def test_one_process_runs_each_job_here_when_its_result_is_asked() -> None:
    ran: list[int] = []

    def job(x: int) -> int:
        ran.append(x)
        return x + 1

    with SideJobs([partial(job, x) for x in range(4)], 1) as side:
        assert not side.forked and ran == []
        assert side.result(2) == 3 and ran == [2]
        assert side.result(2) == 3 and ran == [2]  # once
    assert sorted(ran) == [0, 1, 2, 3]  # leaving the block: every job done


@pytest.mark.parametrize("processes", [1, pytest.param(2, marks=forking)])
def test_a_failing_job_raises_its_error_where_its_result_is_asked(processes: int) -> None:
    jobs = [partial(fails_on_three, x) for x in range(5)]
    with pytest.raises(ValueError, match="three"), SideJobs(jobs, processes) as side:
        assert side.results([0, 1, 2]) == [0, 1, 2]
        side.result(3)
    with SideJobs([partial(fails_on_three, 1)], processes) as side:  # usable again after
        assert side.result(0) == 1


@forking
@pytest.mark.slow  # two whole runs, every chart and profile made
def test_a_run_on_forked_processes_writes_the_files_of_a_run_in_one_process(
    survey: Survey, registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Charts and profiles made on two forked processes while the run writes the workbook,
    report and slides: every output byte-identical to a run that makes them one by one,
    the workbook's log sheet included, which lists a chart that could not be drawn (the
    workbook is written while the charts are drawn, and again when one fails)."""
    from openpyxl import load_workbook

    from pipeline.demo import write_demo_round
    from pipeline.report import chart_cache as cache_module
    from pipeline.report.workbook import LOG_SHEET

    original = cache_module.cached_draw

    def failing_gaps(chart_id: str, *args: object) -> object:  # the gaps chart meets bad data
        if chart_id == "gaps":
            raise ValueError("no severity")
        return original(chart_id, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(cache_module, "cached_draw", failing_gaps)  # (inherited by the forks)
    spec = survey.model.demo.rounds[0]
    found: list[dict[str, str]] = []
    for workers in ("1", "2"):
        layout = Layout(tmp_path / workers)
        write_demo_round(survey, registry, spec, layout.raw(survey.id, spec.id))
        monkeypatch.setenv(CHART_CACHE_ENV, str(tmp_path / f"cache-{workers}"))  # empty: all made
        monkeypatch.setenv(WORKERS_ENV, workers)
        run_round(layout, survey.id, spec.id, force=True, run_date="2026-11-25")
        out = layout.outputs(survey.id, spec.id)
        found.append(
            {
                p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(out.rglob("*"))
                if p.is_file() and p.name != "manifest.json"
            }
        )
    assert found[0] == found[1]
    sheet = load_workbook(tmp_path / "2" / "outputs" / survey.id / spec.id / "results.xlsx")[LOG_SHEET[0]]
    assert any("the gaps chart could not be drawn" in str(c.value) for row in sheet.iter_rows() for c in row)
    assert "charts/gaps.png" not in found[0]
    assert sum(name.startswith("profiles/") for name in found[0]) >= 10
    assert {"report.docx", "results.xlsx", "slides.pptx", "charts/heatmap.png"} <= set(found[0])


@forking
def test_two_sets_run_at_once_and_one_job_is_forked_too() -> None:
    with SideJobs([partial(square_here, x) for x in range(3)], 2) as first:
        with SideJobs([partial(square_here, 5)], 2) as second:  # one job: one forked worker
            assert second.forked
            value, pid = second.result(0)
            assert value == 25 and pid != os.getpid()
        assert [v for v, _ in first.results(range(3))] == [0, 1, 4]
