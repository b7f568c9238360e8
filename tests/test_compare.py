"""Round-over-round comparison: statistics checked against values worked out by hand."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipeline import numbers
from pipeline.analyses.compare.comparable import (
    comparable_dimensions,
    comparable_questions,
    field_matches,
    harmonise,
)
from pipeline.analyses.compare.compute import compare_rounds
from pipeline.analyses.compare.statistics import (
    MIN_PAIRS,
    mcnemar_exact,
    min_detectable_change,
    pair_entities,
    signed_rank_exact_p,
)
from pipeline.analyses.compare.tables import (
    COVERAGE_CHANGE_COLUMNS,
    compare_adoption,
    compare_scores,
    coverage_change,
    movers,
    network_change,
)
from pipeline.analyses.compare.words import (
    basis_sentence,
    describe_changes,
    not_compared_sentence,
    pairing_sentence,
    word_findings,
)
from pipeline.registry import Registry
from pipeline.spec import Survey, load_survey

CHANGE_WORDS = ("rose", "fell", "more entities", "fewer entities", "increase", "decrease")


@pytest.fixture(scope="module")
def swfs(root: Path) -> Survey:
    return load_survey(root / "surveys" / "swfs_synthesis")


@pytest.fixture(scope="module")
def swfs_2016(swfs: Survey) -> Survey:
    return swfs.for_round("2016-R1")


def scores_table(values: dict[str, float], dimension: str = "d1") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "entity_id": list(values),
            "dimension": dimension,
            "score": list(values.values()),
            "level": "x",
        }
    )


def enumerate_signed_rank_p(d: list[float]) -> tuple[float, float]:
    """Exact two-sided p and T+ by listing every sign pattern (zeros dropped, average
    ranks for ties): the definition, independent of the module's convolution."""
    d = [x for x in d if x != 0]
    absolute = sorted(abs(x) for x in d)
    rank = {a: np.mean([i + 1 for i, b in enumerate(absolute) if b == a]) for a in absolute}
    ranks = [rank[abs(x)] for x in d]
    t_obs = sum(r for r, x in zip(ranks, d, strict=True) if x > 0)
    sums = [
        sum(r for r, s in zip(ranks, signs, strict=True) if s)
        for signs in itertools.product([0, 1], repeat=len(d))
    ]
    low = sum(s <= t_obs + 1e-9 for s in sums) / len(sums)
    high = sum(s >= t_obs - 1e-9 for s in sums) / len(sums)
    return min(1.0, 2 * min(low, high)), t_obs


# -- Wilcoxon signed-rank ----------------------------------------------------------------------


def test_wilcoxon_six_pairs_by_hand() -> None:
    # differences 0.10, 0.25, -0.05, 0.40, 0.30, 0.15: ranks of |d| 2, 4, 1, 6, 5, 3
    # T+ = 2 + 4 + 6 + 5 + 3 = 20, T- = 1, W = min = 1; only T+ in {0, 1, 20, 21} is as
    # extreme: 4 of 64 sign patterns -> p = 0.0625; r = (20 - 1) / 21
    ids = [f"E{i}" for i in range(6)]
    old = [0.2, 0.3, 0.5, 0.1, 0.4, 0.3]
    d = [0.10, 0.25, -0.05, 0.40, 0.30, 0.15]
    new = [o + x for o, x in zip(old, d, strict=True)]
    out = compare_scores(
        scores_table(dict(zip(ids, old, strict=True))),
        scores_table(dict(zip(ids, new, strict=True))),
        ids,
    ).iloc[0]
    p_enum, t_plus = enumerate_signed_rank_p(d)
    assert t_plus == 20
    assert p_enum == pytest.approx(4 / 64)
    assert out["n_pairs"] == 6
    assert out["n_changed"] == 6
    assert out["wilcoxon_stat"] == pytest.approx(1.0)
    assert out["p_value"] == pytest.approx(0.0625)
    assert out["method"] == "exact"
    assert out["effect_size"] == pytest.approx(19 / 21)
    assert out["mean_old"] == pytest.approx(np.mean(old))
    # the change as shown beside the two means: 0.30 -> 0.49 is +0.19 (the mean of the
    # differences, 0.1917, also shows as 0.19; the test itself uses the unrounded pairs)
    assert out["mean_change"] == pytest.approx(0.19)
    assert out["mean_change"] == numbers.shown_difference(out["mean_old"], out["mean_new"])
    assert abs(out["mean_change"] - np.mean(d)) < 0.01
    assert out["direction"] == "up"
    # five of six up is still not enough to tell from noise at 0.05
    assert not out["distinguishable"]


def test_wilcoxon_with_ties_and_zeros_is_exact() -> None:
    d = [0.2, 0.2, -0.2, 0.4, 0.4, 0.6, 0.6, 0.6, 0.0, 0.0]
    ids = [f"E{i}" for i in range(len(d))]
    old = dict.fromkeys(ids, 0.3)
    new = {e: 0.3 + x for e, x in zip(ids, d, strict=True)}
    out = compare_scores(scores_table(old), scores_table(new), ids).iloc[0]
    p_enum, t_plus = enumerate_signed_rank_p(d)
    assert out["method"] == "exact (ties)"
    assert out["n_pairs"] == 10
    assert out["n_changed"] == 8
    assert out["p_value"] == pytest.approx(p_enum)
    # ranks of |d|: 0.2 -> 2 (x3), 0.4 -> 4.5 (x2), 0.6 -> 7 (x3); T- = 2, T+ = 34
    assert t_plus == pytest.approx(34)
    assert out["effect_size"] == pytest.approx((34 - 2) / 36)
    # scipy's own exact permutation test agrees
    perm = stats.wilcoxon([x for x in d if x], method=stats.PermutationMethod(n_resamples=np.inf))
    assert out["p_value"] == pytest.approx(perm.pvalue)


def test_exact_p_matches_scipy_without_ties() -> None:
    rng = np.random.default_rng(3)
    for n in (6, 9, 14):
        d = rng.normal(0.1, 0.2, n)
        assert signed_rank_exact_p(d) == pytest.approx(stats.wilcoxon(d, method="exact").pvalue)


def test_all_zero_differences_give_p_one_and_no_effect() -> None:
    ids = [f"E{i}" for i in range(8)]
    table = scores_table(dict.fromkeys(ids, 0.5))
    out = compare_scores(table, table, ids).iloc[0]
    assert out["p_value"] == 1.0
    assert out["effect_size"] == 0.0
    assert out["wilcoxon_stat"] == 0.0
    assert out["direction"] == "none"
    assert not out["distinguishable"]


def test_eight_pairs_all_up_are_distinguishable() -> None:
    ids = [f"E{i}" for i in range(8)]
    old = dict.fromkeys(ids, 0.2)
    new = {e: 0.2 + 0.05 * (i + 1) for i, e in enumerate(ids)}
    out = compare_scores(scores_table(old), scores_table(new), ids).iloc[0]
    assert out["p_value"] == pytest.approx(2 / 2**8)
    assert out["effect_size"] == pytest.approx(1.0)
    assert out["distinguishable"]


def test_only_paired_entities_with_both_scores_count() -> None:
    old = scores_table({"A": 0.1, "B": 0.2, "C": 0.3, "D": np.nan})
    new = scores_table({"A": 0.4, "B": 0.2, "C": 0.9, "D": 0.5, "E": 1.0})
    out = compare_scores(old, new, ["A", "B", "C", "D"]).iloc[0]
    assert out["n_pairs"] == 3  # D has no earlier score, E did not answer both rounds
    assert out["mean_new"] == pytest.approx((0.4 + 0.2 + 0.9) / 3)
    assert not out["distinguishable"]  # fewer than MIN_PAIRS pairs


def test_min_detectable_change_formula() -> None:
    d = np.array([0.1, -0.1, 0.2, 0.0, 0.3, -0.2, 0.1, 0.0])
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    expected = z * np.std(d, ddof=1) / math.sqrt(len(d) * 3 / math.pi)
    assert min_detectable_change(d) == pytest.approx(expected)
    assert math.isnan(min_detectable_change(np.array([0.1])))


def test_movers_largest_absolute_change_first() -> None:
    old = scores_table({"A": 0.1, "B": 0.9, "C": 0.5, "D": 0.5})
    new = scores_table({"A": 0.6, "B": 0.2, "C": 0.6, "D": 0.5})
    out = movers(old, new, ["A", "B", "C", "D"], top=2)
    assert out["entity_id"].tolist() == ["B", "A"]
    assert out["change"].tolist() == pytest.approx([-0.7, 0.5])
    assert out["rank"].tolist() == [1, 2]


# -- McNemar -------------------------------------------------------------------------------


def test_mcnemar_b1_c7_by_hand() -> None:
    # 2 x P(X <= 1 | n = 8, p = 1/2) = 2 x (1 + 8) / 256
    assert mcnemar_exact(1, 7) == pytest.approx(0.0703125)
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(0, 6) == pytest.approx(2 / 64)


def test_compare_adoption_counts_and_effects() -> None:
    ids = [f"E{i}" for i in range(12)]
    # E0: yes -> no (b); E1..E7: no -> yes (c); E8, E9: yes -> yes; E10: no -> no;
    # E11: unanswered in the new round (left out)
    old = [True, False, False, False, False, False, False, False, True, True, False, True]
    new = [False, True, True, True, True, True, True, True, True, True, False, pd.NA]
    out = compare_adoption(
        pd.DataFrame({"item": old}, index=ids).astype("boolean"),
        pd.DataFrame({"item": new}, index=ids).astype("boolean"),
        ids,
        {"item": "Has a policy"},
    ).iloc[0]
    assert (out["n_pairs"], out["b"], out["c"]) == (11, 1, 7)
    assert (out["yes_old"], out["yes_new"]) == (3, 9)
    assert out["p_value"] == pytest.approx(0.0703125)
    assert out["odds_ratio"] == pytest.approx(7.5 / 1.5)
    assert out["effect"] == pytest.approx(7 / 8 - 0.5)
    assert out["direction"] == "up"
    assert out["label"] == "Has a policy"
    assert not out["distinguishable"]


# -- pairing, coverage, network --------------------------------------------------------------


def test_pair_entities_joiners_and_leavers(registry: Registry) -> None:
    old = pd.DataFrame({"entity_id": ["WHO", "UNEP", "FAO", "ZZZ"]})
    new = pd.DataFrame({"entity_id": ["UNEP", "FAO", "UNDP", "WMO"]})
    both, joined, left = pair_entities(old, new, registry)
    assert both == ["FAO", "UNEP"]  # registry order
    assert joined == ["UNDP", "WMO"]
    assert left == ["WHO", "ZZZ"]  # unknown ids after the registry's


def test_coverage_change_by_hand() -> None:
    old = pd.DataFrame(
        {
            "dimension": ["a", "b", "gone"],
            "label": ["A", "B", "Gone"],
            "n_engaged": [2, 5, 1],
            "n_respondents": [10, 10, 10],
            "mean_score": [0.2, 0.5, 0.1],
        }
    )
    new = pd.DataFrame(
        {
            "dimension": ["b", "a", "new"],
            "label": ["B now", "A", "New"],
            "n_engaged": [4, 6, 3],
            "n_respondents": [20, 12, 12],
            "mean_score": [0.45, 0.4, 0.3],
        }
    )
    out = coverage_change(old, new)
    assert list(out.columns) == COVERAGE_CHANGE_COLUMNS
    assert out["dimension"].tolist() == ["b", "a"]
    b = out.iloc[0]
    assert b["label"] == "B now"
    assert b["change_engaged"] == -1
    assert b["share_engaged_old"] == pytest.approx(0.5)
    assert b["change_share_engaged"] == pytest.approx(0.2 - 0.5)
    assert out.iloc[1]["change_mean_score"] == pytest.approx(0.2)


def test_network_change_kept_new_dropped() -> None:
    old = pd.DataFrame({"source": ["A", "B", "B", "C", "A"], "target": ["B", "A", "C", "D", "E"]})
    new = pd.DataFrame({"source": ["B", "C", "A"], "target": ["A", "A", "D"]})
    table, counts = network_change(old, new, paired=["A", "B", "C", "D"])
    # ties among A-D: old {A-B, B-C, C-D}; new {A-B, A-C, A-D}; A-E ignored (E not paired)
    assert counts == {"kept": 1, "new": 2, "dropped": 2}
    kept = table[table["status"] == "kept"]
    assert kept[["entity_a", "entity_b"]].values.tolist() == [["A", "B"]]
    _, all_counts = network_change(old, new)
    assert all_counts["dropped"] == 3


# -- what can be compared: the two SWFS versions -------------------------------------------


def test_comparable_questions_swfs(swfs: Survey, swfs_2016: Survey) -> None:
    table = comparable_questions(swfs_2016, swfs).set_index("new_question", drop=False)
    inv = table.loc["involvement"]
    assert inv["old_question"] == "works_in" and inv["comparable"]
    assert "read as the earlier ones" in inv["reason"] and "'None' as 'No'" in inv["reason"]
    contrib = table.loc["contribution"]
    assert contrib["comparable"] and "shared choices" in contrib["reason"]
    assert "'Knowledge and data'" in contrib["reason"]  # labels, never choice names
    assert table.loc["env_strategy", "comparable"]
    assert "'In preparation'" in table.loc["env_strategy", "reason"]
    assert not table.loc["strategy_start", "comparable"]
    assert table.loc["obstacles", "old_question"] == "challenges"
    for q in ("ems", "ghg_inventory", "climate_neutral", "collaborators", "partners"):
        assert table.loc[q, "comparable"] and table.loc[q, "reason"] == "same question"
    assert "focal_name" not in table.index  # personal
    assert table["comparable"].any() and not table["comparable"].all()
    # a long list of new choices names the first five and counts the rest, for the report
    sdg = table.loc["sdg_targets", "reason"]
    assert "compared on the 20 shared choices only" in sdg
    assert sdg.split("new: ")[1].count("', '") == 4 and "and 17 more (all in the form's choice list)" in sdg


def test_comparable_dimensions_swfs(swfs: Survey, swfs_2016: Survey) -> None:
    dims = comparable_dimensions(swfs_2016, swfs)
    area = dims[dims["dimension_set"] == "area"]
    ok = dict(zip(area["new_dimension"].fillna("-"), area["comparable"], strict=True))
    assert ok["climate_change"] and ok["chemicals_pollution"]
    assert not ok["oceans"] and not ok["freshwater"] and not ok["environment_health"]
    chem = area[area["new_dimension"] == "chemicals_pollution"].iloc[0]
    assert chem["old_dimension"] == "chemicals_waste"
    dropped = area[area["new_dimension"].isna()]
    assert dropped["old_dimension"].tolist() == ["water"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


MINI = """
id: mini
title: Mini
form_version: "{version}"
choices:
  level:
{levels}
dimension_sets: {{}}
sections:
  - id: s
    label: S
    questions:
      - {{id: entity, type: entity, label: Entity}}
{questions}
"""


def test_type_change_and_declared_changes(tmp_path: Path) -> None:
    old = load_survey(
        _write(
            tmp_path / "old.yaml",
            MINI.format(
                version="1",
                levels="    - {name: low, label: Low}\n    - {name: high, label: High}",
                questions=(
                    "      - {id: budget, type: integer, label: Budget}\n"
                    "      - {id: level, type: select_one, choices: level, label: Level}\n"
                    "      - {id: staff, type: integer, label: Staff}\n"
                    "      - {id: note, type: text, label: Note}"
                ),
            ),
        )
    )
    new = load_survey(
        _write(
            tmp_path / "new.yaml",
            MINI.format(
                version="2",
                levels="    - {name: low, label: Low}\n    - {name: high, label: High}",
                questions=(
                    "      - {id: budget, type: decimal, label: Budget}\n"
                    "      - {id: level, type: select_one, choices: level, label: Level}\n"
                    "      - {id: staff, type: integer, comparable: false, label: Staff (FTE)}\n"
                    "      - {id: remark, type: text, compare_with: nothing, label: Remark}"
                ),
            ),
        )
    )
    table = comparable_questions(old, new).set_index("old_question", drop=False)
    assert "answer changed from" in table.loc["budget", "reason"] and not table.loc["budget", "comparable"]
    assert table.loc["level", "comparable"] and table.loc["level", "reason"] == "same question"
    assert not table.loc["staff", "comparable"] and "declared" in table.loc["staff", "reason"]
    rows = comparable_questions(old, new)
    remark = rows[rows["new_question"] == "remark"].iloc[0]
    assert not remark["comparable"] and "is not in version 1" in remark["reason"]
    note = rows[rows["old_question"] == "note"].iloc[0]
    assert pd.isna(note["new_question"]) and note["reason"].startswith("dropped")


def test_harmonise_maps_and_drops_choices(swfs: Survey, swfs_2016: Survey) -> None:
    matches = field_matches(swfs_2016, swfs)
    by_new = {m.new_field: m.old_field for m in matches}
    assert by_new["involvement_chemicals_pollution"] == "works_in_chemicals_waste"
    assert "involvement_oceans" not in by_new and "involvement_environment_health" not in by_new
    new = pd.DataFrame(
        {
            "entity_id": ["A", "B", "C"],
            "involvement_climate_change": ["none", "minor", "core"],
            "contribution_climate_change": ["normative knowledge", "knowledge", pd.NA],
            "env_strategy": ["yes", "in_preparation", "no"],
        }
    )
    out = harmonise(new, matches, "new", swfs_2016)
    assert out["works_in_climate_change"].tolist() == ["no", "yes", "yes"]
    assert out["contribution_climate_change"].isna().tolist() == [False, True, True]
    assert out.loc[0, "contribution_climate_change"] == "normative"
    assert out["env_strategy"].isna().tolist() == [False, True, False]


# -- sentences -------------------------------------------------------------------------------


def _sentences(st: dict, survey: Survey) -> list[str]:
    """Every sentence a report writes from the comparison's stats and findings."""
    dims = survey.model.dimension_sets["area"]
    words = word_findings(st["findings"], n_both=st["n_both"], dimension_plural=dims.plural)
    not_compared = not_compared_sentence(st, dims.label, dims.plural)
    return [pairing_sentence(st, "entities"), basis_sentence(st), *words.all(), not_compared]


def test_findings_are_data_with_kind_item_direction_size_and_p() -> None:
    from pipeline.analyses.compare.findings import change_findings

    score_change = pd.DataFrame(
        {
            "dimension": ["a", "b"],
            "label": ["Alpha", "Beta"],
            "n_pairs": [14, 0],
            "mean_change": [-0.21, 0.0],
            "p_value": [0.01, 1.0],
            "distinguishable": [True, False],
            "min_detectable": [0.15, 0.18],
        }
    )
    adoption = pd.DataFrame(
        {"item": ["x"], "label": ["Has a policy"], "n_pairs": [14], "yes_old": [5], "yes_new": [12],
         "b": [0], "c": [7], "p_value": [2 / 2**7], "distinguishable": [True]}
    )
    found = change_findings(score_change, adoption)
    assert [(f["kind"], f["item"], f["direction"]) for f in found] == [
        ("score", "a", "down"),
        ("yes_no", "x", "up"),
    ]
    assert found[0]["size"] == -0.21 and found[0]["p"] == 0.01 and found[0]["distinguishable"]
    assert found[1]["size"] == 7 and (found[1]["to_yes"], found[1]["to_no"]) == (7, 0)
    worded = word_findings(found, n_both=14)
    assert worded.scores[0].startswith("The mean score fell in Alpha (-0.21, p = 0.010)")
    assert worded.yes_no[0].startswith("More entities answered yes to 'Has a policy'")


def test_sentences_never_call_noise_a_change() -> None:
    score_change = pd.DataFrame(
        {
            "dimension": ["a", "b", "c"],
            "label": ["Alpha", "Beta", "Gamma"],
            "n_pairs": [14, 14, 14],
            "mean_change": [0.21, 0.08, -0.06],
            "p_value": [0.01, 0.20, 0.35],
            "distinguishable": [True, False, False],
            "min_detectable": [0.15, 0.18, 0.16],
        }
    )
    adoption = pd.DataFrame(
        {
            "item": ["x", "y"],
            "label": ["Has a policy", "Reports emissions"],
            "n_pairs": [14, 14],
            "yes_old": [5, 6],
            "yes_new": [12, 8],
            "b": [0, 1],
            "c": [7, 3],
            "p_value": [2 / 2**7, 0.625],
            "distinguishable": [True, False],
        }
    )
    sentences = describe_changes(score_change, adoption, n_both=14)
    text = " ".join(sentences)
    assert "14 entities" in text and "about 0.16" in text
    assert "rose in Alpha (+0.21, p = 0.010)" in text
    for s in sentences:
        if any(w in s.lower() for w in CHANGE_WORDS):
            assert "Beta" not in s and "Gamma" not in s and "Reports emissions" not in s
    assert any("cannot be told from noise" in s and "+0.08" in s for s in sentences)
    assert any("Has a policy" in s and s.startswith("More") for s in sentences)

    none_sig = score_change.assign(distinguishable=False)
    quiet = describe_changes(none_sig, adoption.assign(distinguishable=False), n_both=14)
    assert not any(w in s.lower() for s in quiet for w in CHANGE_WORDS)

    few = describe_changes(score_change, adoption, n_both=MIN_PAIRS - 1)
    assert len(few) == 1 and "too few" in few[0]
    none = describe_changes(score_change, adoption, n_both=0)
    assert len(none) == 1 and "no change" in none[0]


# -- two SWFS rounds end to end ------------------------------------------------------------------


def fake_submissions(survey: Survey, entities: list[str], seed: int) -> pd.DataFrame:
    """Answers to every non-personal main field, at random (deterministic)."""
    rng = np.random.default_rng(seed)
    data: dict[str, list[object]] = {"entity_id": entities}
    for f in survey.fields():
        if f.personal or f.type == "entity":
            continue
        values: list[object] = []
        for e in entities:
            if f.type == "select_one":
                names = [c.name for c in survey.choices(f.list_name or "")]
                values.append(names[int(rng.integers(len(names)))])
            elif f.type == "select_multiple":
                names = [c.name for c in survey.choices(f.list_name or "")]
                k = int(rng.integers(0, min(4, len(names)) + 1))
                values.append(" ".join(sorted(rng.choice(names, k, replace=False))) or pd.NA)
            elif f.type == "entities":
                others = [x for x in entities if x != e]
                k = int(rng.integers(0, 4))
                values.append(" ".join(sorted(rng.choice(others, k, replace=False))) or pd.NA)
            elif f.type == "integer":
                values.append(int(rng.integers(2010, 2030)))
            else:
                values.append(pd.NA)
        data[f.name] = values
    return pd.DataFrame(data)


@pytest.fixture(scope="module")
def two_rounds(swfs: Survey, swfs_2016: Survey, registry: Registry) -> dict[str, object]:
    ids = registry.ids
    old = fake_submissions(swfs_2016, ids[:30], 1)
    new = fake_submissions(swfs, ids[10:44], 2)
    # a real change: every paired entity that did not work on climate change now has it
    # as core mandate; biodiversity answers are copied (no change at all)
    both = set(ids[10:30])
    was_no = old["entity_id"].isin(both) & (old["works_in_climate_change"] == "no")
    up = new["entity_id"].isin(set(old.loc[was_no, "entity_id"]))
    new.loc[up, "involvement_climate_change"] = "core"
    stay = new["entity_id"].isin(set(old.loc[~was_no, "entity_id"]))
    new.loc[stay, "involvement_climate_change"] = "minor"
    old_bio = old.set_index("entity_id")["works_in_biodiversity"]
    paired = new["entity_id"].isin(both)
    new.loc[paired, "involvement_biodiversity"] = (
        new.loc[paired, "entity_id"].map(old_bio).map({"yes": "minor", "no": "none"})
    )
    new.loc[paired, "contribution_biodiversity"] = new.loc[paired, "entity_id"].map(
        old.set_index("entity_id")["contribution_biodiversity"]
    )
    tables, stats_ = compare_rounds(
        {"submissions": old, "round": "2016-R1"},
        {"submissions": new, "round": "2026-R1"},
        swfs_2016,
        swfs,
        registry,
    )
    return {"tables": tables, "stats": stats_, "old": old, "new": new}


def test_compare_rounds_swfs(two_rounds: dict[str, object], swfs: Survey) -> None:
    tables: dict[str, pd.DataFrame] = two_rounds["tables"]  # type: ignore[assignment]
    st: dict[str, object] = two_rounds["stats"]  # type: ignore[assignment]
    assert (st["n_both"], st["n_joined"], st["n_left"]) == (20, 14, 10)
    assert not st["same_version"]
    pairing = tables["entity_pairing"]
    assert pairing["status"].value_counts().to_dict() == {"both": 20, "joined": 14, "left": 10}
    assert pairing.loc[pairing["entity_id"] == "UNHABITAT", "acronym"].iloc[0] == "UN-Habitat"

    sc = tables["score_change"].set_index("dimension")
    assert "oceans" not in sc.index and "environment_health" not in sc.index
    assert sc.loc["chemicals_pollution", "old_dimension"] == "chemicals_waste"
    assert sc.loc["climate_change", "distinguishable"]
    assert sc.loc["climate_change", "direction"] == "up"
    assert sc.loc["biodiversity", "n_changed"] == 0
    assert sc.loc["biodiversity", "p_value"] == 1.0
    assert (sc["n_pairs"] <= 20).all()

    ad = tables["adoption_change"].set_index("item")
    assert {"ghg_inventory", "climate_neutral", "ems", "env_strategy"} <= set(ad.index)
    assert ad.loc["involvement_climate_change", "old_item"] == "works_in_climate_change"
    assert ad.loc["involvement_climate_change", "b"] == 0
    assert ad.loc["involvement_climate_change", "distinguishable"]
    assert ad.loc["involvement_biodiversity", "b"] + ad.loc["involvement_biodiversity", "c"] == 0

    cov = tables["coverage_change"]
    assert list(cov.columns) == COVERAGE_CHANGE_COLUMNS
    assert cov["n_respondents_new"].max() == 34

    mv = tables["movers"]
    assert set(mv["entity_id"]) <= set(pairing.loc[pairing["status"] == "both", "entity_id"])

    net = tables["network_change"]
    assert set(net["status"]) <= {"kept", "new", "dropped"}
    assert st["ties_kept"] + st["ties_new"] + st["ties_dropped"] == len(net)

    sentences = _sentences(st, swfs)
    text = " ".join(sentences)
    assert "20 entities answered both 2016-R1 and 2026-R1" in text
    assert "2016.1 rule" in text
    assert "rose in Climate change" in text
    assert "Oceans and seas" in text  # said to be not compared
    quiet = set(sc.index[~sc["distinguishable"]])
    labels = tables["score_change"].set_index("dimension")["label"]
    for s in sentences:
        if "rose in" in s or "fell in" in s:
            for dim in quiet:
                assert str(labels[dim]) not in s


def test_compare_rounds_same_version_reuses_tables(swfs: Survey, registry: Registry) -> None:
    ids = registry.ids
    old = fake_submissions(swfs, ids[:16], 5)
    new = old.copy()
    tables, st = compare_rounds({"submissions": old}, {"submissions": new}, swfs, swfs, registry)
    assert st["same_version"] and st["n_both"] == 16
    assert (tables["score_change"]["p_value"] == 1.0).all()
    assert (tables["adoption_change"]["b"] + tables["adoption_change"]["c"] == 0).all()
    # the per-dimension "engaged at substantial or above" items are compared too
    assert tables["adoption_change"]["item"].str.startswith("engaged_").sum() == 10
    assert st["ties_new"] == 0 and st["ties_dropped"] == 0
    text = " ".join(_sentences(st, swfs))
    assert not any(w in text for w in ("rose", "fell"))
    assert "Not compared" not in text  # one version: every area is compared

    # one version and the rounds' own tables given: those are used as they are
    from pipeline.analyses.coverage.compute import coverage
    from pipeline.score import score

    old_scores = score(old, swfs)
    new_scores = old_scores.assign(score=(old_scores["score"] + 0.1).clip(upper=1.0))
    cov = coverage(old_scores, old, swfs, registry)
    reused, _ = compare_rounds(
        {"submissions": old, "tables": {"scores": old_scores, "coverage": cov}},
        {"submissions": new, "tables": {"scores": new_scores, "coverage": cov}},
        swfs,
        swfs,
        registry,
    )
    assert (reused["score_change"]["mean_change"] > 0).any()


@pytest.mark.slow
def test_compare_charts(two_rounds: dict[str, object], swfs: Survey, tmp_path: Path) -> None:
    from pipeline.analyses.compare.charts import make_compare_charts

    tables = dict(two_rounds["tables"])  # type: ignore[call-overload]
    st: dict[str, object] = two_rounds["stats"]  # type: ignore[assignment]
    charts = make_compare_charts(tables, st, swfs, tmp_path / "a", "2016-R1", "2026-R1")
    assert [c.id for c in charts] == [
        "compare_scores",
        "compare_adoption",
        "network_change",
    ]
    for c in charts:
        assert c.png.stat().st_size > 10_000 and c.svg.stat().st_size > 10_000
        assert c.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert c.title and c.caption and c.alt_text
    scores = charts[0]
    sc = tables["score_change"].set_index("dimension")
    assert f"{sc.loc['climate_change', 'mean_old']:.2f} to" in scores.alt_text
    assert "cannot be told from noise" in scores.alt_text
    assert f"{st['n_both']} entities" in scores.alt_text
    net = charts[2]
    assert (
        f"{st['ties_kept']} kept, {st['ties_new']} new and {st['ties_dropped']} dropped"
        in net.alt_text
    )
    # each title states the chart's finding, from the comparison's tables
    moved = sc.loc[sc["distinguishable"].astype(bool)]
    rose, fell = (moved["mean_change"] > 0).sum(), (moved["mean_change"] < 0).sum()
    assert ("rose in" in scores.title) == bool(rose) and ("fell in" in scores.title) == bool(fell)
    assert scores.title.endswith("since 2016-R1") and scores.caption.startswith("Mean score by")
    n_changed = int(tables["adoption_change"].query("n_pairs > 0")["distinguishable"].astype(bool).sum())
    assert charts[1].title.startswith(f"{n_changed} of " if n_changed else "No yes/no answer changed")
    old_ties, new_ties = st["ties_kept"] + st["ties_dropped"], st["ties_kept"] + st["ties_new"]
    assert net.title.startswith(
        f"Ties went from {old_ties} to {new_ties}" if old_ties != new_ties else f"Ties stayed at {old_ties}"
    )
    assert f"{st['ties_new']} new, {st['ties_dropped']} dropped" in net.title
    # the same inputs give byte-identical files (checked on two of the charts)
    subset = {k: tables[k] for k in ("score_change", "network_change")}
    again = make_compare_charts(subset, st, swfs, tmp_path / "b", "2016-R1", "2026-R1")
    first = {c.id: c for c in charts}
    assert [c.id for c in again] == ["compare_scores", "network_change"]
    for c in again:
        assert c.png.read_bytes() == first[c.id].png.read_bytes()
        assert c.svg.read_bytes() == first[c.id].svg.read_bytes()
    assert make_compare_charts({}, {}, swfs, tmp_path / "c", "R1", "R2") == []


@pytest.mark.slow
def test_compare_charts_are_cached_by_what_they_show(
    two_rounds: dict[str, object], swfs: Survey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run of the later round and the comparison draw the same three charts: within
    the chart cache the second gets the first's files, and a changed value redraws only
    the charts that show it."""
    import pipeline.analyses.compare.charts as compare_charts
    from pipeline.report.chart_cache import chart_cache

    tables = dict(two_rounds["tables"])  # type: ignore[call-overload]
    st: dict[str, object] = two_rounds["stats"]  # type: ignore[assignment]
    cache = tmp_path / "cache"
    with chart_cache(cache):
        first = compare_charts.make_compare_charts(tables, st, swfs, tmp_path / "a", "2016-R1", "2026-R1")
    plain = compare_charts.make_compare_charts(tables, st, swfs, tmp_path / "plain", "2016-R1", "2026-R1")
    drawn: list[str] = []
    for name in ("_score_chart", "_adoption_chart", "_network_chart"):
        real = getattr(compare_charts, name)

        def counting(*args: object, _real=real, _name=name) -> object:  # type: ignore[no-untyped-def]
            drawn.append(_name)
            return _real(*args)

        monkeypatch.setattr(compare_charts, name, counting)
    with chart_cache(cache):  # the same values, other statistics beside them
        again = compare_charts.make_compare_charts(
            tables, {**st, "unrelated": 1}, swfs, tmp_path / "b", "2016-R1", "2026-R1"
        )
    assert drawn == []
    assert [c.id for c in again] == [c.id for c in first] == [c.id for c in plain]
    for a, b, p in zip(first, again, plain, strict=True):
        assert (a.title, a.caption, a.alt_text) == (b.title, b.caption, b.alt_text)
        assert a.png.read_bytes() == b.png.read_bytes() == p.png.read_bytes()
        assert a.svg.read_bytes() == b.svg.read_bytes()
        assert b.png.parent == tmp_path / "b"
    changed = dict(tables)
    changed["score_change"] = tables["score_change"].assign(
        mean_new=tables["score_change"]["mean_new"] + 0.01
    )
    with chart_cache(cache):
        moved = compare_charts.make_compare_charts(changed, st, swfs, tmp_path / "c", "2016-R1", "2026-R1")
    assert drawn == ["_score_chart"]  # only the chart that shows the scores
    assert moved[0].png.read_bytes() != first[0].png.read_bytes()
