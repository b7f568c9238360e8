"""Charts of a run: files, alt texts computed from the numbers, determinism, skipped charts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from pipeline.analyses import make_charts
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.report.figure import Chart
from pipeline.report.style import DPI, FIGSIZE
from pipeline.score import rule_text
from pipeline.spec import Survey
from pipeline.tables import Responses, RunResult
from pipeline.wording import percent, score

ALL_CHARTS = ["heatmap", "coverage", "gaps", "network", "projects", "ranking", "response"]
ROUND = "2026-R1"


def make_result(survey: Survey, registry: Registry, n_respondents: int = 24, seed: int = 7) -> RunResult:
    """A small run of the e-waste survey with every analysis table, built by hand.

    Final disposal is the weakest stage (one agency engaged); the first respondent
    collaborates with everyone it names and is named back, so it has the most partners.
    """
    rng = np.random.default_rng(seed)
    ids = registry.ids
    respondents = sorted(rng.choice(ids, size=n_respondents, replace=False).tolist())
    acronyms = registry.acronyms()
    stages = list(survey.dimension_labels("stage"))
    stage_labels = survey.dimension_labels("stage")
    # engagement level 0..3 per respondent and stage; final disposal: one agency engaged
    pull = dict(zip(stages, [0.8, 1.3, 1.6, 1.4, 2.0, 2.2, 0.0], strict=True))
    level = pd.DataFrame(
        {s: np.clip(np.round(rng.normal(pull[s], 0.9, n_respondents)), 0, 3) for s in stages},
        index=respondents,
    )
    level["final_disposal"] = 0.0
    level.iloc[0, level.columns.get_loc("final_disposal")] = 2.0
    n_act = pd.DataFrame(rng.integers(0, 4, level.shape), index=level.index, columns=level.columns)
    score = 0.75 * level / 3 + 0.25 * np.minimum(n_act.where(level > 0, 0), 3) / 3
    scores = score.stack().rename("score").rename_axis(["entity_id", "dimension"]).reset_index()
    scores["level"] = pd.cut(scores["score"], [-1, 0, 0.4, 0.7, 2], labels=["none", "low", "medium", "high"]).astype(str)
    scores["rule"] = rule_text(survey)
    heatmap = score.rename(index=acronyms)
    heatmap.index.name, heatmap.columns.name = "entity", "dimension"
    heatmap = heatmap.loc[heatmap.sum(axis=1).sort_values(ascending=False, kind="stable").index]

    n_engaged = (level >= 2).sum()
    n_strong = (level == 3).sum()
    mean = score.mean()
    half = 1.96 * score.std() / np.sqrt(n_respondents)
    coverage = pd.DataFrame(
        {
            "dimension": stages,
            "label": [stage_labels[s] for s in stages],
            "n_engaged": n_engaged[stages].to_numpy(),
            "n_strong": n_strong[stages].to_numpy(),
            "n_respondents": n_respondents,
            "mean_score": mean[stages].to_numpy(),
            "ci_low": (mean - half).clip(0, 1)[stages].to_numpy(),
            "ci_high": (mean + half).clip(0, 1)[stages].to_numpy(),
            "lead_entities": [", ".join(level.index[level[s] == 3].map(acronyms)) for s in stages],
        }
    )
    topics = survey.choice_labels("topic")
    topic_n = dict(zip(topics, [9, 5, 2, 11, 0, 7, 14, 4], strict=True))
    topic_coverage = pd.DataFrame(
        {
            "topic": list(topics),
            "label": list(topics.values()),
            "n_entities": list(topic_n.values()),
            "entities": [", ".join(acronyms[e] for e in respondents[:n]) for n in topic_n.values()],
        }
    )
    gap_rows = []
    for row in coverage.itertuples():
        few, weak = row.n_engaged < 3, row.n_strong == 0
        if few or weak:
            sev = "critical" if (few and weak) or row.n_engaged == 0 else "gap"
            gap_rows.append(("stage", row.dimension, row.label, sev, "few agencies engaged", f"{row.n_engaged} of {n_respondents} engaged"))
    for t, n in topic_n.items():
        if n < 3:
            gap_rows.append(("topic", t, topics[t], "critical" if n == 0 else "gap", "few agencies", f"{n} agencies"))
    gaps = pd.DataFrame(gap_rows, columns=["kind", "dimension", "label", "severity", "reason", "evidence"])
    activity_matrix = pd.DataFrame(
        rng.integers(0, 10, (len(stages), 7)), index=pd.Index(stages, name="dimension"),
        columns=list(survey.choice_labels("activity_type")),
    )

    hub = respondents[0]
    pairs_ = {(hub, e) for e in respondents[1:9]} | {(e, hub) for e in respondents[1:9]}
    for _ in range(30):
        a, b = rng.choice(respondents, 2, replace=False).tolist()
        pairs_.add((a, b))
    edges = pd.DataFrame(sorted(pairs_), columns=["source", "target"])
    both = set(pairs_)
    edges["reciprocated"] = [(t, s) in both for s, t in zip(edges["source"], edges["target"], strict=True)]
    nodes_ids = sorted(set(respondents) | set(edges["source"]) | set(edges["target"]))
    und = {n: set() for n in nodes_ids}
    for s, t in pairs_:
        und[s].add(t)
        und[t].add(s)
    network_nodes = pd.DataFrame(
        {
            "entity_id": nodes_ids,
            "acronym": [acronyms[n] for n in nodes_ids],
            "degree": [len(und[n]) for n in nodes_ids],
            "in_degree": [int((edges["target"] == n).sum()) for n in nodes_ids],
            "out_degree": [int((edges["source"] == n).sum()) for n in nodes_ids],
            "cluster": pd.array(
                [(1 if (n == hub or hub in und[n]) else 2) if und[n] else None for n in nodes_ids], dtype="Int64"
            ),
            "isolated": [not und[n] for n in nodes_ids],
        }
    )
    pairs = pd.DataFrame(
        {
            "entity_a": respondents[:2],
            "entity_b": respondents[2:4],
            "relation": ["overlap", "complement"],
            "similarity": [0.93, 0.41],
            "detail": ["same profile", "=strong where the other is weak"],
        }
    )
    status_labels = survey.choice_labels("project_status")
    region_labels = survey.choice_labels("region")
    n_proj = 30
    proj_status = rng.choice(list(status_labels), n_proj).tolist()
    proj_stages = [rng.choice(stages[:6], rng.integers(1, 4), replace=False).tolist() for _ in range(n_proj)]
    proj_regions = [rng.choice(list(region_labels), rng.integers(1, 3), replace=False).tolist() for _ in range(n_proj)]
    budgets = np.round(rng.uniform(5e4, 5e6, n_proj), -3)
    projects = pd.DataFrame(
        {
            "entity_id": rng.choice(respondents, n_proj).tolist(),
            "instance": [f"p{i + 1}" for i in range(n_proj)],
            "title": [f"Project {i + 1}" for i in range(n_proj)],
            "status": [status_labels[s] for s in proj_status],
            "start_year": rng.integers(2015, 2026, n_proj),
            "end_year": rng.integers(2026, 2031, n_proj),
            "regions": ["; ".join(region_labels[r] for r in rr) for rr in proj_regions],
            "countries": "Ghana; Nigeria",
            "stages": ["; ".join(stage_labels[s] for s in ss) for ss in proj_stages],
            "partners": "UNEP",
            "budget_usd": budgets,
        }
    )
    summary_rows = []
    for by, keys, labels, chosen in (
        ("stage", stages, stage_labels, proj_stages),
        ("region", list(region_labels), region_labels, proj_regions),
    ):
        for key in keys:
            for st in status_labels:
                hit = [i for i in range(n_proj) if key in chosen[i] and proj_status[i] == st]
                summary_rows.append((by, key, labels[key], status_labels[st], len(hit), float(budgets[hit].sum()) if hit else np.nan))
    for st in status_labels:
        hit = [i for i in range(n_proj) if proj_status[i] == st]
        summary_rows.append(("status", st, status_labels[st], status_labels[st], len(hit), float(budgets[hit].sum())))
    project_summary = pd.DataFrame(summary_rows, columns=["by", "key", "label", "status", "n_projects", "budget_usd"])

    options = survey.choice_labels("ks_option")
    ranking = pd.DataFrame(
        {
            "option": list(options),
            "label": list(options.values()),
            "mean_rank": [1.8, 2.9, 3.1, 3.6, 4.9, 4.7],
            "median_rank": [2.0, 3.0, 3.0, 4.0, 5.0, 5.0],
            "n": n_respondents,
        }
    )
    ranking["rank_order"] = ranking["mean_rank"].rank(method="first").astype(int)
    ranking = ranking.sort_values("rank_order").reset_index(drop=True)

    responded = [e in set(respondents) for e in ids]
    response_status = pd.DataFrame(
        {
            "entity_id": ids,
            "acronym": [acronyms[e] for e in ids],
            "full_name": registry.table["full_name"].tolist(),
            "responded": responded,
            "submitted_at": ["2026-03-05T10:00:00+00:00" if r else None for r in responded],
            "n_submissions": [1 if r else 0 for r in responded],
            "source_file": ["kobo.xlsx" if r else None for r in responded],
        }
    )
    tidy = pd.DataFrame(
        {
            "survey_id": survey.id,
            "round": ROUND,
            "entity_id": respondents[:4],
            "question_id": ["engagement", "engagement", "strengths", "recommendations"],
            "field": ["engagement_raw_materials", "engagement_final_disposal", "strengths", "recommendations"],
            "dimension": ["raw_materials", "final_disposal", None, None],
            "answer": ["major", "none", "=cmd|' /C calc'!A0", "-2+3 more funding\x07"],
            "answer_score": [1.0, 0.0, np.nan, np.nan],
            "instance": None,
            "source_file": "kobo.xlsx",
            "source_row": [2, 2, 3, 4],
            "submitted_at": "2026-03-05T10:00:00+00:00",
        }
    )
    submissions = pd.DataFrame({"entity_id": respondents, "submitted_at": "2026-03-05", "source_file": "kobo.xlsx"})
    log = IssueLog()
    log.warning("extra-column", "unknown column kept as _extra:foo", file="kobo.xlsx", sheet="data", row=1, column="foo")
    log.error("bad-choice", "@SUM(A1) is not a choice of engagement", file="kobo.xlsx", row=7, column="engagement_reuse_repair")
    tables = {
        "scores": scores,
        "heatmap": heatmap,
        "coverage": coverage,
        "gaps": gaps,
        "topic_coverage": topic_coverage,
        "activity_matrix": activity_matrix,
        "network_nodes": network_nodes,
        "network_edges": edges,
        "pairs": pairs,
        "projects": projects,
        "project_summary": project_summary,
        "ranking": ranking,
        "response_status": response_status,
    }
    stats = {
        "response_rate": n_respondents / len(ids),
        "n_respondents": n_respondents,
        "n_invited": len(ids),
        "network": {"n_edges": len(edges), "density": 0.05, "isolated": ["X"]},
        "ranking": {"kendall_w": 0.41, "chi2": 49.2, "p_value": 0.0002, "n_raters": 20, "n_options": 6},
    }
    return RunResult(
        survey=survey,
        registry=registry,
        round=ROUND,
        run_date="2026-11-25",
        responses=Responses(submissions=submissions, repeats={}, tidy=tidy),
        tables=tables,
        stats=stats,
        log=log,
    )


@pytest.fixture(scope="module")
def result(survey: Survey, registry: Registry) -> RunResult:
    return make_result(survey, registry)


@pytest.fixture(scope="module")
def drawn(result: RunResult, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Chart], Path, list[str]]:
    """The charts of the run, drawn once for the module, with the formats rendered."""
    from matplotlib.figure import Figure

    out = tmp_path_factory.mktemp("charts")
    rendered: list[str] = []
    original = Figure.savefig

    def counting(self: Figure, fname: object, *args: object, **kwargs: object) -> None:
        rendered.append(str(kwargs.get("format")))
        original(self, fname, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Figure, "savefig", counting)
        charts = make_charts(result, out)
    return charts, out, rendered


def test_every_chart_is_written_as_png_at_200_dpi_and_svg(drawn) -> None:  # type: ignore[no-untyped-def]
    charts, out, _ = drawn
    assert [c.id for c in charts] == ALL_CHARTS
    for chart in charts:
        assert chart.png == out / f"{chart.id}.png" and chart.svg == out / f"{chart.id}.svg"
        with Image.open(chart.png) as img:
            assert img.format == "PNG"
            assert img.size == (round(FIGSIZE[0] * DPI), round(FIGSIZE[1] * DPI))
            assert round(img.info["dpi"][0]) == DPI
        svg = chart.svg.read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "</svg>" in svg
        assert "<dc:date>" not in svg
        assert chart.title and chart.caption.endswith(".") and chart.alt_text.endswith(".")


def test_alt_texts_state_the_main_finding(drawn, result: RunResult) -> None:  # type: ignore[no-untyped-def]
    charts = {c.id: c for c in drawn[0]}
    for chart_id in ("heatmap", "coverage", "gaps"):
        assert "Final disposal" in charts[chart_id].alt_text, chart_id
    assert "Final disposal has the fewest agencies engaged (1 of 24)" in charts["coverage"].alt_text
    assert "Chemicals and releases" in charts["gaps"].alt_text  # the topic nobody covers
    hub = result.registry.acronym(sorted(result.tables["response_status"].query("responded")["entity_id"])[0])
    assert f"{hub} has the most partners" in charts["network"].alt_text
    assert "Shared project database is preferred most (mean rank 1.80)" in charts["ranking"].alt_text
    assert "Kendall's W = 0.41" in charts["ranking"].alt_text
    n = len(result.registry)
    assert f"24 of {n} agencies responded ({24 / n:.0%})" in charts["response"].alt_text
    assert "the 30 reported projects" in charts["projects"].alt_text


def test_the_gaps_chart_title_states_its_finding(drawn, result: RunResult) -> None:  # type: ignore[no-untyped-def]
    gaps = result.tables["gaps"]
    n_stages = int(((gaps["kind"] == "stage")).sum())
    n_topics = int((gaps["kind"] == "topic").sum())
    title = {c.id: c for c in drawn[0]}["gaps"].title
    assert title.startswith(f"Gaps: {n_stages} of 7 life-cycle stages")
    assert f"and {n_topics} of " in title and "critical" in title


def test_each_chart_title_states_its_finding_from_the_run_tables(drawn, result: RunResult) -> None:  # type: ignore[no-untyped-def]
    """Each title is a sentence of the chart's main finding, its numbers those of the run's
    tables; the neutral description of what is plotted is the caption."""
    titles = {c.id: c.title for c in drawn[0]}
    captions = {c.id: c.caption for c in drawn[0]}
    tables, labels = result.tables, result.survey.dimension_labels("stage")

    means = tables["heatmap"].mean(axis=0)
    assert titles["heatmap"] == (
        f"{labels[means.idxmin()]} has the lowest mean score ({score(means.min())}), "
        f"{labels[means.idxmax()]} the highest ({score(means.max())})"
    )
    assert captions["heatmap"].startswith("Score (0 to 1) of each agency by life-cycle stage")

    cov = tables["coverage"]
    fewest = cov.loc[cov["n_engaged"] == cov["n_engaged"].min(), "label"].tolist()
    assert fewest == ["Final disposal"]  # the fixture's weakest stage
    assert titles["coverage"] == "Final disposal has the fewest agencies engaged: 1 of 24"
    assert captions["coverage"].startswith("Mean score and number of agencies engaged by life-cycle stage")

    edges = tables["network_edges"]
    partners = pd.concat([edges[["source", "target"]], edges[["target", "source"]].set_axis(["source", "target"], axis=1)])
    degree = partners.drop_duplicates().groupby("source").size()
    top = sorted(degree.index, key=lambda n: (-degree[n], n))[0]
    n_alone = int(tables["network_nodes"]["isolated"].sum())
    assert n_alone == 1
    assert titles["network"] == f"{result.registry.acronym(top)} has the most partners: {degree[top]}; 1 agency has no link"
    assert captions["network"].startswith("Collaborations reported by agencies")

    summary = tables["project_summary"]
    stages = summary.loc[summary["by"] == "stage"].groupby("label", sort=False)["n_projects"].sum()
    assert titles["projects"] == (  # ties: the first in the stage order
        f"Most projects are in {stages.idxmax()} ({stages.max()}), "
        f"the fewest in {stages.idxmin()} ({stages.min()})"
    )
    assert captions["projects"].startswith("Projects by life-cycle stage and region, split by status")

    assert titles["ranking"] == "Shared project database is preferred most, with moderate agreement"  # W = 0.41
    assert captions["ranking"].endswith("mean rank of each option (1 = most preferred), best first.")

    n = len(result.registry)
    assert titles["response"] == f"24 of {n} agencies responded ({percent(24 / n)})"
    assert captions["response"] == "Agencies invited and responding, by type of agency."


def test_each_chart_is_rendered_once_per_format_and_closed(drawn) -> None:  # type: ignore[no-untyped-def]
    """The work of drawing the set is bounded: one PNG and one SVG rendering per chart and
    no figure left open (the time it takes is measured by ``make bench``)."""
    import matplotlib.pyplot as plt

    charts, _out, rendered = drawn
    assert sorted(rendered) == sorted(["png", "svg"] * len(charts))
    assert plt.get_fignums() == []


def test_same_inputs_give_identical_files(drawn, result: RunResult, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    charts, _out, _ = drawn
    again = make_charts(result, tmp_path)
    assert [c.id for c in again] == [c.id for c in charts]
    for a, b in zip(charts, again, strict=True):
        assert a.png.read_bytes() == b.png.read_bytes(), a.id
        assert a.svg.read_bytes() == b.svg.read_bytes(), a.id
        assert a.alt_text == b.alt_text


def test_missing_or_empty_tables_skip_their_charts(result: RunResult, tmp_path: Path) -> None:
    tables = dict(result.tables)
    for name in ("scores", "heatmap", "topic_coverage", "network_edges", "network_nodes", "ranking", "response_status"):
        del tables[name]
    tables["projects"] = tables["projects"].iloc[0:0]
    tables["project_summary"] = tables["project_summary"].iloc[0:0]
    log = IssueLog()
    partial = RunResult(**{**result.__dict__, "tables": tables, "log": log})
    charts = make_charts(partial, tmp_path)
    assert [c.id for c in charts] == ["coverage", "gaps"]  # gaps per stage only, from coverage
    assert "per topic" not in charts[1].title
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{c}.{ext}" for c in ("coverage", "gaps") for ext in ("png", "svg")
    )
    assert len(log) == 0  # skipping for want of a table is not a data-quality issue

    nothing = RunResult(**{**result.__dict__, "tables": {}, "stats": {}, "log": IssueLog()})
    assert make_charts(nothing, tmp_path / "none") == []


def test_heatmap_of_thousands_of_entities_shows_the_top_60(result: RunResult, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    stages = list(result.tables["heatmap"].columns)
    big = pd.DataFrame(rng.uniform(0, 1, (3000, len(stages))), columns=stages, index=[f"E{i:04d}" for i in range(3000)])
    big.iloc[1234] = 1.0  # the clear leader
    only = RunResult(**{**result.__dict__, "tables": {"heatmap": big}, "log": IssueLog()})
    charts = make_charts(only, tmp_path / "all")
    assert [c.id for c in charts] == ["heatmap"]
    assert "3000 agencies" in charts[0].alt_text and "top 60 shown" in charts[0].alt_text
    assert "E1234 has the highest total (7.00 of 7)" in charts[0].alt_text
    # the work is bounded by the 60 rows shown: the drawing is no bigger than that of the
    # top 60 alone
    top = big.loc[big.sum(axis=1).sort_values(ascending=False).index[:60]]
    alone = make_charts(RunResult(**{**result.__dict__, "tables": {"heatmap": top}, "log": IssueLog()}), tmp_path / "top")
    assert charts[0].svg.stat().st_size < 1.1 * alone[0].svg.stat().st_size


def test_heatmap_falls_back_to_the_scores_table(result: RunResult, tmp_path: Path) -> None:
    tables = {"scores": result.tables["scores"]}
    charts = make_charts(RunResult(**{**result.__dict__, "tables": tables, "log": IssueLog()}), tmp_path)
    assert [c.id for c in charts] == ["heatmap"]
    assert "24 agencies" in charts[0].alt_text and "Final disposal has the lowest mean score" in charts[0].alt_text


def test_a_chart_that_cannot_be_drawn_is_skipped_with_a_warning(result: RunResult, tmp_path: Path) -> None:
    tables = {
        "coverage": result.tables["coverage"],
        "response_status": result.tables["response_status"],
        "ranking": result.tables["ranking"].assign(mean_rank="not a number"),  # nothing to draw
        "heatmap": result.tables["heatmap"] * np.nan,  # nobody scored: no heat map
    }
    stats = {**result.stats, "n_invited": "many"}  # malformed: the response chart fails
    log = IssueLog()
    charts = make_charts(RunResult(**{**result.__dict__, "tables": tables, "stats": stats, "log": log}), tmp_path)
    assert [c.id for c in charts] == ["coverage", "gaps"]
    assert [(i.code, i.file) for i in log.issues] == [("chart-skipped", "charts/response.png")]
    assert "many" in log.issues[0].message


def test_the_themes_chart_title_names_the_theme_raised_most(result: RunResult, tmp_path: Path) -> None:
    """Across the questions, the theme raised by the most agencies is the title's finding;
    a run where no answer raises a theme says so."""
    from dataclasses import replace

    from pipeline.analyses.themes.charts import theme_charts

    counts = pd.DataFrame(
        [
            ("strengths", "Main strengths", "network", "Convening", 5, ""),
            ("strengths", "Main strengths", "field", "Field presence", 2, ""),
            ("weaknesses", "Gaps you see", "funding", "Funding and capacity", 9, ""),
            ("weaknesses", "Gaps you see", "data", "Little data", 0, ""),
        ],
        columns=["question_id", "question", "theme_id", "theme", "n_entities", "entities"],
    )
    run = replace(result, tables={**result.tables, "theme_counts": counts})
    (chart,) = theme_charts(run, tmp_path / "some")
    assert chart.title == "Funding and capacity is raised most often, by 9 agencies"
    assert chart.caption.startswith("What agencies wrote: number of agencies whose answer raises each theme")
    none = counts.assign(n_entities=0)
    (chart,) = theme_charts(replace(result, tables={**result.tables, "theme_counts": none}), tmp_path / "none")
    assert chart.title == "No open answer raises a declared theme"


def test_the_ranking_chart_says_how_strong_the_agreement_is_once(result: RunResult, tmp_path: Path) -> None:
    """The title names the agreement ('moderate'); the line under it gives the measure."""
    import pipeline.analyses.ranking.charts as ranking_charts
    from pipeline.report.style import chart_style, frame

    said: list[str] = []

    def recording(fig: object, title: str, subtitle: str, *rest: object, **kw: object) -> None:
        said.extend([title, subtitle])
        frame(fig, title, subtitle, *rest, **kw)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ranking_charts, "frame", recording)
        with chart_style():
            ranking_charts.ranking_charts(result, tmp_path)
    title, subtitle = said
    assert title.endswith("with moderate agreement")
    assert subtitle.endswith("Kendall's W = 0.41 among 20 agencies (p < 0.001)")
    assert " ".join(said).count("agreement") == 1


def test_gap_reasons_written_out_stay_on_the_chart_and_off_the_diamonds(result: RunResult, tmp_path: Path) -> None:
    """Long reasons beside long row labels (SWFS's SDG targets), gaps at zero marked: no
    note, label, marker or title overlaps another or leaves the figure (the title, fitted
    to the figure's width, ran off it by a few points)."""
    from dataclasses import replace

    from pipeline.analyses.gaps.charts import gaps_charts
    from pipeline.report.style import chart_style
    from pipeline.report.text_check import checking

    tables = dict(result.tables)
    gaps = tables["gaps"].copy()
    gaps["reason"] = gaps["kind"].map({"stage": "no agency at core mandate level", "topic": "no agency reports this topic at all"})
    topics = tables["topic_coverage"].copy()
    topics["label"] = topics["label"] + " and a long description of what the topic covers"
    tables.update(gaps=gaps, topic_coverage=topics)
    with checking() as problems, chart_style():
        (chart,) = gaps_charts(replace(result, tables=tables), tmp_path)
    assert problems == [], "\n".join(problems)
    assert chart.png.is_file()
