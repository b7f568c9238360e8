"""The network chart: the collaborations entities report, clusters and isolated entities.

:data:`links_charts` is the chart function the analysis' record names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.report import style
from pipeline.report.chart_context import (
    ChartRun,
    chart_function,
    count_of,
)
from pipeline.report.figure import Chart
from pipeline.report.node_labels import GAP_PT, fit_to_panel, place_labels
from pipeline.report.style import frame, new_figure, save

NETWORK_MAX_NODES = 150
NETWORK_LABEL_ALL = 80  # up to this many nodes, each is named; beyond, the best connected
NETWORK_LABEL_TOP = 40
NETWORK_SEED = 20170605
NODE_RADIUS_PT = (7.0, 20.0)  # the least and the most connected node's disc
NODE_AREA_SHARE = 0.08  # at most this share of the panel under discs (many nodes: smaller)


def _panel(fig: Any, ax: Any) -> tuple[float, float]:
    """Fix the axes where the house style puts a chart with a key, its limits its size in
    points (one data unit = one point); returns that width and height."""
    fig.set_layout_engine("none")  # the axes stay where placed: labels are fitted to them
    left, bottom, w, h = style.PLOT_RECT_WITH_KEY
    ax.set_position((left, bottom, w, h))
    width, height = fig.get_figwidth() * 72 * w, fig.get_figheight() * 72 * h
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    return width, height


def _radii(degree: np.ndarray, panel_area: float) -> np.ndarray:
    """Disc radius (points) by number of partners; many nodes share the panel with smaller
    discs."""
    low, high = NODE_RADIUS_PT
    radii = low + (high - low) * degree / max(float(degree.max()), 1.0)
    covered = float(np.pi * (radii**2).sum())
    scale = min(1.0, float(np.sqrt(NODE_AREA_SHARE * panel_area / covered))) if covered else 1.0
    return np.maximum(radii * scale, 4.0)


def _network(run: ChartRun, out_dir: Path) -> Chart | None:
    import networkx as nx
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    edges = run.table("network_edges")
    if edges is None or not {"source", "target"} <= set(edges.columns):
        return None
    edges = edges.copy()
    edges["source"] = edges["source"].astype(str)
    edges["target"] = edges["target"].astype(str)
    recip = edges["reciprocated"] if "reciprocated" in edges else pd.Series(False, index=edges.index)
    edges["reciprocated"] = recip.fillna(False).astype(bool)
    # One line per pair: a reciprocated pair may be listed in both directions.
    pair = np.sort(edges[["source", "target"]].to_numpy(), axis=1)
    edges["a"], edges["b"] = pair[:, 0], pair[:, 1]
    edges = (
        edges.loc[edges["a"] != edges["b"]]
        .groupby(["a", "b"], as_index=False, sort=True)["reciprocated"]
        .agg(lambda s: bool(s.any()) or len(s) > 1)
    )
    nodes = run.table("network_nodes")
    acronyms = run.result.registry.acronyms()
    if nodes is not None and "entity_id" in nodes:
        nodes = nodes.copy()
        nodes["entity_id"] = nodes["entity_id"].astype(str)
        if "acronym" in nodes:
            acronyms = {**acronyms, **dict(zip(nodes["entity_id"], nodes["acronym"].astype(str), strict=True))}
    graph = nx.Graph()
    graph.add_edges_from(zip(edges["a"], edges["b"], strict=True))
    degree = dict(graph.degree())
    n_isolated = 0
    n_entities = graph.number_of_nodes()
    if nodes is not None and "entity_id" in nodes:
        n_isolated = int((~nodes["entity_id"].isin(list(graph.nodes))).sum())
        n_entities = max(n_entities, len(nodes))
    extra = f"{len(edges)} links, {int(edges['reciprocated'].sum())} reciprocated"
    if graph.number_of_nodes() > NETWORK_MAX_NODES:
        keep = sorted(graph.nodes, key=lambda n: (-degree[n], n))[:NETWORK_MAX_NODES]
        graph = graph.subgraph(keep).copy()
        extra += f"; the {NETWORK_MAX_NODES} most connected {run.plural} shown"
    if graph.number_of_nodes() == 0:
        return None
    order = sorted(graph.nodes)
    stable = nx.Graph()
    stable.add_nodes_from(order)
    stable.add_edges_from(sorted(graph.edges))
    k = 2.2 / np.sqrt(max(len(order), 1))
    pos = nx.spring_layout(stable, seed=NETWORK_SEED, k=k, iterations=200)

    cluster = _clusters(nodes, order, stable)
    sizes_rank = pd.Series(cluster).value_counts(sort=False)
    cluster_order = sorted(sizes_rank.index, key=lambda c: (-sizes_rank[c], str(c)))
    palette = {c: style.CATEGORICAL[i] if i < len(style.CATEGORICAL) else style.MUTED
               for i, c in enumerate(cluster_order)}

    fig, ax = new_figure(key=True)
    width, height = _panel(fig, ax)  # the axes measured in points: discs and text extents compare
    deg = np.array([degree.get(n, 0) for n in order], dtype=float)
    radii = _radii(deg, width * height)
    label_nodes = sorted(order, key=lambda n: (-degree[n], n))
    if len(order) > NETWORK_LABEL_ALL:
        label_nodes = label_nodes[:NETWORK_LABEL_TOP]
    font = style.ANNOTATION_SIZE if len(order) <= 60 else 10
    index = {n: i for i, n in enumerate(order)}
    texts = {
        n: ax.text(
            0, 0, acronyms.get(n, n), fontsize=font, fontweight="bold", ha="center", va="center",
            zorder=5, path_effects=style.halo(),
        )
        for n in label_nodes
    }
    renderer = fig.canvas.get_renderer()
    sizes = np.zeros((len(order), 2))
    for n, text in texts.items():
        box = text.get_window_extent(renderer)
        sizes[index[n]] = (box.width * 72 / fig.dpi, box.height * 72 / fig.dpi)
    label_h = float(sizes[:, 1].max()) if texts else 0.0
    xy = fit_to_panel(
        np.array([pos[n] for n in order]), radii, width, height,
        pad_x=float(radii.max()) + 0.5 * float(np.median(sizes[sizes[:, 0] > 0, 0])) + GAP_PT,
        pad_y=float(radii.max()) + label_h + GAP_PT,
    )
    at = {n: xy[i] for i, n in enumerate(order)}
    shown = set(order)
    segments = []
    for recip_flag, colour, line_width, dash, z in ((False, "#9A9A9A", 1.4, (0, (4, 3)), 1), (True, "#333333", 2.4, "solid", 2)):
        sel = edges.loc[(edges["reciprocated"] == recip_flag) & edges["a"].isin(shown) & edges["b"].isin(shown)]
        segs = [[at[a], at[b]] for a, b in zip(sel["a"], sel["b"], strict=True)]
        if segs:
            ax.add_collection(LineCollection(segs, colors=colour, linewidths=line_width, linestyles=dash, zorder=z))
            segments += [np.concatenate(seg) for seg in segs]
    ax.scatter(
        xy[:, 0], xy[:, 1], s=(2 * radii) ** 2, c=[palette[cluster[n]] for n in order],
        edgecolors="white", linewidths=1.5, zorder=3,
    )
    places = place_labels(
        xy, radii, sizes, width, height, [index[n] for n in label_nodes],
        np.array(segments).reshape(-1, 4),
    )
    left_out = 0
    for n, text in texts.items():
        place = places[index[n]]
        if place is None:  # no room anywhere: the name is in the workbook
            text.remove()
            left_out += 1
            continue
        text.set_position((place.x, place.y))
        if place.leader:
            x0, y0, x1, y1 = place.leader
            ax.plot([x0, x1], [y0, y1], color=style.SOFT_INK, linewidth=0.9, zorder=4)
    if left_out:
        extra += f"; {left_out} names left out for room"
    key = [
        Line2D([], [], color="#333333", linewidth=2.4, label="reciprocated (both name each other)"),
        Line2D([], [], color="#9A9A9A", linewidth=1.4, linestyle=(0, (4, 3)), label="named by one side only"),
        Line2D([], [], marker="o", linestyle="", color=style.MUTED, markersize=14, label="size = number of partners"),
    ]
    if n_isolated:
        extra += f"; {count_of(n_isolated, run)} without links not shown"
    top = sorted(degree, key=lambda n: (-degree[n], n))[0]
    title = f"{acronyms.get(top, top)} has the most partners: {degree[top]}" + (  # the finding
        f"; {count_of(n_isolated, run)} {'has' if n_isolated == 1 else 'have'} no link" if n_isolated else ""
    )
    frame(fig, title, run.subtitle(extra), run.source(), key=key)
    png, svg = save(fig, out_dir, "network")

    alt = (
        f"Network diagram of the collaborations {run.plural} reported: {len(degree)} {run.plural} "
        f"linked by {len(edges)} links, {int(edges['reciprocated'].sum())} of them reciprocated. "
        f"{acronyms.get(top, top)} has the most partners ({degree[top]})"
        + (f"; {count_of(n_isolated, run)} {'has' if n_isolated == 1 else 'have'} no link." if n_isolated else ".")
    )
    caption = (
        f"Collaborations reported by {run.plural}: solid lines are reciprocated, dashed lines named "
        f"by one side only; node size shows the number of partners, colour the cluster."
    )
    return Chart("network", title, caption, alt, png, svg)


def _clusters(nodes: pd.DataFrame | None, order: list[str], graph: Any) -> dict[str, Any]:
    """Cluster of each node: the ``cluster`` column where given, else connected components."""
    if nodes is not None and "cluster" in nodes:
        given = dict(zip(nodes["entity_id"], nodes["cluster"].astype(str), strict=True))
        if all(n in given for n in order):
            return {n: given[n] for n in order}
    import networkx as nx

    out: dict[str, Any] = {}
    comps = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    for i, comp in enumerate(comps):
        out.update(dict.fromkeys(comp, str(i)))
    return out


links_charts = chart_function({"network": _network})
