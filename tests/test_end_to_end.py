"""The whole pipeline on a demo round, as an analyst runs it."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from docx import Document

from pipeline.demo import demo_round_answers, write_demo_round
from pipeline.errors import PipelineError
from pipeline.exports import write_kobo_xlsx, write_odk_csv
from pipeline.manifest import sha256_file
from pipeline.paths import Layout
from pipeline.questionnaire_fill import fill_questionnaire
from pipeline.rounds import process_round
from pipeline.run import run_round

pytestmark = pytest.mark.slow  # whole runs of the demo round, in several formats

ROUND = "2026-R1"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory, survey, registry):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("project")
    layout = Layout(root)
    spec = survey.model.demo.rounds[0]
    write_demo_round(survey, registry, spec, layout.raw(survey.id, spec.id))
    outcome = run_round(layout, survey.id, spec.id, run_date="2026-11-25")
    return layout, outcome


def test_run_writes_every_output(demo_run) -> None:  # type: ignore[no-untyped-def]
    _layout, outcome = demo_run
    out = outcome.outputs
    assert outcome.status == "done"
    for name in ("report.docx", "results.xlsx", "manifest.json"):
        assert (out / name).stat().st_size > 1000
    pngs = sorted(p.stem for p in (out / "charts").glob("*.png"))
    svgs = sorted(p.stem for p in (out / "charts").glob("*.svg"))
    assert pngs == svgs and {"heatmap", "coverage", "gaps", "network"} <= set(pngs)
    assert (outcome.processed / "tidy_responses.csv").is_file()
    # nothing half-written is left next to the outputs
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_manifest_records_inputs_and_counts(demo_run) -> None:  # type: ignore[no-untyped-def]
    layout, outcome = demo_run
    manifest = json.loads((outcome.outputs / "manifest.json").read_text())
    raw = layout.raw("ewaste_img", ROUND)
    for entry in manifest["inputs"]:
        assert entry["sha256"] == sha256_file(raw / entry["path"])
        assert entry["reader"]
    assert manifest["row_counts"]["submissions_kept"] == 24
    assert manifest["data_quality"]["error"] == 0
    assert {"Reading inputs", "Writing report"} <= set(manifest["timings_s"])


def test_latest_submission_wins_and_is_logged(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, outcome = demo_run
    subs = outcome.result.responses.submissions
    assert subs["entity_id"].is_unique
    assert (subs["n_submissions"] == 2).sum() == 1
    assert any("latest" in i.message for i in outcome.log.issues)


def test_unchanged_inputs_are_up_to_date_without_rewriting(demo_run) -> None:  # type: ignore[no-untyped-def]
    layout, outcome = demo_run
    report = outcome.outputs / "report.docx"
    before = report.stat().st_mtime_ns
    again = run_round(layout, "ewaste_img", ROUND, run_date="2026-11-25")
    assert again.status == "up-to-date"
    assert report.stat().st_mtime_ns == before


def test_personal_data_never_reaches_report_or_workbook(demo_run, survey, registry) -> None:  # type: ignore[no-untyped-def]
    _layout, outcome = demo_run
    answers = demo_round_answers(survey, registry, survey.model.demo.rounds[0])
    secrets = set(answers.main["focal_name"].dropna()) | set(answers.main["focal_email"].dropna())
    text = "\n".join(p.text for p in Document(str(outcome.outputs / "report.docx")).paragraphs)
    with zipfile.ZipFile(outcome.outputs / "results.xlsx") as book:
        xml = "".join(book.read(n).decode("utf-8", "ignore") for n in book.namelist())
    processed = "".join(p.read_text() for p in outcome.processed.glob("*.csv"))
    log = "\n".join(str(i) for i in outcome.log.issues)
    for secret in secrets:
        assert secret not in text and secret not in xml and secret not in processed and secret not in log


def test_same_answers_in_three_formats_give_the_same_scores(tmp_path: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    spec = survey.model.demo.rounds[0]
    answers = demo_round_answers(survey, registry, spec)
    scores = {}
    for fmt in ("kobo", "odk", "questionnaires"):
        layout = Layout(tmp_path / fmt)
        folder = layout.raw(survey.id, ROUND)
        folder.mkdir(parents=True)
        if fmt == "kobo":
            write_kobo_xlsx(answers.main, answers.repeats, survey, registry, folder / "export.xlsx")
        elif fmt == "odk":
            write_odk_csv(answers.main, answers.repeats, survey, registry, folder, "ewaste_img")
        else:
            from pipeline.demo import repeats_of

            for _, row in answers.main.iterrows():
                record = {k: (None if pd.isna(v) else str(v)) for k, v in row.items() if not k.startswith("_")}
                rows = repeats_of(answers.repeats, str(row["_submission_id"]))
                fill_questionnaire(survey, registry, record, rows["projects"], folder / f"{row['agency']}.xlsx")
        # read, checked, scored as a run does; the documents (written from these tables by
        # the same code whatever the format) are the other tests' concern
        result, _ = process_round(layout, survey.id, ROUND, run_date="2026-11-25")
        scores[fmt] = result.tables["scores"].sort_values(["entity_id", "dimension"]).reset_index(drop=True)
        assert len(result.responses.repeats["projects"]) == len(answers.repeats["projects"])
    pd.testing.assert_frame_equal(scores["kobo"], scores["odk"])
    pd.testing.assert_frame_equal(scores["kobo"], scores["questionnaires"])


def test_bad_input_stops_the_run_and_keeps_previous_outputs(tmp_path: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    layout = Layout(tmp_path)
    spec = survey.model.demo.rounds[0]
    folder = layout.raw(survey.id, ROUND)
    write_demo_round(survey, registry, spec, folder)
    first = run_round(layout, survey.id, ROUND, run_date="2026-11-25")
    report_bytes = (first.outputs / "report.docx").read_bytes()

    answers = demo_round_answers(survey, registry, spec)
    bad = answers.main.head(3).copy()
    bad["_submission_id"] = bad["_submission_id"] + ":late"
    bad.loc[bad.index[0], "engagement_final_disposal"] = "moderat"
    bad.loc[bad.index[1], "agency"] = "UNEPP"
    bad_file = folder / "late_answers.xlsx"
    write_kobo_xlsx(bad, {"projects": answers.repeats["projects"].iloc[0:0]}, survey, registry, bad_file)
    raw_before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    with pytest.raises(PipelineError) as info:
        run_round(layout, survey.id, ROUND, run_date="2026-11-25")
    messages = [str(i) for i in info.value.issues]
    assert any("moderat" in m and "moderate" in m and "late_answers.xlsx" in m for m in messages)
    assert any("UNEPP" in m and "UNEP" in m for m in messages)
    assert (first.outputs / "report.docx").read_bytes() == report_bytes
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == raw_before
    shutil.rmtree(folder)


def _docx_text(path: Path) -> str:
    document = Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_each_respondent_gets_a_profile_of_its_own_answers(demo_run, survey, registry) -> None:  # type: ignore[no-untyped-def]
    _layout, outcome = demo_run
    folder = outcome.outputs / "profiles"
    submissions = outcome.result.responses.submissions
    acronyms = registry.acronyms()
    assert sorted(p.stem for p in folder.glob("*.docx")) == sorted(
        acronyms[e] for e in submissions["entity_id"]
    )
    projects = outcome.result.responses.repeats["projects"]
    entity = str(projects["entity_id"].value_counts().index[0])  # the one with most projects
    row = submissions.set_index("entity_id").loc[entity]
    document = Document(str(folder / f"{acronyms[entity]}.docx"))
    tables = [[[c.text for c in r.cells] for r in t.rows] for t in document.tables]

    stages = next(t for t in tables if t[0][:2] == ["Area", "Level of your agency's engagement"])
    engagement = survey.choice_labels("engagement")
    labels = survey.dimension_labels("stage")
    expected = {labels[f.dimension]: engagement.get(str(row[f.name]), "") for f in survey.fields_of("engagement")}
    assert {r[0]: r[1] for r in stages[1:]} == expected
    answers = {r[0]: r[1] for t in tables if t[0] == ["Question", "Answer"] for r in t[1:]}
    topics = survey.choice_labels("topic")
    assert answers["Issue topics your agency works on"] == "; ".join(
        topics[t] for t in str(row["topics"]).split()
    )
    assert answers["Agencies you work with on e-waste"] == ", ".join(
        acronyms[e] for e in str(row["collaborators"]).split()
    )
    titles = next(t for t in tables if t[0][0] == "Project title")
    mine = projects.loc[projects["entity_id"] == entity, "project_title"].tolist()
    assert [r[0] for r in titles[1:]] == mine
    text = _docx_text(folder / f"{acronyms[entity]}.docx")
    assert "Please confirm or correct this profile by 16 December 2026" in text  # run + 21 days


def test_profiles_hold_no_personal_data(demo_run, survey, registry) -> None:  # type: ignore[no-untyped-def]
    _layout, outcome = demo_run
    answers = demo_round_answers(survey, registry, survey.model.demo.rounds[0])
    secrets = set(answers.main["focal_name"].dropna()) | set(answers.main["focal_email"].dropna())
    for path in (outcome.outputs / "profiles").glob("*.docx"):
        text = _docx_text(path)
        assert not [s for s in secrets if s in text], path.name
        assert "@" not in text, path.name


def test_slides_say_what_the_report_says_and_every_text_fits(demo_run, survey, registry) -> None:  # type: ignore[no-untyped-def]
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    from pipeline.report.slides import Box, fits

    _layout, outcome = demo_run
    deck = Presentation(str(outcome.outputs / "slides.pptx"))
    assert abs(deck.slide_width / deck.slide_height - 16 / 9) < 0.01
    report = _docx_text(outcome.outputs / "report.docx")
    answers = demo_round_answers(survey, registry, survey.model.demo.rounds[0])
    secrets = set(answers.main["focal_name"].dropna()) | set(answers.main["focal_email"].dropna())
    pictures, recommendations = [], []
    for slide in deck.slides:
        title = slide.shapes[0].text_frame.text
        for shape in slide.shapes:
            if shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
                pictures.append(shape._element.nvPicPr.cNvPr.get("descr"))
                assert title == shape._element.nvPicPr.cNvPr.get("title")  # the chart's finding
            if not shape.has_text_frame or not shape.text_frame.text.strip():
                continue
            runs = [r for p in shape.text_frame.paragraphs for r in p.runs]
            size = min(r.font.size.pt for r in runs)
            text = shape.text_frame.text
            box = Box(*(v / 914400 for v in (shape.left, shape.top, shape.width, shape.height)))
            assert size >= 12 and fits(text, size, box, bold=any(r.font.bold for r in runs)), text
            assert not [s for s in secrets if s in text]
            if title.startswith("Recommendations"):
                recommendations += [line[2:] for line in text.split("\n") if line.startswith("• ")]
    charts = sorted((outcome.outputs / "charts").glob("*.png"))
    assert len(pictures) == len(charts) and all(pictures)  # every chart, each with alt text
    assert recommendations and all(r in report for r in recommendations)  # the report's words


def test_a_round_of_many_respondents_gets_no_profiles_and_says_so(demo_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from pipeline.errors import IssueLog
    from pipeline.report.profiles import write_profiles
    from pipeline.spec import Survey

    _layout, outcome = demo_run
    result = outcome.result
    model = result.survey.model
    capped = model.model_copy(update={"report": model.report.model_copy(update={"profiles_max": 3})})
    small = dataclasses.replace(
        result, survey=Survey(capped, result.survey.path, result.survey.sha256), log=IssueLog()
    )
    assert write_profiles(small, tmp_path / "profiles") == []
    assert not (tmp_path / "profiles").exists()
    (info,) = [i for i in small.log.issues if i.code == "profiles-skipped"]
    assert f"{len(result.responses.submissions)} respondents, more than the 3" in info.message
