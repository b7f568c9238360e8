"""The "Change since the previous round" chapter, and the comparison report.

:func:`write_change_chapter` writes, from the tables and statistics of
:func:`pipeline.analyses.compare.compute.compare_rounds`, what a reader needs to judge a change
between two rounds: what could be compared and what not (questions and dimension items),
who answered both rounds and who joined or left, the change in scores per dimension with
the Wilcoxon signed-rank test and its effect size, the yes/no answers with the exact
McNemar test, the entities that moved most, the change in the collaboration network, and
sentences that call a difference a change only when it can be told from noise.

The same chapter serves the run report of any survey that has an earlier round
(:func:`change_from_run`, hooked into :func:`pipeline.report.outline.write_report`)
and the stand-alone ``comparison.docx`` of ``emg-pipeline compare``
(:func:`write_comparison_report`). Numbers are shown as the workbook holds them, rounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.analyses.compare.statistics import ALPHA, MIN_PAIRS
from pipeline.analyses.compare.words import (
    ChangeSentences,
    basis_sentence,
    not_compared_sentence,
    pairing_sentence,
    word_findings,
)
from pipeline.errors import PipelineError
from pipeline.numbers import score
from pipeline.report import words as nar
from pipeline.report.annexes import annex_acronyms
from pipeline.report.context import ReportContext
from pipeline.report.document import ReportDocument
from pipeline.report.recommendations import (
    ranked_recommendations,
    recommend_change,
    recommendations_section,
    with_dimensions,
)
from pipeline.report.words import Words
from pipeline.report.workbook import sheet_for
from pipeline.spec import Survey

CHAPTER_TITLE = "Change since the previous round"
MOVERS_PER_DIMENSION = 3
P_FORMAT = "p"  # 0.012, or < 0.001 as the workbook shows it
SCORE_FORMAT = "score"  # 0.63, as the workbook shows it
CHANGE_FORMAT = "change"  # +0.05: beside two scores, their difference as shown
_PLACEHOLDER = re.compile(r"'?\{(dimension|option)\}'?\s*:?\s*")


@dataclass
class Change:
    """A comparison of two rounds and what the chapter needs to write it."""

    tables: dict[str, pd.DataFrame]
    stats: dict[str, Any]
    survey: Survey  # the later round's version
    words: Words
    acronyms: dict[str, str] = field(default_factory=dict)
    charts: dict[str, Any] = field(default_factory=dict)
    old_survey: Survey | None = None  # the earlier round's version (labels of dropped questions)

    def table(self, name: str) -> pd.DataFrame:
        frame = self.tables.get(name)
        return frame if isinstance(frame, pd.DataFrame) else pd.DataFrame()

    @property
    def old_round(self) -> str:
        return str(self.stats.get("old_round", "the earlier round"))

    @property
    def new_round(self) -> str:
        return str(self.stats.get("new_round", "this round"))

    def acr(self, entity_id: object) -> str:
        return self.acronyms.get(str(entity_id), str(entity_id))


def has_comparison(tables: dict[str, pd.DataFrame], stats: dict[str, Any]) -> bool:
    """Whether a run compared with an earlier round."""
    return "comparison" in stats and "entity_pairing" in tables


def change_from_run(result: Any, charts: dict[str, Any], words: Words) -> Change | None:
    """The comparison a run made with its previous round (None when it made none)."""
    stats = result.stats or {}
    if not has_comparison(result.tables, stats):
        return None
    comparison = stats["comparison"]
    try:
        old_survey = result.survey.for_round(str(comparison.get("old_round", "")))
    except (OSError, PipelineError):  # labels only: the chapter works without them
        old_survey = None
    return Change(
        tables=result.tables,
        stats=comparison,
        survey=result.survey,
        words=words,
        acronyms=result.registry.acronyms() if result.registry is not None else {},
        charts=charts,
        old_survey=old_survey,
    )


# -- words -------------------------------------------------------------------------------


def _question_label(survey: Survey | None, question_id: object) -> str:
    if survey is None or question_id is None or pd.isna(question_id):  # type: ignore[arg-type]
        return ""
    try:
        q = survey.question(str(question_id))
    except KeyError:
        return ""
    return nar.capitalise(_PLACEHOLDER.sub("", q.label).strip(" :"))


def _item_labels(survey: Survey | None, set_name: str) -> dict[str, str]:
    """Item id -> label of a dimension set of ``survey`` ({} when it has no such set)."""
    if survey is None or not set_name:
        return {}
    try:
        return survey.dimension_labels(set_name)
    except KeyError:
        return {}


def _yes(flag: object) -> str:
    return "Yes" if bool(flag) else "No"


def _sentences(change: Change) -> ChangeSentences:
    """The comparison's findings in words, grouped by what they are about."""
    st, w = change.stats, change.words
    dims = w.dimensions
    set_name = st.get("dimension_set")
    if set_name and set_name in change.survey.model.dimension_sets:
        dims = change.survey.model.dimension_sets[set_name].plural
    return word_findings(
        st.get("findings") or [],
        n_both=int(st.get("n_both") or 0),
        entity_plural=w.entities,
        dimension_plural=dims,
        alpha=float(st.get("alpha", ALPHA)),
        min_pairs=int(st.get("min_pairs", MIN_PAIRS)),
    )


def _not_compared(change: Change) -> list[str]:
    st, w = change.stats, change.words
    set_name = st.get("dimension_set")
    dset = change.survey.model.dimension_sets.get(set_name) if set_name else None
    one, many = (dset.label, dset.plural) if dset else (w.dimension, w.dimensions)
    text = not_compared_sentence(st, one, many)
    return [text] if text else []


def change_summary(change: Change, pairing: bool = True, pointer: bool = True) -> str:
    """One paragraph for an executive summary: who answered both rounds (``pairing``) and
    how many of the differences can be told from noise; ``pointer`` names the chapter."""
    st, w = change.stats, change.words
    n_both = int(st.get("n_both", 0))
    scores = change.table("score_change")
    adoption = change.table("adoption_change")
    text = (
        f"Compared with round {change.old_round}, {nar.plural(n_both, w.entity, w.entities)} "
        f"answered both rounds, {st.get('n_joined', 0)} joined and {st.get('n_left', 0)} did "
        "not answer again."
        if pairing
        else ""
    )
    if n_both < MIN_PAIRS or scores.empty:
        return (text + " Too few answered both rounds to tell a change from noise.").strip()
    sig = scores[scores["distinguishable"].astype(bool)]
    if len(sig):
        ups = [str(r.label) for r in sig.itertuples() if r.mean_change > 0]
        downs = [str(r.label) for r in sig.itertuples() if r.mean_change < 0]
        moves = [
            f"{verb} in {nar.join_names(names)}"
            for verb, names in (("rose", ups), ("fell", downs))
            if names
        ]
        text += (
            f" The mean score {' and '.join(moves)}: "
            f"{nar.plural(len(sig), 'change', 'changes')} that can be told from noise, out of "
            f"{len(scores)} {w.dimensions} compared."
        )
    else:
        text += f" No change in the mean score of the {len(scores)} {w.dimensions} compared can be told from noise."
    n_yes = int(adoption["distinguishable"].astype(bool).sum()) if not adoption.empty else 0
    if not adoption.empty:
        text += (
            f" Of {len(adoption)} yes/no items, {nar.number_word(n_yes)} changed more than "
            "noise would explain."
        )
    if pointer:
        text += f" The chapter '{CHAPTER_TITLE}' gives the tests."
    return text.strip()


# -- the sections --------------------------------------------------------------------------


def _chart(doc: ReportDocument, change: Change, chart_id: str) -> None:
    chart = change.charts.get(chart_id)
    if chart is None:
        return
    doc.figure(Path(chart.png), caption=chart.caption, alt_text=chart.alt_text, title=chart.title)


def _comparable(
    doc: ReportDocument, change: Change, level: int, page: bool | None, not_compared: list[str]
) -> None:
    st, w = change.stats, change.words
    questions = change.table("comparable_questions")
    dims = change.table("comparable_dimensions")
    doc.heading("What could be compared", level, page)
    if st.get("same_version"):
        doc.paragraph(
            f"Both rounds used version {st.get('new_version')} of the form: every question and "
            f"every {w.dimension} is compared."
        )
    else:
        n_ok = int(questions["comparable"].astype(bool).sum()) if not questions.empty else 0
        doc.paragraph(
            f"Round {change.old_round} used version {st.get('old_version')} of the form and round "
            f"{change.new_round} version {st.get('new_version')}. The survey definition records "
            "which questions of the later form can be compared with which earlier ones; "
            f"{nar.plural(n_ok, 'question is', 'questions are')} compared, "
            f"{len(questions) - n_ok} not. {basis_sentence(st)}"
        )
    for text in not_compared:
        doc.paragraph(text)
    if not questions.empty and not st.get("same_version"):
        pairs = list(zip(questions["new_question"], questions["old_question"], strict=True))
        frame = pd.DataFrame(
            {
                "Question": [
                    _question_label(change.survey, n) or _question_label(change.old_survey, o)
                    for n, o in pairs
                ],
                # the earlier wording where the question was asked under another name
                "Earlier question": [
                    "–" if o is None or pd.isna(o) else ("same" if n == o else _question_label(change.old_survey, o))
                    for n, o in pairs
                ],
                "Compared": questions["comparable"].map(_yes),
                "Why": questions["reason"],
            }
        )
        doc.table(
            frame,
            f"Questions of the two forms ({st.get('old_version')} and {st.get('new_version')}) "
            "and whether they are compared",
            weights=[4.5, 3.5, 1.3, 6],
            keep_together=False,
        )
    if not dims.empty and not st.get("same_version"):
        main = w.dimension_set or ""
        part = dims[dims["dimension_set"] == main] if main else dims
        if not part.empty:
            old_labels = _item_labels(change.old_survey, main)
            dropped = part["new_dimension"].isna().to_numpy()  # only in the earlier form
            frame = pd.DataFrame(
                {
                    nar.capitalise(w.dimension): np.where(dropped, "–", part["label"].astype(str)),
                    "Earlier name": [
                        "–" if o is None or pd.isna(o)
                        else old_labels.get(o, o) if gone or old_labels.get(o, o) != label
                        else "same"
                        for o, label, gone in zip(part["old_dimension"], part["label"], dropped, strict=True)
                    ],
                    "Compared": part["comparable"].map(_yes),
                    "Why": part["reason"],
                }
            )
            doc.table(
                frame,
                f"{nar.capitalise(w.dimensions)} of the two forms and whether they are compared",
                weights=[4.5, 3, 1.3, 5],
            )


def _pairing(doc: ReportDocument, change: Change, level: int, page: bool | None) -> None:
    pairing, w = change.table("entity_pairing"), change.words
    doc.heading("Who answered both rounds", level, page)
    if pairing.empty:
        doc.paragraph("No entity answered either round.")
        return
    names = {
        status: sorted(
            pairing.loc[pairing["status"] == status, "acronym"].astype(str), key=str.lower
        )
        for status in ("both", "joined", "left")
    }
    doc.paragraph(
        f"{nar.capitalise(w.entities)} are matched across the rounds through the registry, so a "
        "change of name or spelling does not break the pair. Changes are measured only on the "
        f"{len(names['both'])} {w.entities} that answered both rounds; those that joined or left "
        "count in each round's own figures but not in the tests."
    )
    for status, lead in (
        ("both", f"Answered both rounds ({len(names['both'])}):"),
        ("joined", f"Joined: answered {change.new_round} only ({len(names['joined'])}):"),
        ("left", f"Left: answered {change.old_round} only ({len(names['left'])}):"),
    ):
        doc.paragraph(", ".join(names[status]) + "." if names[status] else "none.", lead=lead)


def _scores(
    doc: ReportDocument, change: Change, level: int, page: bool | None, sentences: ChangeSentences
) -> None:
    scores, w = change.table("score_change"), change.words
    if scores.empty:
        return
    doc.heading(f"Scores by {w.dimension}", level, page)
    doc.paragraph(
        f"For each {w.dimension}, the scores of the {w.entities} that answered both rounds are "
        "compared pair by pair with the Wilcoxon signed-rank test; the effect size is the "
        "matched-pairs rank-biserial correlation r (from −1, every score fell, to +1, every "
        f"score rose). A change counts as told from noise when p is below 0.05 with at least "
        f"six pairs; with {len(scores)} {w.dimensions} tested, about one in twenty such "
        "results can still be chance."
    )
    for text in [*sentences.general, *sentences.scores]:
        doc.paragraph(text)
    _chart(doc, change, "compare_scores")
    frame = pd.DataFrame(
        {
            nar.capitalise(w.dimension): scores["label"].fillna(scores["dimension"]),
            "Pairs": scores["n_pairs"].astype("Int64"),
            f"Mean {change.old_round}": scores["mean_old"].astype("Float64"),
            f"Mean {change.new_round}": scores["mean_new"].astype("Float64"),
            "Change": scores["mean_change"].astype("Float64"),
            "Wilcoxon p": scores["p_value"].astype("Float64"),
            "Effect r": scores["effect_size"].astype("Float64"),
            "Told from noise": scores["distinguishable"].map(_yes),
        }
    )
    doc.table(
        frame,
        f"Change in mean score by {w.dimension}, {w.entities} answering both rounds "
        "(Wilcoxon signed-rank test)",
        formats={
            f"Mean {change.old_round}": SCORE_FORMAT,
            f"Mean {change.new_round}": SCORE_FORMAT,
            "Change": CHANGE_FORMAT,
            "Wilcoxon p": P_FORMAT,
            "Effect r": CHANGE_FORMAT,
        },
        weights=[4.5, 1, 1.4, 1.4, 1.2, 1.4, 1.2, 1.4],
        note="Scores 0 to 1"
        + ("" if change.stats.get("same_version", True) else f", both rounds on the {change.old_round} form's scale")
        + ". Exact p-values (ties handled exactly) up to 50 pairs.",
    )
    _coverage(doc, change)


def _coverage(doc: ReportDocument, change: Change) -> None:
    cov, w = change.table("coverage_change"), change.words
    if cov.empty:
        return
    o, n = change.old_round, change.new_round
    harmonised = not change.stats.get("same_version", True)
    scale = f" ({o} rule)" if harmonised else ""
    doc.paragraph(
        f"All respondents of each round, not only the pairs: how many {w.entities} engaged in each "
        f"{w.dimension}. These counts describe the system as each round saw it; a rise can come "
        f"from {w.entities} that joined."
        + (
            f" The forms differ, so round {n} is counted here with the {o} form's rule, on the "
            f"answers both forms share: its figures differ from the round's own, in the findings "
            f"chapter and the workbook's sheet '{sheet_for('coverage')}'."
            if harmonised
            else ""
        )
    )
    frame = pd.DataFrame(
        {
            nar.capitalise(w.dimension): cov["label"],
            f"Engaged {o}": [
                f"{a} of {b}"
                for a, b in zip(cov["n_engaged_old"], cov["n_respondents_old"], strict=True)
            ],
            f"Engaged {n}{scale}": [
                f"{a} of {b}"
                for a, b in zip(cov["n_engaged_new"], cov["n_respondents_new"], strict=True)
            ],
            f"Mean {o}": cov["mean_score_old"].astype("Float64"),
            f"Mean {n}{scale}": cov["mean_score_new"].astype("Float64"),
            "Change": cov["change_mean_score"].astype("Float64"),
        }
    )
    doc.table(
        frame,
        f"{nar.capitalise(w.entities)} engaged and mean score by {w.dimension}, all respondents of each round",
        formats={f"Mean {o}": SCORE_FORMAT, f"Mean {n}{scale}": SCORE_FORMAT, "Change": CHANGE_FORMAT},
        align_right=[f"Engaged {o}", f"Engaged {n}{scale}"],
        weights=[4.5, 1.6, 1.6, 1.3, 1.3, 1.2],
    )


def _adoption(
    doc: ReportDocument, change: Change, level: int, page: bool | None, sentences: ChangeSentences
) -> None:
    ad, w = change.table("adoption_change"), change.words
    if ad.empty:
        return
    doc.heading("Yes/no answers", level, page)
    doc.paragraph(
        f"For questions answered yes or no, only the {w.entities} that switched between the "
        "rounds carry information: the exact McNemar test asks whether switches to yes and "
        "switches to no are too unbalanced to be chance. The effect g is the share of switches "
        "that went to yes minus one half (+0.5: all switched to yes; −0.5: all to no)."
    )
    for text in sentences.yes_no:
        doc.paragraph(text)
    _chart(doc, change, "compare_adoption")
    o, n = change.old_round, change.new_round
    frame = pd.DataFrame(
        {
            "Item": ad["label"].map(lambda t: nar.capitalise(str(t))),
            "Pairs": ad["n_pairs"].astype("Int64"),
            f"Yes {o}": ad["yes_old"].astype("Int64"),
            f"Yes {n}": ad["yes_new"].astype("Int64"),
            "No → yes": ad["c"].astype("Int64"),
            "Yes → no": ad["b"].astype("Int64"),
            "McNemar p": ad["p_value"].astype("Float64"),
            "Effect g": ad["effect"].astype("Float64"),
            "Told from noise": ad["distinguishable"].map(_yes),
        }
    )
    doc.table(
        frame,
        f"Yes/no answers of the {w.entities} answering both rounds (exact McNemar test)",
        formats={"McNemar p": P_FORMAT, "Effect g": CHANGE_FORMAT},
        weights=[5.5, 1, 1.1, 1.1, 1.1, 1.1, 1.3, 1.1, 1.3],
        note="Pairs: entities answering the item in both rounds; other answers (such as "
        "'partly' or 'in preparation') are left out of the test.",
    )


def _movers(doc: ReportDocument, change: Change, level: int, page: bool | None) -> None:
    mv, w = change.table("movers"), change.words
    if mv.empty:
        return
    doc.heading(f"{nar.capitalise(w.entities)} that moved most", level, page)
    top = mv[mv["rank"] <= MOVERS_PER_DIMENSION]
    doc.paragraph(
        f"In each {w.dimension}, the {MOVERS_PER_DIMENSION} {w.entities} whose score changed most "
        f"between the rounds (either way). One {w.entity}'s move is a fact about that {w.entity}, "
        f"not a trend; the full list is in the workbook's sheet '{sheet_for('movers')}'."
    )

    def moves(group: pd.DataFrame) -> str:
        return "; ".join(
            f"{change.acr(e)} {score(a)} → {score(b)}"
            for e, a, b in zip(
                group["entity_id"], group["score_old"], group["score_new"], strict=True
            )
        )

    rows = [
        {nar.capitalise(w.dimension): str(g["label"].iloc[0]), "Largest changes": moves(g)}
        for _, g in top.groupby("dimension", sort=False)
    ]
    doc.table(
        pd.DataFrame(rows),
        f"{nar.capitalise(w.entities)} whose score changed most, by {w.dimension} "
        f"({change.old_round} → {change.new_round})",
        weights=[4, 9],
    )


def _network(doc: ReportDocument, change: Change, level: int, page: bool | None) -> None:
    net, st, w = change.table("network_change"), change.stats, change.words
    if "ties_kept" not in st:
        return
    kept, new, dropped = (int(st.get(k, 0)) for k in ("ties_kept", "ties_new", "ties_dropped"))
    doc.heading("Collaboration network", level, page)
    if kept + new + dropped == 0:
        doc.paragraph(
            f"No collaboration tie between {w.entities} that answered both rounds was reported in "
            "either round."
        )
        return
    doc.paragraph(
        f"Between the {st.get('n_both', 0)} {w.entities} that answered both rounds, "
        f"{kept + dropped} collaboration ties were reported in {change.old_round} and "
        f"{kept + new} in {change.new_round}: {kept} kept, {new} new and {dropped} dropped. "
        f"A tie counts when either {w.entity} names the other; {w.entities} that answered only "
        "one round are left out, since their ties cannot be seen to appear or go."
    )
    _chart(doc, change, "network_change")
    if not net.empty:
        long = pd.concat(
            [
                net[["entity_a", "status"]].rename(columns={"entity_a": "e"}),
                net[["entity_b", "status"]].rename(columns={"entity_b": "e"}),
            ]
        )
        per = pd.crosstab(long["e"], long["status"]).reindex(
            columns=["kept", "new", "dropped"], fill_value=0
        )
        per["moved"] = per["new"] + per["dropped"]
        per = per[per["moved"] > 0].assign(name=[change.acr(e) for e in per.index])
        per = per.sort_values(["moved", "name"], ascending=[False, True]).head(3)
        if len(per):
            names = [f"{r.name} (+{r.new}, −{r.dropped})" for r in per.itertuples()]
            doc.paragraph(f"The ties of {nar.join_names(names)} changed most.")


def change_chapter(doc: ReportDocument, ctx: Any) -> None:
    """The round report's chapter on what changed since the round it compared with
    (nothing when it compared with none)."""
    change = change_from_run(ctx.result, ctx.charts, ctx.words)
    if change is not None:
        write_change_chapter(doc, change)


def write_change_chapter(
    doc: ReportDocument,
    change: Change,
    level: int = 1,
    title: str | None = CHAPTER_TITLE,
    new_page: bool | None = None,
) -> None:
    """Write the comparison: a heading ``title`` at ``level`` (none when ``title`` is None)
    and its parts one level below (at ``level`` when there is no title). ``new_page``:
    whether each part starts a page (default: the document's rule for its level)."""
    sub = level + 1 if title else level
    st = change.stats
    sentences, not_compared = _sentences(change), _not_compared(change)
    if title:
        doc.heading(title, level)
        doc.paragraph(
            f"This chapter compares round {change.new_round} with round {change.old_round}. "
            + pairing_sentence(st, change.words.entities)
        )
    _comparable(doc, change, sub, new_page, not_compared)
    _pairing(doc, change, sub, new_page)
    _scores(doc, change, sub, new_page, sentences)
    _adoption(doc, change, sub, new_page, sentences)
    _movers(doc, change, sub, new_page)
    _network(doc, change, sub, new_page)


# -- the comparison report -------------------------------------------------------------------


def write_comparison_report(
    outcome: Any, old: Any, new: Any, charts: list[Any], path: Path, run_date: str
) -> Path:
    """``comparison.docx`` of ``emg-pipeline compare``: a short report of the change between
    two rounds (title page, summary, the chapter's parts as sections, method, data quality).

    In: the :class:`~pipeline.comparison.ComparisonOutcome`, the two rounds'
    :class:`~pipeline.tables.RunResult` (earlier, later), the comparison charts.
    """
    survey = new.survey
    words = Words.from_survey(survey)
    change = Change(
        tables=outcome.tables,
        stats=outcome.stats,
        survey=survey,
        words=words,
        acronyms=new.registry.acronyms() if new.registry is not None else {},
        charts={c.id: c for c in charts},
        old_survey=old.survey,
    )
    doc = ReportDocument()
    what = f"round {outcome.new_round} compared with round {outcome.old_round}"
    doc.properties(
        title=f"{survey.title} – {what} (draft)",
        subject=survey.model.subtitle,
        keywords=f"DRAFT; {survey.id}; comparison; {outcome.old_round}; {outcome.new_round}",
        date=run_date,
    )
    doc.footer(f"DRAFT – {survey.title} – {what} – generated {run_date}")
    doc.title_page(
        survey.title,
        f"Change between round {outcome.old_round} and round {outcome.new_round}",
        ["Draft for review", f"Generated {run_date}"],
    )
    doc.toc()
    doc.heading("Summary", 1)
    st = outcome.stats
    doc.paragraph(pairing_sentence(st, change.words.entities))  # the basis: "What could be compared"
    doc.paragraph(change_summary(change, pairing=False, pointer=False))
    doc.paragraph(
        "This is a draft generated from the survey data. It says which differences between "
        "the rounds can be told from noise; what they mean is for the review to judge."
    )
    write_change_chapter(doc, change, level=1, title=None, new_page=False)
    footing = "" if st.get("same_version", True) else f" on the {outcome.old_round} form's scale"
    drafts = recommend_change(with_dimensions(st.get("findings") or [], survey), words, footing)
    ranked = ranked_recommendations(drafts, limit=len(drafts))
    recommendations_section(doc, ranked.pairs, words.decides, ranked=True)
    doc.heading("Method", 1, new_page=False)
    doc.bullets(
        [
            f"Each round was read, checked and scored with the form version it was collected "
            f"with ({st.get('old_round')}: {st.get('old_version')}; {st.get('new_round')}: "
            f"{st.get('new_version')}).",
            "Scores and yes/no answers are compared on one footing, as the section “What could "
            "be compared” explains.",
            f"{nar.capitalise(words.entities)} are paired across rounds through the registry "
            "(canonical ids, aliases resolved).",
            "Scores: Wilcoxon signed-rank test on the paired differences, zero differences "
            "dropped, exact p-value (also with ties) up to 50 pairs; effect size: matched-pairs "
            "rank-biserial correlation.",
            "Yes/no answers: exact McNemar test (two-sided binomial test on the switches); "
            "effect size: Cohen's g with a sign.",
            "A change is said to be told from noise when p < 0.05 (scores: with at least six "
            "pairs). No correction for the number of tests is applied.",
        ]
    )
    counts = outcome.log.counts()
    doc.heading("Data quality", 2, new_page=False)
    doc.paragraph(
        f"The checks of the two rounds recorded {counts['error']} errors, {counts['warning']} "
        f"warnings and {counts['info']} information notes; the 'Data quality' sheet of "
        "comparison.xlsx lists them, each with its round, file, row and column."
    )
    annex_acronyms(doc, ReportContext(new, words, {}, change.acronyms), "A")
    return doc.save(Path(path))
