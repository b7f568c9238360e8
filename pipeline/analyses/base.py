"""What an analysis is to the rest of the pipeline: the :class:`Analysis` record each
folder of :mod:`pipeline.analyses` declares, and the inputs its computation gets.

A record names its parts by ``"module:attribute"`` so that a run imports only what the
survey switches on (matplotlib, python-docx and scipy stay unloaded until needed).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.spec import Survey
from pipeline.tables import Responses

Tables = dict[str, pd.DataFrame]
Stats = dict[str, Any]


@dataclass
class AnalysisInput:
    """What every computation may read: the round's normalised responses, the survey, the
    registry, the run's data-quality log, the invited entities and the desk mapping."""

    responses: Responses
    survey: Survey
    registry: Registry
    log: IssueLog | None = None
    invited: list[str] | None = None
    desk: pd.DataFrame | None = None

    @property
    def submissions(self) -> pd.DataFrame:
        return self.responses.submissions

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Each entity's score per dimension (computed once, shared by the analyses)."""
        from pipeline.score import score

        return score(self.submissions, self.survey)


@dataclass(frozen=True)
class Analysis:
    """One analysis: when it runs and the parts it contributes to a run.

    - ``switched_on(survey)``: whether the survey's definition declares it;
    - ``compute``: ``(AnalysisInput, tables so far) -> (tables, stats)``; the tables of the
      analyses before it in :data:`pipeline.analyses.ORDER` are in ``tables``;
    - ``charts``: ``(RunResult, out_dir, skip) -> list[Chart]``, the charts it draws (ids in
      ``skip`` left out);
    - ``replaces_charts``: chart ids of other analyses that this one's charts stand in for;
    - ``chapters``: report chapter name (see ``pipeline.spec.CHAPTERS``) -> ``(doc, ctx)``;
    - ``sheets``: table name -> (sheet name, what the sheet holds), in workbook order;
    - ``body``: for an analysis that writes the whole report body itself (a benchmark), the
      writer ``(doc, ctx, extra_chapters)`` the outline calls after the title page and
      contents in place of its summary, methodology, chapters, recommendations and annexes
      (``extra_chapters``: a callable writing chapters such as the comparison with the
      previous round, or None), and ``body_recommendations``: ``ctx -> [(lead, why)]``, the
      recommendations that body drafts (for the slides);
    - ``summary``: ``ctx -> list[str]``, its paragraphs of the report's executive summary;
    - ``method``: ``(doc, ctx)``, its sections of the report's methodology (how it counts,
      from the same parameters its computation uses).
    """

    name: str
    switched_on: Callable[[Survey], bool]
    compute: str | None = None
    charts: str | None = None
    replaces_charts: frozenset[str] = frozenset()
    chapters: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, tuple[str, str]] = field(default_factory=dict)
    body: str | None = None
    body_recommendations: str | None = None
    summary: str | None = None
    method: str | None = None


def load(ref: str) -> Any:
    """The object a ``"module:attribute"`` reference names."""
    module, _, attribute = ref.partition(":")
    return getattr(importlib.import_module(module), attribute)


def always(_survey: Survey) -> bool:
    return True


def declares(block: str) -> Callable[[Survey], bool]:
    """``switched_on`` for an analysis that runs when the survey declares ``block``."""

    def switched_on(survey: Survey) -> bool:
        return getattr(survey.model, block) is not None

    switched_on.__name__ = f"declares_{block}"
    return switched_on
