"""Links: who works with whom (the collaboration network) and which entities have
overlapping or complementary profiles; the "Links" chapter and network chart."""

from __future__ import annotations

from pipeline.analyses.base import Analysis, declares

ANALYSIS = Analysis(
    "links",
    declares("links"),
    compute=f"{__name__}.compute:compute",
    charts=f"{__name__}.charts:links_charts",
    chapters={"links": f"{__name__}.chapter:links_chapter"},
    summary=f"{__name__}.chapter:summary",
    sheets={
        "network_edges": (
            "Links",
            "Collaborations reported: one row per {noun} and partner it names; reciprocated when "
            "the partner names it too.",
        ),
        "network_nodes": (
            "Network nodes",
            "Per {noun} in the network: partners (degree), cluster, isolated.",
        ),
        "pairs": ("Pairs", "Pairs of {plural} with overlapping or complementary profiles."),
    },
)
