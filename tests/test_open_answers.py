"""Open answers: coded into declared themes (English and French), quoted only once approved."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from docx import Document

from pipeline.analyses.themes.compute import (
    code_open_answers,
    merge_decisions,
    text_key,
    theme_counts,
)
from pipeline.demo import write_demo_round
from pipeline.errors import SpecError
from pipeline.paths import Layout
from pipeline.rounds import excerpt_decisions_path
from pipeline.run import run_round
from pipeline.spec import load_survey


def _submissions(strengths: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"entity_id": [f"E{i}" for i in range(len(strengths))], "strengths": strengths},
        dtype="string",
    )


def test_answers_in_english_and_french_are_coded_alike(survey) -> None:  # type: ignore[no-untyped-def]
    coded = code_open_answers(
        _submissions(
            [
                "Field presence in many countries.",
                "Présence sur le terrain et partenariats solides.",
                "PRESENCE SUR LE TERRAIN",  # capitals, accents dropped
                "We answer quickly.",
                "",
            ]
        ),
        survey,
    )
    assert coded["themes"].tolist() == [
        "field_presence",
        "field_presence; convening",  # "partenariat*" matches "partenariats"
        "field_presence",
        "",  # no theme: listed for the analyst
    ]
    counts = theme_counts(coded, survey, {})
    first = counts.iloc[0]
    assert (first["theme_id"], first["n_entities"], first["entities"]) == ("field_presence", 3, "E0, E1, E2")
    assert counts.loc[counts["theme_id"] == "policy_standards", "n_entities"].item() == 0


def test_contact_details_in_answers_are_masked(survey) -> None:  # type: ignore[no-untyped-def]
    coded = code_open_answers(
        _submissions(["Ask Dr. Ana Ruiz (ana.ruiz@example.org, +41 22 917 8000) about our data."]),
        survey,
    )
    assert coded["text"].item() == "Ask [name] ([e-mail], [phone]) about our data."


def test_decisions_apply_to_the_text_they_were_taken_on(survey) -> None:  # type: ignore[no-untyped-def]
    coded = code_open_answers(_submissions(["Strong data.", "Field presence.", "Policy work.", "Convening."]), survey)
    ids = coded["answer_id"].tolist()
    decisions = pd.DataFrame(
        {
            "answer_id": ids[:3],
            "text_sha": [text_key("Strong  data.\n"), text_key("Field presence."), text_key("Old text.")],
            "include": ["yes", "no", "yes"],
        }
    )
    merged = merge_decisions(coded, decisions)
    assert merged["status"].tolist() == ["approved", "not approved", "changed since decided", "undecided"]
    assert merged["include"].tolist() == [True, False, pd.NA, pd.NA]


def test_themes_only_on_text_questions(tmp_path: Path, root: Path) -> None:
    text = (root / "surveys/ewaste_img/survey.yaml").read_text(encoding="utf-8")
    text = text.replace("    strengths:\n      - {id: field_presence", "    topics:\n      - {id: field_presence", 1)
    (tmp_path / "survey.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=r"open_answers\.themes\.topics: a select_multiple question"):
        load_survey(tmp_path / "survey.yaml")


@pytest.mark.slow
def test_report_quotes_only_approved_excerpts(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    layout = Layout(tmp_path)
    survey = load_survey(Path(__file__).parents[1] / "surveys/ewaste_img")
    spec = survey.model.demo.rounds[0]
    write_demo_round(survey, registry, spec, layout.raw(survey.id, spec.id))
    first = run_round(layout, survey.id, spec.id, run_date="2026-11-25")
    excerpts = first.outputs / "excerpts.xlsx"
    sheet = pd.read_excel(excerpts, sheet_name="Excerpts", dtype="string", engine="calamine")
    assert set(sheet["Status"]) == {"undecided"}
    report = "\n".join(p.text for p in Document(str(first.outputs / "report.docx")).paragraphs)
    assert not any(f"“{t}”" in report for t in sheet["Answer"].dropna())  # nothing quoted yet

    # the analyst saves a copy with decisions where the run reads them
    decisions = excerpt_decisions_path(layout, survey.id, spec.id)
    decisions.parent.mkdir(parents=True)
    shutil.copy(excerpts, decisions)
    wb = openpyxl.load_workbook(decisions)
    ws = wb["Excerpts"]
    header = [c.value for c in ws[1]]
    include = header.index("Include")
    ws.cell(row=2, column=include + 1, value="yes")
    ws.cell(row=3, column=include + 1, value="maybe")
    ws.cell(row=4, column=include + 1, value="no")
    wb.save(decisions)
    saved = decisions.read_bytes()

    second = run_round(layout, survey.id, spec.id, run_date="2026-11-25")  # not "up to date"
    assert second.status == "done"
    report = "\n".join(p.text for p in Document(str(second.outputs / "report.docx")).paragraphs)
    approved, maybe, refused = (str(sheet.loc[i, "Answer"]) for i in range(3))
    assert f"“{approved}” ({sheet.loc[0, 'Entity']})" in report
    assert f"“{maybe}”" not in report and f"“{refused}”" not in report
    warning = next(i for i in second.log.issues if i.code == "excerpts-include")
    assert (warning.row, warning.column, warning.sheet) == (3, "Include", "Excerpts")
    assert decisions.read_bytes() == saved  # the analyst's file is read, never written
    after = pd.read_excel(second.outputs / "excerpts.xlsx", sheet_name="Excerpts", dtype="string", engine="calamine")
    assert after["Status"].tolist()[:3] == ["approved", "undecided", "not approved"]


def test_theme_counts_are_compared_across_rounds_like_yes_no_answers(survey) -> None:  # type: ignore[no-untyped-def]
    from pipeline.analyses.compare.compute import _theme_items
    from pipeline.analyses.compare.tables import compare_adoption

    before = code_open_answers(_submissions(["Field presence.", "Strong data.", "Policy work."]), survey)
    after = code_open_answers(
        _submissions(["Our regional offices.", "Field presence and data.", "Country offices too."]), survey
    )
    old, _ = _theme_items(before, survey)
    new, labels = _theme_items(after, survey)
    change = compare_adoption(old, new, ["E0", "E1", "E2"], labels).set_index("item")
    field = change.loc["theme:strengths:field_presence"]
    assert (field["yes_old"], field["yes_new"], field["b"], field["c"]) == (1, 3, 0, 2)
    assert field["label"] == "Your agency's main strengths on e-waste: Field and country presence (theme)"
    assert change.loc["theme:strengths:policy_standards", "b"] == 1  # E2 no longer raises it
