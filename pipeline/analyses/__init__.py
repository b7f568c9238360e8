"""The analyses, one folder each, and the registry that switches them on.

Each folder of this package declares an :class:`~pipeline.analyses.base.Analysis`
record (``ANALYSIS`` in its ``__init__``): the block of ``survey.yaml`` that switches it on,
what computes its tables, the charts it draws, the report chapters it writes and its
workbook sheets. :data:`ORDER` is the order they run in (an analysis may read the tables
of those before it: gaps reads coverage, the work plan reads gaps, projects and ranking),
draw in and fill the workbook in. The report's chapters come in the order the survey's
``report.chapters`` (or ``pipeline.spec.CHAPTERS``) gives.

From a notebook: ``analyse(responses, survey, registry)`` runs them all; each computation
is also a plain function of tables in its folder.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.analyses.base import Analysis, AnalysisInput, Stats, Tables, load
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.spec import Survey
from pipeline.tables import Responses

ORDER = (
    "benchmark",  # a benchmark's sheets lead its workbook
    "scores",
    "coverage",
    "gaps",
    "links",
    "projects",
    "ranking",
    "workplan",
    "sdg",
    "tallies",
    "themes",
    "response",
    "compare",
)

# the executive summary and the methodology take the paragraphs of the analyses switched
# on in these orders (one not listed comes after, in ORDER)
SUMMARY_ORDER = ("coverage", "gaps", "sdg", "tallies", "links", "projects", "ranking")
METHOD_ORDER = ("scores", "gaps", "coverage")

__all__ = [
    "METHOD_ORDER",
    "ORDER",
    "SUMMARY_ORDER",
    "Analysis",
    "AnalysisInput",
    "analyse",
    "analyses",
    "chapter_writers",
    "make_charts",
    "method_writers",
    "report_body",
    "sheets",
    "summary_writers",
]


def analyses(survey: Survey | None = None) -> list[Analysis]:
    """The analyses in :data:`ORDER`; with ``survey``, only those it switches on."""
    records = [importlib.import_module(f"{__name__}.{name}").ANALYSIS for name in ORDER]
    return [a for a in records if survey is None or a.switched_on(survey)]


def analyse(
    responses: Responses,
    survey: Survey,
    registry: Registry,
    invited: list[str] | None = None,
    log: IssueLog | None = None,
    desk: pd.DataFrame | None = None,
) -> tuple[Tables, Stats]:
    """Score and analyse one round: every analysis the survey switches on, in order.

    In: the normalised ``responses``, the survey definition, the registry, optionally the
    ids of the invited entities (default: the survey's ``invited`` list, else the whole
    registry), the run's data-quality ``log`` and the round's desk mapping (``desk``).
    Out: ``(tables, stats)``: the tables by name (contracts in docs/architecture.md) and
    the scalar statistics beside them.
    """
    inp = AnalysisInput(responses, survey, registry, log=log, invited=invited, desk=desk)
    tables: Tables = {}
    stats: Stats = {}
    for analysis in analyses(survey):
        if analysis.compute is None:
            continue
        new_tables, new_stats = load(analysis.compute)(inp, tables)
        tables.update(new_tables)
        stats.update(new_stats)
    return tables, stats


def make_charts(result: Any, out_dir: Path) -> list[Any]:
    """Draw into ``out_dir`` the charts of every analysis the run's survey switches on, in
    :data:`ORDER`, and return them (a chart another analysis replaces is left out; a chart
    whose table is missing or empty is skipped; one that cannot be drawn from malformed
    data is skipped with a ``chart-skipped`` warning in ``result.log``)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    on = analyses(result.survey)
    replaced = frozenset().union(*(a.replaces_charts for a in on))
    charts: list[Any] = []
    for analysis in on:
        if analysis.charts is not None:
            charts += load(analysis.charts)(result, out_dir, replaced)
    return charts


def chapter_writers(survey: Survey) -> dict[str, Callable[[Any, Any], None]]:
    """Chapter name -> writer ``(doc, ctx)`` for every chapter of the analyses ``survey``
    switches on."""
    return {name: load(ref) for a in analyses(survey) for name, ref in a.chapters.items()}


def report_body(survey: Survey) -> Analysis | None:
    """The analysis ``survey`` switches on that writes the report's whole body itself (its
    record declares a ``body``), if any."""
    return next((a for a in analyses(survey) if a.body is not None), None)


def sheets() -> dict[str, tuple[str, str]]:
    """Table name -> (sheet name, what it holds), every analysis' sheets in workbook order."""
    return {table: sheet for a in analyses() for table, sheet in a.sheets.items()}


def _ordered(survey: Survey, part: str, order: tuple[str, ...]) -> list[Callable[..., Any]]:
    """The ``part`` refs of the analyses ``survey`` switches on, loaded, those named in
    ``order`` first in that order, the others after them in :data:`ORDER`."""
    on = [a for a in analyses(survey) if getattr(a, part) is not None]
    on.sort(key=lambda a: order.index(a.name) if a.name in order else len(order))
    return [load(getattr(a, part)) for a in on]


def summary_writers(survey: Survey) -> list[Callable[[Any], list[str]]]:
    """Writers ``ctx -> paragraphs`` of the executive summary, in :data:`SUMMARY_ORDER`."""
    return _ordered(survey, "summary", SUMMARY_ORDER)


def method_writers(survey: Survey) -> list[Callable[[Any, Any], None]]:
    """Writers ``(doc, ctx)`` of the methodology's sections, in :data:`METHOD_ORDER`."""
    return _ordered(survey, "method", METHOD_ORDER)
