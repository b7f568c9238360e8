"""The body of the draft report for a benchmark survey (a ``requirements:`` block).

:func:`write_requirement_chapters` writes, after the title page and contents that
:func:`pipeline.report.outline.write_report` lays out, the body of a comparative
analysis: executive summary, methodology, the findings chapters
(:mod:`pipeline.analyses.benchmark.chapters`: the comparison matrix, adoption, each agency
against the full set, the proposed common minimum requirements, groups of similar agencies,
maturity), recommendations drafted from rules, and annexes (respondents, one profile per
agency, the data-quality log, answers by question). The benchmark's record declares it as
its ``body``, in place of the outline's own summary, chapters and annexes.

Free-text answers that could hold names (comments, strengths, challenges) are never
reproduced; the name of an agency's own system and the names of its risk categories are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.analyses.benchmark.chapters import Chapters
from pipeline.analyses.benchmark.clusters import MAX_CLUSTERS, MIN_CLUSTERS
from pipeline.analyses.benchmark.words import (
    adoption_sentence,
    benchmark_sentence,
    clusters_sentence,
    group_words,
    maturity_choices,
    maturity_sentence,
    minimum_title,
    requirement_recommendations,
    sensitivity_sentence,
    share_value,
    tiers_sentence,
    to_adopt_sentence,
)
from pipeline.numbers import percentage_points, plain, score
from pipeline.report import words as nar
from pipeline.report.annexes import (
    annex_acronyms,
    annex_issues,
    annex_questions,
    annex_respondents,
)
from pipeline.report.answers import answer_count_sentences, profile_lines
from pipeline.report.context import data_sources, who_was_asked
from pipeline.report.document import ReportDocument
from pipeline.report.recommendations import Recommendation, recommendations_section

if TYPE_CHECKING:
    from pipeline.report.context import ReportContext


def write_requirement_chapters(
    doc: ReportDocument, ctx: ReportContext, extra_chapters: Callable[[], None] | None = None
) -> None:
    """Write the body of a benchmark survey's report (after the title page and contents).

    ``extra_chapters``: called before the recommendations to write chapters the generic
    writer adds (e.g. the comparison with the previous round).
    """
    _Body(doc, ctx).write(extra_chapters)


def requirement_report_recommendations(ctx: ReportContext) -> list[Recommendation]:
    """The recommendations :func:`write_requirement_chapters` writes, without a document."""
    return _Body(None, ctx).recs  # type: ignore[arg-type]  # the constructor only keeps it


class _Body(Chapters):
    """The whole body: the findings chapters with the summary, methodology,
    recommendations and annexes around them."""

    def __init__(self, doc: ReportDocument, ctx: ReportContext):
        super().__init__(doc, ctx)
        self.recs = self._recommendations()

    def _recommendations(self) -> list[Recommendation]:
        status = self.t("response_status")
        missing = (
            status.loc[~status["responded"].astype(bool), "acronym"].astype(str).tolist()
            if not status.empty and "responded" in status
            else []
        )
        log = self.ctx.result.log.to_frame() if self.ctx.result.log is not None else pd.DataFrame()
        if "entity" in log:
            log["entity"] = log["entity"].map(lambda e: self.ctx.acr(e) if e else e)
        subs = self.ctx.result.responses.submissions
        subs = subs.assign(entity_id=subs["entity_id"].map(self.ctx.acr)) if "entity_id" in subs else subs
        return requirement_recommendations(
            self.t("minimum_requirements"),
            self.t("comparison_matrix"),
            self.t("to_adopt"),
            self.t("maturity"),
            log,
            subs,
            self.survey,
            self.w,
            missing,
            self.stats.get("response_rate"),
        )

    def write(self, extra_chapters: Callable[[], None] | None = None) -> None:

        self.executive_summary()
        self.methodology()
        with self.doc.landscape():
            self.comparison_matrix()
        self.adoption()
        self.benchmark()
        self.minimum_requirements()
        self.groups()
        self.maturity()
        if extra_chapters is not None:
            extra_chapters()
        self.recommendations()
        letters = iter("ABCDEFG")
        annex_respondents(self.doc, self.ctx, next(letters))
        self.profiles(next(letters))
        with self.doc.landscape():
            annex_issues(self.doc, self.ctx, next(letters))
        annex_questions(self.doc, self.ctx, next(letters))
        annex_acronyms(self.doc, self.ctx, next(letters))

    # -- executive summary and methodology ---------------------------------------------
    def executive_summary(self) -> None:
        doc, w, r = self.doc, self.w, self.ctx.result
        doc.heading("Executive summary", 1)
        share = self.spec.consensus_share
        paragraphs = [
            nar.response_sentence(self.stats, w)
            + f" Each {w.entity} said, for each of the {len(self.items)} {w.dimensions} of the "
            f"common framework, how its own {w.system or 'system'} covers it: "
            + nar.join_names([f"'{nar.inline(x.label)}'" for x in self.scale], conj="or")
            + ".",
            benchmark_sentence(self.t("benchmark"), w, self.survey),
            adoption_sentence(self.t("adoption"), w, self.spec.mandatory),
            tiers_sentence(self.t("minimum_requirements"), share, w, f"the chapter “{minimum_title(w)}”")
            + " "
            + to_adopt_sentence(self.t("to_adopt"), int(self.stats.get("n_core") or 0), w),
            sensitivity_sentence(self.t("sensitivity"), f"the chapter “{minimum_title(w)}”"),
            clusters_sentence(self.t("clusters"), self.t("benchmark"), self.t("cluster_drivers"), self.stats, w),
            maturity_sentence(self.t("maturity"), self.survey, w),
            *answer_count_sentences(r.responses.submissions, self.survey, w.entities),
        ]
        n_undoc = int(self.stats.get("n_undocumented") or 0)
        if n_undoc:
            paragraphs.append(
                f"{n_undoc} '{self.mandatory_label()}' "
                f"{'answer cites' if n_undoc == 1 else 'answers cite'} no document; they are listed in the data-quality log (Annex C) for the focal points "
                "to complete."
            )
        if self.recs:
            paragraphs.append(
                f"The Recommendations section drafts {nar.plural(len(self.recs), 'action', 'actions')} "
                "from these findings, each with the reason for it."
            )
        for text in paragraphs:
            if text.strip():
                doc.paragraph(text.strip())
        doc.paragraph(
            "This is a draft generated from the survey data. The sentences state what the numbers "
            f"show; the interpretation and the final recommendations are for {w.decides} to make."
        )

    def methodology(self) -> None:
        doc, w, m = self.doc, self.w, self.survey.model
        spec = self.spec
        doc.heading("Methodology", 1)
        who_was_asked(doc, self.ctx)

        doc.heading(f"How the {w.dimensions} were compared", 2)
        groups = [f"{len(g)} {(spec.groups.get(k, k)).lower()}" for k, g in self.items.groupby("group", sort=False)]
        doc.paragraph(
            f"The survey lists {len(self.items)} {w.dimensions} in {nar.plural(len(groups), 'group', 'groups')} "
            f"({nar.join_names(groups)}). For each, the {w.entity} chose one answer:"
        )
        doc.bullets(
            [
                (f"{s.code}", f"{s.label}" + (f" (score {plain(s.score)})" if s.score is not None else " (not scored)"))
                for s in self.scale
            ]
        )
        doc.paragraph(
            f"The comparison counts a {w.dimension} as met only when it is a mandatory requirement. "
            f"Answers that a {w.dimension} does not apply to the {w.entity}'s mandate are left out of "
            f"every share and counted apart, so each share is of the {w.entities} the {w.dimension} "
            f"applies to. {nar.capitalise(nar.article(w.entity))}'s benchmark is the share of its "
            f"applicable {w.dimensions} that are mandatory, overall and per group."
        )
        doc.heading("Common minimum requirements", 2)
        margin = spec.within_reach_margin
        doc.paragraph(
            f"A {w.dimension} is proposed for the consensus core when at least "
            f"{nar.percent(spec.consensus_share)} of the {w.entities} it applies to already make it "
            f"mandatory; it is within reach when its share is at most {percentage_points(margin)} percentage "
            f"points below that, and aspirational otherwise. The threshold is a choice for "
            f"{w.decides}: the sensitivity table shows the core at thresholds of "
            f"{nar.join_names([nar.percent(t) for t in spec.sensitivity])}. For each {w.entity}, the "
            f"core {w.dimensions} it answered but does not make mandatory are what it would need to "
            f"adopt; core {w.dimensions} it did not answer are listed apart."
        )
        doc.heading(f"Groups of similar {w.entities}", 2)
        scores = ", ".join(f"{s.label.lower()} {plain(s.score)}" for s in self.scale if s.score is not None)
        coph = self.stats.get("cophenetic_correlation")
        doc.paragraph(
            f"Each {w.entity}'s answers are scored ({scores}; not applicable is left out). The distance "
            f"between two {w.entities} is the mean absolute difference of their scores over the "
            f"{w.dimensions} both answered (a Gower distance, from 0 for identical answers to 1). "
            f"Average-linkage hierarchical clustering of these distances gives the dendrogram; the "
            f"tree is cut into groups at the largest jump in merge height ({MIN_CLUSTERS} to "
            f"{MAX_CLUSTERS} groups)."
            + (f" The cophenetic correlation of the tree is {score(coph)}." if coph is not None else "")
            + f" The {w.dimensions} that separate the groups are those whose mean score differs "
            "most between them, with a Kruskal-Wallis test for each."
        )
        if m.maturity is not None and not self.t("maturity").empty:
            dset = m.dimension_sets[m.maturity.dimension_set]
            levels = ", ".join(f"{c.label.lower()} ({plain(c.score)})" for c in maturity_choices(self.survey))
            doc.heading(nar.capitalise(dset.plural), 2)
            doc.paragraph(
                f"For each of {len(dset.items)} {dset.plural}, the {w.entity} chose how far it has got, "
                f"on a scale scored {levels}."
            )
        if spec.document_question:
            doc.heading("Documentation check", 2)
            doc.paragraph(
                "Each 'mandatory' answer should cite the document and section that sets the "
                "requirement. Answers that cite none are kept in the analysis and flagged as "
                "warnings in the data-quality log (Annex C)."
            )
        data_sources(doc, self.ctx)
        doc.heading("Limits", 2)
        doc.bullets(
            [
                f"Answers are self-reported by each {w.entity}; the documents cited were not reviewed.",
                "A mandatory requirement on paper says nothing about how well it is applied in "
                "programmes and projects.",
                f"The number of {w.entities} is small: one answer moves a share by several points, so "
                f"close shares should not be read as different.",
                f"{nar.capitalise(w.entities)} that did not answer are missing from every figure; the "
                f"common minimum reflects the {w.entities} that did.",
                "The answer scale, the consensus threshold and the tiers are choices of this analysis, "
                f"to be reviewed by {w.decides}.",
            ]
        )

    def recommendations(self) -> None:
        recommendations_section(self.doc, self.recs, self.w.decides)

    # -- annex: one profile per entity ----------------------------------------------------
    def profiles(self, letter: str) -> None:
        doc, w = self.doc, self.w
        doc.heading(f"Annex {letter}. {nar.capitalise(w.entity)} profiles", 1)
        subs = self.ctx.result.responses.submissions
        if subs.empty:
            doc.paragraph(f"No {w.entity} answered.")
            return
        doc.paragraph(
            f"One short profile per responding {w.entity}, from its own answers. Comments and other "
            "free-text answers are not reproduced."
        )
        registry = self.ctx.result.registry
        names = (
            dict(zip(registry.table["entity_id"].astype(str), registry.table["full_name"].astype(str), strict=True))
            if registry is not None
            else {}
        )
        bench = self.t("benchmark").set_index("entity_id") if not self.t("benchmark").empty else pd.DataFrame()
        adopt = self.t("to_adopt").set_index("entity_id") if not self.t("to_adopt").empty else pd.DataFrame()
        clusters = self.t("clusters").set_index("entity_id") if not self.t("clusters").empty else pd.DataFrame()
        maturity = self.t("maturity")
        groups = [c.removeprefix("share_") for c in bench.columns if c.startswith("share_") and c != "share_mandatory"]
        group_names = group_words(self.survey)
        top_levels = [c.name for c in maturity_choices(self.survey)[-2:]]
        score_of = {c.name: float(c.score or 0) for c in maturity_choices(self.survey)}
        cut = min((score_of[n] for n in top_levels), default=None)
        subs = subs.assign(_acr=subs["entity_id"].map(self.ctx.acr)).sort_values("_acr", key=lambda s: s.str.casefold())
        for rec in subs.to_dict("records"):
            eid, acr = str(rec["entity_id"]), str(rec["_acr"])
            full = names.get(eid, "")
            doc.heading(f"{acr} – {full}" if full and full != acr else acr, 3, new_page=False)
            lines: list[tuple[str, str]] = profile_lines(rec, self.survey)
            if eid in bench.index:
                b = bench.loc[eid]
                per_group = ", ".join(
                    f"{group_names.get(g, g)} {nar.percent(share_value(b[f'share_{g}']))}" for g in groups
                )
                lines.append(
                    (
                        f"{nar.capitalise(w.dimensions)} mandatory:",
                        f"{nar.percent(share_value(b['share_mandatory']))} of {int(b['n_applicable'])} applicable"
                        + (f" ({per_group})" if per_group else ""),
                    )
                )
                if int(b["n_not_applicable"]):
                    na = self._na_list(eid)
                    lines.append(("Not applicable to its mandate:", na))
            if eid in adopt.index:
                a = adopt.loc[eid]
                todo = str(a["to_adopt"]) if isinstance(a["to_adopt"], str) and a["to_adopt"] else ""
                lines.append(
                    (
                        f"Core {w.dimensions} still to make mandatory:",
                        todo.replace("; ", ", ") if todo else "none: it meets the proposed core",
                    )
                )
            if cut is not None and acr in maturity.columns:
                values = maturity[acr].astype(float)
                n_far = int((values >= cut - 1e-9).sum())
                lines.append(
                    (
                        "Building blocks:",
                        f"{n_far} of {int(values.notna().sum())} "
                        + " or ".join(c.label.lower() for c in maturity_choices(self.survey)[-2:]),
                    )
                )
            if eid in clusters.index:
                lines.append(("Group of similar answers:", f"group {int(clusters.at[eid, 'cluster'])}"))
            for k, (lead, text) in enumerate(lines):
                p = doc.paragraph(text, lead=lead)
                p.paragraph_format.space_after = 0 if k + 1 < len(lines) else p.paragraph_format.space_after
                p.paragraph_format.keep_with_next = k + 1 < len(lines)

    def _na_list(self, entity_id: str) -> str:
        matrix = self.t("comparison_matrix")
        acr = self.ctx.acr(entity_id)
        if matrix.empty or acr not in set(matrix["acronym"].astype(str)):
            return ""
        row = matrix.set_index("acronym").loc[acr]
        labels = dict(zip(self.items["requirement"], self.items["label"], strict=True))
        na = self.spec.not_applicable
        return ", ".join(labels[r] for r in self.items["requirement"] if r in row.index and row[r] == na)
