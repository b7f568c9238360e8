"""Links between entities: the collaboration network they report, and how their profiles
overlap (possible duplication) or complement each other (one strong where the other is weak).
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from networkx.algorithms.community import greedy_modularity_communities

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.analyses.common import acronym_map
from pipeline.numbers import round_half_up, score
from pipeline.registry import Registry
from pipeline.score import selected_choices
from pipeline.spec import Links, Survey

NODE_COLUMNS = [
    "entity_id",
    "acronym",
    "degree",
    "in_degree",
    "out_degree",
    "cluster",
    "isolated",
    "responded",
]
EDGE_COLUMNS = ["source", "target", "reciprocated"]
PAIR_COLUMNS = ["entity_a", "entity_b", "relation", "similarity", "detail"]
MAX_PAIRS = 50  # per relation
DISTINCTIVE_SHARE = 0.5  # a strength shared by half the profiles or more says nothing of duplication
PAIR_BLOCK_VALUES = 1_000_000  # cells of the pair matrices computed at a time
EPS = 1e-9


def collaboration_network(
    submissions: pd.DataFrame, survey: Survey, registry: Registry
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The network of collaborations the respondents report.

    In: ``Responses.submissions`` (the ``links.collaborators_question`` column holds the
    entity ids each respondent names, space-separated).
    Out: ``(nodes, edges, stats)``:

    - ``edges``: ``source, target, reciprocated`` - one directed tie per respondent and
      entity it names (self-ties and repeats dropped); ``reciprocated`` when the target
      names the source too. Sorted by source, target.
    - ``nodes``: every respondent and every entity named, ``entity_id, acronym, degree``
      (distinct neighbours, either direction), ``in_degree, out_degree, cluster`` (community
      from greedy modularity on the undirected graph, 1 = largest; NA for nodes without
      ties), ``isolated`` (a respondent with no tie at all), ``responded``. Sorted by degree
      (high first) then acronym.
    - ``stats``: ``n_nodes, n_edges, n_reciprocated`` (directed ties whose reverse is also
      reported), ``n_mutual_pairs``, ``share_reciprocated`` (n_reciprocated / n_edges),
      ``density`` (directed), ``n_clusters``, ``isolated`` (acronyms), ``n_respondents``.
    """
    spec = _spec(survey)
    field = next(f for f in survey.fields_of(spec.collaborators_question) if f.repeat is None)
    respondents = sorted(set(submissions["entity_id"].dropna().astype(str)))
    edges = _ties(submissions, field.name)
    reverse = edges.rename(columns={"source": "target", "target": "source"})
    matched = edges.merge(reverse, on=["source", "target"], how="left", indicator=True)
    edges["reciprocated"] = (matched["_merge"] == "both").to_numpy()
    edges = edges.astype({"source": "string", "target": "string", "reciprocated": "bool"})

    nodes = sorted(set(respondents) | set(edges["source"]) | set(edges["target"]))
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(zip(edges["source"], edges["target"], strict=True))
    undirected = graph.to_undirected()
    clusters = _clusters(undirected)
    acronyms = acronym_map(registry, nodes)
    respondent_set = set(respondents)
    table = pd.DataFrame(
        {
            "entity_id": nodes,
            "acronym": [acronyms[n] for n in nodes],
            "degree": [undirected.degree(n) for n in nodes],
            "in_degree": [graph.in_degree(n) for n in nodes],
            "out_degree": [graph.out_degree(n) for n in nodes],
            "cluster": pd.array([clusters.get(n) for n in nodes], dtype="Int64"),
            "isolated": [undirected.degree(n) == 0 for n in nodes],
            "responded": [n in respondent_set for n in nodes],
        },
        columns=NODE_COLUMNS,
    )
    table = table.astype(
        {
            "entity_id": "string",
            "acronym": "string",
            "degree": "int64",
            "in_degree": "int64",
            "out_degree": "int64",
            "isolated": "bool",
            "responded": "bool",
        }
    )
    table = table.sort_values(["degree", "acronym"], ascending=[False, True], kind="stable")
    table = table.reset_index(drop=True)
    n_edges = len(edges)
    n_recip = int(edges["reciprocated"].sum())
    stats = {
        "n_nodes": len(nodes),
        "n_edges": n_edges,
        "n_reciprocated": n_recip,
        "n_mutual_pairs": n_recip // 2,
        "share_reciprocated": n_recip / n_edges if n_edges else float("nan"),
        "density": nx.density(graph) if len(nodes) > 1 else 0.0,
        "n_clusters": len(set(clusters.values())),
        "isolated": sorted(table.loc[table["isolated"], "acronym"].astype(str)),
        "n_respondents": len(respondents),
    }
    return table, edges.reset_index(drop=True), stats


def yes_no_scores(survey: Survey) -> bool:
    """Whether every score of the survey can only be 0 or 1: each scoring component reads
    a choice score, and every scored choice of those questions scores 0 or 1 (a yes/no
    scale). Two such profiles agreeing is two sets of equal answers, not an overlap."""
    scoring = survey.model.scoring
    if scoring is None:
        return False
    for component in scoring.components:
        if component.method != "choice_score":
            return False
        fields = survey.fields_of(component.question)
        if not fields or not fields[0].choices:
            return False
        if any(c.score not in (None, 0, 1) for c in survey.choices(fields[0].choices)):
            return False
    return True


def profile_pairs(scores: pd.DataFrame, survey: Survey, registry: Registry) -> pd.DataFrame:
    """Pairs of entities whose score profiles overlap or complement each other.

    In: ``scores`` (see :func:`pipeline.score.score`); entities with no score at all are
    left out, other unanswered dimensions count as 0 for the similarity and as neither
    strong nor weak.
    Out: ``entity_a, entity_b`` (entity ids, a before b by acronym), ``relation``,
    ``similarity`` (1 - mean absolute difference of the two score profiles: 1 = identical),
    ``detail`` (in words):

    - ``overlap``: similarity >= ``links.overlap_min_similarity`` and both strong
      (>= ``complement_strong``) on at least ``overlap_min_shared_strong`` of the same
      *distinctive* dimensions, those where fewer than half of the profiles are strong
      (possible duplication); the 50 most similar, highest first. Two entities strong
      where nearly everyone is say nothing about duplicated work, so those dimensions do
      not count. None when every score is 0 or 1 (:func:`yes_no_scores`).
    - ``complement``: on at least one dimension each is >= ``complement_strong`` where the
      other is <= ``complement_weak``, and on ``complement_min_dimensions`` such dimensions
      in all; the 50 with the most such dimensions (then the least similar) first.
    """
    spec = _spec(survey)
    if scores.empty or survey.model.scoring is None:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    dim_set = survey.model.dimension_sets[survey.model.scoring.dimension_set]
    dims = [item.id for item in dim_set.items]
    labels = {item.id: _lower_first(item.label) for item in dim_set.items}
    matrix = scores.pivot(index="entity_id", columns="dimension", values="score")
    matrix = matrix.reindex(columns=dims).astype("float64").dropna(how="all")
    if len(matrix) < 2:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    acronyms = acronym_map(registry, matrix.index.to_series())
    ids = np.array([str(i) for i in matrix.index], dtype=object)
    names = np.array([acronyms[i] for i in ids], dtype=object)
    order = np.argsort(names, kind="stable")
    ids, names = ids[order], names[order]
    raw = matrix.to_numpy()[order]
    x = np.nan_to_num(raw, nan=0.0)

    strong = np.nan_to_num(raw, nan=-1.0) >= spec.complement_strong - EPS
    weak = np.nan_to_num(raw, nan=2.0) <= spec.complement_weak + EPS
    distinctive = strong & (strong.mean(axis=0) < DISTINCTIVE_SHARE)[None, :]
    over, comp = _pair_candidates(x, strong, weak, distinctive, spec)
    rows: list[dict[str, Any]] = []
    ia, ib, sim, _ = over
    # identical yes/no answers say nothing about duplicated work: no overlap pairs then
    keep = np.array([], dtype=int) if yes_no_scores(survey) else np.lexsort((names[ib], names[ia], -sim))[:MAX_PAIRS]
    for i, j, similarity in zip(ia[keep], ib[keep], sim[keep], strict=True):
        both = [labels[d] for d, s in zip(dims, distinctive[i] & distinctive[j], strict=True) if s]
        detail = (
            f"{names[i]} and {names[j]} have similar profiles across the {len(dims)} "
            f"{dim_set.plural} (similarity {score(_stored(similarity))}); both strong in: "
            f"{'; '.join(both)}, where fewer than half of the respondents are"
        )
        rows.append(_pair(ids[i], ids[j], "overlap", similarity, detail))
    ia, ib, sim, total = comp
    keep = np.lexsort((names[ib], names[ia], sim, -total))[:MAX_PAIRS]
    for i, j, similarity in zip(ia[keep], ib[keep], sim[keep], strict=True):
        i_over_j = [labels[d] for d, s in zip(dims, strong[i] & weak[j], strict=True) if s]
        j_over_i = [labels[d] for d, s in zip(dims, strong[j] & weak[i], strict=True) if s]
        detail = (
            f"{names[i]} strong where {names[j]} is weak: {'; '.join(i_over_j)}. "
            f"{names[j]} strong where {names[i]} is weak: {'; '.join(j_over_i)}"
        )
        rows.append(_pair(ids[i], ids[j], "complement", similarity, detail))
    out = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    return out.astype(
        {
            "entity_a": "string",
            "entity_b": "string",
            "relation": "string",
            "similarity": "float64",
            "detail": "string",
        }
    )


Candidates = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _pair_candidates(
    x: np.ndarray, strong: np.ndarray, weak: np.ndarray, distinctive: np.ndarray, spec: Links
) -> tuple[Candidates, Candidates]:
    """Pairs ``i < j`` of profiles (rows of ``x``, unanswered = 0) that overlap and that
    complement each other (``distinctive``: strong where fewer than half are, which is what
    an overlap must share): ``(i, j, similarity, total)`` arrays, holding at least the
    :data:`MAX_PAIRS` best of each relation (all pairs tied with the last of them too).

    Similarity is 1 - the mean absolute difference of two profiles (1 = the same). The
    pair matrices are made a block of rows at a time (about :data:`PAIR_BLOCK_VALUES`
    cells), so memory stays flat instead of growing as n x n (a round of thousands of
    country offices has tens of millions of pairs); each block keeps only its best
    candidates.
    """
    n, n_dims = x.shape
    strong_n, weak_n = strong.astype(np.int32), weak.astype(np.int32)
    distinctive_n = distinctive.astype(np.int32)
    over: list[Candidates] = []
    comp: list[Candidates] = []
    block = max(1, PAIR_BLOCK_VALUES // max(n, 1))
    for start in range(0, n, block):
        stop = min(n, start + block)
        distance = np.zeros((stop - start, n))
        step = np.empty_like(distance)
        for column in x.T:  # one dimension at a time
            np.subtract(column[start:stop, None], column[None, :], out=step)
            distance += np.abs(step, out=step)
        similarity = 1.0 - distance / n_dims
        upper = np.arange(n)[None, :] > np.arange(start, stop)[:, None]
        shared_strong = distinctive_n[start:stop] @ distinctive_n.T
        # possible duplication: close profiles AND strong on the same dimensions
        overlap = upper & (similarity >= spec.overlap_min_similarity - EPS)
        overlap &= shared_strong >= spec.overlap_min_shared_strong
        a_over_b = strong_n[start:stop] @ weak_n.T  # a strong where b weak
        b_over_a = weak_n[start:stop] @ strong_n.T
        total = a_over_b + b_over_a
        complement = upper & (a_over_b >= 1) & (b_over_a >= 1)
        complement &= total >= spec.complement_min_dimensions
        ia, ib = np.nonzero(overlap)
        sim = similarity[ia, ib]
        over.append(_best((ia + start, ib, sim, total[ia, ib]), sim))
        ia, ib = np.nonzero(complement)
        sim, tot = similarity[ia, ib], total[ia, ib]
        # most such dimensions first, then the least similar: one key, higher is better
        comp.append(_best((ia + start, ib, sim, tot), tot + (1.0 - sim) / 2))
    return _joined(over), _joined(comp)


def _best(found: Candidates, key: np.ndarray) -> Candidates:
    """The candidates whose ``key`` is at least the :data:`MAX_PAIRS`-th highest."""
    if len(key) <= MAX_PAIRS:
        return found
    cut = np.partition(key, len(key) - MAX_PAIRS)[len(key) - MAX_PAIRS]
    keep = key >= cut
    return tuple(a[keep] for a in found)  # type: ignore[return-value]


def _joined(parts: list[Candidates]) -> Candidates:
    if not parts:
        empty = np.array([], dtype=np.int64)
        return (empty, empty, np.array([], dtype=float), empty)
    return tuple(np.concatenate(arrays) for arrays in zip(*parts, strict=True))  # type: ignore[return-value]


def _ties(submissions: pd.DataFrame, column: str) -> pd.DataFrame:
    """Distinct directed ties respondent -> named entity, self-ties dropped, sorted."""
    if column not in submissions.columns or submissions.empty:
        return pd.DataFrame({"source": pd.Series(dtype=object), "target": pd.Series(dtype=object)})
    values = submissions[column].set_axis(submissions["entity_id"].astype("string").to_numpy())
    chosen = selected_choices(values)
    ties = pd.DataFrame(
        {"source": chosen.index.astype(str), "target": chosen.astype(str).to_numpy()}
    )
    ties = ties[ties["source"] != ties["target"]].drop_duplicates()
    return ties.sort_values(["source", "target"]).reset_index(drop=True)


def _clusters(graph: nx.Graph) -> dict[str, int]:
    """Node -> community number (1 = largest, ties by first member); nodes without ties left out."""
    linked = graph.subgraph([n for n in graph.nodes if graph.degree(n) > 0])
    if linked.number_of_edges() == 0:
        return {}
    communities = greedy_modularity_communities(linked)
    ordered = sorted((sorted(c) for c in communities), key=lambda c: (-len(c), c[0]))
    return {node: k for k, members in enumerate(ordered, start=1) for node in members}


def _stored(similarity: float) -> float:
    """A similarity as the ``pairs`` table holds it (four decimals): the detail text says
    the same value as the table's column, shown the same way."""
    return round_half_up(float(similarity), 4)


def _pair(a: str, b: str, relation: str, similarity: float, detail: str) -> dict[str, Any]:
    return {
        "entity_a": a,
        "entity_b": b,
        "relation": relation,
        "similarity": _stored(similarity),
        "detail": detail,
    }


def _lower_first(label: str) -> str:
    """'Raw materials' -> 'raw materials'; acronyms such as 'ICT use' are left alone."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _spec(survey: Survey) -> Links:
    if survey.model.links is None:
        raise ValueError(f"survey '{survey.id}' declares no links section")
    return survey.model.links


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """The analysis' step in :func:`pipeline.analyses.analyse`."""
    nodes, edges, network = collaboration_network(inp.submissions, inp.survey, inp.registry)
    out = {"network_nodes": nodes, "network_edges": edges}
    if inp.survey.model.scoring is not None:
        out["pairs"] = profile_pairs(inp.scores, inp.survey, inp.registry)
    return out, {"network": network}
