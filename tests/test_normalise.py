"""Canonical wide tables -> typed submissions, repeat rows and the tidy long table."""

from __future__ import annotations

import pandas as pd
import pytest
from wide_tables import KS_OPTIONS, STAGES, wide_round

from pipeline.errors import IssueLog
from pipeline.normalise import normalise
from pipeline.registry import Registry
from pipeline.spec import Survey
from pipeline.tables import TIDY_CATEGORICAL, TIDY_COLUMNS, RawRound, Responses

SECRETS = ["Amina Diallo", "amina.diallo@unep.example.org"]


def answer(**changes: str | None) -> dict[str, str | None]:
    """A complete, valid main-form submission from UNEP, with ``changes`` applied."""
    row: dict[str, str | None] = {
        "agency": "UNEP",
        "focal_name": SECRETS[0],
        "focal_email": SECRETS[1],
        "topics": "esm epr",
        "eee_categories": "screens",
        "collaborators": "UNU itu",
        "collaboration_modes": None,
        "collaboration_notes": "Line one\r\nline two\x07 end ",
        "strengths": "Convening power.",
        "weaknesses": None,
        "recommendations": None,
    }
    for stage in STAGES:
        row[f"engagement_{stage}"] = "moderate"
        row[f"activities_{stage}"] = "policy research"
    for rank, option in enumerate(KS_OPTIONS, start=1):
        row[f"ks_rank_{option}"] = str(rank)
    row.update(changes)
    return row


def project(submission_id: str = "kobo:1", **changes: str | None) -> dict[str, str | None]:
    row: dict[str, str | None] = {
        "_submission_id": submission_id,
        "project_title": "Circular electronics initiative",
        "project_status": "ongoing",
        "start_year": "2020",
        "end_year": "2024",
        "regions": "global africa",
        "countries": None,
        "project_stages": "treatment_recycling collection_transboundary",
        "partners": "ITU",
        "budget_usd": "250000.50",
    }
    row.update(changes)
    return row


def raw_round(
    rows: list[dict[str, str | None]],
    projects: list[dict[str, str | None]] | None = None,
    *,
    files: list[str] | None = None,
    times: list[str | None] | None = None,
) -> RawRound:
    """:func:`wide_round` with this module's default project."""
    return wide_round(rows, projects if projects is not None else [project()], files=files, times=times)


def run(raw: RawRound, survey: Survey, registry: Registry) -> Responses:
    return normalise(raw, survey, registry, "2026-R1", IssueLog())


@pytest.fixture(scope="module")
def responses(survey: Survey, registry: Registry) -> Responses:
    """UNEP (by an alias) with two projects, and ITU with one project."""
    rows = [answer(agency="UN Environment"), answer(agency="ITU", collaborators="UNEP")]
    projects = [project(), project(project_title="Second", budget_usd="1000"), project("kobo:2")]
    return run(raw_round(rows, projects), survey, registry)


def test_submissions_are_typed_one_row_per_entity(responses: Responses, survey: Survey) -> None:
    subs = responses.submissions
    assert subs["entity_id"].tolist() == ["ITU", "UNEP"]
    assert list(subs.columns[:5]) == [
        "entity_id",
        "submitted_at",
        "source_file",
        "reader",
        "n_submissions",
    ]
    assert str(subs["submitted_at"].dtype).endswith(", UTC]")
    assert subs["submitted_at"].iloc[1] == pd.Timestamp("2026-03-01T10:00:00Z")
    assert subs["n_submissions"].dtype == "Int64" and subs["n_submissions"].tolist() == [1, 1]
    assert subs["reader"].tolist() == ["kobo", "kobo"]
    assert subs["engagement_raw_materials"].dtype == "string"
    assert subs["ks_rank_webinars"].dtype == "Int64"
    assert subs["ks_rank_webinars"].tolist() == [3, 3]
    unep = subs.set_index("entity_id").loc["UNEP"]
    assert unep["agency"] == "UNEP"
    # multi-selects: valid names in list order; entities as ids, resolved from any spelling
    assert unep["topics"] == "epr esm"
    assert unep["collaborators"] == "ITU UNU"
    assert unep["collaboration_notes"] == "Line one\nline two end"
    expected = {f.name for f in survey.fields() if not f.personal}
    assert expected == set(subs.columns[5:])


def test_personal_fields_are_left_out(responses: Responses) -> None:
    tables = [responses.submissions, responses.tidy, *responses.repeats.values()]
    for table in tables:
        assert "focal_name" not in table.columns and "focal_email" not in table.columns
        text = table.astype("string").to_csv()
        assert not any(secret in text for secret in SECRETS)
    assert not responses.tidy["field"].isin(["focal_name", "focal_email"]).any()


def test_repeat_rows_are_typed_with_instances(responses: Responses) -> None:
    projects = responses.repeats["projects"]
    assert projects["instance"].tolist() == ["ITU#1", "UNEP#1", "UNEP#2"]
    assert projects["entity_id"].tolist() == ["ITU", "UNEP", "UNEP"]
    assert projects["start_year"].dtype == "Int64"
    assert projects["budget_usd"].dtype == "Float64"
    assert projects["budget_usd"].tolist() == [250000.5, 250000.5, 1000.0]
    assert projects["project_stages"].iloc[0] == "collection_transboundary treatment_recycling"
    assert projects["source_row"].tolist() == [4, 2, 3]


def test_tidy_has_the_contract_columns_and_types(responses: Responses) -> None:
    tidy = responses.tidy
    assert list(tidy.columns) == TIDY_COLUMNS
    assert (tidy["survey_id"] == "ewaste_img").all() and (tidy["round"] == "2026-R1").all()
    assert tidy["answer_score"].dtype == "Float64"
    assert tidy["source_row"].dtype == "Int64"
    assert tidy["answer"].notna().all()
    assert "agency" not in set(tidy["field"])  # the entity is the key, not an answer
    # the repeated texts are categoricals of the values present, sorted, as text
    for column in TIDY_CATEGORICAL:
        values = tidy[column]
        assert isinstance(values.dtype, pd.CategoricalDtype), column
        assert values.cat.categories.dtype == "string", column
        assert values.cat.categories.tolist() == sorted(set(values.dropna())), column
    assert tidy["answer"].dtype == "string"
    assert tidy["instance"].isna().any() and tidy["dimension"].isna().any()


def test_tidy_explodes_multi_selects_and_scores_choices(responses: Responses) -> None:
    tidy = responses.tidy
    unep = tidy[(tidy["entity_id"] == "UNEP") & tidy["instance"].isna()]
    engagement = unep[unep["field"] == "engagement_reuse_repair"]
    assert engagement[["question_id", "dimension", "answer"]].values.tolist() == [
        ["engagement", "reuse_repair", "moderate"]
    ]
    assert engagement["answer_score"].tolist() == [0.67]
    activities = unep[unep["field"] == "activities_reuse_repair"]
    assert activities["answer"].tolist() == ["policy", "research"]
    assert activities["dimension"].tolist() == ["reuse_repair", "reuse_repair"]
    assert activities["answer_score"].isna().all()
    topics = unep[unep["field"] == "topics"]
    assert topics["answer"].tolist() == ["epr", "esm"] and topics["dimension"].isna().all()
    ranks = unep[unep["question_id"] == "ks_rank"]
    assert dict(zip(ranks["dimension"], ranks["answer"], strict=True)) == {
        o: str(i) for i, o in enumerate(KS_OPTIONS, start=1)
    }
    assert (unep["source_row"] == 2).all() and (unep["source_file"] == "export.xlsx").all()


def test_tidy_repeat_rows_carry_instance_and_option_dimensions(responses: Responses) -> None:
    rows = responses.tidy[responses.tidy["instance"] == "UNEP#2"]
    stages = rows[rows["field"] == "project_stages"]
    assert stages["answer"].tolist() == ["collection_transboundary", "treatment_recycling"]
    assert stages["dimension"].tolist() == stages["answer"].tolist()
    assert rows.loc[rows["field"] == "budget_usd", "answer"].tolist() == ["1000"]
    assert rows.loc[rows["field"] == "start_year", "answer"].tolist() == ["2020"]
    assert (rows["source_row"] == 3).all()
    assert rows["submitted_at"].iloc[0] == pd.Timestamp("2026-03-01T10:00:00Z")


def test_latest_submission_wins(survey: Survey, registry: Registry) -> None:
    early = answer(engagement_raw_materials="none", activities_raw_materials=None)
    late = answer(agency="unep", engagement_raw_materials="major")
    raw = raw_round(
        [late, early, answer(agency="ITU")],
        [project("kobo:1", project_title="Kept"), project("kobo:2", project_title="Dropped")],
        times=["2026-03-05T12:00:00+02:00", "2026-03-05T09:00:00Z", None],
    )
    result = run(raw, survey, registry)
    subs = result.submissions.set_index("entity_id")
    assert subs.at["UNEP", "engagement_raw_materials"] == "major"
    assert subs.at["UNEP", "n_submissions"] == 2
    assert subs.at["ITU", "n_submissions"] == 1 and pd.isna(subs.at["ITU", "submitted_at"])
    assert result.repeats["projects"]["project_title"].tolist() == ["Kept"]


def test_a_tie_goes_to_the_later_file(survey: Survey, registry: Registry) -> None:
    raw = raw_round(
        [answer(engagement_raw_materials="minor"), answer(engagement_raw_materials="major")],
        files=["b.xlsx", "a.xlsx"],
        times=["2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z"],
    )
    subs = run(raw, survey, registry).submissions
    assert subs["source_file"].tolist() == ["b.xlsx"]
    assert subs["engagement_raw_materials"].tolist() == ["minor"]


def test_rows_without_a_known_entity_and_blank_submissions_are_dropped(
    survey: Survey, registry: Registry
) -> None:
    blank = {k: None for k in answer()} | {"agency": "ITU"}
    rows = [answer(agency="UNEPP"), answer(agency=None), blank, answer(agency="UNU")]
    result = run(raw_round(rows, [project("kobo:1"), project("kobo:4")]), survey, registry)
    assert result.submissions["entity_id"].tolist() == ["UNU"]
    assert result.repeats["projects"]["entity_id"].tolist() == ["UNU"]
    assert set(result.tidy["entity_id"]) == {"UNU"}


def test_values_with_errors_are_na(survey: Survey, registry: Registry) -> None:
    row = answer(
        engagement_raw_materials="moderat",
        activities_design_manufacturing="policy reserch",
        collaborators="ITU UNEPP",
        engagement_final_disposal="none",  # activities_final_disposal is then skipped
        ks_rank_webinars="2",  # tied with community: the ranking is not used
    )
    projects = [project(start_year="2108", budget_usd="lots", end_year="2024.5")]
    result = run(raw_round([row], projects), survey, registry)
    subs = result.submissions.iloc[0]
    assert pd.isna(subs["engagement_raw_materials"])
    assert subs["activities_design_manufacturing"] == "policy"
    assert subs["collaborators"] == "ITU"
    assert pd.isna(subs["activities_final_disposal"])
    assert all(pd.isna(subs[f"ks_rank_{o}"]) for o in KS_OPTIONS)
    p = result.repeats["projects"].iloc[0]
    assert pd.isna(p["start_year"]) and pd.isna(p["budget_usd"]) and pd.isna(p["end_year"])
    tidy = result.tidy
    assert not tidy["field"].isin(["engagement_raw_materials", "activities_final_disposal"]).any()
    assert tidy.loc[tidy["field"] == "collaborators", "answer"].tolist() == ["ITU"]
    assert not (tidy["question_id"] == "ks_rank").any()


def test_orphan_and_empty_repeat_rows_are_not_kept(survey: Survey, registry: Registry) -> None:
    empty = {k: None for k in project()} | {"_submission_id": "kobo:1"}
    raw = raw_round([answer()], [project(), project("kobo:7"), empty])
    assert run(raw, survey, registry).repeats["projects"]["instance"].tolist() == ["UNEP#1"]


def test_an_empty_round_gives_empty_tables(survey: Survey, registry: Registry) -> None:
    raw = RawRound(main=pd.DataFrame(columns=["agency"], dtype="string"))
    result = run(raw, survey, registry)
    assert result.submissions.empty and result.tidy.empty
    assert list(result.tidy.columns) == TIDY_COLUMNS
    assert "instance" in result.repeats["projects"].columns
