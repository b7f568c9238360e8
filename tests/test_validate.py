"""Data-quality checks on hand-built canonical wide tables of the e-waste survey."""

from __future__ import annotations

import pandas as pd
import pytest
from wide_tables import KS_OPTIONS, STAGES, wide_round

from pipeline.errors import Issue, IssueLog
from pipeline.registry import Registry
from pipeline.spec import Survey
from pipeline.tables import RawRound
from pipeline.validate import validate

FOCAL_NAME = "Amina Diallo"
FOCAL_EMAIL = "amina.diallo@unep.example.org"


def answer(**changes: str | None) -> dict[str, str | None]:
    """A complete, valid main-form submission from UNEP, with ``changes`` applied."""
    row: dict[str, str | None] = {
        "agency": "UNEP",
        "focal_name": FOCAL_NAME,
        "focal_email": FOCAL_EMAIL,
        "topics": "epr esm",
        "eee_categories": "screens small_it",
        "collaborators": "ITU UNU",
        "collaboration_modes": "joint_projects",
        "collaboration_notes": "We work with ITU on statistics.",
        "strengths": "Convening power.",
        "weaknesses": None,
        "recommendations": "A joint work plan.",
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
        "regions": "africa global",
        "countries": "Ghana, Nigeria",
        "project_stages": "collection_transboundary treatment_recycling",
        "partners": "ITU",
        "budget_usd": "250000",
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
    return wide_round(rows, projects or [project()], files=files, times=times)


def check(raw: RawRound, survey: Survey, registry: Registry) -> list[Issue]:
    log = IssueLog()
    validate(raw, survey, registry, log)
    return log.issues


def only(issues: list[Issue], code: str) -> Issue:
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, [str(i) for i in issues]
    return found[0]


def test_a_clean_submission_has_no_issues(survey: Survey, registry: Registry) -> None:
    assert check(raw_round([answer()]), survey, registry) == []


def test_unknown_agency_is_an_error_with_suggestions(survey: Survey, registry: Registry) -> None:
    issues = check(raw_round([answer(), answer(agency="UNEPP")]), survey, registry)
    issue = only(issues, "entity-unknown")
    assert issue.severity == "error"
    assert "unknown agency 'UNEPP'; did you mean UNEP (United Nations Environment Programme)" in (
        issue.message
    )
    assert '"Your agency"' in issue.message  # the label, so a person finds the question
    assert (issue.file, issue.sheet, issue.row, issue.column) == (
        "export.xlsx",
        "data",
        3,
        "agency",
    )
    assert issue.entity == ""


@pytest.mark.parametrize("name", ["UN Environment", "unep", "United Nations Environment Programme"])
def test_aliases_resolve(survey: Survey, registry: Registry, name: str) -> None:
    assert check(raw_round([answer(agency=name)]), survey, registry) == []


def test_missing_agency_is_an_error(survey: Survey, registry: Registry) -> None:
    issue = only(check(raw_round([answer(agency="  ")]), survey, registry), "entity-missing")
    assert issue.severity == "error" and issue.row == 2 and issue.column == "agency"


def test_required_answer_missing_respects_skip_logic(survey: Survey, registry: Registry) -> None:
    row = answer(
        focal_name=None,
        engagement_reuse_repair=None,
        engagement_final_disposal="none",
        activities_final_disposal=None,  # skipped because engagement is none: fine
    )
    issues = check(raw_round([row]), survey, registry)
    missing = [i for i in issues if i.code == "required-missing"]
    assert {i.column for i in missing} == {"focal_name", "engagement_reuse_repair"}
    assert all(i.severity == "error" and i.entity == "UNEP" for i in missing)
    reuse = next(i for i in missing if i.column == "engagement_reuse_repair")
    assert "Reuse, repair and refurbishment: level of your agency's engagement" in reuse.message


def test_answer_to_a_skipped_question_is_a_warning(survey: Survey, registry: Registry) -> None:
    row = answer(engagement_raw_materials="none", activities_raw_materials="policy")
    issue = only(check(raw_round([row]), survey, registry), "skip-answered")
    assert issue.severity == "warning"
    assert issue.column == "activities_raw_materials"
    assert "'none'" in issue.message and "ignored" in issue.message


def test_invalid_choice_suggests_the_closest(survey: Survey, registry: Registry) -> None:
    issues = check(raw_round([answer(engagement_final_disposal="moderat")]), survey, registry)
    issue = only(issues, "choice-invalid")
    assert issue.severity == "error" and issue.column == "engagement_final_disposal"
    assert "'moderat'" in issue.message
    assert "did you mean moderate (Moderate)?" in issue.message
    assert "none, minor, moderate, major" in issue.message
    assert "Final disposal: level of your agency's engagement" in issue.message


def test_a_label_given_instead_of_a_name_is_flagged_with_the_name(
    survey: Survey, registry: Registry
) -> None:
    issues = check(raw_round([answer(eee_categories="Lamps")]), survey, registry)
    assert "did you mean lamps (Lamps)?" in only(issues, "choice-invalid").message


def test_each_token_of_a_multiple_choice_is_checked(survey: Survey, registry: Registry) -> None:
    row = answer(activities_reuse_repair="policy reserch", topics="epr esm")
    issue = only(check(raw_round([row]), survey, registry), "choice-invalid")
    assert issue.column == "activities_reuse_repair"
    assert "'reserch'" in issue.message and "research (Research)" in issue.message
    assert "'policy'" not in issue.message


def test_unknown_entity_in_a_list_is_an_error(survey: Survey, registry: Registry) -> None:
    spaced = check(raw_round([answer(collaborators="itu UN University BRS")]), survey, registry)
    # "UN University" is two tokens: neither 'UN' nor 'University' is an entity, one issue each
    assert [(i.code, i.message.split("unknown agency ")[1][:6]) for i in spaced] == [
        ("entity-unknown", "'UN'; "),
        ("entity-unknown", "'Unive"),
    ]
    issues = check(raw_round([answer(collaborators="itu unu UNEPP")]), survey, registry)
    issue = only(issues, "entity-unknown")
    assert issue.column == "collaborators"
    assert "unknown agency 'UNEPP'; did you mean UNEP (United Nations Environment Programme)" in (
        issue.message
    )
    assert "'itu'" not in issue.message and "'unu'" not in issue.message


@pytest.mark.parametrize(
    ("changes", "code", "expected"),
    [
        (
            {"start_year": "2108"},
            "out-of-range",
            "'2108' is out of range; expected a whole number from 1990 to 2040",
        ),
        ({"budget_usd": "-5000"}, "out-of-range", "expected a number of at least 0"),
        ({"budget_usd": "about 2 million"}, "not-a-number", "'about 2 million' is not a number"),
        ({"end_year": "2024.5"}, "not-whole-number", "'2024.5' is not a whole number"),
    ],
)
def test_number_checks_in_repeat_rows(
    survey: Survey, registry: Registry, changes: dict[str, str], code: str, expected: str
) -> None:
    raw = raw_round([answer()], [project(), project(**changes)])
    issue = only(check(raw, survey, registry), code)
    assert issue.severity == "error"
    assert expected in issue.message
    column = next(iter(changes))
    assert (issue.file, issue.sheet, issue.row, issue.column) == (
        "export.xlsx",
        "projects",
        3,
        column,
    )
    assert issue.entity == "UNEP"


def test_whole_numbers_written_with_a_zero_fraction_are_fine(
    survey: Survey, registry: Registry
) -> None:
    raw = raw_round([answer(ks_rank_project_db="1.0")], [project(start_year="2020.0")])
    assert check(raw, survey, registry) == []


def test_required_field_of_a_repeat_row(survey: Survey, registry: Registry) -> None:
    raw = raw_round([answer()], [project(project_title=None, project_status="finished")])
    issues = check(raw, survey, registry)
    assert {i.code for i in issues} == {"required-missing", "choice-invalid"}
    assert all(i.sheet == "projects" and i.row == 2 for i in issues)


def test_orphan_repeat_row_is_an_error(survey: Survey, registry: Registry) -> None:
    raw = raw_round([answer()], [project(), project(submission_id="kobo:99")])
    issue = only(check(raw, survey, registry), "orphan-repeat")
    assert issue.severity == "error" and issue.row == 3 and issue.column == "_submission_id"


def test_invalid_email_is_reported_without_echoing_it(survey: Survey, registry: Registry) -> None:
    issue = only(
        check(raw_round([answer(focal_email="amina.diallo(at)unep")]), survey, registry),
        "email-invalid",
    )
    assert issue.severity == "error" and issue.column == "focal_email"
    assert "the e-mail address is not valid" in issue.message
    assert "amina" not in str(issue)


def test_ranks_must_be_distinct_and_complete(survey: Survey, registry: Registry) -> None:
    tied = answer(ks_rank_webinars="2", ks_rank_newsletter="2")
    partial = answer(agency="ITU", ks_rank_repository=None, ks_rank_missions=None)
    blank = answer(agency="UNU", **{f"ks_rank_{o}": None for o in KS_OPTIONS})
    issues = check(raw_round([tied, partial, blank]), survey, registry)
    duplicate = only(issues, "rank-duplicate")
    assert duplicate.severity == "error" and duplicate.row == 2
    assert "rank 2 is given to Community of practice and Joint webinars and Newsletter" in (
        duplicate.message
    )
    assert duplicate.column == "ks_rank_community, ks_rank_webinars, ks_rank_newsletter"
    incomplete = only(issues, "rank-incomplete")
    assert incomplete.severity == "warning" and incomplete.row == 3
    assert "4 of 6 options ranked" in incomplete.message
    assert "Document repository, Joint country missions" in incomplete.message


def test_rank_out_of_range(survey: Survey, registry: Registry) -> None:
    issue = only(check(raw_round([answer(ks_rank_missions="7")]), survey, registry), "out-of-range")
    assert "expected a whole number from 1 to 6" in issue.message


def test_all_blank_submission_is_an_error(survey: Survey, registry: Registry) -> None:
    empty = {k: None for k in answer()} | {"agency": "ITU"}
    issues = check(raw_round([answer(), empty]), survey, registry)
    issue = only(issues, "all-blank")
    assert issue.severity == "error" and issue.row == 3 and issue.entity == "ITU"
    assert "all answers blank" in issue.message
    # one issue for the row, not one per required question
    assert [i.code for i in issues] == ["all-blank"]


def test_blank_draft_before_a_real_submission_is_only_a_warning(
    survey: Survey, registry: Registry
) -> None:
    empty = {k: None for k in answer()} | {"agency": "UNEP"}
    issues = check(raw_round([empty, answer()]), survey, registry)
    issue = only(issues, "all-blank")
    assert issue.severity == "warning" and issue.row == 2
    assert not any(i.code == "duplicate-submission" for i in issues)


def test_duplicates_latest_wins_and_conflicts_are_listed(
    survey: Survey, registry: Registry
) -> None:
    first = answer(engagement_raw_materials="minor", focal_name="Someone Else")
    second = answer(agency="UN Environment")
    raw = raw_round(
        [answer(agency="ITU"), first, second],
        files=["a.xlsx", "a.xlsx", "b.xlsx"],
        times=["2026-03-01T09:00:00Z", "2026-02-20T09:00:00Z", "2026-03-02T08:30:00+01:00"],
    )
    issue = only(check(raw, survey, registry), "duplicate-submission")
    assert issue.severity == "warning" and issue.entity == "UNEP"
    assert issue.message.startswith(
        "UNEP sent 2 submissions (a.xlsx row 3, b.xlsx row 4); the latest (2026-03-02 07:30 UTC) is kept"
    )
    assert "differ in engagement_raw_materials" in issue.message
    assert "focal_name" not in issue.message and "Someone" not in issue.message
    assert (issue.file, issue.row) == ("b.xlsx", 4)  # the kept one


def test_identical_duplicates_are_info(survey: Survey, registry: Registry) -> None:
    raw = raw_round([answer(), answer()], times=["2026-03-02T10:00:00Z", None])
    issue = only(check(raw, survey, registry), "duplicate-submission")
    assert issue.severity == "info"
    assert "the latest (2026-03-02 10:00 UTC) is kept" in issue.message
    assert issue.row == 2  # a submission without a time counts as the oldest


def test_other_form_version_is_a_warning_per_file(survey: Survey, registry: Registry) -> None:
    raw = raw_round([answer(), answer(agency="ITU"), answer(agency="UNU")])
    raw.main.loc[[1, 2], "_form_version"] = "2025.3"
    issue = only(check(raw, survey, registry), "form-version")
    assert issue.severity == "warning" and issue.row == 3
    assert "'2025.3' in 2 submission(s)" in issue.message and "'2026.1'" in issue.message


def test_extra_columns_are_left_to_the_readers(survey: Survey, registry: Registry) -> None:
    raw = raw_round([answer()])
    raw.main["_extra:comments"] = pd.array(["anything"], dtype="string")
    assert check(raw, survey, registry) == []


def test_every_problem_is_collected_and_no_personal_data_leaks(
    survey: Survey, registry: Registry
) -> None:
    bad = answer(
        agency="UNEPP",
        focal_email="not an address " + FOCAL_NAME,
        engagement_raw_materials="moderat",
        topics="epr xyz",
        ks_rank_webinars="1",
    )
    draft = answer(agency="ITU", focal_name="Kwame Mensah", focal_email="kwame@itu.example.org")
    final = answer(agency="ITU", focal_name="Ines Garcia", engagement_reuse_repair="major")
    raw = raw_round([bad, draft, final], [project(start_year="1900")])
    issues = check(raw, survey, registry)
    codes = {i.code for i in issues}
    assert {"entity-unknown", "email-invalid", "choice-invalid", "rank-duplicate"} <= codes
    assert {"duplicate-submission", "out-of-range"} <= codes
    text = "\n".join(str(i) for i in issues)
    for secret in (FOCAL_NAME, FOCAL_EMAIL, "Kwame", "kwame@itu", "Ines Garcia", "not an address"):
        assert secret not in text
    # sorted by file, sheet and row
    keys = [(i.file, i.sheet, i.row or 0) for i in issues]
    assert keys == sorted(keys)


def test_empty_round_gives_no_issues(survey: Survey, registry: Registry) -> None:
    raw = RawRound(main=pd.DataFrame(columns=["agency"], dtype="string"))
    assert check(raw, survey, registry) == []
