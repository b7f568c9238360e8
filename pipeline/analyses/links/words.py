"""Sentences on the collaboration network: links, reciprocity, density, clusters and
isolated entities."""

from __future__ import annotations

from typing import Any

from pipeline.report.words import Words, cell_number
from pipeline.wording import capitalise, join_names, percent, plural, score


def network_sentences(network: dict[str, Any], words: Words) -> list[str]:
    """Links, reciprocity, density, clusters and isolated entities in plain words."""
    if not network:
        return []
    n_edges = int(network.get("n_edges") or 0)
    n_nodes = int(network.get("n_nodes") or 0)
    if n_edges == 0:
        return [f"No working links between {words.entities} were reported."]
    n_mutual = int(network.get("n_mutual_pairs") or 0)
    n_pairs = n_edges - n_mutual  # distinct pairs: a mutual pair is two named ties
    out = [
        f"The {n_nodes} {words.entities} in the network named each other "
        f"{plural(n_edges, 'time', 'times')}, linking {plural(n_pairs, 'pair', 'pairs')} "
        f"of {words.entities}; in {n_mutual} of these pairs "
        f"({percent(n_mutual / n_pairs if n_pairs else None)}) both sides named each other."
    ]
    density = cell_number(network.get("density"))
    n_clusters = int(network.get("n_clusters") or 0)
    extra = []
    if density is not None:
        extra.append(
            f"the network's density is {score(density)} (the share of all possible links "
            "that were reported)"
        )
    if n_clusters:
        extra.append(f"it falls into {plural(n_clusters, 'cluster', 'clusters')}")
    if extra:
        out.append(capitalise("; ".join(extra)) + ".")
    isolated = list(network.get("isolated") or [])
    if isolated:
        verb = "is" if len(isolated) == 1 else "are"
        out.append(
            f"{join_names(isolated)} {verb} isolated: no link was reported in either direction."
        )
    else:
        out.append(f"No responding {words.entity} is isolated.")
    return out
