"""Shared fixtures: the repository root, the e-waste survey definition and the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

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
