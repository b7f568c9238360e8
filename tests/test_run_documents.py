"""The report and the work plan come from the cache only for the same run: a changed
wording, table, chart picture or file of the survey's folder writes them again, what is
copied is the bytes an uncached run writes, and a writer that changes the run it was
handed is not cached."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from PIL import Image
from test_charts import make_result

from pipeline.analyses.workplan import document as workplan_document
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.report import outline
from pipeline.report.chart_cache import chart_cache
from pipeline.report.figure import Chart
from pipeline.spec import Survey
from pipeline.tables import RunResult


@pytest.fixture(scope="module")
def result(survey: Survey, registry: Registry) -> RunResult:
    return make_result(survey, registry)


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the report writer really wrote (not copied from the cache)."""
    names: list[str] = []
    original = outline._write_report

    def counting(result: RunResult, charts: list, path: Path, template: Path | None = None) -> Path:
        names.append(path.name)
        return original(result, charts, path, template=template)

    monkeypatch.setattr(outline, "_write_report", counting)
    return names


def a_chart(folder: Path, colour: str = "navy") -> Chart:
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / "coverage.png", folder / "coverage.svg"
    Image.new("RGB", (40, 30), colour).save(png)
    svg.write_text("<svg/>", encoding="utf-8")
    return Chart("coverage", "Coverage by stage", "Figure: coverage.", "A bar chart of coverage.", png, svg)


def report(result: RunResult, charts: list[Chart], path: Path, cache: Path | None) -> bytes:
    with chart_cache(cache):
        outline.write_report(result, charts, path)
    return path.read_bytes()


def fresh(result: RunResult, **changes: object) -> RunResult:
    return dataclasses.replace(result, log=IssueLog(list(result.log.issues)), **changes)  # type: ignore[arg-type]


def test_the_same_run_copies_the_report_an_uncached_run_writes(result: RunResult, tmp_path: Path, written: list[str]) -> None:
    charts = [a_chart(tmp_path / "charts")]
    cache = tmp_path / "cache"
    plain = report(result, charts, tmp_path / "plain.docx", None)
    assert report(result, charts, tmp_path / "first.docx", cache) == plain
    assert report(fresh(result), [a_chart(tmp_path / "elsewhere")], tmp_path / "second.docx", cache) == plain
    assert written == ["plain.docx", "first.docx"]  # the second: copied (charts in another folder, same bytes)


def test_what_the_report_reads_changed_writes_it_again(
    result: RunResult, survey: Survey, tmp_path: Path, written: list[str]
) -> None:
    charts = [a_chart(tmp_path / "charts")]
    cache = tmp_path / "cache"
    first = report(result, charts, tmp_path / "first.docx", cache)
    model = survey.model
    reworded = Survey(
        model.model_copy(update={"report": model.report.model_copy(update={"decides": "the steering group"})}),
        survey.path,
        survey.sha256,
    )
    coverage = result.tables["coverage"].assign(n_engaged=99)
    changed = {
        "wording.docx": (fresh(result, survey=reworded), charts),
        "table.docx": (fresh(result, tables={**result.tables, "coverage": coverage}), charts),
        "stat.docx": (fresh(result, stats={**result.stats, "n_invited": 99}), charts),
        "picture.docx": (result, [a_chart(tmp_path / "red", "red")]),
    }
    for name, (run, shown) in changed.items():
        written.clear()
        again = report(run, shown, tmp_path / name, cache)
        assert written == [name]
        assert again == report(run, shown, tmp_path / f"plain-{name}", None)
    # a file added to the survey's folder (a version kept under history/): written again
    folder = tmp_path / "survey"
    shutil.copytree(survey.path.parent, folder)
    moved = Survey(survey.model, folder / survey.path.name, survey.sha256)
    report(fresh(result, survey=moved), charts, tmp_path / "moved.docx", cache)
    written.clear()
    report(fresh(result, survey=moved), charts, tmp_path / "moved-again.docx", cache)
    assert written == []
    (folder / "history").mkdir(exist_ok=True)
    (folder / "history" / "2016.1.yaml").write_text("title: an earlier form\n", encoding="utf-8")
    report(fresh(result, survey=moved), charts, tmp_path / "history.docx", cache)
    assert written == ["history.docx"]
    written.clear()
    assert report(fresh(result), charts, tmp_path / "back.docx", cache) == first
    assert written == []  # going back: the first report, copied


def test_a_writer_that_changes_the_run_is_not_cached(
    result: RunResult, tmp_path: Path, written: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = outline._write_report

    def logging(run: RunResult, charts: list, path: Path, template: Path | None = None) -> Path:
        run.log.warning("report-note", "something the report found")
        return counting(run, charts, path, template=template)

    monkeypatch.setattr(outline, "_write_report", logging)
    run, cache = fresh(result), tmp_path / "cache"
    report(run, [], tmp_path / "a.docx", cache)
    report(fresh(result), [], tmp_path / "b.docx", cache)
    assert written == ["a.docx", "b.docx"]


def test_the_work_plan_comes_from_the_cache_for_the_same_run(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = workplan_document._write_workplan

    def counting(*args: object) -> Path:
        calls.append(Path(str(args[-1])).name)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(workplan_document, "_write_workplan", counting)
    from pipeline.analyses.workplan.compute import work_plan

    plan_table, roles = work_plan(
        result.tables["gaps"], result.responses.submissions, result.survey, result.registry,
        result.tables.get("projects"), result.tables.get("ranking"),
    )  # fmt: skip
    assert len(plan_table) > 1
    result = fresh(result, tables={**result.tables, "workplan": plan_table, "workplan_roles": roles})
    cache = tmp_path / "cache"

    def plan(run: RunResult, name: str, folder: Path | None = cache) -> bytes:
        with chart_cache(folder):
            workplan_document.write_workplan(run, tmp_path / name)
        return (tmp_path / name).read_bytes()

    first = plan(result, "a.docx")
    assert plan(fresh(result), "b.docx") == first == plan(result, "plain.docx", None)
    assert calls == ["a.docx", "plain.docx"]
    fewer = result.tables["workplan"].iloc[:-1]
    assert plan(fresh(result, tables={**result.tables, "workplan": fewer}), "c.docx") != first
    assert calls[-1] == "c.docx"


def test_unchanged_profiles_are_copied_before_any_job_starts(result: RunResult, tmp_path: Path) -> None:
    """profile_writers copies the profiles kept in the cache itself and hands out writers
    for the others only, so a rerun whose profiles are unchanged starts no side job."""
    from pipeline.report.profiles import profile_writers, write_profiles

    cache = tmp_path / "cache"
    with chart_cache(cache):
        writers = profile_writers(result, tmp_path / "first")
        assert len(writers) == len(result.responses.submissions)
        first = sorted(w().name for w in writers)
        assert profile_writers(result, tmp_path / "second") == []  # every one copied
        assert write_profiles(result, tmp_path / "third") == [tmp_path / "third" / n for n in _in_order(result)]
    plain = write_profiles(result, tmp_path / "plain")  # no cache: written
    assert sorted(p.name for p in plain) == first
    for folder in ("first", "second", "third"):
        assert {p.name: p.read_bytes() for p in (tmp_path / folder).iterdir()} == {p.name: p.read_bytes() for p in plain}


def _in_order(result: RunResult) -> list[str]:
    acronyms = result.registry.acronyms()
    return [f"{acronyms[e]}.docx" for e in result.responses.submissions["entity_id"].astype(str)]
