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
