"""The chapters of the draft report for a benchmark survey (a ``requirements:`` block).

:func:`write_requirement_chapters` writes, after the title page and contents that
:func:`pipeline.report.docx_report.write_report` lays out, the body of a comparative
analysis: executive summary, methodology, the comparison matrix (landscape), adoption of
each requirement, each agency against the full set, the proposed common minimum
requirements with their sensitivity to the threshold and what each agency would need to
adopt, the groups of agencies with similar profiles, the building blocks' maturity,
recommendations drafted from rules, and annexes (respondents, one profile per agency, the
data-quality log, answers by question).

The sentences are written from the numbers by the small pure functions below (``*_sentence``
and :func:`requirement_recommendations`), which take tables of
:func:`pipeline.analysis.requirements.analyse_requirements` and return text. Free-text
answers that could hold names (comments, strengths, challenges) are never reproduced;
the name of an agency's own system and the names of its risk categories are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pipeline.analysis.clusters import MAX_CLUSTERS, MIN_CLUSTERS
from pipeline.analysis.requirements import requirement_items
from pipeline.report import narrative as nar
from pipeline.report.annexes import annex_issues, annex_questions, annex_respondents
from pipeline.report.answers import answer_count_sentences, profile_lines
from pipeline.report.benchmark_charts import TIER_LABELS, ScaleStep, coverage_scale
from pipeline.report.context import chart, data_sources, who_was_asked
from pipeline.report.document import ReportDocument
from pipeline.report.narrative import Recommendation, Words
from pipeline.spec import Survey

if TYPE_CHECKING:
    from pipeline.report.context import ReportContext

MAX_MATRIX_ENTITIES = 10  # agency columns per comparison-matrix table
# Cell shading of the comparison matrix by answer, strongest first (as the charts' colours,
# lighter so that black text reads on them); the "not applicable" cells stay white.
MATRIX_FILLS = ["6FA8DC", "CFE2F3", "FCE4C4", "E4E4E4"]
GROUP_ROW_FILL = "D9D9D9"
TIER_FILLS = {"core": "9FC5E8", "within_reach": "DEEBF7", "aspirational": "FCE4C4"}
DECLARED_FILL = "FFF2CC"


# -- numbers shared by the sentences ---------------------------------------------------


def _share(value: object) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if np.isnan(out) else out


def _labels(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> list[str]:
    return frame.loc[mask, "label"].astype(str).tolist()


def _group_words(survey: Survey) -> dict[str, str]:
    spec = survey.model.requirements
    return {k: v[:1].lower() + v[1:] for k, v in (spec.groups if spec else {}).items()}


def _of(m: int, n: int) -> str:
    return f"{m} of {n}"


def _lc(labels: Sequence[str]) -> list[str]:
    """Labels for use inside a sentence ("Human rights" -> "human rights")."""
    return [nar.inline(str(x)) for x in labels]


# -- sentences -------------------------------------------------------------------------


def benchmark_sentence(benchmark: pd.DataFrame, words: Words, survey: Survey) -> str:
    """How far the entities go on average, who goes furthest and least, and which group of
    requirements is mandatory most often."""
    valid = benchmark.dropna(subset=["share_mandatory"])
    if valid.empty:
        return ""
    mean = float(valid["share_mandatory"].mean())
    median = float(valid["share_mandatory"].median())
    top = valid.head(3)
    low = valid.tail(3).iloc[::-1]

    def named(rows: pd.DataFrame) -> str:
        return nar.join_names(
            [f"{a} ({nar.percent(s)})" for a, s in zip(rows["acronym"], rows["share_mandatory"], strict=True)]
        )

    text = (
        f"On average, the {len(valid)} {words.entities} make {nar.percent(mean)} of the "
        f"requirements that apply to them mandatory (median {nar.percent(median)}). "
        f"{named(top)} go furthest; {named(low)} least."
    )
    groups = [c.removeprefix("share_") for c in valid.columns if c.startswith("share_") and c != "share_mandatory"]
    means = {g: float(valid[f"share_{g}"].mean()) for g in groups if valid[f"share_{g}"].notna().any()}
    if len(means) >= 2:
        names = _group_words(survey)
        hi = max(means, key=lambda g: means[g])
        lo = min(means, key=lambda g: means[g])
        text += (
            f" {nar.capitalise(names.get(hi, hi))} are mandatory most often (on average "
            f"{nar.percent(means[hi])} of those that apply), {names.get(lo, lo)} least "
            f"({nar.percent(means[lo])})."
        )
    return text


def adoption_sentence(adoption: pd.DataFrame, words: Words, mandatory: str) -> str:
    """The most and least widely mandatory requirements, with counts."""
    shares = adoption["share_mandatory"].astype(float)
    if shares.notna().sum() == 0:
        return ""
    order = adoption.assign(_s=shares).sort_values("_s", ascending=False, kind="stable")
    best, worst = order.iloc[0], order.dropna(subset=["_s"]).iloc[-1]
    n_col = f"n_{mandatory}"

    def facts(row: pd.Series) -> str:
        return (
            f"{_of(int(row[n_col]), int(row['n_answered']))} {words.entities} it applies to, "
            f"{nar.percent(row['_s'])}"
        )

    ties_top = _labels(order, (shares.reindex(order.index) - best["_s"]).abs() < 1e-9)
    ties_low = _labels(order, (shares.reindex(order.index) - worst["_s"]).abs() < 1e-9)
    top = nar.capitalise(nar.join_names(_lc(ties_top)))
    low = nar.join_names(_lc(ties_low))
    verb_top = "are" if len(ties_top) > 1 else "is"
    verb_low = "are" if len(ties_low) > 1 else "is"
    each = " each" if len(ties_low) > 1 else ""
    text = (
        f"{top} {verb_top} mandatory in the most {words.entities} ({facts(best)}); {low} "
        f"{verb_low} mandatory in the fewest ({facts(worst)}{each})."
    )
    n_na = int(adoption[[c for c in adoption.columns if c.startswith("n_")]].sum().get("n_not_applicable", 0))
    if n_na:
        text += (
            f" {nar.capitalise(nar.plural(n_na, 'answer', 'answers'))} said a requirement does not "
            f"apply to the {words.entity}'s mandate; those are left out of the shares."
        )
    return text


def tiers_sentence(minimum: pd.DataFrame, share: float, words: Words) -> str:
    """The three tiers at the declared consensus share, with their members."""
    if minimum.empty:
        return ""
    core = _labels(minimum, minimum["tier"] == "core")
    reach = _labels(minimum, minimum["tier"] == "within_reach")
    asp = _labels(minimum, minimum["tier"] == "aspirational")
    if core:
        text = (
            f"At the declared consensus share of {nar.percent(share)}, "
            f"{nar.plural(len(core), 'requirement is', 'requirements are')} already mandatory in "
            f"enough {words.entities} to form the consensus core: {nar.join_names(_lc(core))}."
        )
    else:
        text = (
            f"At the declared consensus share of {nar.percent(share)}, no requirement is yet "
            f"mandatory in enough {words.entities} to form a consensus core."
        )
    if reach:
        text += f" {nar.capitalise(nar.plural(len(reach), 'more is', 'more are'))} within reach ({nar.join_names(_lc(reach))})"
        text += f"; {len(asp)} remain aspirational." if asp else "."
    elif asp:
        text += f" The other {len(asp)} remain aspirational."
    return text


def sensitivity_sentence(sensitivity: pd.DataFrame) -> str:
    """How much the size of the core moves with the threshold."""
    if len(sensitivity) < 2:
        return ""
    first, last = sensitivity.iloc[0], sensitivity.iloc[-1]
    text = (
        f"The core depends on the threshold: it holds {nar.plural(int(first['n_core']), 'requirement', 'requirements')} "
        f"at {nar.percent(first['threshold'])} and {int(last['n_core'])} at "
        f"{nar.percent(last['threshold'])}."
    )
    declared = sensitivity.index[sensitivity["declared"].astype(bool)]
    if len(declared):
        i = int(declared[0])
        if i + 1 < len(sensitivity):
            nxt = sensitivity.iloc[i + 1]
            left = [x for x in str(nxt["left_core"] or "").split("; ") if x]
            kept = [x for x in str(nxt["core"] or "").split("; ") if x]
            if left and len(left) > len(kept):
                text += (
                    f" Raising it to {nar.percent(nxt['threshold'])} would leave only "
                    + (f"{nar.join_names(_lc(kept))} in the core." if kept else "no requirement in the core.")
                )
            elif left:
                text += (
                    f" Raising it to {nar.percent(nxt['threshold'])} would drop "
                    f"{nar.join_names(_lc(left))}."
                )
        if i > 0:
            here = sensitivity.iloc[i]
            prev = sensitivity.iloc[i - 1]
            gained = [
                x for x in str(prev["core"] or "").split("; ")
                if x and x not in str(here["core"] or "").split("; ")
            ]
            if gained:
                text += (
                    f" Lowering it to {nar.percent(prev['threshold'])} would add "
                    f"{nar.join_names(_lc(gained))}."
                )
    return text


def to_adopt_sentence(to_adopt: pd.DataFrame, n_core: int, words: Words) -> str:
    """How much the core would ask of the entities."""
    if to_adopt.empty or n_core == 0:
        return ""
    n = to_adopt["n_to_adopt"].astype(int)
    met = to_adopt.loc[(n == 0) & (to_adopt["n_not_reported"].astype(int) == 0), "acronym"].tolist()
    text = (
        f"Meeting the core would ask each {words.entity} to make between {int(n.min())} and "
        f"{int(n.max())} more requirements mandatory (median {float(n.median()):g})."
    )
    if met:
        verb = "meets" if len(met) == 1 else "meet"
        text += f" {nar.join_names(sorted(met))} already {verb} it in full."
    return text


def clusters_sentence(
    clusters: pd.DataFrame, benchmark: pd.DataFrame, drivers: pd.DataFrame, stats: dict[str, Any], words: Words
) -> str:
    """The groups of similar entities, how far each goes, and what separates them."""
    if clusters.empty:
        return ""
    k = int(clusters["cluster"].nunique())
    if k < 2:
        return f"The {words.entities}' answers are too few or too alike to form groups."
    share = benchmark.set_index("acronym")["share_mandatory"] if not benchmark.empty else pd.Series(dtype=float)
    parts = []
    for number, grp in clusters.groupby("cluster", sort=True):
        names = grp["acronym"].astype(str).tolist()
        mean = share.reindex(names).mean() if len(share) else float("nan")
        parts.append(
            f"group {int(number)} ({nar.join_names(names)}) makes on average "
            f"{nar.percent(mean)} of its applicable requirements mandatory"
        )
    text = f"The {words.entities} fall into {k} groups with similar answers: " + "; ".join(parts) + "."
    if not drivers.empty and drivers["spread"].notna().any():
        top = drivers.head(3)
        text += (
            f" The {words.dimensions} that separate the groups most are "
            f"{nar.join_names(_lc(top['label'].astype(str).tolist()))}."
        )
    coph = stats.get("cophenetic_correlation")
    if coph is not None:
        quality = "faithfully" if coph >= 0.75 else "reasonably" if coph >= 0.6 else "only loosely"
        text += (
            f" The tree keeps the distances between the {words.entities} {quality} "
            f"(cophenetic correlation {coph:.2f})."
        )
    return text


def maturity_sentence(maturity: pd.DataFrame, survey: Survey, words: Words) -> str:
    """The furthest and least advanced building blocks."""
    spec = survey.model.maturity
    if maturity.empty or spec is None:
        return ""
    choices = _maturity_choices(survey)
    top_two = [c.name for c in choices[-2:]]
    low_two = [c.name for c in choices[:2]]
    far = maturity[[f"n_{n}" for n in top_two]].sum(axis=1)
    behind = maturity[[f"n_{n}" for n in low_two]].sum(axis=1)
    n = maturity["n_answered"].astype(int)
    best, worst = int(far.idxmax()), int(behind.idxmax())
    dset = survey.model.dimension_sets[spec.dimension_set]
    top_words = " or ".join(c.label.lower() for c in choices[-2:])
    low_words = " or ".join(c.label.lower() for c in choices[:2])
    return (
        f"Of the {len(maturity)} {dset.plural}, {nar.inline(maturity.at[best, 'label'])} is furthest: "
        f"{_of(int(far[best]), int(n[best]))} {words.entities} report it {top_words}. "
        f"{maturity.at[worst, 'label']} lags most: {_of(int(behind[worst]), int(n[worst]))} "
        f"{words.entities} have it {low_words}."
    )


def _maturity_choices(survey: Survey) -> list[Any]:
    spec = survey.model.maturity
    if spec is None:
        return []
    field = next(f for f in survey.fields_of(spec.question) if f.dimension)
    return sorted(
        (c for c in survey.choices(field.choices or "") if c.score is not None), key=lambda c: float(c.score or 0)
    )


# -- recommendations -------------------------------------------------------------------


def requirement_recommendations(
    minimum: pd.DataFrame,
    matrix: pd.DataFrame,
    to_adopt: pd.DataFrame,
    maturity: pd.DataFrame,
    log_frame: pd.DataFrame,
    submissions: pd.DataFrame,
    survey: Survey,
    words: Words,
    non_respondents: Sequence[str] = (),
    response_rate: float | None = None,
) -> list[Recommendation]:
    """Recommendations drafted from rules, each ``(lead sentence, why and how)``:

    1. agree the core as the common minimum (when there is a core);
    2. each requirement within reach: how many more entities would make it core, and which
       entities are closest (guidance only or under development);
    3. entities far from the core (missing at least half of it): support;
    4. aspirational requirements that many entities are developing: common guidance;
    5. the least mature building block;
    6. mandatory answers that cite no document: ask for the references;
    7. entities considering the voluntary application phase;
    8. follow up non-respondents (below 80% response).
    """
    spec = survey.model.requirements
    if spec is None:
        return []
    out: list[Recommendation] = []
    share = spec.consensus_share
    core = minimum[minimum["tier"] == "core"]
    if len(core):
        out.append(
            (
                f"Agree the {nar.plural(len(core), 'core requirement', 'core requirements')} as the "
                "proposed common minimum.",
                f"{nar.capitalise(nar.join_names(_lc(core['label'].astype(str).tolist())))} "
                f"{'is' if len(core) == 1 else 'are'} already mandatory in at least "
                f"{nar.percent(share)} of the {words.entities} they apply to; a common minimum built "
                "on them asks least of the others.",
            )
        )
    scored = [s for s in coverage_scale(survey) if s.score is not None]
    nearest = scored[1] if len(scored) > 1 else None  # the answer just below mandatory
    reach = minimum[minimum["tier"] == "within_reach"].sort_values(["n_more_for_core", "share_mandatory"], ascending=[True, False])
    for row in reach.to_dict("records"):
        need = row["n_more_for_core"]
        if need is None or pd.isna(need):
            continue
        column = (
            matrix.set_index("acronym")[row["requirement"]]
            if row["requirement"] in matrix
            else pd.Series(dtype="string")
        )
        close = sorted(column[column == nearest.name].index.astype(str)) if nearest else []
        who = (
            f" Closest: {nar.join_names(close)} ({nar.inline(nearest.label)})." if close and nearest else ""
        )
        out.append(
            (
                f"Bring {nar.inline(str(row['label']))} into the core.",
                f"{nar.capitalise(nar.plural(int(need), f'more {words.entity}', f'more {words.entities}'))} "
                f"making it mandatory would make it part of the core (now {_of(int(row['n_mandatory']), int(row['n_answered']))}, "
                f"{nar.percent(row['share_mandatory'])}).{who}",
            )
        )
    if len(core) and not to_adopt.empty:
        far = to_adopt[to_adopt["n_to_adopt"].astype(int) >= max(1, int(np.ceil(len(core) / 2)))]
        if len(far):
            names = [f"{a} ({int(n)})" for a, n in zip(far["acronym"], far["n_to_adopt"], strict=True)]
            out.append(
                (
                    f"Support the {nar.plural(len(far), words.entity, words.entities)} furthest from the core.",
                    f"{nar.join_names(names, limit=10)} would each have to make at least half of the "
                    f"core requirements mandatory (number in brackets); peer support from "
                    f"{words.entities} that already apply them, and time, would help.",
                )
            )
    asp = minimum[minimum["tier"] == "aspirational"]
    developing = _developing_choice(survey)
    if developing and len(asp) and not matrix.empty:
        counts = {r: int((matrix[r] == developing).sum()) for r in asp["requirement"] if r in matrix}
        busy = [(r, n) for r, n in counts.items() if n >= max(3, int(np.ceil(0.3 * len(matrix))))]
        if busy:
            labels = dict(zip(minimum["requirement"], minimum["label"], strict=True))
            items = [f"{nar.inline(labels[r])} ({n})" for r, n in sorted(busy, key=lambda x: -x[1])]
            out.append(
                (
                    "Develop common guidance for the aspirational requirements many are working on.",
                    f"{nar.capitalise(nar.join_names(items, limit=6))}: the number of {words.entities} "
                    "developing each is in brackets; shared guidance now would make later alignment "
                    "easier.",
                )
            )
    if not maturity.empty:
        choices = _maturity_choices(survey)
        low = [f"n_{c.name}" for c in choices[:2]]
        if all(c in maturity for c in low):
            behind = maturity[low].sum(axis=1)
            worst = int(behind.idxmax())
            n = int(maturity.at[worst, "n_answered"])
            if n and behind[worst] >= n / 2:
                words_low = " or ".join(c.label.lower() for c in choices[:2])
                out.append(
                    (
                        f"Invest in {nar.inline(str(maturity.at[worst, 'label']))}.",
                        f"It is the least advanced building block: {_of(int(behind[worst]), n)} "
                        f"{words.entities} have it {words_low}.",
                    )
                )
    if not log_frame.empty and "code" in log_frame:
        undoc = log_frame[log_frame["code"] == "requirement-undocumented"]
        if len(undoc):
            by = undoc.groupby("entity").size().sort_values(ascending=False, kind="stable")
            names = [f"{e} ({int(n)})" for e, n in by.items()]
            out.append(
                (
                    "Ask for the document behind every 'mandatory' answer.",
                    f"{nar.plural(len(undoc), 'mandatory answer cites', 'mandatory answers cite')} no "
                    f"document: {nar.join_names(names, limit=10)}. Until the references are given, "
                    "these answers cannot be checked (Annex C lists them).",
                )
            )
    if "voluntary_application" in submissions.columns:
        considering = submissions.loc[
            submissions["voluntary_application"].astype("string") == "considering", "entity_id"
        ]
        if len(considering):
            names = sorted(considering.astype(str))
            out.append(
                (
                    f"Invite the {words.entities} considering the voluntary application phase to join it.",
                    f"{nar.join_names(names, limit=10)} said they are considering it.",
                )
            )
    rate = _share(response_rate)
    if non_respondents and rate is not None and rate < 0.8:
        out.append(
            (
                f"Invite the {nar.plural(len(non_respondents), words.entity, words.entities)} that did "
                "not answer to do so before the common minimum is agreed.",
                f"{nar.join_names(list(non_respondents), limit=10)}: their systems are missing from "
                "the comparison, and the consensus shares count only the "
                f"{words.entities} that answered.",
            )
        )
    return out


def _developing_choice(survey: Survey) -> str | None:
    """The coverage choice just above "not covered" (e.g. under development), if any."""
    scored = [s for s in coverage_scale(survey) if s.score is not None]
    return scored[-2].name if len(scored) >= 3 else None


# -- tables ----------------------------------------------------------------------------


def matrix_codes(matrix: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """The comparison matrix (``acronym`` column, one column per requirement id, choice
    names) as codes of :func:`coverage_scale` ("" when unanswered), indexed by acronym."""
    codes = {s.name: s.code for s in coverage_scale(survey)}
    ids = [c for c in matrix.columns if c != "acronym"]
    out = matrix.set_index("acronym")[ids].apply(lambda col: col.map(codes)).fillna("")
    return out.astype(object)


def _matrix_fills(survey: Survey) -> dict[str, str | None]:
    steps = coverage_scale(survey)
    scored = [s for s in steps if s.score is not None]
    fills: dict[str, str | None] = {s.code: MATRIX_FILLS[min(i, len(MATRIX_FILLS) - 1)] for i, s in enumerate(scored)}
    fills.update({s.code: None for s in steps if s.score is None})
    return fills


def _legend(steps: Sequence[ScaleStep]) -> str:
    return "; ".join(f"{s.code} = {s.label.lower() if s.label[1:2].islower() else s.label}" for s in steps)


def _grouped_rows(items: pd.DataFrame, survey: Survey) -> list[tuple[str, str | None]]:
    """Report rows: ``(group label, None)`` before each group, then ``(label, requirement id)``."""
    spec = survey.model.requirements
    names = spec.groups if spec else {}
    rows: list[tuple[str, str | None]] = []
    previous: object = object()
    for rec in items.to_dict("records"):
        group = rec["group"] if isinstance(rec["group"], str) else None
        if group != previous and group is not None:
            rows.append((str(names.get(group, group)), None))
        previous = group
        rows.append((str(rec["label"]), str(rec["requirement"])))
    return rows


# -- chapters --------------------------------------------------------------------------


def write_requirement_chapters(
    doc: ReportDocument, ctx: ReportContext, extra_chapters: Callable[[], None] | None = None
) -> None:
    """Write the body of a benchmark survey's report (after the title page and contents).

    ``extra_chapters``: called before the recommendations to write chapters the generic
    writer adds (e.g. the comparison with the previous round).
    """
    _Chapters(doc, ctx).write(extra_chapters)


def requirement_report_recommendations(ctx: ReportContext) -> list[Recommendation]:
    """The recommendations :func:`write_requirement_chapters` writes, without a document."""
    return _Chapters(None, ctx).recs  # type: ignore[arg-type]  # the constructor only keeps it


class _Chapters:
    """The chapters, sharing the run's tables and words."""

    def __init__(self, doc: ReportDocument, ctx: ReportContext):
        self.doc, self.ctx = doc, ctx
        self.survey: Survey = ctx.result.survey
        self.w: Words = ctx.words
        spec = self.survey.model.requirements
        assert spec is not None
        self.spec = spec
        self.items = requirement_items(self.survey)
        self.scale = coverage_scale(self.survey)
        self.recs = self._recommendations()

    # tables of the run
    def t(self, name: str) -> pd.DataFrame:
        return self.ctx.table(name)

    @property
    def stats(self) -> dict[str, Any]:
        return self.ctx.stats

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

    def chart(self, chart_id: str) -> None:
        chart(self.doc, self.ctx, chart_id)

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
            tiers_sentence(self.t("minimum_requirements"), share, w)
            + " "
            + to_adopt_sentence(self.t("to_adopt"), int(self.stats.get("n_core") or 0), w),
            sensitivity_sentence(self.t("sensitivity")),
            clusters_sentence(self.t("clusters"), self.t("benchmark"), self.t("cluster_drivers"), self.stats, w),
            maturity_sentence(self.t("maturity"), self.survey, w),
            *answer_count_sentences(r.responses.submissions, self.survey, w.entities),
        ]
        n_undoc = int(self.stats.get("n_undocumented") or 0)
        if n_undoc:
            paragraphs.append(
                f"{n_undoc} '{self._mandatory_label()}' "
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
                (f"{s.code}", f"{s.label}" + (f" (score {s.score:g})" if s.score is not None else " (not scored)"))
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
            f"mandatory; it is within reach when its share is at most {margin * 100:.0f} percentage "
            f"points below that, and aspirational otherwise. The threshold is a choice for the "
            f"{w.decides}: the sensitivity table shows the core at thresholds of "
            f"{nar.join_names([nar.percent(t) for t in spec.sensitivity])}. For each {w.entity}, the "
            f"core {w.dimensions} it answered but does not make mandatory are what it would need to "
            f"adopt; core {w.dimensions} it did not answer are listed apart."
        )
        doc.heading(f"Groups of similar {w.entities}", 2)
        scores = ", ".join(f"{s.label.lower()} {s.score:g}" for s in self.scale if s.score is not None)
        coph = self.stats.get("cophenetic_correlation")
        doc.paragraph(
            f"Each {w.entity}'s answers are scored ({scores}; not applicable is left out). The distance "
            f"between two {w.entities} is the mean absolute difference of their scores over the "
            f"{w.dimensions} both answered (a Gower distance, from 0 for identical answers to 1). "
            f"Average-linkage hierarchical clustering of these distances gives the dendrogram; the "
            f"tree is cut into groups at the largest jump in merge height ({MIN_CLUSTERS} to "
            f"{MAX_CLUSTERS} groups)."
            + (f" The cophenetic correlation of the tree is {coph:.2f}." if coph is not None else "")
            + f" The {w.dimensions} that separate the groups are those whose mean score differs "
            "most between them, with a Kruskal-Wallis test for each."
        )
        if m.maturity is not None and not self.t("maturity").empty:
            dset = m.dimension_sets[m.maturity.dimension_set]
            levels = ", ".join(f"{c.label.lower()} ({c.score:g})" for c in _maturity_choices(self.survey))
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

    # -- the comparison matrix ----------------------------------------------------------
    def comparison_matrix(self) -> None:
        doc, w = self.doc, self.w
        matrix = self.t("comparison_matrix")
        doc.heading(f"Comparison of the {w.system}s" if w.system else "Comparison matrix", 1)
        if matrix.empty:
            doc.paragraph(f"No {w.entity} answered, so there is nothing to compare.")
            return
        codes = matrix_codes(matrix, self.survey)
        adoption = self.t("adoption").set_index("requirement")
        fills = _matrix_fills(self.survey)
        entities = codes.index.astype(str).tolist()
        chunks = _chunks(entities, MAX_MATRIX_ENTITIES)
        doc.paragraph(
            f"How each of the {len(entities)} {w.entities} covers each {w.dimension}: "
            f"{_legend(self.scale)}; an empty cell means no answer. {nar.capitalise(w.entities)} are in "
            f"the order of the dendrogram (see 'Groups of similar {w.entities}'), so that {w.entities} "
            f"with similar answers sit side by side. The last column counts the {w.entities} that make "
            f"the {w.dimension} mandatory, of those it applies to."
            + (f" The matrix is split into {len(chunks)} tables." if len(chunks) > 1 else "")
        )
        rows = _grouped_rows(self.items, self.survey)
        n_col = f"n_{self.spec.mandatory}"
        for i, chunk in enumerate(chunks, start=1):
            body: list[dict[str, str]] = []
            shade: list[dict[str, str | None]] = []
            for label, req in rows:
                if req is None:
                    body.append({nar.capitalise(w.dimension): label} | dict.fromkeys(chunk, "") | {"Mandatory in": ""})
                    shade.append(dict.fromkeys([nar.capitalise(w.dimension), *chunk, "Mandatory in"], GROUP_ROW_FILL))
                    continue
                cells = {a: str(codes.at[a, req]) if req in codes.columns else "" for a in chunk}
                mand = (
                    _of(int(adoption.at[req, n_col]), int(adoption.at[req, "n_answered"]))
                    if req in adoption.index
                    else ""
                )
                body.append({nar.capitalise(w.dimension): label} | cells | {"Mandatory in": mand})
                shade.append({nar.capitalise(w.dimension): None} | {a: fills.get(c) for a, c in cells.items()} | {"Mandatory in": None})
            frame = pd.DataFrame(body)
            of = f" ({i} of {len(chunks)}: {chunk[0]} to {chunk[-1]})" if len(chunks) > 1 else ""
            doc.table(
                frame,
                f"Comparison matrix: how each {w.entity} covers each {w.dimension}{of}",
                fills=pd.DataFrame(shade, columns=frame.columns),
                weights=[7.5] + [1.25] * len(chunk) + [1.7],
                align_right=["Mandatory in"],
                keep_together=True,
            )

    # -- adoption and benchmark ----------------------------------------------------------
    def adoption(self) -> None:
        doc, w = self.doc, self.w
        adoption = self.t("adoption")
        doc.heading(f"Adoption of each {w.dimension}", 1)
        if adoption.empty:
            doc.paragraph("No answers to count.")
            return
        doc.paragraph(adoption_sentence(adoption, w, self.spec.mandatory))
        self.chart("adoption")
        by_id = adoption.set_index("requirement")
        columns = list(self.scale)
        body, shade = [], []
        first = nar.capitalise(w.dimension)
        headers = [first, *[s.code for s in columns], "Applies to", "Share mandatory"]
        for label, req in _grouped_rows(self.items, self.survey):
            if req is None:
                body.append({first: label} | dict.fromkeys(headers[1:], None))
                shade.append(dict.fromkeys(headers, GROUP_ROW_FILL))
                continue
            row = by_id.loc[req]
            body.append(
                {first: label}
                | {s.code: int(row[f"n_{s.name}"]) for s in columns}
                | {"Applies to": int(row["n_answered"]), "Share mandatory": _share(row["share_mandatory"])}
            )
            shade.append(dict.fromkeys(headers, None))
        frame = pd.DataFrame(body, columns=headers)
        for c in headers[1:-1]:
            frame[c] = frame[c].astype("Int64")
        frame["Share mandatory"] = frame["Share mandatory"].astype("Float64")
        doc.table(
            frame,
            f"Answers per {w.dimension}: number of {w.entities}",
            formats={"Share mandatory": "{:.0%}"},
            fills=pd.DataFrame(shade, columns=headers),
            weights=[7] + [1.0] * len(columns) + [1.4, 1.6],
            note=f"{_legend(self.scale)}. Applies to: {w.entities} that did not answer "
            f"'{self._na_label()}'; the share mandatory is of those.",
        )

    def _mandatory_label(self) -> str:
        return next((s.label for s in self.scale if s.name == self.spec.mandatory), self.spec.mandatory)

    def _na_label(self) -> str:
        return next((s.label.lower() for s in self.scale if s.score is None), "not applicable")

    def benchmark(self) -> None:
        doc, w = self.doc, self.w
        bench = self.t("benchmark")
        doc.heading(f"Each {w.entity} against the full set of {w.dimensions}", 1)
        if bench.empty:
            doc.paragraph("No answers to compare.")
            return
        doc.paragraph(benchmark_sentence(bench, w, self.survey))
        self.chart("benchmark")
        groups = [c.removeprefix("share_") for c in bench.columns if c.startswith("share_") and c != "share_mandatory"]
        names = self.spec.groups
        frame = pd.DataFrame(
            {
                nar.capitalise(w.entity): bench["acronym"].astype(str),
                "Applicable": bench["n_applicable"].astype("Int64"),
                "Mandatory": bench["n_mandatory"].astype("Int64"),
                "Share": bench["share_mandatory"].astype("Float64"),
                **{names.get(g, g): bench[f"share_{g}"].astype("Float64") for g in groups},
                "Not applicable": bench["n_not_applicable"].astype("Int64"),
                "No answer": bench["n_unanswered"].astype("Int64"),
            }
        )
        pct = {c: "{:.0%}" for c in ["Share", *[names.get(g, g) for g in groups]]}
        doc.table(
            frame,
            f"{nar.capitalise(w.dimensions)} made mandatory, by {w.entity}",
            formats=pct,
            weights=[3.6, 1.6, 1.6, 1.3] + [1.8] * len(groups) + [1.7, 1.4],
            note=f"Share: mandatory of the applicable {w.dimensions}, overall and per group. The "
            f"{w.dimensions} each {w.entity} does not make mandatory are listed in its profile "
            f"(Annex B) and in the results workbook.",
        )

    # -- common minimum requirements ------------------------------------------------------
    def minimum_requirements(self) -> None:
        doc, w = self.doc, self.w
        minimum, sens = self.t("minimum_requirements"), self.t("sensitivity")
        share = self.spec.consensus_share
        doc.heading(f"Proposed common minimum {w.dimensions}", 1)
        if minimum.empty:
            doc.paragraph("No answers to build a common minimum from.")
            return
        doc.paragraph(tiers_sentence(minimum, share, w))
        groups = self.spec.groups
        frame = pd.DataFrame(
            {
                "Tier": minimum["tier"].map(TIER_LABELS).map(nar.capitalise),
                nar.capitalise(w.dimension): minimum["label"].astype(str),
                "Group": minimum["group"].map(lambda g: groups.get(g, g) if isinstance(g, str) else ""),
                "Mandatory in": [
                    _of(int(m), int(n)) for m, n in zip(minimum["n_mandatory"], minimum["n_answered"], strict=True)
                ],
                "Share": minimum["share_mandatory"].astype("Float64"),
                "More needed": minimum["n_more_for_core"].astype("Int64").mask(minimum["tier"] == "core"),
            }
        )
        tier_fill = minimum["tier"].map(TIER_FILLS)
        fills = pd.DataFrame({c: [None] * len(frame) for c in frame.columns})
        fills["Tier"] = tier_fill.to_numpy()
        doc.table(
            frame,
            f"Tiers of the {w.dimensions} at the declared consensus share of {nar.percent(share)}",
            formats={"Share": "{:.0%}"},
            fills=fills,
            weights=[1.8, 5.4, 4.4, 1.8, 1.2, 1.5],
            align_right=["Mandatory in"],
            note=f"More needed: how many more {w.entities} would have to make the {w.dimension} mandatory "
            f"for it to reach the consensus share, other answers unchanged (blank for the core).",
        )
        doc.heading("How the core changes with the threshold", 2)
        doc.paragraph(sensitivity_sentence(sens))
        self.chart("sensitivity")
        if not sens.empty:
            declared = sens["declared"].astype(bool)
            table = pd.DataFrame(
                {
                    "Threshold": [
                        nar.percent(t) + (" (declared)" if d else "") for t, d in zip(sens["threshold"], declared, strict=True)
                    ],
                    "Core": sens["n_core"].astype("Int64"),
                    "Within reach": sens["n_within_reach"].astype("Int64"),
                    "Aspirational": sens["n_aspirational"].astype("Int64"),
                    "Leave the core at this threshold": sens["left_core"].fillna("").astype(str),
                }
            )
            fills = pd.DataFrame({c: [DECLARED_FILL if d else None for d in declared] for c in table.columns})
            doc.table(
                table,
                "Number of requirements in each tier, by consensus threshold",
                fills=fills,
                weights=[2.2, 1.1, 1.6, 1.6, 8],
                note="Leave the core: requirements in the core at the threshold before but not at this one.",
            )
        self.to_adopt()

    def to_adopt(self) -> None:
        doc, w = self.doc, self.w
        adopt = self.t("to_adopt")
        n_core = int(self.stats.get("n_core") or 0)
        doc.heading(f"What each {w.entity} would need to adopt", 2)
        if adopt.empty or n_core == 0:
            doc.paragraph(f"With no core {w.dimension}, no {w.entity} has anything to adopt.")
            return
        doc.paragraph(to_adopt_sentence(adopt, n_core, w))
        adopt = adopt.sort_values(["n_to_adopt", "acronym"], kind="stable")
        frame = pd.DataFrame(
            {
                nar.capitalise(w.entity): adopt["acronym"].astype(str),
                "To adopt": adopt["n_to_adopt"].astype("Int64"),
                f"Core {w.dimensions} to make mandatory": adopt["to_adopt"].fillna("").astype(str).str.replace("; ", ", "),
                "Not answered": adopt["not_reported"].fillna("").astype(str).str.replace("; ", ", "),
            }
        )
        weights = [1.8, 1.3, 9, 3]
        if not frame["Not answered"].str.len().any():
            frame, weights = frame.drop(columns="Not answered"), weights[:3]
        doc.table(
            frame,
            f"Core {w.dimensions} each {w.entity} does not yet make mandatory",
            weights=weights,
            note=f"Core {w.dimensions} {nar.article(w.entity)} answered as not applicable are left out.",
        )

    # -- groups and maturity --------------------------------------------------------------
    def groups(self) -> None:
        doc, w = self.doc, self.w
        clusters, drivers = self.t("clusters"), self.t("cluster_drivers")
        doc.heading(f"Groups of similar {w.entities}", 1)
        doc.paragraph(clusters_sentence(clusters, self.t("benchmark"), drivers, self.stats, w))
        self.chart("clusters")
        if clusters.empty or clusters["cluster"].nunique() < 2:
            return
        bench = self.t("benchmark").set_index("acronym")
        rows = []
        for number, grp in clusters.groupby("cluster", sort=True):
            names = grp["acronym"].astype(str).tolist()
            rows.append(
                {
                    "Group": int(number),
                    nar.capitalise(w.entities): ", ".join(names),
                    "Size": len(names),
                    "Mean share mandatory": float(bench["share_mandatory"].reindex(names).mean()),
                }
            )
        doc.table(
            pd.DataFrame(rows),
            f"Groups of {w.entities} with similar answers",
            formats={"Mean share mandatory": "{:.0%}"},
            weights=[1.2, 9, 1.1, 2.4],
        )
        if drivers.empty:
            return
        means = [c for c in drivers.columns if c.startswith("mean_cluster_")]
        frame = pd.DataFrame(
            {
                nar.capitalise(w.dimension): drivers["label"].astype(str),
                **{f"Group {c.removeprefix('mean_cluster_')}": drivers[c].astype("Float64") for c in means},
                "Difference": drivers["spread"].astype("Float64"),
                "p (Kruskal-Wallis)": [_p_text(p) for p in drivers["p_value"]],
            }
        )
        fmt = {c: "{:.2f}" for c in frame.columns[1:-1]}
        doc.table(
            frame,
            f"The {w.dimensions} that separate the groups most: mean score per group",
            formats=fmt,
            weights=[6] + [1.4] * len(means) + [1.6, 2],
            align_right=["p (Kruskal-Wallis)"],
            note="Mean score: "
            + ", ".join(f"{s.label.lower()} {s.score:g}" for s in self.scale if s.score is not None)
            + f". With few {w.entities} per group the test is indicative only.",
        )

    def maturity(self) -> None:
        doc, w, m = self.doc, self.w, self.survey.model
        table = self.t("maturity")
        if m.maturity is None or table.empty:
            return
        dset = m.dimension_sets[m.maturity.dimension_set]
        doc.heading(nar.capitalise(dset.plural), 1)
        doc.paragraph(maturity_sentence(table, self.survey, w))
        self.chart("maturity")
        choices = _maturity_choices(self.survey)
        frame = pd.DataFrame(
            {
                nar.capitalise(dset.label): table["label"].astype(str),
                **{c.label: table[f"n_{c.name}"].astype("Int64") for c in choices},
                "Mean": table["mean"].astype("Float64"),
            }
        )
        doc.table(
            frame,
            f"Number of {w.entities} at each maturity level, per {dset.label}",
            formats={"Mean": "{:.2f}"},
            weights=[5.5] + [1.5] * len(choices) + [1.2],
            note="Mean: maturity score from 0 to 1 ("
            + ", ".join(f"{c.label.lower()} {c.score:g}" for c in choices)
            + ").",
        )

    def recommendations(self) -> None:
        doc = self.doc
        doc.heading("Recommendations", 1)
        if not self.recs:
            doc.paragraph("The rules found nothing to recommend from this round's numbers.")
            return
        doc.paragraph(
            "The recommendations below were drafted by rules from the findings above; each says "
            f"why it is made. They are a starting point for {self.w.decides}, not its conclusion."
        )
        doc.bullets(self.recs, numbered=True)

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
        group_names = _group_words(self.survey)
        top_levels = [c.name for c in _maturity_choices(self.survey)[-2:]]
        score_of = {c.name: float(c.score or 0) for c in _maturity_choices(self.survey)}
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
                    f"{group_names.get(g, g)} {nar.percent(_share(b[f'share_{g}']))}" for g in groups
                )
                lines.append(
                    (
                        f"{nar.capitalise(w.dimensions)} mandatory:",
                        f"{nar.percent(_share(b['share_mandatory']))} of {int(b['n_applicable'])} applicable"
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
                        + " or ".join(c.label.lower() for c in _maturity_choices(self.survey)[-2:]),
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


def _p_text(p: object) -> str:
    value = _share(p)
    if value is None:
        return ""
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _chunks(items: Sequence[str], most: int) -> list[list[str]]:
    """``items`` in balanced chunks of at most ``most``."""
    n = max(1, -(-len(items) // most))
    size = -(-len(items) // n)
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


__all__ = [
    "adoption_sentence",
    "benchmark_sentence",
    "clusters_sentence",
    "matrix_codes",
    "maturity_sentence",
    "requirement_recommendations",
    "sensitivity_sentence",
    "tiers_sentence",
    "to_adopt_sentence",
    "write_requirement_chapters",
]
