"""The SWFS synthesis draft of round 2026-R1, compared with the first round (2016-R1).

One module-scoped project: both demo rounds written (2016-R1 with the 2016.1 form,
2026-R1 with the current one), then ``run`` of 2026-R1, which compares with 2016-R1
automatically. The report's tables are read back from the .docx and checked against the
results workbook.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

from pipeline.demo import write_demo_round
from pipeline.manifest import is_up_to_date, read_manifest
from pipeline.numbers import format_number  # as the report rounds (halves up, like Excel)
from pipeline.paths import Layout
from pipeline.rounds import open_survey, process_round
from pipeline.run import RunOutcome, add_comparison, previous_round, run_fingerprint, run_round

pytestmark = pytest.mark.slow  # two whole runs of the SWFS survey

SURVEY = "swfs_synthesis"
RUN_DATE = "2026-11-25"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Layout, RunOutcome]:
    layout = Layout(tmp_path_factory.mktemp("swfs"))
    survey, registry = open_survey(layout, SURVEY)
    assert survey.model.demo is not None
    for spec in survey.model.demo.rounds:
        write_demo_round(survey.for_round(spec.id), registry, spec, layout.raw(SURVEY, spec.id))
    outcome = run_round(layout, SURVEY, "2026-R1", run_date=RUN_DATE)
    return layout, outcome


@pytest.fixture(scope="module")
def report(project: tuple[Layout, RunOutcome]):  # type: ignore[no-untyped-def]
    return Document(str(project[1].outputs / "report.docx"))


def _tables_by_caption(doc) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    """Every table of the document, keyed by the text of the caption just above it."""
    out: dict[str, pd.DataFrame] = {}
    caption = ""
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            if text.startswith("Table "):
                caption = re.sub(r"^Table \d+\. ", "", text)
        elif child.tag == qn("w:tbl"):
            rows = [
                ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))]
                for tr in child.iter(qn("w:tr"))
            ]
            out[caption] = pd.DataFrame(rows[1:], columns=rows[0])
            caption = ""
    return out


def _find(tables: dict[str, pd.DataFrame], start: str) -> pd.DataFrame:
    hits = [v for k, v in tables.items() if k.startswith(start)]
    assert len(hits) == 1, f"one table captioned '{start}...', found {len(hits)}: {list(tables)}"
    return hits[0]


def _all_text(doc) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(t.text or "" for t in doc.element.body.iter(qn("w:t")))


def test_run_compares_with_the_previous_round(project: tuple[Layout, RunOutcome]) -> None:
    layout, outcome = project
    assert outcome.status == "done" and outcome.result is not None
    assert previous_round(layout, SURVEY, "2026-R1") == "2016-R1"
    assert previous_round(layout, SURVEY, "2016-R1") is None
    stats = outcome.result.stats["comparison"]
    assert (stats["old_round"], stats["new_round"]) == ("2016-R1", "2026-R1")
    assert (stats["old_version"], stats["new_version"]) == ("2016.1", "2026.1")
    for name in ("score_change", "adoption_change", "movers", "network_change", "entity_pairing"):
        assert name in outcome.result.tables
    pairing = outcome.result.tables["entity_pairing"]["status"].value_counts()
    assert pairing["both"] == stats["n_both"] >= 14  # the demo's panel answers both rounds
    assert pairing["joined"] > 0 and pairing["left"] > 0
    manifest = read_manifest(outcome.outputs)
    assert manifest is not None and manifest["compared_with"]["round"] == "2016-R1"
    assert manifest["compared_with"]["compared"] is True
    assert {i["path"] for i in manifest["compared_with"]["inputs"]} == set(
        p.relative_to(layout.raw(SURVEY, "2016-R1")).as_posix()
        for p in layout.raw(SURVEY, "2016-R1").rglob("*")
        if p.is_file()
    )


def test_report_has_the_change_chapter_with_both_tests(report) -> None:  # type: ignore[no-untyped-def]
    headings = [(p.style.name, p.text) for p in report.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "Change since the previous round") in headings
    for sub in ("What could be compared", "Who answered both rounds", "Scores by area",
                "Yes/no answers", "Entities that moved most", "Collaboration network"):
        assert ("Heading 2", sub) in headings
    tables = _tables_by_caption(report)
    assert "Wilcoxon p" in _find(tables, "Change in mean score by area").columns
    assert "McNemar p" in _find(tables, "Yes/no answers of the entities").columns
    text = _all_text(report)
    assert "cannot be told from noise" in text
    assert "Not compared, because they are new or changed scope" in text
    areas = _find(tables, "Areas of the two forms")
    assert "Oceans and seas" in areas.iloc[:, 0].tolist()
    # an area only in the earlier form: no area of the new form, its earlier name given
    dropped = areas[areas["Earlier name"] == "Oceans, seas and freshwater"]
    assert dropped.iloc[:, 0].tolist() == ["–"] and dropped["Compared"].tolist() == ["No"]


def test_report_numbers_equal_the_workbook(project: tuple[Layout, RunOutcome], report) -> None:  # type: ignore[no-untyped-def]
    xlsx = project[1].outputs / "results.xlsx"
    tables = _tables_by_caption(report)

    sheet = pd.read_excel(xlsx, sheet_name="Change scores", engine="calamine")
    shown = _find(tables, "Change in mean score by area")
    assert len(shown) == len(sheet) > 0
    for (_, row), (_, cell) in zip(sheet.iterrows(), shown.iterrows(), strict=True):
        assert cell["Area"] == row["label"]
        assert int(cell["Pairs"]) == row["n_pairs"]
        assert cell["Mean 2016-R1"] == format_number(row["mean_old"], "score")
        assert cell["Mean 2026-R1"] == format_number(row["mean_new"], "score")
        assert cell["Change"] == format_number(row["mean_change"], "change")
        assert cell["Wilcoxon p"] == format_number(row["p_value"], "p")
        assert cell["Effect r"] == format_number(row["effect_size"], "change")
        assert cell["Told from noise"] == ("Yes" if row["distinguishable"] else "No")

    sheet = pd.read_excel(xlsx, sheet_name="Change yes-no", engine="calamine")
    shown = _find(tables, "Yes/no answers of the entities")
    assert len(shown) == len(sheet) > 0
    for (_, row), (_, cell) in zip(sheet.iterrows(), shown.iterrows(), strict=True):
        assert cell["Item"].lower() == str(row["label"]).lower()
        assert [int(cell[c]) for c in ("Pairs", "Yes 2016-R1", "Yes 2026-R1", "No → yes", "Yes → no")] == [
            row["n_pairs"], row["yes_old"], row["yes_new"], row["c"], row["b"]
        ]
        assert cell["McNemar p"] == format_number(row["p_value"], "p")
        assert cell["Told from noise"] == ("Yes" if row["distinguishable"] else "No")

    unreported = pd.read_excel(xlsx, sheet_name="SDG targets unreported", engine="calamine")
    text = _all_text(report)
    for label in unreported["label"]:
        assert label in text
    targets = pd.read_excel(xlsx, sheet_name="SDG targets", engine="calamine")
    per_target = _find(tables, "Environment-related SDG targets and the entities")
    assert per_target["Entities"].astype(int).tolist() == targets["n_entities"].tolist()


def test_sdg_heatmap_and_swfs_chapters(project: tuple[Layout, RunOutcome], report) -> None:  # type: ignore[no-untyped-def]
    charts = project[1].outputs / "charts"
    for chart in ("sdg_heatmap", "compare_scores", "compare_adoption", "network_change"):
        assert (charts / f"{chart}.png").stat().st_size > 10_000
        assert (charts / f"{chart}.svg").is_file()
    alts = [d.get("descr", "") for d in report.element.body.iter(qn("wp:docPr"))]
    assert any(a.startswith("Heat map of how many environment-related SDG targets") for a in alts)
    assert any(a.startswith("Dumbbell chart of the mean score") for a in alts)
    headings = [p.text for p in report.paragraphs if p.style.name == "Heading 1"]
    for chapter in (
        "Entities contributing in each area",
        "Contributions to the SDG targets",
        "Links between entities",
        "Internal sustainability management",
    ):
        assert chapter in headings
    order = [headings.index(h) for h in ("Findings by area", "Change since the previous round", "Recommendations")]
    assert order == sorted(order)
    management = _find(_tables_by_caption(report), "Internal sustainability management")
    assert {"Yes, in place", "Partly (some sites or operations)", "No", "Yes"} <= set(management["Answer"])


def test_the_ceb_took_note_it_did_not_adopt(report) -> None:  # type: ignore[no-untyped-def]
    text = _all_text(report)
    assert "took note of it on 27 April 2016" in text
    assert not re.search(r"\badopted\b", text, re.IGNORECASE)


def test_fingerprint_covers_the_previous_round(project: tuple[Layout, RunOutcome]) -> None:
    layout, outcome = project
    survey, _ = open_survey(layout, SURVEY, "2026-R1")
    assert run_round(layout, SURVEY, "2026-R1", run_date=RUN_DATE).status == "up-to-date"
    assert is_up_to_date(outcome.outputs, run_fingerprint(layout, survey, "2026-R1", RUN_DATE))
    extra = layout.raw(SURVEY, "2016-R1") / "late_answer.txt"
    extra.write_text("sent after the round closed\n", encoding="utf-8")
    try:
        stale = run_fingerprint(layout, survey, "2026-R1", RUN_DATE)
        assert not is_up_to_date(outcome.outputs, stale)
    finally:
        extra.unlink()
    manifest = json.loads((outcome.outputs / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["fingerprint"] == run_fingerprint(layout, survey, "2026-R1", RUN_DATE)


def test_errors_in_the_previous_round_skip_the_comparison(project: tuple[Layout, RunOutcome], tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    shutil.copytree(project[0].raw(SURVEY, "2026-R1"), layout.raw(SURVEY, "2026-R1"))
    broken = layout.raw(SURVEY, "2020-R1")
    broken.mkdir(parents=True)
    (broken / "notes.txt").write_text("not an export\n", encoding="utf-8")
    result, _ = process_round(layout, SURVEY, "2026-R1", run_date=RUN_DATE)
    assert add_comparison(result, layout) is None
    assert "comparison" not in result.stats and "score_change" not in result.tables
    skipped = [i for i in result.log.warnings if i.code == "comparison-skipped"]
    assert len(skipped) == 1
    assert "comparison skipped: round 2020-R1 has errors" in skipped[0].message
    assert skipped[0].file == f"data/raw/{SURVEY}/2020-R1"
