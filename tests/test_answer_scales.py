"""Answer scales are first-class: a survey whose coverage question is yes/no is reported
in yes/no terms (no four-level wording, no "strong" column, no duplication pairs)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from docx import Document

from pipeline.cli import main
from pipeline.wording import agree, fewer_than

ROOT = Path(__file__).resolve().parents[1]


def test_agreement_and_thresholds_in_words() -> None:
    verb = ("engages in", "engage in")
    assert agree(1, "entity", "entities", verb, of=18) == "one of the 18 entities engages in"
    assert agree(0, "entity", "entities", verb, of=18) == "none of the 18 entities engages in"
    assert agree(5, "entity", "entities", verb, of=18) == "five of the 18 entities engage in"
    assert agree(0, "agency", "agencies") == "no agency"
    assert agree(1, "agency", "agencies", ("uses", "use")) == "one agency uses"
    assert agree(12, "agency", "agencies", ("uses", "use")) == "12 agencies use"
    assert fewer_than(1, "entity", "entities", ("works on", "work on")) == "no entity works on"
    assert fewer_than(3, "entity", "entities") == "fewer than 3 entities"


@pytest.fixture(scope="module")
def yes_no_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The e-waste survey with its engagement scale made yes/no, run on a demo round."""
    root = tmp_path_factory.mktemp("yesno")
    shutil.copytree(ROOT / "data" / "reference", root / "data" / "reference")
    spec = yaml.safe_load((ROOT / "surveys" / "ewaste_img" / "survey.yaml").read_text())
    spec["id"] = "yes_no_check"
    spec.pop("translations", None)  # the French labels are of the four-level scale
    spec["choices"]["engagement"] = [
        {"name": "no", "label": "No", "score": 0},
        {"name": "yes", "label": "Yes", "score": 1},
    ]
    for section in spec["sections"]:
        for q in section["questions"]:
            if q.get("skip_if", {}).get("question") == "engagement":
                q["skip_if"]["equals"] = "no"
    spec["scoring"]["components"] = [{"question": "engagement", "weight": 1, "method": "choice_score"}]
    spec["scoring"]["rule"] = "score = 1 when the agency works in the stage, else 0"
    spec["coverage"].update(engaged_at_least="yes", strong="yes")
    folder = root / "surveys" / "yes_no_check"
    folder.mkdir(parents=True)
    (folder / "survey.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    assert main(["demo", "--root", str(root), "--quiet"]) == 0
    return root / "outputs" / "yes_no_check" / "2026-R1"


@pytest.mark.slow
def test_yes_no_scale_is_reported_in_its_own_terms(yes_no_run: Path) -> None:
    doc = Document(str(yes_no_run / "report.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "at least at the yes level" not in text
    assert "at the yes level" not in text
    assert "(answer 'yes')" in text
    assert "counts as engaged in a life-cycle stage when it answers 'yes'." in text
    assert "as strong when" not in text
    coverage = next(t for t in doc.tables if t.rows[0].cells[0].text == "Life-cycle stage")
    headers = [c.text for c in coverage.rows[0].cells]
    assert "Engaged" in headers and "Strong" not in headers


@pytest.mark.slow
def test_yes_no_scale_gives_no_duplication_pairs(yes_no_run: Path) -> None:
    sheets = pd.read_excel(yes_no_run / "results.xlsx", sheet_name=None, header=None, engine="openpyxl")
    gaps = sheets["Gaps"].astype(str).to_string()
    assert "at yes level" not in gaps  # no second reason restating the first
    if "Pairs" in sheets:
        assert "overlap" not in sheets["Pairs"].astype(str).to_string()
    doc = Document(str(yes_no_run / "report.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "possible duplication" not in text.lower()


def test_articles_follow_how_a_word_is_said() -> None:
    from pipeline.wording import article

    assert article("agency") == "an agency"
    assert article("life-cycle stage") == "a life-cycle stage"
    assert article("SDG target") == "an SDG target"
    assert article("UN body") == "a UN body"


def test_labels_inside_a_sentence_keep_names_capitalised() -> None:
    from pipeline.wording import inline

    assert inline("Moderate") == "moderate"
    assert inline("Own measurement") == "own measurement"
    assert inline("Sound management of e-waste") == "sound management of e-waste"
    assert inline("Greening the Blue") == "Greening the Blue"
    assert inline("Global Reporting Initiative") == "Global Reporting Initiative"
    assert inline("UN Sustainability Strategy") == "UN Sustainability Strategy"
