"""A rerun whose charts, workbook, slides and profiles come from the cache does not pay for
libraries only drawing or a comparison needs: importing the modules a run goes through
leaves them unloaded (each is imported by the function that uses it). Checked in a fresh
interpreter, since the test session itself has imported everything."""

from __future__ import annotations

import json
import subprocess
import sys

# what `pipeline.run.run_round` and `write_round` import on every run
RUN_MODULES = (
    "pipeline.cli",
    "pipeline.run",
    "pipeline.rounds",
    "pipeline.analyses",
    "pipeline.excerpts",
    "pipeline.report.chart_cache",
    "pipeline.report.chart_loop",
    "pipeline.report.office",
    "pipeline.report.outline",
    "pipeline.report.profiles",
    "pipeline.report.slides",
    "pipeline.report.workbook",
    "pipeline.analyses.workplan.document",
)
# library -> who needs it
LAZY = {
    "scipy.stats": "the comparison with a previous round",
    "matplotlib": "drawing a chart missing from the cache",
    "pptx": "writing slides missing from the cache",
}


def test_run_modules_leave_heavy_libraries_unloaded() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {RUN_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in {sorted(LAZY)!r} if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], {m: LAZY[m] for m in loaded}


# what `emg-pipeline run` goes through to say "up to date" or to read and check a round
READ_MODULES = (
    "pipeline.cli",
    "pipeline.run",
    "pipeline.rounds",
    "pipeline.ingest.kobo",
    "pipeline.ingest.odk",
    "pipeline.ingest.headers",
    "pipeline.cell_checks",
    "pipeline.validate",
    "pipeline.normalise",
    "pipeline.desk.read",
)


def test_reading_a_round_leaves_openpyxl_unloaded() -> None:
    """openpyxl writes the workbook and the offline questionnaire (and reads a filled one);
    the form's names the readers share live in pipeline.form_names, so an up-to-date check
    or a rerun whose workbook is cached does not load it (0.12 s)."""
    code = (
        "import importlib, sys\n"
        f"for name in {READ_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print('openpyxl' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
