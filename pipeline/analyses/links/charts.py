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
from pipeline.report.style import frame, new_figure, save

NETWORK_MAX_NODES = 150
NETWORK_SEED = 20170605


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
    xy = np.array([pos[n] for n in order])

    cluster = _clusters(nodes, order, stable)
    sizes_rank = pd.Series(cluster).value_counts(sort=False)
    cluster_order = sorted(sizes_rank.index, key=lambda c: (-sizes_rank[c], str(c)))
    palette = {c: style.CATEGORICAL[i] if i < len(style.CATEGORICAL) else style.MUTED
               for i, c in enumerate(cluster_order)}

    fig, ax = new_figure(key=True)
    shown = set(order)
    for recip_flag, colour, width, dash, z in ((False, "#9A9A9A", 1.4, (0, (4, 3)), 1), (True, "#333333", 2.4, "solid", 2)):
        sel = edges.loc[(edges["reciprocated"] == recip_flag) & edges["a"].isin(shown) & edges["b"].isin(shown)]
        segs = [[pos[a], pos[b]] for a, b in zip(sel["a"], sel["b"], strict=True)]
        if segs:
            ax.add_collection(LineCollection(segs, colors=colour, linewidths=width, linestyles=dash, zorder=z))
    deg = np.array([degree.get(n, 0) for n in order], dtype=float)
    size = 180 + 1400 * (deg / max(deg.max(), 1))
    ax.scatter(
        xy[:, 0], xy[:, 1], s=size, c=[palette[cluster[n]] for n in order],
        edgecolors="white", linewidths=1.5, zorder=3,
    )
    label_nodes = set(order) if len(order) <= 80 else set(sorted(order, key=lambda n: (-degree[n], n))[:40])
    font = style.ANNOTATION_SIZE if len(order) <= 50 else 9
    for n, (x, yy), area in zip(order, xy, size, strict=True):
        if n in label_nodes:
            ax.annotate(
                acronyms.get(n, n), (x, yy), xytext=(0, np.sqrt(area) / 2 + 1), textcoords="offset points",
                fontsize=font, fontweight="bold", ha="center", va="bottom", zorder=4,
                path_effects=style.halo(),
            )
    ax.set_xlim(xy[:, 0].min() - 0.08, xy[:, 0].max() + 0.08)
    ax.set_ylim(xy[:, 1].min() - 0.06, xy[:, 1].max() + 0.12)
    ax.set_axis_off()
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
