"""One measurement of the benchmark: time and peak memory of one way to process an export.

Each measurement runs in a fresh Python process of its own (``python -m
benchmarks.measure KIND ROOT``, see :func:`measure_in_subprocess`), so that runs do not
share caches or memory and the peak resident memory (Linux ``VmHWM``, reset just before
the timed work) belongs to that measurement alone. Every library the pipeline uses is
imported before the clock and the memory baseline start, so neither counts imports.

Kinds (:data:`KINDS`):

- ``fastexcel``: every sheet read by fastexcel into Arrow record batches (no pandas): the
  physical floor of reading the file;
- ``calamine``: ``pd.read_excel(path, sheet_name=None, engine="calamine")``, the floor
  the targets are judged against; also gives the in-memory size of the raw tables
  (``memory_usage(deep=True)``);
- ``openpyxl``: the same read with ``engine="openpyxl"`` (what a hand-written script does);
- ``pipeline``: the pipeline's ingest + validate + normalise + score of the round
  (:func:`pipeline.rounds.ingest_round`, :func:`~pipeline.validate.validate`,
  :func:`~pipeline.normalise.normalise`, :func:`~pipeline.score.score`);
- ``run``: the whole run, :func:`pipeline.run.run_round` with ``force=True``: analysis,
  processed tables, charts, results workbook, report and manifest.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.generate import EXPORT_NAME, ROUND_ID, SURVEY_ID

KINDS = ("fastexcel", "calamine", "openpyxl", "pipeline", "run")
RUN_DATE = "2026-04-01"
REPORT_STEPS = ("Drawing charts", "Waiting for charts", "Writing results workbook", "Writing report")
REPO = Path(__file__).resolve().parents[1]
RUN_MODULES = (
    "pipeline.analyses",
    "pipeline.excerpts",
    "pipeline.report.chart_loop",
    "pipeline.report.outline",
    "pipeline.report.workbook",
    "pipeline.report.profiles",
    "pipeline.report.slides",
    "pipeline.analyses.workplan.document",
    "matplotlib.pyplot",
)


def _preload(kind: str = "run") -> None:
    """Import everything a measurement of ``kind`` uses, so that imports are outside the
    timing (the bare reads need neither the pipeline nor matplotlib)."""
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401
    import python_calamine  # noqa: F401

    if kind == "fastexcel":
        import fastexcel  # noqa: F401
        import pyarrow  # noqa: F401
    if kind in {"fastexcel", "calamine", "openpyxl"}:
        return
    import pipeline.normalise
    import pipeline.run
    import pipeline.score
    import pipeline.validate  # noqa: F401

    if kind == "run":  # what a run loads on the way (modules moved elsewhere are skipped)
        import importlib

        for name in RUN_MODULES:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise


def _reset_peak() -> int:
    """Reset the process's peak resident memory where Linux allows it; return the current
    resident memory in bytes (the baseline)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_bytes("VmRSS") or 0


def _status_bytes(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _peak_bytes() -> int:
    """Peak resident memory of this process since the last reset (bytes)."""
    peak = _status_bytes("VmHWM")
    if peak is not None:
        return peak
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def export_path(root: Path) -> Path:
    """The benchmark export inside a prepared root."""
    return Path(root) / "data" / "raw" / SURVEY_ID / ROUND_ID / EXPORT_NAME


def measure(kind: str, root: Path) -> dict[str, Any]:
    """Time one ``kind`` of processing on the round prepared in ``root``
    (:func:`benchmarks.generate.prepare_root`), in this process.

    Returns ``{"kind", "seconds", "cpu_seconds", "peak_bytes", "baseline_bytes", ...}``
    (``cpu_seconds``: user + system time of this process, which a busy machine inflates
    less than the wall time; it includes threads, e.g. fastexcel's); ``peak_bytes`` is
    the peak resident memory above the baseline taken just before the timed work;
    ``calamine`` adds ``raw_bytes`` (deep in-memory size of the tables read) and
    ``rows``; ``pipeline`` adds the seconds of each stage; ``run`` adds the run's step
    timings and ``report_seconds`` (charts + workbook + report).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind '{kind}'; expected one of {', '.join(KINDS)}")
    _preload(kind)
    root = Path(root)
    extra: dict[str, Any] = {}
    baseline = _reset_peak()
    start = time.perf_counter()
    cpu_start = time.process_time()
    if kind == "fastexcel":
        import fastexcel

        reader = fastexcel.read_excel(export_path(root))
        batches = {name: reader.load_sheet(name).to_arrow() for name in reader.sheet_names}
        seconds = time.perf_counter() - start
        extra["rows"] = {str(name): b.num_rows for name, b in batches.items()}
    elif kind in {"calamine", "openpyxl"}:
        import pandas as pd

        frames = pd.read_excel(export_path(root), sheet_name=None, engine=kind)
        seconds = time.perf_counter() - start
        extra["raw_bytes"] = int(sum(f.memory_usage(deep=True).sum() for f in frames.values()))
        extra["rows"] = {str(name): len(f) for name, f in frames.items()}
    elif kind == "pipeline":
        extra["stages"] = _pipeline_stages(root)
        seconds = time.perf_counter() - start
    else:
        from pipeline.paths import Layout
        from pipeline.run import run_round

        outcome = run_round(Layout(root), SURVEY_ID, ROUND_ID, force=True, run_date=RUN_DATE)
        seconds = time.perf_counter() - start
        extra["steps"] = dict(outcome.timings)
        extra["report_seconds"] = round(sum(outcome.timings.get(s, 0.0) for s in REPORT_STEPS), 3)
        extra["warnings"] = outcome.log.counts().get("warning", 0)
    cpu = time.process_time() - cpu_start
    peak = _peak_bytes()
    return {
        "kind": kind,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_bytes": max(0, peak - baseline),
        "baseline_bytes": baseline,
        **extra,
    }


def _pipeline_stages(root: Path) -> dict[str, float]:
    """Ingest, validate, normalise and score the benchmark round; seconds of each stage."""
    from pipeline.errors import IssueLog
    from pipeline.normalise import normalise
    from pipeline.paths import Layout
    from pipeline.rounds import ingest_round, open_survey
    from pipeline.score import score
    from pipeline.validate import validate

    stages: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[name] = round(now - clock, 4)
        clock = now

    layout = Layout(root)
    log = IssueLog()
    survey, registry = open_survey(layout, SURVEY_ID, ROUND_ID)
    lap("open")
    raw, _ = ingest_round(layout, survey, registry, ROUND_ID, log)
    lap("ingest")
    checked = validate(raw, survey, registry, log)
    lap("validate")
    if log.has_errors():
        raise RuntimeError(f"the benchmark round has errors: {log.errors[:3]}")
    responses = normalise(raw, survey, registry, ROUND_ID, log, checked)
    lap("normalise")
    score(responses.submissions, survey)
    lap("score")
    return stages


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a measured process: this one's, with the repository importable,
    ``extra`` on top, and Python's bytecode cache allowed. An installed pipeline has its
    modules compiled (pip does it on install; a development copy keeps ``__pycache__``),
    while some machines (this CI's among them) set ``PYTHONDONTWRITEBYTECODE``, which makes
    every process compile the pipeline's sources again: 0.1-0.2 s that an analyst does not
    wait for."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(REPO), **extra}


def measure_in_subprocess(kind: str, root: Path, timeout: float = 900) -> dict[str, Any]:
    """:func:`measure` in a fresh Python process; its result."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", kind, str(root)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=process_env(),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"measurement '{kind}' failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m benchmarks.measure KIND ROOT", file=sys.stderr)
        return 2
    print(json.dumps(measure(args[0], Path(args[1]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
