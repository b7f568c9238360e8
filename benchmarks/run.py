"""``make bench``: the pipeline at survey-system scale, side by side with a bare read.

For each scenario and size (:data:`CASES`) it prepares a project root in a temporary
folder (the cached export of :mod:`benchmarks.generate` and its registry), then measures,
each repetition in a fresh process (:mod:`benchmarks.measure`) and the kinds interleaved so
that a busy machine slows them alike: the bare calamine read (the floor), the openpyxl
read, ingest + validate + normalise + score, and the whole run. Then ``emg-pipeline run``
on the unchanged inputs (it must answer "up to date" without rewriting a file), and
finally the three-survey demo. Medians, ratios to the floor and peak memory go into a
Markdown table, printed and written between the markers of ``docs/performance.md``.

    python -m benchmarks.run                  # everything (a few minutes)
    python -m benchmarks.run --sizes 100 --reps 1 --no-demo --out /tmp/perf.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.generate import (
    CACHE,
    ROUND_ID,
    SURVEY_ID,
    BenchmarkInput,
    benchmark_input,
    code_version,
    prepare_root,
)
from benchmarks.measure import RUN_DATE, measure, measure_in_subprocess, process_env

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
# (scenario, N submissions); the agencies scenario needs no openpyxl read (same file shape)
CASES: tuple[tuple[str, int], ...] = (
    ("offices", 100),
    ("offices", 1_000),
    ("offices", 10_000),
    ("agencies", 100),
    ("agencies", 10_000),
)
KINDS = {
    "offices": ("fastexcel", "calamine", "openpyxl", "pipeline", "run"),
    "agencies": ("fastexcel", "calamine", "pipeline", "run"),
}
LARGE = 10_000  # the size the targets are judged at
OPENPYXL_MAX = 1_000  # the openpyxl read (12x the floor whatever N) is not repeated above this
NO_PDF = {"EMG_NO_PDF": "1"}  # LibreOffice's PDFs are timed apart (pdf_cold/pdf_warm)
FEW_FROM = 1_000  # from this size on, 3 repetitions instead of 5
TARGET_PIPELINE_RATIO = 1.5
TARGET_REPORT_RATIO = 1.5  # "about the same time": at most 1.5 x the time at N = 100
TARGET_UP_TO_DATE_S = 1.0
TARGET_DEMO_S = 10.0
TARGET_ROUND_S = 3.0  # a round of ~50 agencies, the whole `emg-pipeline run`, start-up included
TARGET_RERUN_S = 1.5  # the same, charts unchanged (from the chart cache)
ROUND_CASE = ("agencies", 100)  # 100 submissions from the 51 registry entities
TARGET_MEMORY_RATIO = 4.0
MB = 2**20


@dataclass
class CaseResult:
    """The medians of one scenario and size."""

    scenario: str
    n: int
    entities: int
    rows: dict[str, int]
    raw_bytes: int
    seconds: dict[str, float]  # kind -> median seconds
    peak_bytes: dict[str, int]  # kind -> highest peak seen
    report_seconds: float
    steps: dict[str, float]  # step of the whole run -> median seconds
    stages: dict[str, float]  # stage of ingest + validate + normalise + score -> median
    up_to_date: dict[str, Any] = field(default_factory=dict)
    cli_run: dict[str, Any] = field(default_factory=dict)
    repetitions: int = 0


def _median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def _medians(dicts: list[dict[str, float]]) -> dict[str, float]:
    keys = [k for d in dicts for k in d]
    return {k: _median([d[k] for d in dicts if k in d]) for k in dict.fromkeys(keys)}


def measure_case(
    inputs: BenchmarkInput,
    root: Path,
    reps: int,
    in_process: bool = False,
    log: Callable[[str], None] = print,
    whole_run: bool = True,
) -> CaseResult:
    """Measure every kind of :data:`KINDS` ``reps`` times on one prepared root (without
    the whole run when not ``whole_run``)."""
    kinds = tuple(
        k
        for k in KINDS[inputs.scenario]
        if (whole_run or k != "run") and (k != "openpyxl" or inputs.n_submissions <= OPENPYXL_MAX)
    )
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    for rep in range(reps):
        for kind in kinds:
            found = measure(kind, root) if in_process else measure_in_subprocess(kind, root)
            runs[kind].append(found)
            log(f"  {inputs.scenario} N={inputs.n_submissions} {kind} #{rep + 1}: {found['seconds']:.2f} s")
    calamine = runs["calamine"][0]
    registry_rows = sum(1 for _ in inputs.registry.open(encoding="utf-8")) - 1
    return CaseResult(
        scenario=inputs.scenario,
        n=inputs.n_submissions,
        entities=_entities(root, registry_rows),
        rows=calamine["rows"],
        raw_bytes=calamine["raw_bytes"],
        seconds={k: _median([r["seconds"] for r in rs]) for k, rs in runs.items()},
        peak_bytes={k: max(r["peak_bytes"] for r in rs) for k, rs in runs.items()},
        report_seconds=_median([r["report_seconds"] for r in runs.get("run", [])]),
        steps=_medians([r["steps"] for r in runs.get("run", [])]),
        stages=_medians([r["stages"] for r in runs["pipeline"]]),
        repetitions=reps,
    )


def _entities(root: Path, fallback: int) -> int:
    """How many entities the last run kept (rows of submissions.csv)."""
    path = root / "data" / "processed" / SURVEY_ID / ROUND_ID / "submissions.csv"
    try:
        import pandas as pd

        return len(pd.read_csv(path, usecols=["entity_id"]))
    except (OSError, ValueError):
        return fallback


def cli() -> list[str]:
    """The installed ``emg-pipeline`` command (else ``python -m pipeline``)."""
    script = Path(sys.executable).parent / "emg-pipeline"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "pipeline"]


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(modification time, size) of every file the run writes."""
    out: dict[str, tuple[int, int]] = {}
    for folder in (root / "outputs", root / "data" / "processed"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                out[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return out


def measure_up_to_date(root: Path, reps: int) -> dict[str, Any]:
    """Time ``emg-pipeline run`` on unchanged inputs (a fresh process each time, so the
    time includes starting Python): it must say "up to date" and rewrite nothing."""
    before = _snapshot(root)
    seconds: list[float] = []
    said = True
    for _ in range(reps):
        start = time.perf_counter()
        done = subprocess.run(
            [*cli(), "run", SURVEY_ID, "--round", ROUND_ID, "--root", str(root), "--run-date", RUN_DATE, "--quiet"],
            capture_output=True,
            text=True,
            check=False,
            env=process_env(),
        )
        seconds.append(time.perf_counter() - start)
        said = said and done.returncode == 0 and "up to date" in done.stdout
    after = _snapshot(root)
    return {
        "seconds": _median(seconds),
        "said_up_to_date": said,
        "unchanged": bool(before) and before == after,
        "files": len(after),
    }


def measure_cli_run(root: Path, reps: int, pdf: bool = False) -> dict[str, Any]:
    """Time ``emg-pipeline run --force`` as an analyst starts it (a fresh process: Python
    start-up and imports included), first with an empty chart cache (every chart drawn),
    then again with the charts unchanged (every chart copied from the cache)."""
    cache = root / "data" / "processed" / ".chart-cache"
    env = {k: v for k, v in process_env().items() if k != "EMG_CHART_CACHE"}
    cold: list[float] = []
    warm: list[float] = []
    ok = True
    with_pdf: list[float] = []
    cpu: dict[int, list[float]] = {}

    def run(times: list[float], extra: dict[str, str]) -> bool:
        start, before = time.perf_counter(), _children_cpu()
        done = subprocess.run(
            [*cli(), "run", SURVEY_ID, "--round", ROUND_ID, "--root", str(root), "--run-date", RUN_DATE,
             "--force", "--quiet"],
            capture_output=True,
            text=True,
            check=False,
            env={**env, **extra},
        )
        times.append(time.perf_counter() - start)
        cpu.setdefault(id(times), []).append(_children_cpu() - before)
        return done.returncode == 0

    for _ in range(reps):
        shutil.rmtree(cache, ignore_errors=True)
        for times in (cold, warm):
            ok = run(times, NO_PDF) and ok
    found: dict[str, Any] = {
        "cold": _median(cold), "warm": _median(warm), "ok": ok, "runs": len(cold),
        "cold_cpu": _median(cpu[id(cold)]), "warm_cpu": _median(cpu[id(warm)]),
    }
    if pdf:  # with LibreOffice's PDFs: cold (every chart, PDF made), then warm
        shutil.rmtree(cache, ignore_errors=True)
        for _ in range(2):
            found["pdf_ok"] = run(with_pdf, {"EMG_NO_PDF": ""}) and found.get("pdf_ok", True)
        found["pdf_cold"], found["pdf_warm"] = with_pdf
    return found


def _children_cpu() -> float:
    """User + system CPU seconds of the child processes waited for so far (LibreOffice's
    own processes, started in a session of their own, are not counted)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_demo(reps: int, log: Callable[[str], None] = print, pdf: bool = False) -> dict[str, Any]:
    """Time ``emg-pipeline demo`` (every survey: inputs written, then every round run,
    the comparison and the comments) in a fresh empty project folder each time, without
    LibreOffice's PDFs; then once with them when LibreOffice is installed (``pdf``)."""

    def once(label: str, extra: dict[str, str]) -> tuple[float, bool]:
        with tempfile.TemporaryDirectory(prefix="emg-demo-") as folder:
            start, before = time.perf_counter(), _children_cpu()
            done = subprocess.run(
                [*cli(), "demo", "--root", folder, "--quiet"],
                capture_output=True,
                text=True,
                check=False,
                env=process_env(**extra),
            )
            seconds = time.perf_counter() - start
            cpus.append(_children_cpu() - before)
            log(f"  demo {label}: {seconds:.2f} s, {cpus[-1]:.1f} s CPU (exit {done.returncode})")
            return seconds, done.returncode == 0

    cpus: list[float] = []
    timed = [once(f"#{rep + 1}", NO_PDF) for rep in range(reps)]
    seconds = [t for t, _ in timed]
    found: dict[str, Any] = {
        "seconds": _median(seconds), "ok": all(ok for _, ok in timed), "runs": [round(s, 2) for s in seconds],
        "cpu": _median(cpus),
    }
    if pdf:
        found["pdf"], found["pdf_ok"] = once("with PDFs", {"EMG_NO_PDF": ""})
    return found


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    import numpy
    import openpyxl
    import pandas
    import python_calamine

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 2**20:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    calamine_version = getattr(python_calamine, "__version__", "")
    if not calamine_version:
        from importlib.metadata import version

        calamine_version = version("python-calamine")
    return {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{cpu}, {os.cpu_count()} cores, {memory} RAM, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": (
            f"pandas {pandas.__version__}, numpy {numpy.__version__}, openpyxl {openpyxl.__version__}, "
            f"python-calamine {calamine_version}"
        ),
        "load": _load(),
        "code": code_version(),
    }


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# -- the table ------------------------------------------------------------------------------
def _s(x: float) -> str:
    return "-" if x != x else (f"{x:.3f}" if x < 0.1 else f"{x:.2f}")


def _mb(x: float) -> str:
    return f"{x / MB:.1f}"


def _times(x: float, floor: float) -> str:
    return f"{_s(x)} ({x / floor:.1f}x)" if floor > 0 and x == x else _s(x)


def render(results: list[CaseResult], demo: dict[str, Any] | None, info: dict[str, str]) -> str:
    """The Markdown that goes between the markers of docs/performance.md."""
    lines = [
        f"Measured {info['date']} (load average at the start and the end: {info['load']}) on "
        f"{info['machine']}; Python {info['python']}, {info['versions']}; generated inputs "
        f"version {info['code']}. Times are medians of {_reps_text(results)} repetitions, each "
        "in a fresh process (the pipeline's bytecode compiled, as in an installed copy); peak "
        "memory is the highest of them, above what the process held before the timed work.",
        "",
    ]
    for scenario, title in (
        ("offices", "Country offices: N submissions from 0.9 N entities (entities grow with N)"),
        ("agencies", "Agencies: N submissions from the 51 registry entities (latest wins)"),
    ):
        rows = [r for r in results if r.scenario == scenario]
        if not rows:
            continue
        lines += [f"**{title}**", "", _case_table(rows), ""]
    lines += ["**Targets**", "", _targets_table(results, demo), ""]
    big = max(results, key=lambda r: (bool(r.steps), r.n, r.scenario == "offices"))
    lines += [
        f"**Where the time goes** ({big.scenario}, N = {big.n:,}; medians in seconds)",
        "",
        "| Step of the whole run | s |",
        "|---|---:|",
        *[f"| {name} | {_s(v)} |" for name, v in big.steps.items()],
        "",
        "| Stage of ingest + validate + normalise + score | s |",
        "|---|---:|",
        *[f"| {name} | {_s(v)} |" for name, v in big.stages.items()],
        "",
        "| Up-to-date check (`emg-pipeline run`, unchanged inputs) | s | said up to date | files unchanged |",
        "|---|---:|---|---|",
        *[
            f"| {r.scenario}, N = {r.n:,} | {_s(r.up_to_date.get('seconds', float('nan')))} | "
            f"{_yes(r.up_to_date.get('said_up_to_date'))} | {_yes(r.up_to_date.get('unchanged'))} "
            f"({r.up_to_date.get('files', 0)} files) |"
            for r in results
            if r.up_to_date
        ],
    ]
    if demo:
        lines += [
            "",
            f"Demo (`emg-pipeline demo` in an empty folder, every survey): median {_s(demo['seconds'])} s "
            f"(runs: {', '.join(_s(s) for s in demo['runs'])} s), {'all exit 0' if demo['ok'] else 'FAILED'}.",
        ]
    return "\n".join(lines) + "\n"


def _reps_text(results: list[CaseResult]) -> str:
    reps = sorted({r.repetitions for r in results})
    return " or ".join(str(r) for r in reps)


def _yes(flag: Any) -> str:
    return "yes" if flag else "NO"


def _case_table(rows: list[CaseResult]) -> str:
    head = (
        "| N | entities | rows (main + projects) | raw tables MB | fastexcel to Arrow s | calamine read s (floor) | "
        "openpyxl read s | ingest + validate + normalise + score s | whole run s | "
        "report + charts + workbook s | peak MB: floor / pipeline / whole run (x raw) |"
    )
    out = [head, "|" + "---:|" * 11]
    for r in rows:
        floor = r.seconds["calamine"]
        raw = r.raw_bytes
        peaks = " / ".join(
            f"{_mb(r.peak_bytes[k])} ({r.peak_bytes[k] / raw:.1f}x)" if k in r.peak_bytes else "-"
            for k in ("calamine", "pipeline", "run")
        )
        out.append(
            f"| {r.n:,} | {r.entities:,} | {' + '.join(f'{v:,}' for v in r.rows.values())} | {_mb(raw)} | "
            f"{_times(r.seconds['fastexcel'], floor) if 'fastexcel' in r.seconds else '-'} | {_s(floor)} | {_times(r.seconds['openpyxl'], floor) if 'openpyxl' in r.seconds else '-'} | "
            f"{_times(r.seconds['pipeline'], floor)} | {_times(r.seconds.get('run', float('nan')), floor)} | "
            f"{_s(r.report_seconds)} | {peaks} |"
        )
    return "\n".join(out)


def _find(results: list[CaseResult], scenario: str, n: int) -> CaseResult | None:
    return next((r for r in results if r.scenario == scenario and r.n == n), None)


def _targets_table(results: list[CaseResult], demo: dict[str, Any] | None) -> str:
    out = ["| Target | Measured | Met |", "|---|---|---|"]
    for scenario in ("offices", "agencies"):
        big = _find(results, scenario, LARGE) or max(
            (r for r in results if r.scenario == scenario), key=lambda r: r.n, default=None
        )
        if big is None:
            continue
        ratio = big.seconds["pipeline"] / big.seconds["calamine"]
        out.append(
            f"| ingest + validate + score at N = {big.n:,} ({scenario}) within {TARGET_PIPELINE_RATIO}x "
            f"the bare calamine read | {ratio:.1f}x ({_s(big.seconds['pipeline'])} s vs "
            f"{_s(big.seconds['calamine'])} s; fastexcel to Arrow, the physical floor: "
            f"{_s(big.seconds.get('fastexcel', float('nan')))} s) | {_yes(ratio <= TARGET_PIPELINE_RATIO)} |"
        )
        small = _find(results, scenario, 100)
        if small is not None and small is not big and "run" in big.seconds:
            growth = big.report_seconds / small.report_seconds
            out.append(
                f"| report, charts and workbook about the same at N = 100 and N = {big.n:,} ({scenario}; "
                f"at most {TARGET_REPORT_RATIO}x) | {_s(small.report_seconds)} s -> {_s(big.report_seconds)} s "
                f"({growth:.1f}x) | {_yes(growth <= TARGET_REPORT_RATIO)} |"
            )
        memory = big.peak_bytes["pipeline"] / big.raw_bytes
        whole = big.peak_bytes.get("run", float("nan")) / big.raw_bytes
        whole_met = _yes(whole <= TARGET_MEMORY_RATIO).lower() if whole == whole else "not measured"
        out.append(
            f"| peak memory under {TARGET_MEMORY_RATIO:.0f}x the raw tables at N = {big.n:,} ({scenario}) | "
            f"ingest..score {memory:.1f}x, whole run {'-' if whole != whole else f'{whole:.1f}x'} (raw "
            f"{_mb(big.raw_bytes)} MB) | {_yes(memory <= TARGET_MEMORY_RATIO)} (whole run: {whole_met}) |"
        )
    checks = [r.up_to_date for r in results if r.up_to_date]
    if checks:
        slowest = max(c["seconds"] for c in checks)
        fine = all(c["said_up_to_date"] and c["unchanged"] for c in checks)
        out.append(
            f"| `emg-pipeline run` on unchanged inputs: \"up to date\" in under {TARGET_UP_TO_DATE_S:.0f} s, "
            f"nothing rewritten | slowest {_s(slowest)} s; {'nothing rewritten' if fine else 'REWROTE or re-ran'} | "
            f"{_yes(slowest < TARGET_UP_TO_DATE_S and fine)} |"
        )
    for r in results:
        if r.cli_run:
            cold, warm, ok = r.cli_run["cold"], r.cli_run["warm"], r.cli_run["ok"]
            out.append(
                f"| `emg-pipeline run --force`, a round of {r.entities} agencies ({r.n} submissions), "
                f"start-up included, at most {TARGET_ROUND_S:.0f} s | {_s(cold)} s ({_cpu(r.cli_run, 'cold_cpu')}) | "
                f"{_yes(ok and cold <= TARGET_ROUND_S)} |"
            )
            out.append(
                f"| the same rerun, charts unchanged (copied from the chart cache), at most {TARGET_RERUN_S} s | "
                f"{_s(warm)} s ({_cpu(r.cli_run, 'warm_cpu')}) | {_yes(ok and warm <= TARGET_RERUN_S)} |"
            )
            if "pdf_cold" in r.cli_run:
                out.append(
                    f"| the same two runs with LibreOffice's PDFs (report and work plan; the second "
                    f"from the cache) | {_s(r.cli_run['pdf_cold'])} s, rerun {_s(r.cli_run['pdf_warm'])} s"
                    f"{'' if r.cli_run.get('pdf_ok') else ' (FAILED)'} | - |"
                )
    if demo:
        out.append(
            f"| `emg-pipeline demo` (every survey's demo rounds, no PDF) under {TARGET_DEMO_S:.0f} s | "
            f"{_s(demo['seconds'])} s ({_cpu(demo, 'cpu')}) | {_yes(demo['ok'] and demo['seconds'] < TARGET_DEMO_S)} |"
        )
        if "pdf" in demo:
            out.append(
                f"| the demo with LibreOffice's PDFs | {_s(demo['pdf'])} s"
                f"{'' if demo.get('pdf_ok') else ' (FAILED)'} | - |"
            )
    return "\n".join(out)


def _cpu(found: dict[str, Any], key: str) -> str:
    return f"{_s(found[key])} s of CPU" if key in found else "CPU not measured"


def write_doc(table: str, path: Path) -> Path:
    """Put ``table`` between the markers of ``path`` (the prose around them is kept); a
    missing file or missing markers: the table is written as the whole file."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = f"{head}{BEGIN}\n{table}{END}{tail}"
    else:
        text = f"# Performance\n\n{BEGIN}\n{table}{END}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- running it all -------------------------------------------------------------------------
def run_benchmark(
    cases: tuple[tuple[str, int], ...] = CASES,
    reps: int | None = None,
    demo_reps: int = 1,
    up_to_date_reps: int = 3,
    cache: Path = CACHE,
    in_process: bool = False,
    log: Callable[[str], None] = print,
    whole_run_max: int | None = None,
) -> tuple[list[CaseResult], dict[str, Any] | None]:
    """Generate (or reuse) the inputs and measure every case; then the demo
    (``demo_reps=0``: no demo). ``reps``: repetitions per measurement (default 5, or 3
    from N = 1,000). ``in_process``: measure in this process (for the smoke test).
    ``whole_run_max``: country-office cases of more submissions skip the whole run."""
    results: list[CaseResult] = []
    import compileall

    from pipeline.report.office import office_on

    compileall.compile_dir(REPO / "pipeline", quiet=1)  # as an installed copy is (see process_env)

    pdf = office_on()  # LibreOffice here, and not switched off (the test suite does)
    saved = os.environ.get("EMG_NO_PDF")
    os.environ.update(NO_PDF)  # every measurement without LibreOffice, but those that say so
    try:
        return _run_cases(cases, reps, demo_reps, up_to_date_reps, cache, in_process, log, whole_run_max, results, pdf)
    finally:
        if saved is None:
            os.environ.pop("EMG_NO_PDF", None)
        else:
            os.environ["EMG_NO_PDF"] = saved


def _run_cases(
    cases: tuple[tuple[str, int], ...],
    reps: int | None,
    demo_reps: int,
    up_to_date_reps: int,
    cache: Path,
    in_process: bool,
    log: Callable[[str], None],
    whole_run_max: int | None,
    results: list[CaseResult],
    pdf: bool,
) -> tuple[list[CaseResult], dict[str, Any] | None]:
    with tempfile.TemporaryDirectory(prefix="emg-bench-") as scratch:
        for scenario, n in cases:
            log(f"{scenario} N={n:,}: preparing the export")
            inputs = benchmark_input(n, cache, scenario)
            root = prepare_root(inputs, Path(scratch) / f"{scenario}-{n}")
            whole = whole_run_max is None or scenario != "offices" or n <= whole_run_max
            result = measure_case(inputs, root, reps or (3 if n >= FEW_FROM else 5), in_process, log, whole)
            if whole:
                result.up_to_date = measure_up_to_date(root, up_to_date_reps)
                log(f"  up to date: {result.up_to_date}")
            if (scenario, n) == ROUND_CASE:
                result.cli_run = measure_cli_run(root, up_to_date_reps, pdf)
                log(f"  emg-pipeline run: {result.cli_run}")
            results.append(result)
            shutil.rmtree(root, ignore_errors=True)
    demo = measure_demo(demo_reps, log, pdf) if demo_reps else None
    return results, demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="comma-separated N (default: the cases of CASES)")
    parser.add_argument("--scenario", choices=("offices", "agencies"), action="append", help="only this scenario")
    parser.add_argument("--reps", type=int, help="repetitions per measurement (default 5, or 3 from N=1,000)")
    parser.add_argument("--demo-reps", type=int, default=1, help="repetitions of the demo (0: none)")
    parser.add_argument("--no-demo", action="store_true", help="do not time the demo")
    parser.add_argument(
        "--whole-run-max",
        type=int,
        help="country-office cases above this many submissions skip the whole run (it writes a profile per entity)",
    )
    parser.add_argument("--out", type=Path, default=DOC, help="Markdown file to write (default docs/performance.md)")
    args = parser.parse_args(argv)
    cases = CASES
    if args.sizes:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
        cases = tuple((sc, n) for sc in ("offices", "agencies") for n in sizes)
    if args.scenario:
        cases = tuple(c for c in cases if c[0] in args.scenario)
    start = time.perf_counter()
    info = machine()
    results, demo = run_benchmark(
        cases, args.reps, 0 if args.no_demo else args.demo_reps, log=_stderr, whole_run_max=args.whole_run_max
    )
    info["load"] = f"{info['load']} / {_load()}"
    table = render(results, demo, info)
    write_doc(table, args.out)
    print(table)
    _stderr(f"written to {args.out} in {time.perf_counter() - start:.0f} s")
    return 0


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
