"""Deterministic KoboToolbox exports of the e-waste survey at benchmark scale.

Two kinds of round of N submissions (:data:`SCENARIOS`):

- ``offices``: a system-wide survey of country offices. The benchmark's registry holds the
  51 entities of ``data/reference/entities.csv`` and, beyond them, synthetic country
  offices (``CO00052`` ...) so that it has ``max(51, N)`` entities. Nine submissions in ten
  come from distinct entities; the tenth is an earlier draft of one of them (same answers,
  six days earlier), which the latest-wins rule drops. The number of entities the analysis
  sees grows with N (0.9 N): every per-entity table grows with the data.
- ``agencies``: the registry's 51 entities send all N submissions (about N / 51 each, as
  when a form is re-submitted many times); latest wins, so the analysis sees at most 51
  entities whatever N is. This isolates the cost of the submissions themselves: what the
  report, charts and workbook show is per entity and per dimension.

Answers come from :func:`pipeline.demo.synthetic_answers` in blocks of
:data:`BLOCK` respondents (a block is a region: collaborations are named within it, which
keeps generation linear in N); the export is written by
:func:`pipeline.exports.write_kobo_xlsx`, with its ``projects`` repeat sheet.

Generated files are cached under ``benchmarks/data/`` (git-ignored), keyed by N and by a
hash of the code and definitions that make them (:func:`code_version`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.demo import DemoRound, pick_respondents, synthetic_answers
from pipeline.exports import write_kobo_xlsx
from pipeline.paths import SOURCE_ROOT
from pipeline.registry import REGISTRY_COLUMNS, Registry, load_registry
from pipeline.spec import Survey, load_survey

SURVEY_ID = "ewaste_img"
ROUND_ID = "2026-BENCH"
SIZES = (100, 1_000, 10_000)
SCENARIOS = ("offices", "agencies")
BLOCK = 100
DRAFT_SHARE = 0.1
SEED = 2026
CACHE = Path(__file__).resolve().parent / "data"
EXPORT_NAME = "ewaste_img_kobo_export.xlsx"
REGISTRY_NAME = "entities.csv"
# what the generated files depend on: a change to any of these makes a new cache key
VERSION_SOURCES = (
    "benchmarks/generate.py",
    "pipeline/demo.py",
    "pipeline/exports.py",
    "pipeline/forms.py",
    "pipeline/form_texts.py",
    f"surveys/{SURVEY_ID}/survey.yaml",
    "data/reference/entities.csv",
)


@dataclass(frozen=True)
class BenchmarkInput:
    """The cached files of one size: the Kobo export and the registry it was made for."""

    n_submissions: int
    export: Path
    registry: Path
    scenario: str = "offices"


def code_version() -> str:
    """A short hash of the files that determine the generated exports."""
    digest = hashlib.sha256()
    for rel in VERSION_SOURCES:
        digest.update(rel.encode())
        digest.update((SOURCE_ROOT / rel).read_bytes())
    return digest.hexdigest()[:12]


def benchmark_registry(base: Registry, n_entities: int) -> pd.DataFrame:
    """The registry table of ``base`` extended with synthetic country offices to
    ``n_entities`` rows (never fewer than ``base``); columns as ``entities.csv``."""
    extra = max(0, n_entities - len(base))
    start = len(base) + 1
    numbers = [f"{i:05d}" for i in range(start, start + extra)]
    offices = pd.DataFrame(
        {
            "entity_id": [f"CO{k}" for k in numbers],
            "acronym": [f"CO-{k}" for k in numbers],
            "full_name": [f"UN country office {k}" for k in numbers],
            "aliases": "",
            "entity_type": "country office",
            "verified": "no",
            "member_since": "",
            "notes": "synthetic, for the benchmark",
        },
        dtype="string",
    )
    table = pd.concat([base.table[REGISTRY_COLUMNS].astype("string"), offices], ignore_index=True)
    return table.fillna("")


def benchmark_answers(
    survey: Survey,
    registry: Registry,
    n_submissions: int,
    seed: int = SEED,
    scenario: str = "offices",
) -> DemoRound:
    """Canonical wide answers of ``n_submissions`` submissions with their ``projects``
    repeat rows; deterministic. ``offices``: from distinct entities, a tenth of them
    earlier drafts of another submission; ``agencies``: every registry entity in turn."""
    demo = survey.model.demo
    if scenario == "agencies":
        n_drafts = 0
        rng = np.random.default_rng(seed)
        respondents = [registry.ids[i % len(registry)] for i in rng.permutation(n_submissions)]
    else:
        n_drafts = int(n_submissions * DRAFT_SHARE)
        always = demo.always_respond if demo else []
        respondents = pick_respondents(registry, n_submissions - n_drafts, seed, always)
    mains: list[pd.DataFrame] = []
    repeats: dict[str, list[pd.DataFrame]] = {s: [] for s in survey.repeat_sections}
    for b, start in enumerate(range(0, len(respondents), BLOCK)):
        block = synthetic_answers(
            survey,
            registry,
            respondents[start : start + BLOCK],
            seed=seed * 1000 + b,
            boost=demo.boost if demo else None,
            pull=demo.pull if demo else None,
        )
        mains.append(block.main)
        for section, frame in block.repeats.items():
            repeats[section].append(frame)
    main = pd.concat(mains, ignore_index=True)
    rep = {s: pd.concat(fs, ignore_index=True) for s, fs in repeats.items()}
    main, rep = _add_drafts(main, rep, n_drafts, seed)
    return DemoRound(main=main, repeats=rep)


def _add_drafts(
    main: pd.DataFrame, repeats: dict[str, pd.DataFrame], n_drafts: int, seed: int
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Add ``n_drafts`` earlier copies of submissions (with their repeat rows); rows in
    order of submission time, as Kobo lists them."""
    rng = np.random.default_rng(seed + 1)
    picked = np.sort(rng.choice(len(main), size=min(n_drafts, len(main)), replace=False))
    drafts = main.iloc[picked].copy()
    renamed = dict(zip(drafts["_submission_id"], drafts["_submission_id"] + ":draft", strict=True))
    drafts["_submission_id"] = drafts["_submission_id"].map(renamed).astype("string")
    earlier = pd.to_datetime(drafts["_submitted_at"], utc=True) - pd.Timedelta(days=6)
    drafts["_submitted_at"] = earlier.dt.strftime("%Y-%m-%dT%H:%M:%S%z").astype("string")
    main = pd.concat([main, drafts], ignore_index=True)
    order = pd.to_datetime(main["_submitted_at"], utc=True).argsort(kind="stable")
    main = main.iloc[order].reset_index(drop=True)
    out: dict[str, pd.DataFrame] = {}
    for section, frame in repeats.items():
        copies = frame[frame["_submission_id"].isin(renamed)].copy()
        copies["_submission_id"] = copies["_submission_id"].map(renamed).astype("string")
        out[section] = pd.concat([frame, copies], ignore_index=True)
    return main, out


def benchmark_input(
    n_submissions: int, cache: Path = CACHE, scenario: str = "offices"
) -> BenchmarkInput:
    """The export and registry of ``n_submissions`` submissions of a scenario
    (:data:`SCENARIOS`), generated once and cached under
    ``cache/<scenario>-n<N>-<code version>/``."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario '{scenario}'; expected one of {', '.join(SCENARIOS)}")
    folder = Path(cache) / f"{scenario}-n{n_submissions}-{code_version()}"
    found = BenchmarkInput(n_submissions, folder / EXPORT_NAME, folder / REGISTRY_NAME, scenario)
    if found.export.is_file() and found.registry.is_file():
        return found
    stage = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    base = load_registry(SOURCE_ROOT / "data" / "reference" / "entities.csv")
    table = benchmark_registry(base, n_submissions if scenario == "offices" else 0)
    table.to_csv(stage / REGISTRY_NAME, index=False, encoding="utf-8")
    registry = load_registry(stage / REGISTRY_NAME)
    survey = load_survey(SOURCE_ROOT / "surveys" / SURVEY_ID)
    answers = benchmark_answers(survey, registry, n_submissions, scenario=scenario)
    write_kobo_xlsx(
        answers.main, answers.repeats, survey, registry, stage / EXPORT_NAME,
        split_multiple="except-entities",
    )
    shutil.rmtree(folder, ignore_errors=True)
    stage.rename(folder)
    return found


def prepare_root(inputs: BenchmarkInput, root: Path) -> Path:
    """Lay out a project root for a run on ``inputs``: the export under
    ``root/data/raw/<survey>/<round>/`` and the registry as
    ``root/data/reference/entities.csv`` (which :class:`pipeline.paths.Layout` prefers to
    the source tree's). Survey definitions come from the source tree. Returns ``root``."""
    root = Path(root)
    raw = root / "data" / "raw" / SURVEY_ID / ROUND_ID
    raw.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(inputs.export, raw / EXPORT_NAME)
    reference = root / "data" / "reference"
    reference.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(inputs.registry, reference / REGISTRY_NAME)
    return root
