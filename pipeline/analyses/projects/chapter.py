"""The projects chapter (a ``projects:`` block): how many projects, by whom, by status,
dimension item, region and partner, and the list, with the initiatives desk research
adds. Survey-blind: the repeat section, its questions and labels come from the block."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.analyses.projects.words import projects_sentence
from pipeline.numbers import money
from pipeline.report import words as nar
from pipeline.report.context import WORKBOOK, ReportContext, capped, chart
from pipeline.report.document import ReportDocument, clean_text
from pipeline.report.workbook import sheet_for

MAX_PROJECT_ROWS = 25


def status_labels(ctx: ReportContext) -> dict[str, str]:
    p = ctx.result.survey.model.projects
    return _labels_of(ctx, p.status) if p else {}


def _labels_of(ctx: ReportContext, question: str) -> dict[str, str]:
    fields = ctx.result.survey.fields_of(question)
    if not fields or not fields[0].choices:
        return {}
    return ctx.result.survey.choice_labels(fields[0].choices)


def _as_labels(value: object, labels: dict[str, str]) -> list[str]:
    """A list cell as labels: "a; b" (labels, as the inventory writes them) or "a b" (names)."""
    text = clean_text(value, single_line=True)
    if not text:
        return []
    if ";" in text:
        parts = text.split(";")
    else:
        names = text.replace(",", " ").split()
        parts = names if all(n in labels for n in names) else [text]
    return [labels.get(p.strip(), p.strip()) for p in parts if p.strip()]


def _count_table(
    ctx: ReportContext, by: str, name: str, column: str, labels: dict[str, str]
) -> pd.DataFrame:
    """Projects by one key (status, stage, region): from ``project_summary`` when the run
    has it (keys x statuses, zero counts dropped), else counted from the inventory."""
    summary = ctx.table("project_summary")
    if not summary.empty and {"by", "label", "status", "n_projects"} <= set(summary.columns):
        part = summary[summary["by"] == by]
        if not part.empty:
            # projects found by desk research (pipeline.desk) are counted apart as well
            desk = part["n_desk"] if "n_desk" in part.columns else pd.Series(0, index=part.index)
            with_desk = bool((desk > 0).any())
            if by == "status":
                frame = part[["label", "n_projects"]].rename(
                    columns={"label": name, "n_projects": "Projects"}
                )
                return frame[frame["Projects"] > 0].reset_index(drop=True)
            wide = part.pivot_table(
                index="label", columns="status", values="n_projects", aggfunc="sum", sort=False
            ).fillna(0)
            wide = wide.astype("int64")
            wide["Total"] = wide.sum(axis=1)
            if with_desk:
                wide[DESK_COLUMN] = (
                    part.assign(n_desk=desk).groupby("label", sort=False)["n_desk"].sum()
                    .reindex(wide.index).fillna(0).astype("int64")
                )
            wide = wide[wide["Total"] > 0]
            wide = wide.loc[:, (wide != 0).any(axis=0)]
            return wide.reset_index(names=name).rename_axis(columns=None)
    projects = ctx.table("projects")
    if column not in projects:
        return pd.DataFrame()
    tokens = pd.Series(
        [t for v in projects[column].tolist() for t in _as_labels(v, labels)], dtype="string"
    )
    counts = tokens.value_counts(sort=False)
    order = [lab for lab in labels.values() if lab in counts.index]
    order += [t for t in counts.index if t not in order]
    return pd.DataFrame({name: order, "Projects": counts.reindex(order).to_numpy()})


MAX_PARTNER_ROWS = 15
DESK_COLUMN = "Of which desk research"


def projects_summary(ctx: ReportContext) -> str:
    """How many projects were reported, or that the round did not collect them."""
    spec = ctx.result.survey.model.projects
    section = next((s for s in ctx.result.survey.model.sections if s.id == spec.section), None)
    not_collected = str(ctx.stats.get("not_collected") or "").split(", ")
    return projects_sentence(
        ctx.table("projects"),
        ctx.words,
        status_labels(ctx),
        collected=spec.section not in not_collected,
        section_label=section.label if section else "Projects",
        desk=ctx.stats.get("desk"),
        acronyms=ctx.result.registry.acronyms(),
    )


def write_projects(doc: ReportDocument, ctx: ReportContext) -> None:
    spec = ctx.result.survey.model.projects
    if spec is None:
        return
    w, projects = ctx.words, ctx.table("projects")
    section = next((s for s in ctx.result.survey.model.sections if s.id == spec.section), None)
    doc.heading(section.label if section else "Projects", 1)
    doc.paragraph(projects_summary(ctx))
    if projects.empty:
        return
    budget = pd.to_numeric(projects.get("budget_usd", pd.Series(dtype=float)), errors="coerce")
    if budget.notna().any():
        doc.paragraph(
            f"Reported budgets add up to USD {money(budget.sum())} "
            f"({nar.plural(int(budget.notna().sum()), 'project', 'projects')} gave a budget). "
            "A project that covers several areas counts once in each row of the tables below."
        )
    chart(doc, ctx, "projects")
    stage_labels = _labels_of(ctx, spec.stages) or w.dimension_labels
    for by, name, column, labels in (
        ("status", "Status", "status", status_labels(ctx)),
        ("stage", nar.capitalise(w.dimension), "stages", stage_labels),
        ("region", "Region", "regions", _labels_of(ctx, spec.regions)),
        ("partner", f"Partner {w.entity}", "partners", {}),
    ):
        frame = _count_table(ctx, by, name, column, labels)
        if frame.empty:
            continue
        shortened = ""
        if by == "partner" and len(frame) > MAX_PARTNER_ROWS:  # most projects first
            frame = frame.head(MAX_PARTNER_ROWS)
            shortened = (
                f": the {MAX_PARTNER_ROWS} named most often (every project's partners: "
                f"{WORKBOOK}, sheet '{sheet_for('projects')}')"
            )
        doc.table(
            frame,
            f"Projects by {name.lower()}"
            + (" and status" if len(frame.columns) > 2 and by != "status" else "")
            + shortened,
            weights=[5] + [1.3] * (len(frame.columns) - 1),
        )
    _project_list(doc, ctx, projects, stage_labels)


def _project_list(
    doc: ReportDocument, ctx: ReportContext, projects: pd.DataFrame, stage_labels: dict[str, str]
) -> None:
    w = ctx.words
    status = status_labels(ctx)

    def years(row: dict[str, Any]) -> str:
        start, end = row.get("start_year"), row.get("end_year")
        start = "" if start is None or pd.isna(start) else str(int(start))
        end = "" if end is None or pd.isna(end) else str(int(end))
        return f"{start}–{end}" if start and end else start or end

    # a table cut to its first rows keeps the largest projects: by budget, then by entity
    if len(projects) > MAX_PROJECT_ROWS and "budget_usd" in projects:
        ordered = projects.sort_values(
            ["budget_usd", "entity_id", "title"], ascending=[False, True, True], na_position="last"
        )
    else:
        ordered = projects.sort_values(["entity_id", "title"], na_position="last")
    rows = ordered.to_dict("records")
    # entities known only from desk research are named as not responding, never as respondents
    only_desk = set((ctx.stats.get("desk") or {}).get("desk_only_entities", []))

    def who(entity: object) -> str:
        return ctx.acr(entity) + (" (did not answer)" if entity in only_desk else "")

    frame = pd.DataFrame(
        {
            nar.capitalise(w.entity): [who(r["entity_id"]) for r in rows],
            "Title": [r.get("title") for r in rows],
            "Status": ["; ".join(_as_labels(r.get("status"), status)) for r in rows],
            "Years": [years(r) for r in rows],
            nar.capitalise(w.dimensions): [
                "; ".join(_as_labels(r.get("stages"), stage_labels)) for r in rows
            ],
            "Budget (USD)": pd.array([r.get("budget_usd") for r in rows], dtype="Float64"),
        }
    )
    weights = [1.3, 5, 1.4, 1.6, 4, 1.6]
    caption, source_note = "Projects reported", ""
    if any(r.get("source") == "desk" for r in rows):
        frame["Source"] = ["desk research" if r.get("source") == "desk" else "survey" for r in rows]
        weights = [1.8, 5, 1.4, 1.6, 3.6, 1.6, 1.5]
        caption = "Projects reported in the survey and initiatives found by desk research"
        source_note = (
            " Source: survey (reported by the entity) or desk research (its address: "
            f"{WORKBOOK}, sheet '{sheet_for('projects')}')."
        )
    frame, note = capped(frame, MAX_PROJECT_ROWS, "projects", table="projects", by="largest budget first")
    doc.table(
        frame,
        caption,
        weights=weights,
        formats={"Budget (USD)": "money"},
        note=(note or f"Countries and partners of each project are in {WORKBOOK}.") + source_note,
    )


def summary(ctx: ReportContext) -> list[str]:
    """The executive summary's paragraph on projects."""
    return [projects_summary(ctx)]
