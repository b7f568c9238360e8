"""The tallies analysis' chapter: the section a survey declares under ``tallies:``,
counted answer by answer (table ``internal_management`` of
:mod:`pipeline.analyses.tallies.compute`; e.g. how entities manage their own footprint),
and its sentence for the executive summary.
Its heading, introduction and the phrases for its questions come from the ``tallies:``
block of the survey's ``survey.yaml``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.report import words as nar
from pipeline.report.document import ReportDocument


def summary_paragraphs(ctx: Any) -> list[str]:
    """The executive summary's sentence on the declared section's answers."""
    out = []
    management = ctx.table("internal_management")
    tallies = ctx.result.survey.model.tallies
    if not management.empty and tallies is not None:
        parts = [
            f"{_first(g)['n_entities']} of {_first(g)['n_answered']} {_short(g, tallies.phrases)}"
            for _, g in management.groupby("question", sort=False)
        ]
        lead = tallies.summary_lead or tallies.heading
        out.append(f"{lead}: {nar.join_names(parts)}.")
    return out


def _first(group: pd.DataFrame) -> dict[str, Any]:
    return group.iloc[0].to_dict()


def _short(group: pd.DataFrame, phrases: dict[str, str]) -> str:
    """A question in a few words, for a sentence: its declared phrase
    (``tallies.phrases``, e.g. "report to the UN greenhouse gas inventory"), else its
    label and first answer."""
    row = _first(group)
    if row["question"] in phrases:
        return phrases[str(row["question"])]
    return f"answered '{nar.inline(str(row['answer_label']))}' to '{row['label']}'"


def write_internal_management(doc: ReportDocument, ctx: Any) -> None:
    """The declared ``tallies`` section, answer by answer (table ``internal_management``)."""
    table = ctx.table("internal_management")
    tallies = ctx.result.survey.model.tallies
    if table.empty or tallies is None:
        return
    w = ctx.words
    doc.heading(tallies.heading, 1)
    if tallies.intro:
        doc.paragraph(tallies.intro.strip())
    bullets = []
    for _, group in table.groupby("question", sort=False):
        first = _first(group)
        answered = int(first["n_answered"])
        parts = [
            f"{nar.inline(str(r['answer_label']))}: {r['n_entities']} ({nar.percent(r['share'])})"
            for _, r in group.iterrows()
        ]
        bullets.append((str(first["label"]), f"{'; '.join(parts)}; {answered} answered."))
    doc.bullets(bullets)
    frame = pd.DataFrame(
        {
            "Question": table["label"].where(~table["question"].duplicated(), ""),
            "Answer": table["answer_label"],
            nar.capitalise(w.entities): table["n_entities"].astype("Int64"),
            "Share": table["share"].astype("Float64"),
            f"Which {w.entities}": table["entities"].fillna("").replace("", "–"),
        }
    )
    doc.table(
        frame,
        f"{tallies.heading}: answers and the {w.entities} giving them",
        formats={"Share": "percent"},
        weights=[4, 2.6, 1.3, 1.1, 7],
        note=f"Share: of the {w.entities} that answered the question.",
    )
