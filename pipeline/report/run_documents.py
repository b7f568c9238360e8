"""Documents written from a whole run (the report, the work plan) copied from the cache
when the run says the same as before.

A writer such as :func:`pipeline.report.outline.write_report` reads every analysis' tables,
statistics and words, so what it shows has no small summary; but the run it is handed is
small for a round of agencies (digested in tens of milliseconds at 51 agencies), and the
document is a deterministic function of it, of the charts it embeds and of the code. So the
key of :func:`cached_file` is the whole :class:`~pipeline.tables.RunResult` (every field;
the survey by its definition, language and every file of its folder, since a version kept
under ``history/`` is read by the change chapter), the charts (their words and the bytes of
every file they name), the writer's extra arguments, and, as for every cached file, the
pipeline's source and the libraries' versions. A threshold, a chapter's wording, an answer,
a registry name or a chart that changed makes a different key; anything the digest cannot
follow makes the document written every time. The content is digested again after writing
and the file kept only when the writer changed nothing of it (``recheck``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.manifest import sha256_file
from pipeline.report.chart_cache import Uncacheable, cached_file
from pipeline.spec import Survey
from pipeline.tables import RunResult

LIBRARIES = ("lxml",)  # python-docx's XML writer (python-docx itself is always part of the key)


def file_digest(path: Path) -> str | None:
    """The file's SHA-256, or None when it cannot be read (its absence is then the content)."""
    try:
        return sha256_file(path)
    except OSError:
        return None


def survey_content(survey: Survey) -> list[Any]:
    """A survey as its digest sees it: the checked definition, its hash and language, and
    every file of its folder (history versions included)."""
    folder = Path(survey.path).parent
    files = (
        [(p.relative_to(folder).as_posix(), file_digest(p)) for p in sorted(folder.rglob("*")) if p.is_file()]
        if folder.is_dir()
        else []
    )
    return [survey.model, survey.sha256, survey.language, str(survey.path), files]


def run_content(result: RunResult) -> list[Any]:
    """Every field of ``result``, the survey by :func:`survey_content`."""
    return [
        (f.name, survey_content(result.survey) if f.name == "survey" else getattr(result, f.name))
        for f in dataclasses.fields(result)
    ]


def charts_content(charts: list[Any]) -> list[Any]:
    """Each chart's fields, a file by the digest of its bytes (not by its path, which is in
    a staging folder of its own on every run)."""
    found = []
    for chart in charts:
        if not dataclasses.is_dataclass(chart) or isinstance(chart, type):
            raise Uncacheable(f"cannot digest a {type(chart).__qualname__}")
        found.append(
            [
                (f.name, file_digest(value) if isinstance(value, Path) else value)
                for f in dataclasses.fields(chart)
                for value in [getattr(chart, f.name)]
            ]
        )
    return found


def cached_run_document(
    kind: str, result: RunResult, extra: Callable[[], list[Any]], path: Path, write: Callable[[Path], Any]
) -> bool:
    """``write(path)``, or the file a previous ``write`` made of the same run and ``extra()``
    (the writer's other inputs, digested; ``Uncacheable`` there means: always written)."""
    try:
        content = [run_content(result), extra()]
    except Uncacheable:
        write(path)
        return False
    return cached_file(kind, content, path, write, LIBRARIES, recheck=True)
