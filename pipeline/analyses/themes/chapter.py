"""The report chapter on open answers: themes counted, and the excerpts approved for quoting."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.excerpts import FILE
from pipeline.report.document import ReportDocument
from pipeline.wording import capitalise, join_names, plural


def _languages(survey: Any) -> list[str]:
    spec = survey.model.open_answers
    codes = {lang for themes in spec.themes.values() for t in themes for lang in t.match}
    return sorted(codes)


def write_open_answers(doc: ReportDocument, ctx: Any) -> None:
    """What the entities wrote: per themed question, the themes by number of entities, the
    chart, and up to the declared number of approved excerpts, attributed by entity."""
    survey = ctx.result.survey
    answers, counts = ctx.table("open_answers"), ctx.table("theme_counts")
    if survey.model.open_answers is None or answers.empty:
        return
    w = ctx.words
    doc.heading(f"What {w.entities} wrote", 1)
    unmatched = int(answers["themes"].fillna("").eq("").sum())
    n_entities = answers["entity_id"].nunique()
    doc.paragraph(
        f"{plural(len(answers), 'open answer', 'open answers')} from "
        f"{plural(n_entities, w.entity, w.entities)} were coded against the themes the survey "
        f"declares for each question, by the words that mark each theme (languages: "
        f"{', '.join(_languages(survey))}). {capitalise(plural(unmatched, 'answer', 'answers'))} "
        f"matched no theme; {FILE} lists every answer with its themes for the analyst to "
        "check. An answer is quoted here only when the analyst has approved it there."
    )
    chart = ctx.charts.get("themes")
    if chart is not None:
        doc.figure(chart.png, chart.caption, chart.alt_text, chart.title)
    limit = survey.model.open_answers.quotes_per_question
    for qid, theme_rows in counts.groupby("question_id", sort=False):
        doc.heading(str(theme_rows["question"].iloc[0]), 2)
        raised = theme_rows.loc[theme_rows["n_entities"] > 0]
        if raised.empty:
            doc.paragraph("No answer raised a declared theme.")
        else:
            named = [f"{r.theme} ({r.n_entities})" for r in raised.head(3).itertuples()]
            doc.paragraph(
                f"Most frequent {'theme' if len(named) == 1 else 'themes'}, by number of "
                f"{w.entities}: {join_names(named)}."
            )
            table = pd.DataFrame(
                {
                    "Theme": raised["theme"],
                    capitalise(w.entities): raised["n_entities"].astype("Int64"),
                    "Which": raised["entities"],
                }
            )
            doc.table(table, weights=[2.2, 0.8, 3.0])
        mine = answers.loc[(answers["question_id"] == qid) & answers["include"].fillna(False)]
        if mine.empty:
            doc.note(f"No answer to this question is approved for quoting yet ({FILE}).")
        for row in mine.head(limit).itertuples():
            doc.paragraph(f"“{row.text}” ({ctx.acr(row.entity_id)})", style="Quote")
