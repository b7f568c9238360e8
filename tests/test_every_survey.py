"""Every folder of surveys/ end to end: load -> form -> pyxform -> demo round -> run ->
report; and no report speaks another survey's vocabulary.

Each survey declares the words that belong to it alone (``report.own_terms``); a sentence,
caption or table cell of one survey's report that carries a term of another survey is a
leak of survey-specific wording into the shared code, and fails the test. A new survey
folder is picked up without touching this file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from pipeline.cli import main
from pipeline.forms import write_questionnaire, write_xlsform
from pipeline.paths import CHART_CACHE_ENV
from pipeline.registry import load_registry
from pipeline.report.text_check import checking
from pipeline.spec import load_survey

pytestmark = pytest.mark.slow  # one whole demo run per survey

ROOT = Path(__file__).resolve().parents[1]
SURVEY_IDS = sorted(p.parent.name for p in (ROOT / "surveys").glob("*/survey.yaml"))
OWN_TERMS = {s: load_survey(ROOT / "surveys" / s).model.report.own_terms for s in SURVEY_IDS}


def test_there_are_at_least_four_surveys_and_each_declares_its_own_terms() -> None:
    assert len(SURVEY_IDS) >= 4
    assert "csr_reporting" in SURVEY_IDS
    for survey_id, terms in OWN_TERMS.items():
        assert terms, f"{survey_id}: report.own_terms is empty"


def report_lines(path: Path) -> list[str]:
    """Every paragraph, heading, caption and table cell of a .docx, one string each."""
    doc = Document(str(path))
    lines = [p.text for p in doc.paragraphs if p.text.strip()]
    for table in doc.tables:
        for row in table.rows:
            lines += [c.text for c in row.cells if c.text.strip()]
    return lines


def foreign_terms(lines: list[str], survey_id: str) -> list[tuple[str, str, str]]:
    """(other survey, term, line) for each line carrying another survey's own term."""
    hits = []
    for other, terms in OWN_TERMS.items():
        if other == survey_id:
            continue
        for term in terms:
            pattern = re.compile(rf"\b{re.escape(term)}\b", re.IGNORECASE)
            hits += [(other, term, line) for line in lines if pattern.search(line)]
    return hits


def test_the_vocabulary_check_catches_a_leak() -> None:
    lines = ["Five agencies engage in this life-cycle stage.", "Nothing else."]
    assert foreign_terms(lines, "csr_reporting") == [
        ("ewaste_img", "life-cycle", "Five agencies engage in this life-cycle stage.")
    ]
    assert foreign_terms(lines, "ewaste_img") == []


@pytest.mark.parametrize("survey_id", SURVEY_IDS)
def test_survey_runs_end_to_end_in_its_own_words(
    survey_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    survey = load_survey(ROOT / "surveys" / survey_id)
    registry = load_registry(ROOT / "data" / "reference" / "entities.csv")

    # the form converts the way KoboToolbox / ODK will convert it
    xlsform = write_xlsform(survey, registry, tmp_path / "forms" / f"{survey_id}.xlsx")
    warnings: list[str] = []
    xform = convert(xlsform=str(xlsform), warnings=warnings).xform
    assert f'id="{survey_id}"' in xform
    offline = write_questionnaire(survey, registry, tmp_path / "forms" / "questionnaire.xlsx")
    assert load_workbook(offline, read_only=True).sheetnames

    # every demo round written and run (and compared with the one before)
    assert survey.model.demo is not None, f"{survey_id} declares no demo round"
    root = tmp_path / "project"
    monkeypatch.setenv(CHART_CACHE_ENV, str(tmp_path / "own-chart-cache"))  # all drawn, all checked
    with checking() as chart_problems:
        code = main(["demo", "--root", str(root), "--survey", survey_id, "--quiet"])
    assert code == 0, capsys.readouterr().err
    # no chart text overlaps other text or runs off the figure (matplotlib's own extents)
    assert chart_problems == [], "\n".join(chart_problems)
    for spec in survey.model.demo.rounds:
        out = root / "outputs" / survey_id / spec.id
        assert (out / "results.xlsx").is_file() and (out / "manifest.json").is_file()
        lines = report_lines(out / "report.docx")
        assert any(survey.title in line for line in lines)
        leaks = foreign_terms(lines, survey_id)
        assert leaks == [], "\n".join(f"{o}: '{t}' in: {line[:160]}" for o, t, line in leaks)
