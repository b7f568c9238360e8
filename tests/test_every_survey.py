"""Every folder of surveys/ end to end: load -> form -> pyxform -> demo round -> run ->
report; and no report speaks another survey's vocabulary.

Each survey declares the words that belong to it alone (``report.own_terms``); a sentence,
caption or table cell of one survey's report that carries a term of another survey is a
leak of survey-specific wording into the shared code, and fails the test. A new survey
folder is picked up without touching this file.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from contextlib import redirect_stderr
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from pyxform.xls2xform import convert
from report_reading import (
    NAMED_FIGURES,
    blocks,
    breakable_names,
    capped_notes,
    change_rows,
    long_tables_kept_whole,
    named_figures,
    near_empty_pages,
    picture_texts,
    raw_identifiers,
    repeated_sentences,
    repeated_tables,
    survey_identifiers,
    table_after,
    tables,
    toc_and_headings,
    unnamed_workbook_references,
)

from pipeline import numbers
from pipeline.cli import main
from pipeline.errors import IssueLog
from pipeline.forms import write_questionnaire
from pipeline.paths import CHART_CACHE_ENV
from pipeline.registry import Registry, load_registry
from pipeline.report.office import find_office, finish_documents
from pipeline.report.text_check import checking
from pipeline.spec import CHAPTERS, Survey, load_survey
from pipeline.xlsform import write_xlsform

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


@dataclass
class Demo:
    """One survey's demo, written and run once for every test of this module."""

    survey: Survey
    registry: Registry
    root: Path
    code: int
    err: str
    chart_problems: list[str]

    @property
    def rounds(self) -> list[str]:
        return [spec.id for spec in self.survey.model.demo.rounds] if self.survey.model.demo else []

    def out(self, round_id: str) -> Path:
        return self.root / "outputs" / self.survey.id / round_id

    def comparison(self) -> Path | None:
        rounds = self.rounds
        if len(rounds) < 2:
            return None
        return self.out(f"{rounds[-1]}-vs-{rounds[-2]}") / "comparison.docx"

    def documents(self) -> list[Path]:
        """Every round report, and the comparison when there are two rounds."""
        docs = [self.out(r) / "report.docx" for r in self.rounds]
        comparison = self.comparison()
        return docs + ([comparison] if comparison is not None else [])

    def printed(self) -> list[Path]:
        """The documents the run prints as PDF: the reports, the comparison, the work plans."""
        plans = [self.out(r) / "workplan.docx" for r in self.rounds]
        return self.documents() + [p for p in plans if p.is_file()]


@pytest.fixture(scope="module")
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """``emg-pipeline demo --survey <id>`` in a project of its own (parametrised by survey
    id), every chart drawn afresh and checked for overlapping or clipped text."""
    survey_id = request.param
    survey = load_survey(ROOT / "surveys" / survey_id)
    registry = load_registry(ROOT / "data" / "reference" / "entities.csv")
    folder = tmp_path_factory.mktemp(survey_id)
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stderr(err):
        patch.setenv(CHART_CACHE_ENV, str(folder / "own-chart-cache"))  # all drawn, all checked
        with checking() as chart_problems:
            code = main(["demo", "--root", str(folder / "project"), "--survey", survey_id, "--quiet"])
    return Demo(survey, registry, folder / "project", code, err.getvalue(), list(chart_problems))


def surveys(**defects: str) -> list:  # type: ignore[type-arg]
    """Every survey id, those named with a known defect of their chapters marked
    ``xfail(strict=True)`` (the chapter owners remove the mark with the fix)."""
    return [
        pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=defects[s])) if s in defects else s
        for s in SURVEY_IDS
    ]


@pytest.mark.parametrize("demo", SURVEY_IDS, indirect=True)
def test_survey_runs_end_to_end_in_its_own_words(demo: Demo, tmp_path: Path) -> None:
    survey, registry, survey_id = demo.survey, demo.registry, demo.survey.id

    # the form converts the way KoboToolbox / ODK will convert it
    xlsform = write_xlsform(survey, registry, tmp_path / "forms" / f"{survey_id}.xlsx")
    warnings: list[str] = []
    xform = convert(xlsform=str(xlsform), warnings=warnings).xform
    assert f'id="{survey_id}"' in xform
    offline = write_questionnaire(survey, registry, tmp_path / "forms" / "questionnaire.xlsx")
    assert load_workbook(offline, read_only=True).sheetnames

    # every demo round written and run (and compared with the one before)
    assert survey.model.demo is not None, f"{survey_id} declares no demo round"
    assert demo.code == 0, demo.err
    # no chart text overlaps other text or runs off the figure (matplotlib's own extents)
    assert demo.chart_problems == [], "\n".join(demo.chart_problems)
    for round_id in demo.rounds:
        out = demo.out(round_id)
        assert (out / "results.xlsx").is_file() and (out / "manifest.json").is_file()
        lines = report_lines(out / "report.docx")
        assert any(survey.title in line for line in lines)
        leaks = foreign_terms(lines, survey_id)
        assert leaks == [], "\n".join(f"{o}: '{t}' in: {line[:160]}" for o, t, line in leaks)


# -- what a reader checks, page by page (tests/report_reading.py) ---------------------------
def _identifiers(demo: Demo) -> set[str]:
    """The machine names of every version of the survey the demo rounds used."""
    names = survey_identifiers(demo.survey, demo.registry)
    for round_id in demo.rounds:
        names |= survey_identifiers(demo.survey.for_round(round_id), demo.registry)
    return names


@pytest.mark.parametrize(
    "demo",
    SURVEY_IDS,
    indirect=True,
)
def test_no_raw_identifiers_in_text_meant_for_people(demo: Demo) -> None:
    forbidden = _identifiers(demo)
    found = {
        doc.relative_to(demo.root).as_posix(): raw_identifiers(blocks(doc), forbidden)
        for doc in demo.documents()
    }
    found = {doc: hits for doc, hits in found.items() if hits}
    assert found == {}, "\n".join(f"{d}: '{t}' in: {x}" for d, hits in found.items() for t, x in hits[:15])


@pytest.mark.parametrize("demo", SURVEY_IDS, indirect=True)
def test_no_table_is_printed_twice(demo: Demo) -> None:
    """The same figures are shown in one table, referred to after that (the annex of
    answers by question does not repeat a chapter's table)."""
    for doc in demo.documents():
        assert repeated_tables(doc) == [], doc.relative_to(demo.root).as_posix()


@pytest.mark.parametrize("demo", SURVEY_IDS, indirect=True)
def test_no_name_is_wrapped_inside(demo: Demo) -> None:
    """"UN-Habitat" never breaks at its hyphen ("UN-" at a line's end)."""
    for doc in demo.documents():
        assert breakable_names(doc) == [], doc.relative_to(demo.root).as_posix()


@pytest.mark.parametrize(
    "demo",
    SURVEY_IDS,
    indirect=True,
)
def test_no_sentence_said_more_than_twice(demo: Demo) -> None:
    found = {doc.relative_to(demo.root).as_posix(): repeated_sentences(blocks(doc)) for doc in demo.documents()}
    found = {doc: rep for doc, rep in found.items() if rep}
    assert found == {}, "\n".join(f"{d}: x{n} {s[:140]}" for d, rep in found.items() for s, n in rep.items())


@pytest.mark.parametrize("demo", SURVEY_IDS, indirect=True)
def test_the_contents_list_every_heading(demo: Demo) -> None:
    for doc in demo.documents():
        toc, headings = toc_and_headings(doc)
        assert toc, f"{doc.name} of {doc.parent.name}: no table of contents"
        assert toc == headings, f"{doc.name} of {doc.parent.name}"


def _sheet(path: Path, name: str) -> list[dict[str, object]]:
    book = load_workbook(path, read_only=True)
    if name not in book.sheetnames:
        return []
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


def _report_table(doc: Path, *headers: str) -> list[dict[str, str]]:
    """The rows of the first table of ``doc`` whose header row has all ``headers``."""
    for table in tables(doc):
        if table and all(h in table[0] for h in headers):
            return [dict(zip(table[0], row, strict=False)) for row in table[1:]]
    return []


@pytest.mark.parametrize("demo", SURVEY_IDS, indirect=True)
def test_report_and_workbook_show_the_same_figures(demo: Demo) -> None:
    """Coverage (engaged, mean score, by label), the response rate: as results.xlsx shows
    them (its number formats, which the report's formatter follows)."""
    for round_id in demo.rounds:
        out = demo.out(round_id)
        report, book = out / "report.docx", out / "results.xlsx"
        coverage = {str(r["label"]): r for r in _sheet(book, "Coverage")}
        rows = _report_table(report, "Engaged", "Mean score")
        chapters = demo.survey.model.report.chapters or CHAPTERS
        if demo.survey.model.requirements is None and "findings" in chapters and coverage:
            assert rows, f"{round_id}: the workbook has coverage, the findings no table of it"
        for row in rows:
            label = next(iter(row.values()))
            sheet = coverage[label]
            assert row["Engaged"] == numbers.count(sheet["n_engaged"]), (round_id, label)
            assert row["Mean score"] == numbers.score(sheet["mean_score"]), (round_id, label)
        # each dimension's own section says the same mean score
        items = blocks(report)
        for label, sheet in coverage.items():
            said = _first_after_heading(items, label, MEAN_SCORE)
            if said is not None:
                assert said == numbers.score(sheet["mean_score"]), (round_id, label)
        status = _sheet(book, "Response status")
        n_yes = sum(1 for r in status if r["responded"] in (True, 1, "True", "yes"))
        text = " ".join(i.text for i in items if not i.in_table)
        found = RESPONSE.search(text)
        assert found, f"{round_id}: no response sentence"
        assert (int(found["n"]), int(found["of"])) == (n_yes, len(status)), round_id
        assert found["rate"] == numbers.percent(n_yes / len(status)), round_id


@pytest.mark.parametrize("demo", SURVEY_IDS, indirect=True)
def test_chart_titles_alt_texts_and_sentences_give_figures_as_the_workbook_shows_them(demo: Demo) -> None:
    """Where a chart's title or alt text, or a sentence, gives a figure beside the name of
    what it is about (a mean score, a mean rank, a count, a share), it reads as the
    workbook's cell of that name shows it (pipeline.numbers: 0.625 -> 0.63 in both)."""
    for round_id in demo.rounds:
        out = demo.out(round_id)
        report = out / "report.docx"
        pictures = picture_texts(report)
        texts = pictures + [b.text for b in blocks(report) if not b.in_table]
        checked = 0
        for figure in NAMED_FIGURES:
            rows = _sheet(out / "results.xlsx", figure.sheet)
            for name, column, said, value in named_figures(texts, figure, rows):
                shown = numbers.format_number(value, figure.kinds[column])
                assert said == shown, f"{round_id}: {name}, {column}: the report says {said}, the workbook {shown}"
                checked += 1
        assert checked, f"{round_id}: no named figure found to check (a title's wording changed?)"
        status = _sheet(out / "results.xlsx", "Response status")
        n_yes = sum(1 for r in status if r["responded"] in (True, 1, "True", "yes"))
        titles = [m for text in pictures if (m := RESPONDED.search(text))]
        assert titles, f"{round_id}: no response chart title"
        for found in titles:
            assert (int(found["n"]), int(found["of"])) == (n_yes, len(status)), round_id
            assert found["rate"] == numbers.percent(n_yes / len(status)), round_id


@pytest.mark.parametrize("demo", SURVEY_IDS, indirect=True)
def test_then_plus_change_is_now_as_printed(demo: Demo) -> None:
    """Every row of the comparison's tables of mean scores: the earlier mean plus the
    change is the later mean, digit for digit as printed (0.63, -0.38, 0.25)."""
    comparison = demo.comparison()
    if comparison is None:
        pytest.skip("one demo round: nothing compared")
    for doc in (comparison, demo.out(demo.rounds[-1]) / "report.docx"):
        rows = change_rows(doc)
        assert rows, f"{doc.parent.name}: no table of mean scores with their change"
        for label, then, change, now in rows:
            if "" in (then, change, now):
                continue
            assert Decimal(then) + Decimal(change) == Decimal(now), (doc.parent.name, label, then, change, now)


MEAN_SCORE = re.compile(r"[Tt]he mean score is (\d\.\d\d)")
RESPONDED = re.compile(r"(?P<n>\d+) of (?P<of>\d+) \w+ responded \((?P<rate>\d+%)\)")
RESPONSE = re.compile(r"(?P<n>\d+) of the (?P<of>\d+) \w+ invited answered the survey, a response rate of (?P<rate>\d+%)")


def _first_after_heading(items: list, heading: str, pattern: re.Pattern[str]) -> str | None:  # type: ignore[type-arg]
    """What ``pattern`` first finds in the paragraphs after the heading ``heading``, before
    the next heading."""
    inside = False
    for item in items:
        if item.style.startswith("Heading"):
            inside = item.text.strip() == heading
            continue
        if inside and not item.in_table and (found := pattern.search(item.text)):
            return found.group(1)
    return None


@pytest.mark.parametrize(
    "demo",
    SURVEY_IDS,
    indirect=True,
)
def test_the_change_chapter_says_the_new_round_s_own_figures(demo: Demo) -> None:
    """Where the change chapter shows the new round's engaged count and mean score under
    the round's own name, they are the round's (results.xlsx, Coverage); figures re-scored
    on the earlier round's footing say so in their header ("(2016-R1 rule)")."""
    if len(demo.rounds) < 2:
        pytest.skip("one demo round: nothing compared")
    old, new = demo.rounds[-2], demo.rounds[-1]
    out = demo.out(new)
    coverage = {str(r["label"]): r for r in _sheet(out / "results.xlsx", "Coverage")}
    rows = _report_table(out / "report.docx", f"Engaged {old}", f"Mean {old}")
    assert rows, f"{new}: no change table of engagement and mean scores"
    columns = {h: h for h in rows[0] if h.startswith((f"Engaged {new}", f"Mean {new}"))}
    assert len(columns) == 2, rows[0]
    own = {h for h in columns if "rule)" not in h}
    versions = {
        json.loads((demo.out(r) / "manifest.json").read_text(encoding="utf-8"))["survey_definition"]["form_version"]
        for r in (old, new)
    }
    if len(versions) > 1:  # different forms: the new round is re-scored, and labelled so
        assert not own, f"{new}: re-scored figures under the round's own name: {sorted(own)}"
    for row in rows:
        label = next(iter(row.values()))
        if label in coverage and f"Engaged {new}" in own:
            engaged = row[f"Engaged {new}"].split(" of ")[0]  # "27" or "27 of 34"
            assert engaged == numbers.count(coverage[label]["n_engaged"]), (label, row)
        if label in coverage and f"Mean {new}" in own:
            assert row[f"Mean {new}"] == numbers.score(coverage[label]["mean_score"]), (label, row)


@pytest.mark.parametrize(
    "demo",
    SURVEY_IDS,
    indirect=True,
)
def test_no_table_is_cut_short_silently(demo: Demo) -> None:
    """A cut table says how many rows it shows of how many, in which sheet all of them
    are (a sheet that holds them), and, cut, shows the largest item (a project's budget)."""
    for doc in demo.documents():  # a pointer to the workbook names the sheet
        unnamed = unnamed_workbook_references(blocks(doc))
        assert unnamed == [], f"{doc.parent.name}: " + " | ".join(unnamed)
    for round_id in demo.rounds:
        out = demo.out(round_id)
        report = out / "report.docx"
        items = blocks(report)
        book = load_workbook(out / "results.xlsx", read_only=True)
        all_tables = tables(report)
        for shown, total, what, note in capped_notes(items):
            where = re.search(r"all \d+ are in (results\.xlsx, sheet '([^']+)'|the run's manifest\.json)", note)
            assert where, f"{round_id}: '{note}' does not say where all {total} {what} are"
            position = table_after(items, note)
            assert position is not None and len(all_tables[position]) - 1 == shown, note
            if where.group(2) is None:
                continue
            sheet = where.group(2)
            assert sheet in book.sheetnames, f"{round_id}: {note}"
            rows = _sheet(out / "results.xlsx", sheet)
            assert len(rows) >= total, f"{round_id}: {note} (the sheet has {len(rows)} rows)"
            budgets = [r for r in rows if isinstance(r.get("budget_usd"), (int, float))]
            if budgets:  # the largest project is among those shown
                largest = max(budgets, key=lambda r: float(r["budget_usd"]))
                cells = {c for row in all_tables[position] for c in row}
                assert str(largest["title"]) in cells, f"{round_id}: the largest ({largest['title']}) is left out"


# -- pages as printed ----------------------------------------------------------------------------
@pytest.mark.parametrize("demo", SURVEY_IDS, indirect=True)
def test_no_long_table_is_chained_to_one_page(demo: Demo) -> None:
    """No table of more than 25 rows keeps every row with the next (Word's "Keep with
    next" on each row): when it does not fit where it starts, it leaves that page empty."""
    found = {doc.relative_to(demo.root).as_posix(): long_tables_kept_whole(doc) for doc in demo.printed()}
    assert {d: t for d, t in found.items() if t} == {}


@pytest.mark.parametrize("demo", SURVEY_IDS, indirect=True)
def test_no_near_empty_page_in_print(demo: Demo, tmp_path: Path) -> None:
    """Each report, comparison and work plan printed by LibreOffice (as the run does when it
    is installed) has no blank page, no heading or caption alone at a page's foot, no
    table's last one or two rows alone on a page and no page filled less than a fifth
    unless it ends a chapter or a landscape run (report_reading.near_empty_pages)."""
    office = find_office()
    if office is None:
        pytest.skip("LibreOffice (soffice with its Python 'uno' module) is not installed")
    if shutil.which("pdftohtml") is None:
        pytest.skip("poppler's pdftohtml is not installed")
    copies = []
    for k, doc in enumerate(demo.printed()):  # printed from copies: the demo's files stay as run
        copy = tmp_path / str(k) / doc.name
        copy.parent.mkdir()
        copies.append(Path(shutil.copy2(doc, copy)))
    log = IssueLog()
    pdfs = finish_documents(copies, log, pdf=True, office=office)
    assert len(pdfs) == len(copies), [i.message for i in log.issues]
    names = {pdf: demo.printed()[k].relative_to(demo.root).as_posix() for k, pdf in enumerate(pdfs)}
    found = {names[pdf]: near_empty_pages(pdf) for pdf in pdfs}
    assert {d: e for d, e in found.items() if e} == {}
