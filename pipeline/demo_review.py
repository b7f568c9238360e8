"""The demo's analyst: quoting decisions on a demo round's open answers, written where an
analyst keeps them (``data/review/<survey>/<round>/excerpts.xlsx``), so that the demo
report shows approved excerpts. Only for rounds the demo wrote (see demo_guard)."""

from __future__ import annotations

import pandas as pd

from pipeline.excerpts import SHEET, excerpt_sheet
from pipeline.paths import Layout


def write_demo_decisions(layout: Layout, survey_id: str, round_id: str) -> bool:
    """Approve the first two themed answers of each question and refuse the next one;
    the rest stay undecided. Returns False when the survey declares no themes."""
    from pipeline.report.workbook import write_sheets
    from pipeline.rounds import excerpt_decisions_path, process_round

    result, _ = process_round(layout, survey_id, round_id, run_date="2026-01-01")
    answers = result.tables.get("open_answers")
    if answers is None or answers.empty:
        return False
    themed = answers.loc[answers["themes"].fillna("").ne("")]
    order = themed.groupby("question_id", sort=False).cumcount()
    verdict = order.map({0: True, 1: True, 2: False})
    decided = answers.assign(include=verdict.reindex(answers.index).astype("boolean"))
    sheet = excerpt_sheet(decided, result.registry.acronyms())
    path = excerpt_decisions_path(layout, survey_id, round_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    note = pd.DataFrame({"Note": ["Decisions made by the demo."]})
    write_sheets(path, {SHEET: sheet, "Note": note}, result.run_date)
    return True
