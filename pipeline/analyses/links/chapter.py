"""The "Links" chapter (a ``links:`` block): the collaboration network in words and as a
chart, the most connected entities, clusters, and the overlapping or complementary pairs."""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.links.words import network_sentences
from pipeline.report import words as nar
from pipeline.report.context import ReportContext, capped, chart
from pipeline.report.document import ReportDocument

MAX_PAIR_ROWS = 15


def links_chapter(doc: ReportDocument, ctx: ReportContext) -> None:
    network = ctx.stats.get("network") or {}
    nodes, pairs = ctx.table("network_nodes"), ctx.table("pairs")
    if not network and nodes.empty and pairs.empty:
        return
    w = ctx.words
    doc.heading(f"Links between {w.entities}", 1)
    for text in network_sentences(network, w):
        doc.paragraph(text)
    chart(doc, ctx, "network")
    if not nodes.empty and "degree" in nodes:
        top = nodes.sort_values(["degree", "acronym"], ascending=[False, True]).head(5)
        top = top[top["degree"] > 0]
        if not top.empty:
            names = [f"{a} ({int(d)})" for a, d in zip(top["acronym"], top["degree"], strict=True)]
            doc.paragraph(
                f"Most connected (number of links in either direction): {nar.join_names(names)}."
            )
        if "cluster" in nodes:
            linked = nodes[~nodes["isolated"].astype(bool)] if "isolated" in nodes else nodes
            groups = linked.groupby("cluster")["acronym"]
            clusters = [sorted(g.tolist()) for _, g in groups if len(g) > 1]
            if len(clusters) > 1:
                doc.paragraph("Clusters of " + w.entities + " that work closely together:")
                doc.bullets([", ".join(c) for c in sorted(clusters, key=len, reverse=True)[:8]])
    if pairs.empty:
        return
    doc.heading("Overlaps and complementarities", 2)
    for relation, title, intro in (
        (
            "overlap",
            f"{nar.capitalise(w.overlap)}: {w.entities} with very similar profiles",
            "Pairs with very similar profiles may duplicate work; the pairs below are worth a check.",
        ),
        (
            "complement",
            "Complementary pairs: one strong where the other is weak",
            f"Pairs whose strengths complement each other across {w.dimensions}.",
        ),
    ):
        # overlaps: most similar first; complements: most different first
        sub = pairs[pairs["relation"] == relation].sort_values(
            "similarity", ascending=relation != "overlap"
        )
        if sub.empty:
            continue
        doc.paragraph(intro)
        frame = pd.DataFrame(
            {
                nar.capitalise(w.entity): sub["entity_a"].map(ctx.acr),
                f"Other {w.entity}": sub["entity_b"].map(ctx.acr),
                "Similarity": pd.to_numeric(sub["similarity"], errors="coerce"),
                "Detail": sub["detail"],
            }
        )
        by = "most similar first" if relation == "overlap" else "most different first"
        frame, note = capped(frame, MAX_PAIR_ROWS, "pairs", table="pairs", by=by)
        doc.table(
            frame, title, formats={"Similarity": "score"}, weights=[1.4, 1.4, 1.3, 7], note=note
        )


def summary(ctx: ReportContext) -> list[str]:
    """The executive summary's paragraph on the collaboration network."""
    return [" ".join(network_sentences(ctx.stats.get("network") or {}, ctx.words))]
