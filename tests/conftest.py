"""Shared fixtures: the repository root, the e-waste survey definition, the registry and
a small example round."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pipeline.exports import example_round
from pipeline.paths import CHART_CACHE_ENV
from pipeline.registry import Registry, load_registry
from pipeline.report.office import NO_PDF_ENV
from pipeline.spec import Survey, load_survey

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def shared_chart_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One chart cache for every run of the session (and the processes it starts): a
    chart the same in several tests' runs is drawn once. Tests of the cache itself unset
    it."""
    folder = tmp_path_factory.mktemp("chart-cache")
    before = os.environ.get(CHART_CACHE_ENV)
    os.environ[CHART_CACHE_ENV] = str(folder)
    yield folder
    if before is None:
        os.environ.pop(CHART_CACHE_ENV, None)
    else:
        os.environ[CHART_CACHE_ENV] = before


@pytest.fixture(scope="session", autouse=True)
def no_pdf() -> Iterator[None]:
    """No LibreOffice step in the tests' runs (no PDF, no page numbers in the contents):
    it takes seconds per document and is not installed everywhere. The tests of that step
    (tests/test_office.py) switch it back on."""
    before = os.environ.get(NO_PDF_ENV)
    os.environ[NO_PDF_ENV] = "1"
    yield
    if before is None:
        os.environ.pop(NO_PDF_ENV, None)
    else:
        os.environ[NO_PDF_ENV] = before


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def survey(root: Path) -> Survey:
    """The e-waste IMG survey definition."""
    return load_survey(root / "surveys" / "ewaste_img")


@pytest.fixture(scope="session")
def registry(root: Path) -> Registry:
    """The entity registry."""
    return load_registry(root / "data" / "reference" / "entities.csv")


@pytest.fixture(scope="module")
def example(survey: Survey, registry: Registry) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Four deterministic e-waste submissions as canonical wide tables (main, repeats by
    name), from :func:`pipeline.exports.example_round`; built once per test module."""
    return example_round(survey, registry, n=4)


# -- work units for two processes (pytest-xdist, `-n 2 --dist loadfile`) ------------------------
# Modules whose tests are one work unit per parameter value rather than one per module: the
# module-scoped fixture they share is parametrised (test_every_survey.py: one demo per survey).
SPLIT_BY_PARAMETER = frozenset({"tests/test_every_survey.py"})


def _unit(nodeid: str) -> str:
    """The work unit of a test id: its module, or for a module of ``SPLIT_BY_PARAMETER`` its
    module and parameter (``tests/test_every_survey.py[ewaste_img]``)."""
    module, _, rest = nodeid.partition("::")
    if module in SPLIT_BY_PARAMETER and rest.endswith("]"):
        return f"{module}[{rest.rsplit('[', 1)[1]}"
    return module


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown without it (-p no:xdist)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadfile`` as pytest-xdist does it (a module's tests on one worker, sharing
    its module-scoped fixtures), but with the units of :func:`_unit`, so that the four
    demos of ``test_every_survey.py`` run on both workers, and in the order of
    :func:`pytest_collection_modifyitems` instead of by number of tests. (xdist's own
    ``--dist loadgroup`` cannot do it under pytest 9: it renames the tests' ids, which
    pytest 9 no longer reads.)"""
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class UnitScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid)

    config.option.loadscopereorder = False
    return UnitScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Work units (:func:`_unit`) with the most slow tests first, then the largest, each
    unit's tests together and in pytest's own order: the long whole runs start while the
    other worker takes the many short files, and none is left to start last. The order is
    the same in every worker, as xdist requires."""
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        units.setdefault(_unit(item.nodeid), []).append(item)
    ordered = sorted(units.values(), key=lambda members: (-_slow(members), -len(members)))
    items[:] = [item for members in ordered for item in members]


def _slow(items: list[pytest.Item]) -> int:
    return sum(1 for item in items if item.get_closest_marker("slow"))
