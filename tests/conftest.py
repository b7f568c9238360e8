"""Shared fixtures: the repository root, the e-waste survey definition, the registry and
a small example round."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.exports import example_round
from pipeline.registry import Registry, load_registry
from pipeline.spec import Survey, load_survey

ROOT = Path(__file__).resolve().parents[1]


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
