"""The reader's checks of tests/report_reading.py catch what they are for, on small
documents written with the report kit (the demo reports of every survey are checked in
tests/test_every_survey.py)."""

from __future__ import annotations

from pathlib import Path

import docx
import pandas as pd
from report_reading import (
    blocks,
    breakable_names,
    capped_notes,
    raw_identifiers,
    repeated_sentences,
    repeated_tables,
    survey_identifiers,
    table_after,
    toc_and_headings,
    unnamed_workbook_references,
)

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
