"""The reader's checks of tests/report_reading.py catch what they are for, on small
documents written with the report kit (the demo reports of every survey are checked in
tests/test_every_survey.py)."""

from __future__ import annotations

from pathlib import Path

import docx
import pandas as pd
from report_reading import (
    NAMED_FIGURES,
    blocks,
    breakable_names,
    capped_notes,
    change_rows,
    named_figures,
    picture_texts,
    raw_identifiers,
    repeated_sentences,
    repeated_tables,
    survey_identifiers,
    table_after,
    toc_and_headings,
    unnamed_workbook_references,
)

from pipeline import numbers
from pipeline.report.context import capped
from pipeline.report.document import ReportDocument


def write(path: Path, build) -> Path:  # type: ignore[no-untyped-def]
    doc = ReportDocument()
    doc.toc()
    build(doc)
    return doc.save(path)


def test_survey_identifiers_are_the_machine_names_only(survey, registry) -> None:  # type: ignore[no-untyped-def]
    names = survey_identifiers(survey, registry)
    assert {"raw_materials", "UNHABITAT"} <= names  # a dimension item id, an entity id
    assert "engagement" not in names  # a plain word is not forbidden
    assert "UNEP" not in names  # an entity id that is its acronym


def test_raw_identifiers_are_found_outside_the_quoting_sections(tmp_path: Path) -> None:
    def build(doc: ReportDocument) -> None:
        doc.heading("Findings", 1)
        doc.paragraph("Compared through the mapping none -> no; see env_strategy.")
        doc.paragraph("UNHABITAT leads; file swfs_kobo_export.xlsx was read.")
        doc.table(pd.DataFrame({"Question": ["t2_4"], "n": [3]}), "Questions")
        doc.heading("Annex C. Data-quality log", 1)
        doc.paragraph("Column env_strategy of sheet raw_data.")

    items = blocks(write(tmp_path / "r.docx", build))
    hits = {token for token, _ in raw_identifiers(items, {"UNHABITAT"})}
    assert hits == {"none -> no", "env_strategy", "UNHABITAT", "t2_4"}


def test_sentences_said_three_times_are_found(tmp_path: Path) -> None:
    def build(doc: ReportDocument) -> None:
        doc.heading("Findings", 1)
        for area in ("Land", "Water", "Air"):
            doc.heading(area, 2)
            doc.paragraph(f"{area} has five entities. Status: not a gap against the thresholds.")
            doc.paragraph("Applies to: programmes, projects")  # a label and value, not a sentence
        doc.paragraph("Said twice is fine here. Said twice is fine here.")

    items = blocks(write(tmp_path / "r.docx", build))
    assert repeated_sentences(items) == {"Status: not a gap against the thresholds.": 3}


def test_contents_are_compared_with_the_headings(tmp_path: Path) -> None:
    def build(doc: ReportDocument) -> None:
        doc.heading("Executive summary", 1)
        doc.heading("Methodology", 1)
        doc.heading("Who was asked", 2)
        doc.heading("A detail", 3)

    toc, headings = toc_and_headings(write(tmp_path / "r.docx", build))
    assert toc == headings == ["Executive summary", "Methodology", "Who was asked"]
    empty = ReportDocument()
    empty.heading("No contents", 1)
    assert toc_and_headings(empty.save(tmp_path / "none.docx")) == ([], ["No contents"])


def test_a_cut_table_is_found_with_its_note(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Project": [f"P{i}" for i in range(30)], "Budget": range(30)})
    shown, note = capped(frame, 25, "projects", table="projects", by="largest budget first")
    assert note == (
        "The first 25 of 30 projects (largest budget first) are shown; all 30 are in "
        "results.xlsx, sheet 'Projects'."
    )

    def build(doc: ReportDocument) -> None:
        doc.heading("Projects", 1)
        doc.table(shown, "Projects", note=note)

    items = blocks(write(tmp_path / "r.docx", build))
    [(n_shown, total, what, found)] = capped_notes(items)
    assert (n_shown, total, found) == (25, 30, note) and what.startswith("projects")
    assert table_after(items, note) == 0


def test_a_hyphenated_acronym_name_never_breaks_at_its_hyphen(tmp_path: Path) -> None:
    def build(doc: ReportDocument) -> None:
        doc.heading("UN-Habitat and UN-Water", 1)
        doc.paragraph("Led by UN-Habitat; a well-known, ESS-related COVID-19 note.")
        doc.table(pd.DataFrame({"Entity": ["UN-Habitat"], "n": [1]}), "Leads")

    path = write(tmp_path / "r.docx", build)
    assert breakable_names(path) == []
    assert [b.text for b in blocks(path) if "Habitat" in b.text] == [
        "UN-Habitat and UN-Water",  # the contents' entry
        "UN-Habitat and UN-Water",
        "Led by UN-Habitat; a well-known, ESS-related COVID-19 note.",
        "UN-Habitat",
    ]
    plain = tmp_path / "plain.docx"
    raw = docx.Document()
    raw.add_paragraph("UN-Habitat leads.")
    raw.save(str(plain))
    assert breakable_names(plain) == ["UN-Habitat"]


def test_a_table_already_shown_is_referred_to_not_repeated(tmp_path: Path) -> None:
    counts = pd.DataFrame({"Block": ["A", "B", "C"], "Planned": [1, 2, 3], "Done": [4, 5, 6]})

    def build(doc: ReportDocument) -> None:
        doc.heading("Maturity", 1)
        doc.table(counts.assign(Mean=[0.5, 0.25, 0.75]), "Maturity by block")
        assert doc.earlier_table(counts.assign(n=[5, 7, 9])) == 1  # all but one column
        assert doc.earlier_table(counts.assign(Done=[4, 5, 7])) is None
        doc.table(counts.assign(n=[5, 7, 9]), "Answers by block")  # printed anyway: found

    assert repeated_tables(write(tmp_path / "r.docx", build)) == [(0, 1)]


def test_a_pointer_to_the_workbook_names_its_sheet(tmp_path: Path) -> None:
    def build(doc: ReportDocument) -> None:
        doc.heading("Projects", 1)
        doc.paragraph("The 15 named most often (all in results.xlsx). The full list is in the workbook.")
        doc.paragraph("All 46 are in results.xlsx, sheet 'Projects'. See the Gaps sheet of the workbook.")
        doc.paragraph("Their hashes are in the run's manifest.json.")

    items = blocks(write(tmp_path / "r.docx", build))
    assert unnamed_workbook_references(items) == [
        "The 15 named most often (all in results.xlsx).",
        "The full list is in the workbook.",
    ]


def test_a_figure_given_beside_its_name_is_read_against_the_workbook(tmp_path: Path) -> None:
    """A chart's title and alt text and a sentence are read for figures named beside what
    they are about; each is compared with the sheet's value as the workbook shows it."""
    from PIL import Image

    png = tmp_path / "chart.png"
    Image.new("RGB", (40, 20), "white").save(png)

    def build(doc: ReportDocument) -> None:
        doc.heading("Findings", 1)
        doc.figure(
            png, caption="Mean score by area.", title="Land has the lowest mean score (0.62)",
            alt_text="Land has the lowest mean score (0.62) and Climate change the highest (0.73).",
        )  # fmt: skip
        doc.paragraph("Of the 2 options ranked, Webinars comes first (mean rank 2.0), followed by Database (2.27).")
        doc.paragraph("Wetland has the lowest mean score (0.10).")  # not a name of the sheet

    path = write(tmp_path / "r.docx", build)
    texts = picture_texts(path) + [b.text for b in blocks(path) if not b.in_table]
    assert "Land has the lowest mean score (0.62)" in texts
    sheets = {
        "Coverage": [{"label": "Land", "mean_score": 0.625, "n_engaged": 3}, {"label": "Climate change", "mean_score": 0.73}],
        "Ranking": [{"label": "Webinars", "mean_rank": 1.95}, {"label": "Database", "mean_rank": 2.27}],
    }
    said = [
        (name, column, text, numbers.format_number(value, figure.kinds[column]))
        for figure in NAMED_FIGURES
        for name, column, text, value in named_figures(texts, figure, sheets.get(figure.sheet, []))
    ]
    assert sorted(said) == sorted([
        ("Land", "mean_score", "0.62", "0.63"), ("Land", "mean_score", "0.62", "0.63"),
        ("Climate change", "mean_score", "0.73", "0.73"),
        ("Webinars", "mean_rank", "2.0", "1.95"), ("Database", "mean_rank", "2.27", "2.27"),
    ])  # fmt: skip


def test_the_rows_of_a_change_table_are_read_as_printed(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"Area": ["Land", "Water"], "Pairs": [22, 22], "Mean 2016-R1": [0.625, 0.3], "Mean 2026-R1": [0.2449, 0.3],
         "Change": [-0.37, 0.0]}
    )  # fmt: skip

    def build(doc: ReportDocument) -> None:
        doc.heading("Change", 1)
        doc.table(frame, "Change in mean score", formats=dict.fromkeys(["Mean 2016-R1", "Mean 2026-R1"], "score") | {"Change": "change"})
        doc.table(pd.DataFrame({"Area": ["Land"], "Change": [1]}), "Not a table of means")

    rows = change_rows(write(tmp_path / "r.docx", build))
    assert rows == [("Land", "0.63", "-0.37", "0.24"), ("Water", "0.30", "0.00", "0.30")]  # the first does not add up
