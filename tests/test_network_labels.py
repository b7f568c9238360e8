"""Network labels sit on no other label, no node and stay on the panel, for a round of 24
agencies as for one of all 51 with many links; placement is repeatable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses.links.charts import links_charts
from pipeline.registry import Registry
from pipeline.report.node_labels import CLEAR_PT, GAP_PT, fit_to_panel, place_labels
from pipeline.report.style import chart_style
from pipeline.report.text_check import checking
from pipeline.spec import Survey
from pipeline.tables import RunResult
from tests.test_charts import make_result


def _dense(result: RunResult, links: int, seed: int) -> RunResult:
    """The run with ``links`` collaborations named among its respondents, a third named back."""
    rng = np.random.default_rng(seed)
    people = sorted(result.responses.submissions["entity_id"])
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < links:
        a, b = rng.choice(people, 2, replace=False).tolist()
        pairs.add((a, b))
        if rng.random() < 0.33:
            pairs.add((b, a))
    edges = pd.DataFrame(sorted(pairs), columns=["source", "target"])
    edges["reciprocated"] = [(t, s) in pairs for s, t in zip(edges["source"], edges["target"], strict=True)]
    nodes = result.tables["network_nodes"].drop(columns=["cluster"])
    return replace(result, tables={**result.tables, "network_edges": edges, "network_nodes": nodes})


def _draw(result: RunResult, out: Path) -> tuple[list[str], str]:
    """The text problems of the network chart drawn into ``out``, and its subtitle."""
    import pipeline.analyses.links.charts as charts
    from pipeline.report.style import frame

    said: list[str] = []

    def recording(fig: object, title: str, subtitle: str, *rest: object, **kw: object) -> None:
        said.append(subtitle)
        frame(fig, title, subtitle, *rest, **kw)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch, checking() as problems, chart_style():
        patch.setattr(charts, "frame", recording)
        links_charts(result, out)
    return list(problems), said[0]


@pytest.mark.parametrize(
    ("agencies", "links"),
    [(24, 0), (51, 0), (51, 160)],
    ids=["24 agencies", "51 agencies", "51 agencies, 160 links"],
)
def test_no_network_label_sits_on_a_label_or_a_node_or_leaves_the_figure(
    survey: Survey, registry: Registry, tmp_path: Path, agencies: int, links: int
) -> None:
    result = make_result(survey, registry, n_respondents=agencies)
    if links:
        result = _dense(result, links, seed=agencies)
    problems, subtitle = _draw(result, tmp_path / "first")
    assert problems == [], "\n".join(problems)
    assert "left out for room" not in subtitle  # every linked agency is named
    _draw(result, tmp_path / "again")
    for name in ("network.png", "network.svg"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


@pytest.mark.parametrize("seed", range(4))
def test_labels_are_placed_clear_of_discs_labels_and_edges_of_the_panel(seed: int) -> None:
    """40 nodes in a crowded cloud on a panel the size of the chart's: each label is
    inside the panel, off every disc and off every other label; none is lost; a label
    without a leader line is clearly nearer its own disc than any other (before that rule,
    one to four labels per cloud sat as near a neighbour)."""
    rng = np.random.default_rng(seed)
    layout = rng.normal(size=(40, 2))
    radii = np.linspace(6, 16, 40)
    sizes = np.column_stack([rng.uniform(25, 70, 40), np.full(40, 14.0)])
    width, height = 800.0, 400.0
    xy = fit_to_panel(layout, radii, width, height, pad_x=30, pad_y=30)
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) - radii[:, None] - radii[None, :]
    np.fill_diagonal(gaps, np.inf)
    assert gaps.min() > 0  # discs no longer overlap
    order = list(np.argsort(-radii, kind="stable"))
    places = place_labels(xy, radii, sizes, width, height, order)
    assert places == place_labels(xy, radii, sizes, width, height, order)  # repeatable
    boxes = []
    for own, (place, (w, h)) in enumerate(zip(places, sizes, strict=True)):
        assert place is not None
        box = np.array([place.x - w / 2, place.y - h / 2, place.x + w / 2, place.y + h / 2])
        assert box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
        near = np.column_stack([np.clip(xy[:, 0], box[0], box[2]), np.clip(xy[:, 1], box[1], box[3])])
        gaps = np.hypot(*(near - xy).T) - radii
        assert (gaps >= GAP_PT - 1e-6).all()
        if place.leader is None:
            assert (np.delete(gaps, own) >= gaps[own] + CLEAR_PT - 1e-6).all()
        for other in boxes:
            assert box[2] <= other[0] or other[2] <= box[0] or box[3] <= other[1] or other[3] <= box[1]
        boxes.append(box)
