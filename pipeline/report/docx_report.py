"""The draft Word report of a run: ``write_report(result, charts, path)``.

It lays out the sections a consultant expects (title page, contents, executive summary,
methodology, findings per dimension, gaps, links, projects, ranking, recommendations and
annexes) with :class:`~pipeline.report.document.ReportDocument`, and takes its sentences
from each analysis' ``words`` module. Any table or chart may be missing or empty (a
survey may declare fewer analyses, a round may have no projects): the section is then
left out, or says so in a sentence. The report never grows with the number of
submissions: long tables are capped and point to the results workbook.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.analyses import chapter_writers
from pipeline.analyses.coverage import words as coverage_words
from pipeline.analyses.gaps import words as gaps_words
from pipeline.analyses.links import words as links_words
from pipeline.analyses.ranking import words as ranking_words
from pipeline.analyses.sdg import chapter as sdg_chapter
from pipeline.analyses.tallies import chapter as tallies_chapter
from pipeline.report import words as nar
from pipeline.report.annexes import write_annexes
from pipeline.report.compare_sections import change_from_run, change_summary, write_change_chapter
from pipeline.report.context import (
    ReportContext,
    capped,
    chart,
    data_sources,
    who_was_asked,
)
from pipeline.report.document import ReportDocument
from pipeline.report.projects_chapter import projects_summary
from pipeline.report.recommendations import recommendations
from pipeline.report.words import Words
from pipeline.score import rule_text
from pipeline.spec import ANNEXES, CHAPTERS
from pipeline.tables import RunResult
from pipeline.wording import fewer_than

MAX_PAIR_ROWS = 15


# -- data shaping ----------------------------------------------------------------------
def _engagement(ctx: ReportContext) -> pd.DataFrame:
    """``acronym, dimension, score``: the choice score of each entity's engagement answer."""
    cov = ctx.result.survey.model.coverage
    tidy = ctx.result.responses.tidy if ctx.result.responses is not None else None
    if cov is None or tidy is None or tidy.empty:
        return pd.DataFrame(columns=["acronym", "dimension", "score"])
    rows = tidy[tidy["question_id"] == cov.question]
    fields = ctx.result.survey.fields_of(cov.question)
    scores = (
        {c.name: c.score for c in ctx.result.survey.choices(fields[0].choices)}
        if fields and fields[0].choices
        else {}
    )
    return pd.DataFrame(
        {
            "acronym": rows["entity_id"].map(ctx.acr),
            "dimension": rows["dimension"].astype("string"),
            "score": pd.to_numeric(rows["answer"].map(scores), errors="coerce"),
        }
    ).dropna(subset=["score"])


def _activities(ctx: ReportContext) -> dict[str, list[tuple[str, int]]]:
    """Per dimension, the activity types reported, most frequent first: ``[(label, n)]``."""
    gaps = ctx.result.survey.model.gaps
    tidy = ctx.result.responses.tidy if ctx.result.responses is not None else None
    question = gaps.activities_question if gaps else None
    if not question or tidy is None or tidy.empty:
        return {}
    rows = tidy[tidy["question_id"] == question]
    fields = ctx.result.survey.fields_of(question)
    labels = (
        ctx.result.survey.choice_labels(fields[0].choices) if fields and fields[0].choices else {}
    )
    counts = rows.groupby(["dimension", "answer"])["entity_id"].nunique().rename("n").reset_index()
    counts = counts.sort_values(["dimension", "n", "answer"], ascending=[True, False, True])
    out: dict[str, list[tuple[str, int]]] = {}
    for dim, group in counts.groupby("dimension"):
        out[str(dim)] = [
            (labels.get(a, a), int(n)) for a, n in zip(group["answer"], group["n"], strict=True)
        ]
    return out


def _level(survey_levels: Sequence[Any], score: float | None) -> str:
    """The scoring level (name) a mean score falls in."""
    if score is None or pd.isna(score):
        return ""
    name = ""
    for level in survey_levels:
        if score >= level.min:
            name = level.name
    return name


# -- sections --------------------------------------------------------------------------
def _title_page(doc: ReportDocument, ctx: ReportContext) -> None:
    r = ctx.result
    doc.title_page(
        r.survey.title,
        r.survey.model.subtitle,
        [f"Round {r.round}", "Draft for review", f"Generated {r.run_date}"],
    )


def _executive_summary(doc: ReportDocument, ctx: ReportContext) -> None:
    doc.heading("Executive summary", 1)
    w, r = ctx.words, ctx.result
    paragraphs = [
        w.background,
        nar.response_sentence(ctx.stats, w),
        coverage_words.coverage_sentence(ctx.table("coverage"), w),
        gaps_words.gaps_sentence(ctx.table("gaps"), w) if "gaps" in r.tables else "",
        *sdg_chapter.summary_paragraphs(ctx),
        *tallies_chapter.summary_paragraphs(ctx),
        " ".join(links_words.network_sentences(ctx.stats.get("network") or {}, w)),
    ]
    if r.survey.model.projects is not None:
        paragraphs.append(projects_summary(ctx))
    paragraphs.append(
        ranking_words.ranking_sentence(ctx.table("ranking"), ctx.ranking_stats(), w, _ranking_topic(ctx))
    )
    change = change_from_run(r, ctx.charts, w)
    if change is not None:
        paragraphs.append(change_summary(change))
    n_recs = len(_recommendation_items(ctx))
    if n_recs:
        paragraphs.append(
            f"The Recommendations section drafts {nar.plural(n_recs, 'action', 'actions')} "
            "from these findings, each with the reason for it."
        )
    for text in paragraphs:
        if text:
            doc.paragraph(text)
    doc.paragraph(
        "This is a draft generated from the survey data. The sentences state what the numbers "
        f"show; the interpretation and the final recommendations are for {w.decides} to make."
    )


def _methodology(doc: ReportDocument, ctx: ReportContext) -> None:
    w, m = ctx.words, ctx.result.survey.model
    doc.heading("Methodology", 1)
    who_was_asked(doc, ctx)
    if m.scoring:
        doc.heading("How answers were scored", 2)
        doc.paragraph(
            f"Each {w.entity}'s answers give a score from 0 to 1 per {w.dimension}: {rule_text(ctx.result.survey)}."
        )
        levels = [lv.name for lv in m.scoring.levels]
        bands = [f"'{lv.name}' from {lv.min:.2f}" for lv in m.scoring.levels]
        doc.paragraph(
            f"Scores are grouped into {len(levels)} levels: {nar.join_names(bands)}. "
            + _threshold_sentence(w)
        )
    if m.gaps:
        doc.heading("What makes a gap", 2)
        g = m.gaps
        text = (
            f"{nar.capitalise(nar.article(w.dimension))} is flagged as a gap when "
            f"{fewer_than(g.min_entities, w.entity, w.entities, w.engages)} it {w.at_engaged}"
        )
        if g.require_strong and not w.binary:
            text += (
                f", or when no {w.entity} answers '{w.strong}'; the gap is critical "
                f"when both hold or when no {w.entity} is engaged at all"
            )
        elif g.min_entities > 1:
            text += f"; it is critical when no {w.entity} is engaged at all"
        text += "."
        if g.topics_question:
            text += (
                f" {nar.capitalise(nar.article(w.topic[0]))} is flagged when "
                f"{fewer_than(g.topic_min_entities, w.entity, w.entities, w.topic_verb)} it"
                + (" (critical when none does)." if g.topic_min_entities > 1 else ".")
            )
        if g.activities_question:
            text += (
                f" In each {w.dimension}, {nar.article(w.activity[0])} that none of the engaged "
                f"{w.entities} {w.activity_verb[0]} is flagged too."
            )
        doc.paragraph(text + " Each gap is listed with the evidence that made it one.")
    if m.coverage:
        doc.heading("Confidence intervals", 2)
        c = m.coverage
        doc.paragraph(
            f"Mean scores come with a {c.confidence:.0%} bootstrap confidence interval: the "
            f"responding {w.entities} were resampled with replacement {c.bootstrap_resamples:,} "
            f"times (random seed {c.seed}, so every run gives the same interval). With few "
            f"{w.entities} the intervals are wide; read them as a range, not a precise value."
        )
    data_sources(doc, ctx)
    doc.heading("Limits", 2)
    doc.bullets(
        [
            f"Answers are self-reported by each {w.entity} and were not verified.",
            f"The number of {w.entities} is small, so one answer can move a mean score "
            "noticeably; differences between close scores are not meaningful.",
            f"{nar.capitalise(w.entities)} that did not answer are missing from every "
            "figure: a gap may reflect missing answers rather than missing work.",
            "Scores measure the breadth of reported engagement, not its quality or results.",
        ]
    )


def _threshold_sentence(w: Words) -> str:
    """When an entity counts as engaged and as strong, in the scale's own terms."""
    who = nar.capitalise(nar.article(w.entity))
    answers = nar.join_names([f"'{x}'" for x in w.engaged_labels], conj="or")
    if not answers:
        return f"{who} counts as engaged in {nar.article(w.dimension)} at the '{w.engaged}' level or above."
    if w.binary:
        return f"{who} counts as engaged in {nar.article(w.dimension)} when it answers {answers}."
    return (
        f"{who} counts as engaged in {nar.article(w.dimension)} when it answers {answers}, "
        f"and as strong when it answers '{w.strong}'."
    )


def findings_chapter(doc: ReportDocument, ctx: ReportContext) -> None:
    coverage = ctx.table("coverage")
    w = ctx.words
    if coverage.empty:
        return
    doc.heading(f"Findings by {w.dimension}", 1)
    doc.paragraph(
        f"This section reports, for each {w.dimension}, how many {w.entities} {w.engages[1]} it, "
        f"their mean score and who leads. {coverage_words.coverage_sentence(coverage, w)}"
    )
    chart(doc, ctx, "heatmap")
    chart(doc, ctx, "coverage")
    conf = ctx.result.survey.model.coverage.confidence if ctx.result.survey.model.coverage else 0.95
    ordered = coverage.copy()
    ordered["CI"] = [
        f"{lo:.2f}–{hi:.2f}" if pd.notna(lo) and pd.notna(hi) else ""
        for lo, hi in zip(ordered["ci_low"], ordered["ci_high"], strict=True)
    ]
    frame = pd.DataFrame(
        {
            nar.capitalise(w.dimension): ordered["label"],
            "Engaged": ordered["n_engaged"].astype("Int64"),
            **({} if w.binary else {"Strong": ordered["n_strong"].astype("Int64")}),
            "Mean score": ordered["mean_score"].astype("Float64"),
            f"{conf:.0%} CI": ordered["CI"],
            f"Lead {w.entities}": ordered["lead_entities"].fillna(""),
        }
    )
    doc.table(
        frame,
        f"Coverage and mean score by {w.dimension}",
        formats={"Mean score": "{:.2f}"},
        weights=[5, 1.6, 1.6, 2.2, 4] if w.binary else [5, 1.6, 1.4, 1.6, 2.2, 4],
        align_right=[f"{conf:.0%} CI"],
        note="Engaged: answered "
        + nar.join_names([f"'{x}'" for x in w.engaged_labels or (w.engaged,)], conj="or")
        + ("." if w.binary else f"; strong: answered '{w.strong}'."),
    )
    activities = _activities(ctx)
    gaps = ctx.table("gaps")
    levels = ctx.result.survey.model.scoring.levels if ctx.result.survey.model.scoring else []
    for row in coverage.to_dict("records"):
        doc.heading(str(row["label"]), 2)
        sentences = coverage_words.dimension_finding(
            pd.Series(row),
            activities.get(str(row["dimension"]), []),
            gaps,
            w,
            confidence=conf,
            level=_level(levels, row.get("mean_score")),
        )
        doc.paragraph(" ".join(sentences))


def gaps_chapter(doc: ReportDocument, ctx: ReportContext) -> None:
    if "gaps" not in ctx.result.tables:
        return
    gaps = ctx.table("gaps")
    w = ctx.words
    doc.heading("Gaps", 1)
    doc.paragraph(gaps_words.gaps_sentence(gaps, w))
    if not gaps.empty:
        _gap_table(doc, gaps, w)
    chart(doc, ctx, "gaps")
    _topics(doc, ctx)


def _gap_table(doc: ReportDocument, gaps: pd.DataFrame, w: Words) -> None:
    kind_order = {"topic": 1, "activity": 2}
    order = gaps["kind"].map(kind_order).fillna(3).mask(gaps_words.dimension_gaps(gaps, w), 0)
    gaps = gaps.assign(_s=gaps["severity"].ne("critical"), _k=order).sort_values(
        ["_s", "_k", "label"]
    )
    kinds = {k: nar.capitalise(gaps_words.kind_words(k, w)[0]) for k in gaps["kind"].unique()}
    frame = pd.DataFrame(
        {
            "Severity": gaps["severity"].map(nar.capitalise),
            "Type": gaps["kind"].map(kinds),
            "Area": gaps["label"],
            "Reason": gaps["reason"],
            "Evidence": gaps["evidence"],
        }
    )
    doc.table(frame, "Gaps and the evidence for each", weights=[1.4, 1.8, 3.2, 4, 5])


def _topics(doc: ReportDocument, ctx: ReportContext) -> None:
    topics, w = ctx.table("topic_coverage"), ctx.words
    if topics.empty or "sdg_targets" in ctx.result.tables:  # the SDG chapter lists them
        return
    topics = topics.sort_values(["n_entities", "label"], ascending=[False, True])
    frame = pd.DataFrame(
        {
            nar.capitalise(w.topic[0]): topics["label"],
            nar.capitalise(w.entities): topics["n_entities"].astype("Int64"),
            f"Which {w.entities}": topics["entities"].fillna(""),
        }
    )
    doc.table(
        frame,
        f"{nar.capitalise(w.topic[1])} and the {w.entities} that {w.topic_verb[1]} them",
        weights=[4, 1.4, 6],
    )


def links_chapter(doc: ReportDocument, ctx: ReportContext) -> None:
    network = ctx.stats.get("network") or {}
    nodes, pairs = ctx.table("network_nodes"), ctx.table("pairs")
    if not network and nodes.empty and pairs.empty:
        return
    w = ctx.words
    doc.heading(f"Links between {w.entities}", 1)
    for text in links_words.network_sentences(network, w):
        doc.paragraph(text)
    chart(doc, ctx, "network")
    if not nodes.empty and "degree" in nodes:
        top = nodes.sort_values(["degree", "acronym"], ascending=[False, True]).head(5)
        top = top[top["degree"] > 0]
        if not top.empty:
            names = [f"{a} ({int(d)})" for a, d in zip(top["acronym"], top["degree"], strict=True)]
            doc.paragraph(
                f"Most connected (number of links in either direction): {nar.join_names(names)}."
            )
        if "cluster" in nodes:
            linked = nodes[~nodes["isolated"].astype(bool)] if "isolated" in nodes else nodes
            groups = linked.groupby("cluster")["acronym"]
            clusters = [sorted(g.tolist()) for _, g in groups if len(g) > 1]
            if len(clusters) > 1:
                doc.paragraph("Clusters of " + w.entities + " that work closely together:")
                doc.bullets([", ".join(c) for c in sorted(clusters, key=len, reverse=True)[:8]])
    if pairs.empty:
        return
    doc.heading("Overlaps and complementarities", 2)
    for relation, title, intro in (
        (
            "overlap",
            f"{nar.capitalise(w.overlap)}: {w.entities} with very similar profiles",
            "Pairs with very similar profiles may duplicate work; the pairs below are worth a check.",
        ),
        (
            "complement",
            "Complementary pairs: one strong where the other is weak",
            f"Pairs whose strengths complement each other across {w.dimensions}.",
        ),
    ):
        # overlaps: most similar first; complements: most different first
        sub = pairs[pairs["relation"] == relation].sort_values(
            "similarity", ascending=relation != "overlap"
        )
        if sub.empty:
            continue
        doc.paragraph(intro)
        frame = pd.DataFrame(
            {
                nar.capitalise(w.entity): sub["entity_a"].map(ctx.acr),
                f"Other {w.entity}": sub["entity_b"].map(ctx.acr),
                "Similarity": pd.to_numeric(sub["similarity"], errors="coerce"),
                "Detail": sub["detail"],
            }
        )
        frame, note = capped(frame, MAX_PAIR_ROWS, "pairs")
        doc.table(
            frame, title, formats={"Similarity": "{:.2f}"}, weights=[1.4, 1.4, 1.3, 7], note=note
        )


def ranking_chapter(doc: ReportDocument, ctx: ReportContext) -> None:
    spec, ranking = ctx.result.survey.model.ranking, ctx.table("ranking")
    if spec is None or ranking.empty:
        return
    doc.heading(_ranking_topic(ctx) or "Ranking of options", 1)
    doc.paragraph(ranking_words.ranking_sentence(ranking, ctx.ranking_stats(), ctx.words))
    ordered = ranking.sort_values(["mean_rank", "label"])
    frame = pd.DataFrame(
        {
            "Rank": pd.array(range(1, len(ordered) + 1), dtype="Int64"),
            "Option": ordered["label"],
            "Mean rank": pd.to_numeric(ordered["mean_rank"]),
            "Median rank": pd.to_numeric(ordered["median_rank"]),
            "Answers": ordered["n"].astype("Int64"),
        }
    )
    doc.table(
        frame,
        "Options ranked by mean rank (1 = most preferred)",
        formats={"Mean rank": "{:.2f}", "Median rank": "{:.1f}"},
        weights=[1, 5, 1.5, 1.5, 1.3],
    )
    chart(doc, ctx, "ranking")


def _ranking_topic(ctx: ReportContext) -> str:
    """The label of the survey section that holds the ranking question ("" when none)."""
    spec = ctx.result.survey.model.ranking
    if spec is None:
        return ""
    for section in ctx.result.survey.model.sections:
        if any(q.id == spec.question for q in section.questions):
            return section.label
    return ""


def _recommendation_items(ctx: ReportContext) -> list[tuple[str, str]]:
    status = ctx.table("response_status")
    missing = (
        status.loc[~status["responded"].astype(bool), "acronym"].tolist()
        if not status.empty and "responded" in status
        else []
    )
    pairs = ctx.table("pairs")
    if not pairs.empty:
        pairs = pairs.assign(
            entity_a=pairs["entity_a"].map(ctx.acr), entity_b=pairs["entity_b"].map(ctx.acr)
        )
    return recommendations(
        ctx.table("coverage"),
        ctx.table("gaps"),
        _engagement(ctx),
        ctx.stats.get("network") or {},
        pairs,
        ctx.table("ranking"),
        ctx.ranking_stats(),
        missing,
        ctx.stats.get("response_rate"),
        ctx.words,
    )


def _recommendations(doc: ReportDocument, ctx: ReportContext) -> None:
    items, w = _recommendation_items(ctx), ctx.words
    doc.heading("Recommendations", 1)
    if not items:
        doc.paragraph("The rules found nothing to recommend from this round's numbers.")
        return
    doc.paragraph(
        "The recommendations below were drafted by rules from the findings above; each says "
        f"why it is made. They are a starting point for {w.decides}, not its conclusion."
    )
    doc.bullets(items, numbered=True)


# -- entry point -----------------------------------------------------------------------
def write_report(result: RunResult, charts: list, path: Path, template: Path | None = None) -> Path:
    """Write the draft Word report of ``result`` to ``path`` and return the path.

    ``charts``: objects with ``id, title, caption, alt_text, png`` (ids used: heatmap,
    coverage, gaps, network, projects, response, ranking); a missing chart or PNG is
    skipped. ``template``: the reference .docx (default: the committed house template).
    """
    words = Words.from_survey(result.survey)
    acronyms = result.registry.acronyms() if result.registry is not None else {}
    ctx = ReportContext(result, words, {c.id: c for c in charts or []}, acronyms)
    doc = ReportDocument(template)
    title = result.survey.title
    doc.properties(
        title=f"{title} – round {result.round} (draft)",
        subject=result.survey.model.subtitle,
        keywords=f"DRAFT; {result.survey.id}; round {result.round}",
        date=result.run_date,
    )
    doc.footer(f"DRAFT – {title} – round {result.round} – generated {result.run_date}")
    change = change_from_run(result, ctx.charts, words)
    _title_page(doc, ctx)
    doc.toc()
    if result.survey.model.requirements is not None:  # a benchmark has chapters of its own
        from pipeline.report.benchmark_chapters import write_requirement_chapters

        extra = (lambda: write_change_chapter(doc, change)) if change is not None else None
        write_requirement_chapters(doc, ctx, extra)
        return doc.save(Path(path))
    _executive_summary(doc, ctx)
    _methodology(doc, ctx)
    writers = chapter_writers(result.survey)
    for name in result.survey.model.report.chapters or CHAPTERS:
        if name in writers:
            writers[name](doc, ctx)
    _recommendations(doc, ctx)
    write_annexes(doc, ctx, result.survey.model.report.annexes or ANNEXES)
    return doc.save(Path(path))


def report_recommendations(result: RunResult, charts: list | None = None) -> list[tuple[str, str]]:
    """The recommendations the report drafts for ``result``, in the report's order, as
    ``(lead sentence, why and how)``: for the slides, which must say what the report says."""
    words = Words.from_survey(result.survey)
    acronyms = result.registry.acronyms() if result.registry is not None else {}
    ctx = ReportContext(result, words, {c.id: c for c in charts or []}, acronyms)
    if result.survey.model.requirements is not None:
        from pipeline.report.benchmark_chapters import requirement_report_recommendations

        return requirement_report_recommendations(ctx)
    return list(_recommendation_items(ctx))
