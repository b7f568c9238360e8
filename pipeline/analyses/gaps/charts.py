"""The gaps chart: entities engaged per dimension and per topic, coloured by gap severity.

:data:`gaps_charts` is the chart function the analysis' record names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analyses.coverage.charts import coverage_frame, min_entities
from pipeline.report import style
from pipeline.report.chart_context import (
    ChartRun,
    bar_labels,
    chart_function,
    label_of,
    name_list,
)
from pipeline.report.figure import Chart
from pipeline.report.style import frame, new_figure, save, tidy_axes

MAX_TOPIC_BARS = 20
ZERO_MARKER_PT = 6.0  # how far right of the axis a gap at zero is marked


def _gap_status(gaps: pd.DataFrame | None, kind: str, keys: pd.Series) -> pd.DataFrame:
    """Per key, its worst gap severity (``ok`` when none) and that gap's reason ("")."""
    out = pd.DataFrame({"severity": "ok", "reason": ""}, index=keys.index)
    if gaps is None or not {"kind", "dimension", "severity", "reason"} <= set(gaps.columns):
        return out
    rank = {"critical": 0, "gap": 1}
    rows = gaps.loc[gaps["kind"].astype(str) == kind, ["dimension", "severity", "reason"]].astype(str)
    rows = rows[rows["severity"].isin(rank)]
    worst = rows.assign(_r=rows["severity"].map(rank)).sort_values("_r", kind="stable")
    worst = worst.drop_duplicates("dimension").set_index("dimension")
    found = worst.reindex(keys.astype(str).to_numpy())
    out["severity"] = found["severity"].fillna("ok").to_numpy()
    out["reason"] = found["reason"].fillna("").to_numpy()
    return out


def _gaps(run: ChartRun, out_dir: Path) -> Chart | None:
    gaps = run.table("gaps")
    cov = coverage_frame(run)
    topics = run.table("topic_coverage")
    model = run.result.survey.model
    topic_one, topic_many = model.report.topics.one, model.report.topics.many
    panels: list[tuple[str, pd.DataFrame, int | None]] = []
    panel_notes: dict[str, str] = {}
    whole: dict[str, pd.DataFrame] = {}  # a panel cut to its least covered rows: all of them
    if cov is not None:
        stage = pd.DataFrame({"key": cov["dimension"], "label": cov["label"], "n": cov["n_engaged"]})
        stage[["severity", "reason"]] = _gap_status(gaps, run.dim_set or "stage", stage["key"])
        panels.append((run.dim_singular, stage, min_entities(run)))
    if topics is not None and {"topic", "n_entities"} <= set(topics.columns):
        labels = _topic_labels(run)
        topic = pd.DataFrame(
            {
                "key": topics["topic"],
                "label": label_of(topics, "topic", labels),
                "n": pd.to_numeric(topics["n_entities"], errors="coerce").fillna(0).astype(int),
            }
        )
        topic = topic.sort_values(["n", "label"], ascending=[False, True], kind="stable")
        topic[["severity", "reason"]] = _gap_status(gaps, "topic", topic["key"])
        if len(topic) > MAX_TOPIC_BARS:  # long lists (SDG targets): the least covered only
            panel_notes[topic_one] = f": {MAX_TOPIC_BARS} least covered of {len(topic)}"
            whole[topic_one] = topic
            topic = topic.tail(MAX_TOPIC_BARS)
        panels.append((topic_one, topic.reset_index(drop=True), model.gaps.topic_min_entities if model.gaps else None))
    if not panels:
        return None

    from matplotlib.patches import Patch
    from matplotlib.transforms import offset_copy

    fig, axes = new_figure(len(panels), key=True)
    axes = list(np.atleast_1d(axes))
    for ax, (word, data, threshold) in zip(axes, panels, strict=True):
        y = np.arange(len(data))
        n = data["n"].to_numpy(dtype=float)
        bars = ax.barh(y, n, color=data["severity"].map(style.SEVERITY_COLOURS).tolist(), height=0.62)
        for bar, sev in zip(bars, data["severity"], strict=True):
            if sev == "critical":
                bar.set_hatch("//")
                bar.set_edgecolor("white")
        labels, label_size = style.row_labels(data["label"].tolist())
        # a gap the dashed line does not explain (enough entities, none strong) says why
        # beside its number; one below the line is explained by it (a gap at zero has its
        # marker, below)
        said = [
            f"{int(v)} · {reason}" if sev != "ok" and reason and (not threshold or v >= threshold) else str(int(v))
            for v, sev, reason in zip(n, data["severity"], data["reason"], strict=True)
        ]
        texts = bar_labels(ax, y, n, said, pad=max(n.max(), 1) * 0.015, size=label_size)
        for text, sev in zip(texts, data["severity"], strict=True):
            text.set_fontweight("normal" if sev == "ok" else "bold")
        zero = (n == 0) & (data["severity"] != "ok").to_numpy()
        if zero.any():  # a gap at zero still shows its colour: a marker just right of the axis
            ax.scatter(
                np.zeros(int(zero.sum())), y[zero], marker="D", s=60, zorder=6, clip_on=False,
                color=data.loc[zero, "severity"].map(style.SEVERITY_COLOURS).tolist(),
                transform=offset_copy(ax.transData, fig=fig, x=ZERO_MARKER_PT, units="points"),
            )
            for text in np.asarray(texts, dtype=object)[zero]:  # its number after the marker
                text.set_transform(offset_copy(ax.transData, fig=fig, x=2 * ZERO_MARKER_PT, units="points"))
        if threshold:
            ax.axvline(threshold, color=style.INK, linestyle="--", linewidth=1.8)
            ax.text(  # just above the axes, where the panel title leaves it a line
                threshold, 1.0, f" minimum {threshold}", ha="left", va="bottom",
                fontsize=style.ANNOTATION_SIZE, color=style.INK, transform=ax.get_xaxis_transform(),
            )
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=label_size)
        ax.set_ylim(len(data) - 0.5, -0.6)
        longest = max((len(t) for t in said), default=1)  # room for the reasons written out
        ax.set_xlim(0, max(n.max(), threshold or 0, 1) * (1.2 + 0.02 * max(longest - 3, 0)))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel(f"{run.plural} engaged")
        if len(panels) > 1:  # the title a line higher, above the threshold's label
            pad = style.ANNOTATION_SIZE * 1.6 + 2 if threshold else 6.0
            if word in panel_notes:  # a long panel title ends at the bars' right edge
                ax.set_title(f"Per {word}{panel_notes[word]}", loc="right", pad=pad)
            else:
                ax.set_title(f"Per {word}", pad=pad)
        tidy_axes(ax)
    present = set().union(*(set(d["severity"]) for _, d, _ in panels))
    key = [
        Patch(
            facecolor=style.SEVERITY_COLOURS[s], edgecolor="white",
            hatch="//" if s == "critical" else None, label=style.SEVERITY_LABELS[s],
        )
        for s in ("critical", "gap", "ok")
        if s in present
    ]
    words = " and ".join(f"per {w}" for w, _, _ in panels)
    title = _finding_title([(w, whole.get(w, d), t) for w, d, t in panels], run, topic_many)
    frame(fig, title, run.subtitle(), run.source(), key=key)
    png, svg = save(fig, out_dir, "gaps")

    findings = []
    for word, data, _ in panels:
        plural = run.dim_plural if word == run.dim_singular else topic_many
        for sev in ("critical", "gap"):
            hit = data.loc[data["severity"] == sev, "label"].tolist()
            if len(hit) == 1:
                findings.append(f"1 {word} is a {style.SEVERITY_LABELS[sev]} ({hit[0]})")
            elif hit:
                findings.append(f"{len(hit)} {plural} are {style.SEVERITY_LABELS[sev]}s ({name_list(hit)})")
    first = panels[0][1]
    weak = first.sort_values("n", kind="stable").iloc[0]
    lead = (
        f"Bar charts of the number of {run.plural} engaged {words}, coloured by gap severity. "
        f"{weak['label']} has the fewest {run.plural} engaged ({int(weak['n'])} of {run.n_respondents})"
    )
    alt = lead + ("; " + "; ".join(findings) + "." if findings else "; no gap is flagged.")
    caption = (
        f"Number of {run.plural} engaged {words}; colour shows gap severity, dashed lines the "
        f"minimum number of {run.plural}."
    )
    return Chart("gaps", title, caption, alt, png, svg)


def _finding_title(panels: list[tuple[str, pd.DataFrame, int | None]], run: ChartRun, topic_many: str) -> str:
    """The chart's title states what it shows: how many items of each panel are gaps."""
    parts = []
    for word, data, _ in panels:
        many = run.dim_plural if word == run.dim_singular else topic_many
        n_gap = int((data["severity"] != "ok").sum())
        n_critical = int((data["severity"] == "critical").sum())
        part = f"{n_gap} of {len(data)} {many if len(data) != 1 else word}"
        if n_critical:
            part += f" ({n_critical} critical)"
        parts.append(part)
    if all(p.startswith("0 of") for p in parts):
        return f"No {' or '.join(w for w, _, _ in panels)} is a gap"
    verb = "is" if len(parts) == 1 and parts[0].startswith("1 of") else "are"
    return f"Gaps: {' and '.join(parts)} {verb} short of the survey's thresholds"


def _topic_labels(run: ChartRun) -> dict[str, str]:
    gaps = run.result.survey.model.gaps
    if not gaps or not gaps.topics_question:
        return {}
    fields = run.result.survey.fields_of(gaps.topics_question)
    if not fields or not fields[0].choices:
        return {}
    try:
        return run.result.survey.choice_labels(fields[0].choices)
    except KeyError:
        return {}


gaps_charts = chart_function({"gaps": _gaps})
