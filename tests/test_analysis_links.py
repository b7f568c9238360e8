"""Links: the collaboration network and the overlap / complement pairs of profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from wide_tables import STAGES

from pipeline.analyses.links.compute import collaboration_network, profile_pairs
from pipeline.registry import Registry
from pipeline.spec import Survey


def make_submissions(collaborators: dict[str, str | None]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"entity_id": list(collaborators), "collaborators": list(collaborators.values())}
    ).astype("string")
    frame["submitted_at"] = pd.Timestamp("2026-03-02T10:00:00Z")
    frame["source_file"] = "kobo.xlsx"
    frame["reader"] = "kobo_xlsx"
    frame["n_submissions"] = 1
    return frame


# UNEP names ITU, UNU and itself; ITU names UNEP back; UNU names WHO (who did not answer);
# ILO names nobody. Ties: ITU->UNEP, UNEP->ITU (reciprocated), UNEP->UNU, UNU->WHO.
NETWORK = {"UNEP": "ITU UNU UNEP ITU", "ITU": "UNEP", "UNU": "WHO", "ILO": None}


@pytest.fixture(scope="module")
def network(survey: Survey, registry: Registry):
    return collaboration_network(make_submissions(NETWORK), survey, registry)


def test_edges_are_directed_deduplicated_and_marked_reciprocated(network) -> None:  # type: ignore[no-untyped-def]
    _, edges, _ = network
    assert list(edges.columns) == ["source", "target", "reciprocated"]
    got = list(edges.itertuples(index=False, name=None))
    assert got == [
        ("ITU", "UNEP", True),
        ("UNEP", "ITU", True),
        ("UNEP", "UNU", False),
        ("UNU", "WHO", False),
    ]


def test_nodes_degrees_and_isolation(network) -> None:  # type: ignore[no-untyped-def]
    nodes, _, _ = network
    assert list(nodes.columns) == [
        "entity_id",
        "acronym",
        "degree",
        "in_degree",
        "out_degree",
        "cluster",
        "isolated",
        "responded",
    ]
    table = nodes.set_index("entity_id")
    assert table.index.tolist() == ["UNEP", "UNU", "ITU", "WHO", "ILO"]  # degree, then acronym
    assert table.loc["UNEP", ["degree", "in_degree", "out_degree"]].tolist() == [2, 1, 2]
    assert table.loc["UNU", ["degree", "in_degree", "out_degree"]].tolist() == [2, 1, 1]
    assert table.loc["ITU", ["degree", "in_degree", "out_degree"]].tolist() == [1, 1, 1]
    assert table.loc["WHO", ["degree", "in_degree", "out_degree"]].tolist() == [1, 1, 0]
    assert table.loc["ILO", ["degree", "in_degree", "out_degree"]].tolist() == [0, 0, 0]
    assert table["isolated"].to_dict() == {
        "UNEP": False,
        "UNU": False,
        "ITU": False,
        "WHO": False,
        "ILO": True,
    }
    assert not table.loc["WHO", "responded"] and table.loc["ILO", "responded"]


def test_clusters_split_the_path_in_two(network) -> None:  # type: ignore[no-untyped-def]
    nodes, _, _ = network
    cluster = nodes.set_index("entity_id")["cluster"]
    # the path ITU - UNEP - UNU - WHO splits into {ITU, UNEP} and {UNU, WHO}; the first
    # cluster is the one whose first member comes first
    assert cluster["ITU"] == cluster["UNEP"] == 1
    assert cluster["UNU"] == cluster["WHO"] == 2
    assert pd.isna(cluster["ILO"])


def test_network_stats(network) -> None:  # type: ignore[no-untyped-def]
    _, _, stats = network
    assert stats["n_nodes"] == 5
    assert stats["n_edges"] == 4
    assert stats["n_reciprocated"] == 2
    assert stats["n_mutual_pairs"] == 1
    assert stats["share_reciprocated"] == pytest.approx(0.5)
    assert stats["density"] == pytest.approx(4 / (5 * 4))
    assert stats["n_clusters"] == 2
    assert stats["isolated"] == ["ILO"]
    assert stats["n_respondents"] == 4


def test_network_uses_acronyms_from_the_registry(survey: Survey, registry: Registry) -> None:
    nodes, edges, stats = collaboration_network(
        make_submissions({"UNHABITAT": "UNEP", "UNEP": "UNHABITAT", "UNWOMEN": None}),
        survey,
        registry,
    )
    assert set(nodes["acronym"]) == {"UN-Habitat", "UNEP", "UN Women"}
    assert edges["reciprocated"].all()
    assert stats["isolated"] == ["UN Women"]


def test_network_without_any_tie(survey: Survey, registry: Registry) -> None:
    nodes, edges, stats = collaboration_network(
        make_submissions({"UNEP": None, "ITU": ""}), survey, registry
    )
    assert edges.empty and list(edges.columns) == ["source", "target", "reciprocated"]
    assert nodes["isolated"].all() and nodes["cluster"].isna().all()
    assert stats["n_edges"] == 0 and stats["n_clusters"] == 0
    assert np.isnan(stats["share_reciprocated"])


# -- overlaps and complements ------------------------------------------------------------
PROFILES = {
    "UNEP": [1, 1, 1, 0, 0, 0, 0],
    "ITU": [0.9, 1, 1, 0, 0, 0, 0.1],  # near copy of UNEP
    "UNU": [0, 0, 0, 1, 1, 1, 1],  # the other half of the life-cycle
    "WHO": [0, 0, 0, 0, 0, 0, 0],  # answered, engaged nowhere
    "ILO": [np.nan] * 7,  # did not answer
    # strong on one stage where UNEP is weak, weak on one where UNEP is strong
    "UNIDO": [0.3, 0.7, 0.7, 0.8, 0.5, 0.5, 0.5],
    # answered, engaged nowhere: with them, fewer than half are strong on each stage
    "FAO": [0, 0, 0, 0, 0, 0, 0],
    "IMO": [0, 0, 0, 0, 0, 0, 0],
}


def make_scores(profiles: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {"entity_id": e, "dimension": d, "score": float(s)}
        for e, values in profiles.items()
        for d, s in zip(STAGES, values, strict=True)
    ]
    frame = pd.DataFrame(rows).astype({"entity_id": "string", "dimension": "string"})
    frame["level"] = pd.NA
    frame["rule"] = "test"
    return frame


@pytest.fixture(scope="module")
def pairs(survey: Survey, registry: Registry) -> pd.DataFrame:
    return profile_pairs(make_scores(PROFILES), survey, registry)


def test_pair_columns(pairs: pd.DataFrame) -> None:
    assert list(pairs.columns) == ["entity_a", "entity_b", "relation", "similarity", "detail"]


def test_overlap_of_near_identical_profiles(pairs: pd.DataFrame) -> None:
    overlap = pairs[pairs["relation"] == "overlap"]
    assert list(zip(overlap["entity_a"], overlap["entity_b"], strict=True)) == [("ITU", "UNEP")]
    expected = 1 - (0.1 + 0.1) / 7  # 1 - mean absolute difference
    assert overlap["similarity"].iloc[0] == pytest.approx(expected, abs=1e-4)
    assert overlap["detail"].iloc[0] == (
        "ITU and UNEP have similar profiles across the 7 life-cycle stages "
        "(similarity 0.97); both strong in: raw materials and extraction; "
        "design and manufacturing; distribution, procurement and use, where fewer than half "
        "of the respondents are"
    )


def test_strengths_most_entities_share_are_no_overlap(survey: Survey, registry: Registry) -> None:
    """Entities strong on (nearly) every stage look alike, but that says nothing about
    duplicated work: only stages where fewer than half are strong count (SWFS 2016: CBD and
    UNRWA 'similar' because both said yes everywhere)."""
    everywhere = [1.0] * 7
    profiles = {"UNEP": everywhere, "ITU": everywhere, "UNU": [1, 1, 1, 1, 1, 0.9, 1], "WHO": [0] * 7}
    pairs = profile_pairs(make_scores(profiles), survey, registry)
    assert pairs[pairs["relation"] == "overlap"].empty
    # the same two profiles among many that are weak there are a possible duplication
    profiles |= {acronym: [0] * 7 for acronym in ("FAO", "IMO", "ILO")}
    pairs = profile_pairs(make_scores(profiles), survey, registry)
    assert len(pairs[pairs["relation"] == "overlap"]) == 3


def test_complements_are_found_in_both_directions(pairs: pd.DataFrame) -> None:
    comp = pairs[pairs["relation"] == "complement"]
    got = list(zip(comp["entity_a"], comp["entity_b"], strict=True))
    # UNU: 7 complementary stages with UNEP and with ITU; UNIDO: 1 + 1 = 2 with each (ITU
    # at 0.9 on raw materials is strong where UNIDO's 0.3 is weak). Most stages first, then
    # the less similar pair: 1 - 3.6/7 (UNEP, UNIDO) < 1 - 3.4/7 (ITU, UNIDO)
    assert got == [("UNEP", "UNU"), ("ITU", "UNU"), ("UNEP", "UNIDO"), ("ITU", "UNIDO")]
    assert comp["similarity"].iloc[2] == pytest.approx(1 - 3.6 / 7, abs=1e-4)
    assert comp["similarity"].iloc[0] == pytest.approx(0.0)
    assert comp["detail"].iloc[0] == (
        "UNEP strong where UNU is weak: raw materials and extraction; design and "
        "manufacturing; distribution, procurement and use. UNU strong where UNEP is weak: "
        "reuse, repair and refurbishment; collection and transboundary movement; treatment, "
        "recycling and recovery; final disposal"
    )
    assert comp["detail"].iloc[2] == (
        "UNEP strong where UNIDO is weak: raw materials and extraction. "
        "UNIDO strong where UNEP is weak: reuse, repair and refurbishment"
    )


def test_no_pairs_with_entities_without_engagement_or_answers(pairs: pd.DataFrame) -> None:
    named = set(pairs["entity_a"]) | set(pairs["entity_b"])
    assert "ILO" not in named and "WHO" not in named


def test_one_direction_only_is_not_a_complement(survey: Survey, registry: Registry) -> None:
    profiles = {"UNEP": [1, 1, 1, 1, 1, 1, 1], "ITU": [0, 0, 0, 1, 1, 1, 1]}
    pairs = profile_pairs(make_scores(profiles), survey, registry)
    assert pairs[pairs["relation"] == "complement"].empty


def test_pairs_are_capped_at_fifty_per_relation(survey: Survey, registry: Registry) -> None:
    ids = registry.ids[:20]  # 190 pairs, all near-identical, strong on three stages
    rng = np.random.default_rng(3)
    profiles = {e: [*(0.8 + 0.2 * rng.random(3)), 0, 0, 0, 0] for e in ids}
    # and 21 engaged nowhere, so that fewer than half are strong on those stages
    profiles |= {e: [0] * 7 for e in registry.ids[20:41]}
    pairs = profile_pairs(make_scores(profiles), survey, registry)
    overlap = pairs[pairs["relation"] == "overlap"]
    assert len(overlap) == 50
    assert overlap["similarity"].is_monotonic_decreasing


def test_fewer_than_two_entities_give_no_pairs(survey: Survey, registry: Registry) -> None:
    pairs = profile_pairs(make_scores({"UNEP": [1] * 7}), survey, registry)
    assert pairs.empty and pairs.columns[0] == "entity_a"
