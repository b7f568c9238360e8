"""The projects chart: projects by dimension and region, and by status.

:data:`projects_charts` is the chart function the analysis' record names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.numbers import money
from pipeline.report import style
from pipeline.report.chart_context import (
    ChartRun,
    bar_labels,
    cap,
    chart_function,
)
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save, tidy_axes


def _project_lists(run: ChartRun) -> dict[str, tuple[str, list[str], dict[str, str]]]:
    """by -> (column of the projects table, choice order, choice labels), from the survey."""
    spec = run.result.survey.model.projects
    out: dict[str, tuple[str, list[str], dict[str, str]]] = {}
    if not spec:
        return out
    for by, column, question in (("stage", "stages", spec.stages), ("region", "regions", spec.regions)):
        try:
            field_ = run.result.survey.fields_of(question)[0]
            labels = run.result.survey.choice_labels(field_.choices or "")
        except (IndexError, KeyError):
            labels = {}
        out[by] = (column, [*labels, *labels.values()], labels)
    return out


def _status_order(run: ChartRun, present: set[str]) -> tuple[list[str], dict[str, str]]:
    """Statuses found in the summary (names or labels) in the survey's order, and labels."""
    spec = run.result.survey.model.projects
    labels: dict[str, str] = {}
    if spec:
        try:
            field_ = run.result.survey.fields_of(spec.status)[0]
            labels = run.result.survey.choice_labels(field_.choices or "")
        except (IndexError, KeyError):
            labels = {}
    rank = {name: i for i, name in enumerate(labels)} | {lab: i for i, lab in enumerate(labels.values())}
    order = sorted(present, key=lambda s: (rank.get(s, len(rank)), s))
    return order, labels


def _project_summary(run: ChartRun) -> pd.DataFrame | None:
    """Long counts ``by, key, label, status, n_projects``: the table, else from ``projects``."""
    summary = run.table("project_summary")
    if summary is not None and {"by", "key", "status", "n_projects"} <= set(summary.columns):
        summary = summary.copy()
        summary["by"] = summary["by"].astype(str).str.rstrip("s")
        return summary
    projects = run.table("projects")
    if projects is None or "status" not in projects:
        return None
    parts = []
    for by, (column, _order, labels) in _project_lists(run).items():
        if column not in projects:
            continue
        values = projects[column].astype("string")
        separator = r";\s*" if values.str.contains(";", regex=False).any() else r"\s+"
        long = projects[["status"]].assign(key=values.str.strip().str.split(separator, regex=True))
        long = long.explode("key").dropna(subset=["key"])
        counts = long.groupby(["key", "status"], as_index=False).size().rename(columns={"size": "n_projects"})
        counts["by"] = by
        counts["label"] = counts["key"].map(labels).fillna(counts["key"])
        parts.append(counts)
    return pd.concat(parts, ignore_index=True) if parts else None


def _projects(run: ChartRun, out_dir: Path) -> Chart | None:
    summary = _project_summary(run)
    if summary is None:
        return None
    summary["status"] = summary["status"].astype(str)
    summary["key"] = summary["key"].astype(str)
    summary["n_projects"] = pd.to_numeric(summary["n_projects"], errors="coerce").fillna(0)
    lists = _project_lists(run)
    bys = [b for b in ("stage", "region") if b in set(summary["by"])]
    bys += [b for b in dict.fromkeys(summary["by"]) if b not in bys and b not in {"status", "total", "all"}]
    bys = bys[:2]
    if not bys:
        return None
    statuses, status_labels = _status_order(run, set(summary["status"]))
    colours = {s: style.CATEGORICAL[i % len(style.CATEGORICAL)] for i, s in enumerate(statuses)}

    fig, axes = new_figure(len(bys), key=True)
    axes = list(np.atleast_1d(axes))
    findings: list[str] = []
    title = ""
    for ax, by in zip(axes, bys, strict=True):
        part = summary.loc[summary["by"] == by]
        _col, order, labels = lists.get(by, ("", [], {}))
        if "label" in part:
            labels = {**labels, **dict(zip(part["key"], part["label"].astype(str), strict=False))}
        table = part.pivot_table(index="key", columns="status", values="n_projects", aggfunc="sum", fill_value=0)
        table = table.reindex(columns=[s for s in statuses if s in table.columns])
        keys = [k for k in order if k in table.index] + sorted(k for k in table.index if k not in order)
        if by != "stage":
            keys = sorted(keys, key=lambda k: (-table.loc[k].sum(), keys.index(k)))
        table = table.loc[keys]
        y = np.arange(len(table))
        left = np.zeros(len(table))
        for status in table.columns:
            vals = table[status].to_numpy(dtype=float)
            ax.barh(y, vals, left=left, height=0.62, color=colours[status], label=status_labels.get(status, status))
            left += vals
        names, label_size = style.row_labels([labels.get(k, k) for k in table.index], 24)
        bar_labels(ax, y, left, [str(int(v)) for v in left], pad=max(left.max(), 1) * 0.015, size=label_size)
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=label_size)
        ax.set_ylim(len(table) - 0.5, -0.6)
        ax.set_xlim(0, max(left.max(), 1) * 1.15)
        ax.xaxis.get_major_locator().set_params(integer=True)
        word = run.dim_singular if by == "stage" else by
        ax.set_title(f"By {word}")
        ax.set_xlabel("projects")
        tidy_axes(ax)
        totals = pd.Series(left, index=table.index)
        most, least = totals.idxmax(), totals.idxmin()
        findings.append(
            f"by {word}, the most projects are in {labels.get(most, most)} ({int(totals[most])}) "
            f"and the fewest in {labels.get(least, least)} ({int(totals[least])})"
        )
        if len(findings) == 1:  # the first panel's finding is the title's
            title = (
                f"Most projects are in {labels.get(most, most)} ({int(totals[most])}), "
                f"the fewest in {labels.get(least, least)} ({int(totals[least])})"
            )
    key = axes[0].get_legend_handles_labels()[0]
    projects = run.table("projects")
    extra = ""
    n_projects = len(projects) if projects is not None else None
    n_desk = (
        int(projects["source"].astype("string").eq("desk").fillna(False).sum())
        if projects is not None and "source" in projects.columns
        else 0
    )
    if n_projects is not None:
        extra = f"{n_projects} projects reported"
        if n_desk:  # a desk mapping beside the survey (pipeline.desk): say which is which
            extra = f"{n_projects - n_desk} projects from the survey, {n_desk} from desk research"
        if "budget_usd" in projects:
            budget = pd.to_numeric(projects["budget_usd"], errors="coerce").sum()
            if budget > 0:
                extra += f", total budget USD {money(budget)}"  # as the chapter and the workbook say
    words = " and ".join(run.dim_singular if b == "stage" else b for b in bys)
    frame(fig, title, run.subtitle(extra), run.source(), key=key)
    png, svg = save(fig, out_dir, "projects")

    counted = f"the {n_projects} reported projects" if n_projects is not None else "reported projects"
    if n_desk and n_projects is not None:
        counted = (
            f"the {n_projects} projects ({n_projects - n_desk} reported in the survey, "
            f"{n_desk} found by desk research)"
        )
    alt = (
        f"Stacked bar charts of {counted} by {words}, split by status. "
        + cap("; ".join(findings)) + "."
    )
    caption = (
        f"Projects by {words}, split by status; a project listed under several counts once in each."
    )
    if n_desk:
        caption += (
            f" {n_desk} of the {n_projects} come from desk research (status not stated); the "
            "others were reported in the survey."
        )
    return Chart("projects", title, caption, alt, png, svg)


projects_charts = chart_function({"projects": _projects})
