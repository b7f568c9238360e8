"""Charts are not redrawn when what they show is unchanged; cached files equal drawn ones."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure
from test_charts import ALL_CHARTS, make_result

from pipeline.analyses import make_charts
from pipeline.analyses.workplan import document as workplan_document
from pipeline.errors import IssueLog
from pipeline.paths import CHART_CACHE_ENV, Layout
from pipeline.registry import Registry
from pipeline.report import outline, profiles, slides, workbook
from pipeline.report.chart_cache import cached_file, chart_cache, digest
from pipeline.report.chart_loop import WORKERS_ENV, side_by_side
from pipeline.report.figure import Chart
from pipeline.report.zipstamp import stamp_zip
from pipeline.run import run_round
from pipeline.spec import Survey
from pipeline.tables import RunResult


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The ids of the charts rendered (a PNG rendering each) while the test runs."""
    ids: list[str] = []
    original = Figure.savefig

    def counting(self: Figure, fname: object, *args: object, **kwargs: object) -> None:
        if kwargs.get("format") == "png":
            ids.append(Path(str(fname)).stem)
        original(self, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", counting)
    yield ids


@pytest.fixture(scope="module")
def result(survey: Survey, registry: Registry) -> RunResult:
    return make_result(survey, registry)


@pytest.fixture(scope="module")
def cold(result: RunResult, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Chart], list[Chart], Path]:
    """The charts drawn with no cache, and drawn again into an empty cache (kept as a
    template that each test copies)."""
    folder = tmp_path_factory.mktemp("cold")
    plain = make_charts(result, folder / "plain")
    with chart_cache(folder / "cache"):
        first = make_charts(result, folder / "first")
    return plain, first, folder / "cache"


def charts_in(result: RunResult, out: Path, cache: Path | None) -> list[Chart]:
    with chart_cache(cache):
        return make_charts(result, out)


def copy_of(cold: tuple[list[Chart], list[Chart], Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(cold[2], tmp_path / "cache"))


def files(charts: list[Chart]) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for c in charts for p in (c.png, c.svg)}


def words(charts: list[Chart]) -> list[tuple[str, str, str, str]]:
    return [(c.id, c.title, c.caption, c.alt_text) for c in charts]


def with_tables(result: RunResult, **changes: pd.DataFrame) -> RunResult:
    return dataclasses.replace(result, tables={**result.tables, **changes}, log=IssueLog())


@pytest.mark.slow  # whole runs (the module fixture)
def test_unchanged_charts_are_copied_byte_for_byte(cold, result: RunResult, tmp_path: Path, drawn: list[str]) -> None:  # type: ignore[no-untyped-def]
    plain, first, cache = cold
    assert sorted(p.name for p in cache.iterdir()) == sorted(ALL_CHARTS)
    again = charts_in(result, tmp_path / "again", copy_of(cold, tmp_path))
    assert drawn == []  # nothing rendered
    assert words(again) == words(first) == words(plain)
    assert files(again) == files(first) == files(plain)
    assert all(c.png.parent == tmp_path / "again" for c in again)


@pytest.mark.slow  # whole runs (the module fixture)
def test_a_changed_table_redraws_only_the_charts_that_show_it(cold, result: RunResult, tmp_path: Path, drawn: list[str]) -> None:  # type: ignore[no-untyped-def]
    cache = copy_of(cold, tmp_path)
    summary = result.tables["project_summary"].copy()
    summary.loc[summary.index[0], "n_projects"] += 5
    charts = charts_in(with_tables(result, project_summary=summary), tmp_path / "changed", cache)
    assert drawn == ["projects"]  # the one chart that reads the table
    assert files(charts)["projects.png"] != files(cold[1])["projects.png"]
    # the earlier drawing is still there: going back costs nothing
    drawn.clear()
    assert files(charts_in(result, tmp_path / "back", cache)) == files(cold[1])
    assert drawn == []


def test_wording_a_chart_shows_redraws_it(result: RunResult, survey: Survey, tmp_path: Path, drawn: list[str]) -> None:
    only = dataclasses.replace(result, tables={"response_status": result.tables["response_status"]}, log=IssueLog())
    cache = tmp_path / "cache"
    charts_in(only, tmp_path / "first", cache)
    assert drawn == ["response"]
    drawn.clear()
    retitled = Survey(survey.model.model_copy(update={"title": "E-waste, renamed"}), survey.path, survey.sha256)
    charts_in(dataclasses.replace(only, survey=retitled, log=IssueLog()), tmp_path / "second", cache)
    assert drawn == ["response"]  # its subtitle names the survey
    drawn.clear()
    # a statistic no chart reads changes nothing
    stats = {**result.stats, "response_rate_note": "a note for the report only"}
    charts_in(dataclasses.replace(only, stats=stats, log=IssueLog()), tmp_path / "third", cache)
    assert drawn == []


@pytest.mark.slow  # the cold drawing of the module fixture
def test_a_damaged_cache_is_a_miss_not_an_error(cold, result: RunResult, tmp_path: Path, drawn: list[str]) -> None:  # type: ignore[no-untyped-def]
    cache = copy_of(cold, tmp_path)
    for record in cache.glob("heatmap/*/record.json"):
        record.write_text("{ not json", encoding="utf-8")
    for png in cache.glob("coverage/*/png"):
        png.unlink()
    again = charts_in(result, tmp_path / "again", cache)
    assert sorted(drawn) == ["coverage", "heatmap"]
    assert files(again) == files(cold[1])
    assert len(list(cache.glob("heatmap/*/record.json"))) == 1  # the damaged one replaced
    drawn.clear()
    charts_in(result, tmp_path / "third", cache)
    assert drawn == []


@pytest.mark.slow  # forked whole runs
def test_charts_drawn_side_by_side_are_the_charts_drawn_one_by_one(
    cold, result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A cold run's charts drawn on two forked processes: the same files (bytes), words,
    order and warnings as drawn in this process; with a cache, only the missing ones are
    drawn (the others copied) and the new ones are kept."""
    from pipeline.report import chart_cache as cache_module

    plain, _first, _ = cold
    original = cache_module.cached_draw

    def failing_gaps(chart_id: str, *args: object) -> object:  # the gaps chart meets bad data
        if chart_id == "gaps":
            raise ValueError("no severity")
        return original(chart_id, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(cache_module, "cached_draw", failing_gaps)
    monkeypatch.setenv(WORKERS_ENV, "1")
    broken_here = with_tables(result)
    one = make_charts(broken_here, tmp_path / "one")
    monkeypatch.setenv(WORKERS_ENV, "2")
    broken_there = with_tables(result)
    two = side_by_side(lambda: make_charts(broken_there, tmp_path / "two"))
    assert words(two) == words(one) and files(two) == files(one)
    assert "gaps" not in [c.id for c in two]

    def skipped(res: RunResult) -> list[str]:
        return [i.message for i in res.log.issues if i.code == "chart-skipped"]

    assert skipped(broken_there) == skipped(broken_here) != []
    monkeypatch.setattr(cache_module, "cached_draw", original)
    cache = tmp_path / "cache"
    with chart_cache(cache):
        side_by_side(lambda: make_charts(result, tmp_path / "four"))
        again = side_by_side(lambda: make_charts(result, tmp_path / "five"))
    assert files(again) == files(plain) and words(again) == words(plain)


def test_digests_tell_values_apart() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    assert digest(frame) == digest(frame.copy())
    assert digest(frame) != digest(frame.assign(a=[1.0, 2.5]))
    assert digest(frame) != digest(frame.rename(columns={"b": "c"}))
    assert digest(frame) != digest(frame.set_axis([5, 6]))
    assert digest({"a": 1}) != digest({"a": 1.0}) != digest({"a": "1"})
    assert digest([1, 2]) != digest((1, 2))
    # pandas hashes object cells by their text: their types still tell 1 from "1"
    mixed = pd.DataFrame({"a": pd.Series([1, "x"], dtype=object)})
    assert digest(mixed) != digest(pd.DataFrame({"a": pd.Series(["1", "x"], dtype=object)}))
    assert digest(mixed) == digest(mixed.copy())


@pytest.mark.parametrize("rows", [3, 3000])  # small frames are fed cell by cell, large ones hashed by pandas
def test_digests_of_small_and_large_frames_tell_the_same_things_apart(rows: int) -> None:
    frame = pd.DataFrame(
        {"n": range(rows), "x": [0.5] * rows, "t": ["a"] * rows, "o": pd.Series(["b"] * rows, dtype=object)}
    )
    same = frame.copy()
    assert digest(frame) == digest(same)
    changed = [
        frame.assign(x=[0.5] * (rows - 1) + [0.25]),  # a number
        frame.assign(t=["a"] * (rows - 1) + ["b"]),  # a text
        frame.assign(t=["a"] * (rows - 1) + [None]),  # a missing text
        frame.assign(o=pd.Series(["b"] * (rows - 1) + [1], dtype=object)),  # a cell's type
        frame.assign(n=frame["n"].astype("float64")),  # a column's type
        frame.assign(t=frame["t"].astype("category")),  # categories (hashed by pandas)
        frame.set_axis(range(1, rows + 1)),  # the index
        frame.rename(columns={"o": "p"}),  # a name
        frame.assign(o=pd.Series([[1]] + [["b"]] * (rows - 1), dtype=object)),  # a list (its text)
    ]
    digests = [digest(f) for f in changed]
    assert digest(frame) not in digests
    assert len(set(digests)) == len(digests)


@pytest.mark.slow  # whole runs
def test_a_changed_table_rewrites_the_workbook_and_slides(
    result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbook and the slides come from the cache only for the same content: a value
    changed in a table (or a chart's picture) writes them again, and what is written then
    is the file an uncached run writes."""
    calls: list[str] = []
    for module, name in ((workbook, "_write_content"), (slides, "_write_deck")):
        writer = getattr(module, name)

        def named(*args: object, _writer=writer, _name=name) -> object:  # type: ignore[no-untyped-def]
            calls.append(_name)
            return _writer(*args)

        monkeypatch.setattr(module, name, named)
    charts = make_charts(result, tmp_path / "charts")
    changed = with_tables(result, coverage=result.tables["coverage"].assign(n_engaged=99))

    def both(res: RunResult, out: str, cache: Path | None) -> dict[str, bytes]:
        folder = tmp_path / out
        with chart_cache(cache):
            workbook.write_workbook(res, folder / "results.xlsx")
            slides.write_slides(res, charts, folder / "slides.pptx")
        return {p.name: p.read_bytes() for p in folder.iterdir()}

    cache = tmp_path / "cache"
    first = both(result, "a", cache)
    assert both(result, "b", cache) == first
    assert calls == ["_write_content", "_write_deck"]  # the second time: copies
    assert both(changed, "c", cache)["results.xlsx"] != first["results.xlsx"]
    assert calls[2:] == ["_write_content"]  # the slides do not show the engaged counts
    assert both(changed, "d", None) == both(changed, "e", cache)  # the cached ones are the same bytes
    charts[0].png.write_bytes(charts[0].png.read_bytes() + b"\0")  # another picture: new slides
    calls.clear()
    both(changed, "f", cache)
    assert calls == ["_write_deck"]


def test_zip_stamps_make_equal_content_byte_identical(tmp_path: Path) -> None:
    import time
    import zipfile

    paths = []
    for name in ("a.zip", "b.zip"):
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(zipfile.ZipInfo("x.xml", time.localtime()[:6]), "<x/>" * 100)
            archive.writestr(zipfile.ZipInfo("y.xml", (2001 if name == "a.zip" else 2002, 1, 1, 0, 0, 0)), "<y/>")
        paths.append(stamp_zip(path))
    assert paths[0].read_bytes() == paths[1].read_bytes()
    with zipfile.ZipFile(paths[0]) as archive:
        assert archive.testzip() is None
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.slow
def test_a_rerun_with_cached_charts_writes_identical_outputs(
    survey: Survey, registry: Registry, tmp_path: Path, drawn: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole runs: the report, workbook and charts of a run that drew every chart and of one
    that drew none are byte-identical."""
    from pipeline.demo import write_demo_round

    monkeypatch.delenv(CHART_CACHE_ENV)  # the project's own cache, empty at first
    monkeypatch.setenv(WORKERS_ENV, "1")  # drawn here, where the drawings are counted
    layout = Layout(tmp_path)
    spec = survey.model.demo.rounds[0]
    write_demo_round(survey, registry, spec, layout.raw(survey.id, spec.id))

    def outputs() -> dict[str, str]:
        out = layout.outputs(survey.id, spec.id)
        return {
            p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != "manifest.json"
        }

    written: list[str] = []
    original = profiles._write_profile

    def counting(profile: profiles.Profile, result: RunResult, path: Path) -> None:
        written.append(path.name)
        original(profile, result, path)

    monkeypatch.setattr(profiles, "_write_profile", counting)
    writers = (
        (workbook, "_write_content"), (workbook, "_write_sheets"), (slides, "_write_deck"),
        (outline, "_write_report"), (workplan_document, "_write_workplan"),
    )  # fmt: skip
    for module, name in writers:
        writer = getattr(module, name)

        def named(*args: object, _writer=writer, **kwargs: object) -> object:  # type: ignore[no-untyped-def]
            written.append(Path(str(args[-1])).name)
            return _writer(*args, **kwargs)

        monkeypatch.setattr(module, name, named)
    run_round(layout, survey.id, spec.id, force=True, run_date="2026-11-25")
    first = outputs()
    assert sorted(drawn) == sorted([*ALL_CHARTS, "themes"])  # and the open answers' themes
    documents = {"results.xlsx", "slides.pptx", "excerpts.xlsx", "report.docx", "workplan.docx"}
    assert sorted(written) == sorted(
        [*(p.removeprefix("profiles/") for p in first if p.startswith("profiles/")), *documents]
    )
    drawn.clear()
    written.clear()
    run_round(layout, survey.id, spec.id, force=True, run_date="2026-11-25")
    assert drawn == []
    assert written == []  # every profile, the workbooks, report, work plan and slides copied
    assert outputs() == first
    assert {"report.docx", "charts/heatmap.png", "charts/heatmap.svg", *documents} <= set(first)
    assert (layout.chart_cache / "heatmap").is_dir()
    assert layout.chart_cache == tmp_path / "data" / "processed" / ".chart-cache"


def test_a_cached_file_is_written_once_per_content(tmp_path: Path) -> None:
    """cached_file: the same content is copied (same bytes), new content is written, and a
    damaged store is a miss; outside chart_cache the writer always writes."""
    calls: list[str] = []

    def writer(text: str):  # type: ignore[no-untyped-def]
        def write(path: Path) -> None:
            calls.append(text)
            path.write_text(text, encoding="utf-8")

        return write

    frame = pd.DataFrame({"Area": ["Design"], "Score": [0.5]})
    cache = tmp_path / "cache"
    with chart_cache(cache):
        assert not cached_file("doc", [frame, "a"], tmp_path / "1.txt", writer("one"))
        assert cached_file("doc", [frame.copy(), "a"], tmp_path / "2.txt", writer("never"))
        assert not cached_file("doc", [frame.assign(Score=0.6), "a"], tmp_path / "3.txt", writer("three"))
    assert calls == ["one", "three"]
    assert (tmp_path / "2.txt").read_bytes() == (tmp_path / "1.txt").read_bytes()
    stored = list((cache / "files" / "doc").iterdir())
    assert len(stored) == 2
    for path in stored:  # a store that cannot be read as a file: written again
        path.unlink()
        path.mkdir()
    with chart_cache(cache):
        assert not cached_file("doc", [frame, "a"], tmp_path / "4.txt", writer("four"))
    assert not cached_file("doc", [frame, "a"], tmp_path / "5.txt", writer("five"))
    assert calls == ["one", "three", "four", "five"]
    assert sorted(p.name.startswith(".") for p in (cache / "files" / "doc").iterdir()) == [False, False]
