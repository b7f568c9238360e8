"""The ESS safeguards comparison end to end: the demo round gives a comparative report,
a workbook and charts that agree with each other."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from openpyxl import load_workbook

from pipeline.analyses.benchmark.scale import coverage_scale
from pipeline.demo import write_demo_round
from pipeline.paths import Layout
from pipeline.registry import Registry
from pipeline.run import RunOutcome, run_round
from pipeline.spec import Survey, load_survey

pytestmark = pytest.mark.slow  # a whole run of the ESS benchmark survey

SURVEY = "ess_safeguards"
ROUND = "2026-R1"
CHARTS = {"adoption", "benchmark", "clusters", "maturity", "sensitivity", "response"}


@pytest.fixture(scope="module")
def ess(root: Path) -> Survey:
    return load_survey(root / "surveys" / SURVEY)


@pytest.fixture(scope="module")
def ess_run(tmp_path_factory: pytest.TempPathFactory, ess: Survey, registry: Registry) -> RunOutcome:
    layout = Layout(tmp_path_factory.mktemp("ess"))
    spec = ess.model.demo.rounds[0]
    write_demo_round(ess, registry, spec, layout.raw(SURVEY, spec.id))
    return run_round(layout, SURVEY, spec.id, run_date="2026-11-25")


@pytest.fixture(scope="module")
def report(ess_run: RunOutcome) -> Document:
    return Document(str(ess_run.outputs / "report.docx"))


def _captioned_tables(doc: Document) -> list[tuple[str, Table]]:
    """Every table with the text of the caption paragraph just before it."""
    out: list[tuple[str, Table]] = []
    last_text = ""
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t"))).strip()
            if text:
                last_text = text
        elif child.tag == qn("w:tbl"):
            out.append((last_text, Table(child, doc)))
    return out


def _rows(table: Table) -> list[list[str]]:
    return [[c.text.strip() for c in row.cells] for row in table.rows]


def _tables_titled(doc: Document, words: str) -> list[list[list[str]]]:
    return [_rows(t) for caption, t in _captioned_tables(doc) if words in caption]


def _headings(doc: Document, style: str) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == style]


def test_run_is_clean_and_writes_the_benchmark_charts(ess_run: RunOutcome) -> None:
    assert ess_run.status == "done"
    assert ess_run.log.counts()["error"] == 0
    assert not [i for i in ess_run.log.issues if i.code == "chart-skipped"]
    charts = ess_run.outputs / "charts"
    pngs = {p.stem for p in charts.glob("*.png")}
    svgs = {p.stem for p in charts.glob("*.svg")}
    assert pngs == svgs == CHARTS  # the generic score charts give way to the benchmark ones
    for name in CHARTS:
        assert (charts / f"{name}.png").stat().st_size > 20_000
        assert (charts / f"{name}.svg").read_text(encoding="utf-8").startswith("<?xml")


def test_documentation_warnings_are_logged_once(ess_run: RunOutcome) -> None:
    undocumented = [i for i in ess_run.log.issues if i.code == "requirement-undocumented"]
    assert undocumented, "the demo leaves some mandatory answers without a document"
    keys = [(i.entity, i.column) for i in undocumented]
    assert len(keys) == len(set(keys))
    assert all(i.row is not None and i.file for i in undocumented)
    assert ess_run.result.stats["n_undocumented"] == len(undocumented)


def test_three_tiers_in_the_demo(ess_run: RunOutcome) -> None:
    stats = ess_run.result.stats
    assert stats["n_core"] > 0 and stats["n_within_reach"] > 0 and stats["n_aspirational"] > 0
    assert stats["n_core"] + stats["n_within_reach"] + stats["n_aspirational"] == 22


def test_matrix_in_workbook_and_report_agree_cell_for_cell(
    ess_run: RunOutcome, report: Document, ess: Survey
) -> None:
    wb = load_workbook(ess_run.outputs / "results.xlsx", read_only=True)
    assert "Comparison matrix" in wb.sheetnames
    rows = list(wb["Comparison matrix"].iter_rows(values_only=True))
    sheet = pd.DataFrame(rows[1:], columns=rows[0]).set_index("acronym")
    code_of = {s.label: s.code for s in coverage_scale(ess)}
    expected = sheet.apply(lambda col: col.map(lambda v: code_of.get(v, "") if v else ""))

    tables = _tables_titled(report, "Comparison matrix")
    assert len(tables) == 2  # 16 agencies in tables of at most 10
    seen: dict[tuple[str, str], str] = {}
    for table in tables:
        header = table[0]
        assert header[0] == "Requirement" and header[-1] == "Mandatory in"
        agencies = header[1:-1]
        assert len(agencies) <= 10
        for row in table[1:]:
            if not any(row[1:]):  # a group row: Guiding principles, ...
                continue
            for agency, cell in zip(agencies, row[1:-1], strict=True):
                seen[(row[0], agency)] = cell
    assert {a for _, a in seen} == set(sheet.index)
    assert {r for r, _ in seen} == set(sheet.columns)
    for (requirement, agency), cell in seen.items():
        assert cell == expected.at[agency, requirement], (agency, requirement)
    # agencies in the report in the dendrogram order of the workbook
    order = [a for t in tables for a in t[0][1:-1]]
    assert order == list(sheet.index) == ess_run.result.stats["cluster_leaf_order"]


def test_matrix_sits_in_a_landscape_section(report: Document) -> None:
    body = list(report.element.body.iterchildren())
    first_matrix = next(
        i for i, el in enumerate(body)
        if el.tag == qn("w:p") and "Comparison matrix" in "".join(t.text or "" for t in el.iter(qn("w:t")))
    )
    # the section a paragraph belongs to is closed by the next sectPr after it
    for el in body[first_matrix:]:
        sect = el.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") if el.tag == qn("w:p") else None
        if el.tag == qn("w:sectPr"):
            sect = el
        if sect is not None:
            size = sect.find(qn("w:pgSz"))
            assert int(size.get(qn("w:w"))) > int(size.get(qn("w:h")))
            break
    else:
        pytest.fail("no section break after the matrix")


def test_minimum_requirements_and_sensitivity_tables(ess_run: RunOutcome, report: Document) -> None:
    minimum = ess_run.result.tables["minimum_requirements"]
    (tiers,) = _tables_titled(report, "Tiers of the requirements")
    assert tiers[0][:2] == ["Tier", "Requirement"]
    body = tiers[1:]
    assert [r[1] for r in body] == minimum["label"].tolist()
    assert [r[0].lower() for r in body] == minimum["tier"].str.replace("_", " ").tolist()

    sens = ess_run.result.tables["sensitivity"]
    (table,) = _tables_titled(report, "by consensus threshold")
    assert [int(r[1]) for r in table[1:]] == sens["n_core"].tolist()
    declared = [r[0] for r in table[1:] if "declared" in r[0]]
    assert declared == ["60% (declared)"]

    (adopt,) = _tables_titled(report, "does not yet make mandatory")
    assert len(adopt) - 1 == ess_run.result.stats["n_compared"]


def test_dendrogram_figure_has_alt_text(report: Document, ess_run: RunOutcome) -> None:
    pictures = {
        el.get("title"): el.get("descr") for el in report.element.body.iter(qn("wp:docPr"))
    }
    alt = next(a for a in pictures.values() if a.startswith("Clustered heat map"))
    assert "dendrogram" in alt and "Group 1" in alt and "group 2" in alt and "mandatory" in alt
    assert all(descr for descr in pictures.values())
    # the chart titles state their findings, with the numbers of the run's tables
    stats, spec = ess_run.result.stats, ess_run.result.survey.model.requirements
    shares = ess_run.result.tables["adoption"]["share_mandatory"].astype(float)
    n_core = int((shares >= spec.consensus_share - 1e-9).sum())
    assert (
        f"{n_core} of {len(shares)} requirements reach the consensus share of "
        f"{100 * spec.consensus_share:.0f}%"
    ) in pictures
    tables = ess_run.result.tables
    n_groups = tables["clusters"]["cluster"].nunique()
    driver = str(tables["cluster_drivers"].iloc[0]["label"])
    assert f"{driver[:1].upper()}{driver[1:]} separates the {n_groups} groups of agencies most" in pictures
    sens = tables["sensitivity"]
    assert f"The core shrinks from {sens['n_core'].iloc[0]} requirements at " in " ".join(pictures)
    assert stats["n_core"] > 0


def test_every_agency_has_a_profile(ess_run: RunOutcome, report: Document) -> None:
    profiles = _headings(report, "Heading 3")
    acronyms = ess_run.result.tables["benchmark"]["acronym"].tolist()
    for acronym in acronyms:
        assert any(h.split(" – ")[0] == acronym for h in profiles), acronym
    text = "\n".join(p.text for p in report.paragraphs)
    assert text.count("Safeguards system:") == len(acronyms)
    # free-text answers that could hold names are not reproduced
    subs = ess_run.result.responses.submissions
    for column in ("strengths", "challenges"):
        for value in subs[column].dropna():
            assert str(value) not in text


def test_workbook_sheets(ess_run: RunOutcome) -> None:
    wb = load_workbook(ess_run.outputs / "results.xlsx", read_only=True)
    assert {
        "Comparison matrix", "Adoption", "Benchmark", "Minimum requirements", "Sensitivity",
        "To adopt", "Maturity", "Clusters", "Cluster drivers", "Data quality",
    } <= set(wb.sheetnames)
    assert wb.sheetnames.index("Comparison matrix") == 1  # right after the README


def test_report_chapters(report: Document) -> None:
    chapters = _headings(report, "Heading 1")
    for name in (
        "Executive summary",
        "Comparison of the safeguards systems",
        "Adoption of each requirement",
        "Proposed common minimum requirements",
        "Groups of similar agencies",
        "Building blocks",
        "Recommendations",
        "Annex B. Agency profiles",
        "Annex C. Data-quality log",
    ):
        assert name in chapters, name
    assert "Findings by requirement" not in chapters  # the comparative chapters replace it


def test_recommendations_drafted_from_rules(ess_run: RunOutcome, report: Document) -> None:
    items = [p.text for p in report.paragraphs if p.style.name == "List Number"]
    minimum = ess_run.result.tables["minimum_requirements"]
    n_core = int((minimum["tier"] == "core").sum())
    assert items[0].startswith(f"Agree the {n_core} core requirements as the proposed common minimum.")
    reach = minimum[minimum["tier"] == "within_reach"]
    # more than two within reach: one action, a line per requirement (no paragraph each)
    (item,) = [i for i in items if i.startswith(f"Bring the {len(reach)} requirements within reach")]
    for row in reach.to_dict("records"):
        label = row["label"][0].lower() + row["label"][1:]
        need = int(row["n_more_for_core"])
        assert f"{label}: {need} more (now {row['n_mandatory']} of {row['n_answered']})" in item
    assert any(i.startswith("Ask for the document behind every 'mandatory' answer.") for i in items)


def test_the_core_is_listed_once_and_referred_to(ess_run: RunOutcome, report: Document) -> None:
    """The requirements of each tier are named in one place, the chapter's table of the
    tiers; the executive summary and the chapter count them and point there."""
    minimum = ess_run.result.tables["minimum_requirements"]
    core = minimum.loc[minimum["tier"] == "core", "label"].astype(str).tolist()
    assert len(core) > 3
    (tiers,) = _tables_titled(report, "Tiers of the requirements")
    assert sorted(row[1] for row in tiers[1:] if row[0] == "Core") == sorted(core)
    counted = [p.text for p in report.paragraphs if p.text.startswith("At the declared consensus share of")]
    n = {t: int((minimum["tier"] == t).sum()) for t in ("core", "within_reach", "aspirational")}
    assert len(counted) == 2, counted
    assert all(
        f"{n['core']} requirements are already mandatory" in text
        and f"{n['within_reach']} more are within reach" in text
        and f"{n['aspirational']} remain aspirational" in text
        for text in counted
    ), counted
    assert "(the chapter “Proposed common minimum requirements” lists them by tier)" in counted[0]
    assert "(the table below lists them by tier)" in counted[1]
    # no paragraph of the chapters lists the core in prose (an agency's profile in the
    # annex may name all it has still to adopt)
    lowered = [c[0].lower() + c[1:] for c in core]
    for p in report.paragraphs:
        if p.style.name == "Heading 1" and p.text.startswith("Annex"):
            break
        named = [c for c, low in zip(core, lowered, strict=True) if c in p.text or low in p.text]
        assert len(named) < len(core), p.text[:200]


def test_the_sensitivity_sentence_counts_and_leaves_the_names_to_the_table() -> None:
    from pipeline.analyses.benchmark.words import sensitivity_sentence

    sens = pd.DataFrame(
        {
            "threshold": [0.5, 0.6, 0.7],
            "n_core": [3, 2, 1],
            "declared": [False, True, False],
            "core": ["Access; Labour; Water", "Access; Labour", "Access"],
            "left_core": ["", "Water", "Labour"],
        }
    )
    text = sensitivity_sentence(sens, "the chapter “Core”")
    assert text == (
        "The core depends on the threshold: it holds 3 requirements at 50% and 1 at 70%. "
        "From the proposed 60%, raising it to 70% would drop 1 requirement and lowering it to "
        "50% would add 1 (the chapter “Core” names them)."
    )
    assert "Labour" not in text and "Water" not in text  # named once, in the table
