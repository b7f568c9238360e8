"""The findings chapters of a benchmark survey's report: the comparison matrix
(landscape), adoption of each requirement, each agency against the full set, the proposed
common minimum requirements with their sensitivity to the threshold and what each agency
would need to adopt, the groups of agencies with similar profiles and the building blocks'
maturity. :mod:`pipeline.analyses.benchmark.body` writes them inside the report's body.

The sentences are written from the numbers by the small pure functions of
:mod:`pipeline.analyses.benchmark.words`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from pipeline.analyses.benchmark.answers import requirement_items
from pipeline.analyses.benchmark.scale import TIER_LABELS, ScaleStep, coverage_scale
from pipeline.analyses.benchmark.words import (
    adoption_sentence,
    benchmark_sentence,
    clusters_sentence,
    maturity_choices,
    maturity_sentence,
    minimum_title,
    of_text,
    sensitivity_sentence,
    share_value,
    tiers_sentence,
    to_adopt_sentence,
)
from pipeline.numbers import plain
from pipeline.report import words as nar
from pipeline.report.context import chart
from pipeline.report.document import ReportDocument
from pipeline.report.words import Words
from pipeline.report.workbook import sheet_for
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


class Chapters:
    """The benchmark's findings chapters, sharing the run's tables and words; the report's
    body (:mod:`pipeline.analyses.benchmark.body`) adds the summary, methodology,
    recommendations and annexes."""

    def __init__(self, doc: ReportDocument, ctx: ReportContext):
        self.doc, self.ctx = doc, ctx
        self.survey: Survey = ctx.result.survey
        self.w: Words = ctx.words
        spec = self.survey.model.requirements
        assert spec is not None
        self.spec = spec
        self.items = requirement_items(self.survey)
        self.scale = coverage_scale(self.survey)

    # tables of the run
    def t(self, name: str) -> pd.DataFrame:
        return self.ctx.table(name)

    @property
    def stats(self) -> dict[str, Any]:
        return self.ctx.stats

    def chart(self, chart_id: str) -> None:
        chart(self.doc, self.ctx, chart_id)

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
                    of_text(int(adoption.at[req, n_col]), int(adoption.at[req, "n_answered"]))
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
                group_rows=[k for k, (_, req) in enumerate(rows) if req is None],
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
        body, shade, groups = [], [], []
        first = nar.capitalise(w.dimension)
        headers = [first, *[s.code for s in columns], "Applies to", "Share mandatory"]
        for label, req in _grouped_rows(self.items, self.survey):
            if req is None:
                groups.append(len(body))
                body.append({first: label} | dict.fromkeys(headers[1:], None))
                shade.append(dict.fromkeys(headers, GROUP_ROW_FILL))
                continue
            row = by_id.loc[req]
            body.append(
                {first: label}
                | {s.code: int(row[f"n_{s.name}"]) for s in columns}
                | {"Applies to": int(row["n_answered"]), "Share mandatory": share_value(row["share_mandatory"])}
            )
            shade.append(dict.fromkeys(headers, None))
        frame = pd.DataFrame(body, columns=headers)
        for c in headers[1:-1]:
            frame[c] = frame[c].astype("Int64")
        frame["Share mandatory"] = frame["Share mandatory"].astype("Float64")
        doc.table(
            frame,
            f"Answers per {w.dimension}: number of {w.entities}",
            formats={"Share mandatory": "percent"},
            fills=pd.DataFrame(shade, columns=headers),
            weights=[7] + [1.0] * len(columns) + [1.4, 1.6],
            note=f"{_legend(self.scale)}. Applies to: {w.entities} that did not answer "
            f"'{self._na_label()}'; the share mandatory is of those.",
            group_rows=groups,
        )

    def mandatory_label(self) -> str:
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
        pct = {c: "percent" for c in ["Share", *[names.get(g, g) for g in groups]]}
        doc.table(
            frame,
            f"{nar.capitalise(w.dimensions)} made mandatory, by {w.entity}",
            formats=pct,
            weights=[3.6, 1.6, 1.6, 1.3] + [1.8] * len(groups) + [1.7, 1.4],
            note=f"Share: mandatory of the applicable {w.dimensions}, overall and per group. The "
            f"{w.dimensions} each {w.entity} does not make mandatory are listed in its profile "
            f"(Annex B) and in results.xlsx, sheet '{sheet_for('to_adopt')}'.",
        )

    # -- common minimum requirements ------------------------------------------------------
    def minimum_requirements(self) -> None:
        doc, w = self.doc, self.w
        minimum, sens = self.t("minimum_requirements"), self.t("sensitivity")
        share = self.spec.consensus_share
        doc.heading(minimum_title(w), 1)
        if minimum.empty:
            doc.paragraph("No answers to build a common minimum from.")
            return
        doc.paragraph(tiers_sentence(minimum, share, w, "the table below"))
        groups = self.spec.groups
        frame = pd.DataFrame(
            {
                "Tier": minimum["tier"].map(TIER_LABELS).map(nar.capitalise),
                nar.capitalise(w.dimension): minimum["label"].astype(str),
                "Group": minimum["group"].map(lambda g: groups.get(g, g) if isinstance(g, str) else ""),
                "Mandatory in": [
                    of_text(int(m), int(n)) for m, n in zip(minimum["n_mandatory"], minimum["n_answered"], strict=True)
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
            formats={"Share": "percent"},
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
            formats={"Mean share mandatory": "percent"},
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
                "p (Kruskal-Wallis)": drivers["p_value"].astype("Float64"),
            }
        )
        fmt = {c: "score" for c in frame.columns[1:-1]} | {"p (Kruskal-Wallis)": "p"}
        doc.table(
            frame,
            f"The {w.dimensions} that separate the groups most: mean score per group",
            formats=fmt,
            weights=[6] + [1.4] * len(means) + [1.6, 2],
            align_right=["p (Kruskal-Wallis)"],
            note="Mean score: "
            + ", ".join(f"{s.label.lower()} {plain(s.score)}" for s in self.scale if s.score is not None)
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
        choices = maturity_choices(self.survey)
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
            formats={"Mean": "score"},
            weights=[5.5] + [1.5] * len(choices) + [1.2],
            note="Mean: maturity score from 0 to 1 ("
            + ", ".join(f"{c.label.lower()} {plain(c.score)}" for c in choices)
            + ").",
        )

def _chunks(items: Sequence[str], most: int) -> list[list[str]]:
    """``items`` in balanced chunks of at most ``most``."""
    n = max(1, -(-len(items) // most))
    size = -(-len(items) // n)
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


__all__ = ["Chapters", "matrix_codes"]
