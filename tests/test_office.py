"""LibreOffice finishes the written documents: page numbers in the table of contents and
a PDF beside each, or, when it is missing, fails or hangs, the documents as written, no
PDF and a warning in the log. The stand-in office of the first tests is a small script
(no LibreOffice needed); the last test runs the real one and skips cleanly without it."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from docx import Document

from pipeline.errors import IssueLog
from pipeline.report.document import ReportDocument
from pipeline.report.office import (
    CODE,
    NO_PDF_ENV,
    SOFFICE_ENV,
    TIMEOUT_ENV,
    UNO_PYTHON_ENV,
    Office,
    add_toc_page_numbers,
    find_office,
    finish_documents,
    pdf_wanted,
)

HEADINGS = [(1, "Executive summary"), (1, "Findings"), (2, "Raw materials"), (1, "Annex A. Respondents")]


def small_report(path: Path) -> Path:
    doc = ReportDocument()
    doc.title_page("A report", "round 1")
    doc.toc()
    for level, text in HEADINGS:
        doc.heading(text, level)
        doc.paragraph("Some words.")
    return doc.save(path)


def toc_texts(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs if p.style.name.startswith("toc ")]


def stand_in(tmp_path: Path, body: str) -> Office:
    """An office whose helper script is ``body`` (Python, given the job as ``job``)."""
    script = tmp_path / "stand_in.py"
    script.write_text(
        "import json, sys, time\nfrom pathlib import Path\n"
        "job = json.loads(Path(sys.argv[1]).read_text())\n" + textwrap.dedent(body)
    )
    return Office(soffice="soffice", python=sys.executable, script=script)


# A stand-in helper that writes a PDF and gives page numbers for each document
WRITE_PDFS = """
out = []
for item in job["documents"]:
    Path(item["pdf"]).write_bytes(b"%PDF-1.7 stand-in")
    out.append({"toc": ["Executive summary\\t3", "Findings\\t4", "Raw materials\\t4",
                        "Annex A. Respondents\\t6"]})
print(json.dumps({"documents": out}))
"""


def test_page_numbers_from_the_office_go_into_the_contents(tmp_path: Path) -> None:
    report = small_report(tmp_path / "report.docx")
    assert toc_texts(report) == [t for _, t in HEADINGS]
    lines = [f"{text}\t{page}" for (_, text), page in zip(HEADINGS, (3, 4, 4, 9), strict=True)]
    assert add_toc_page_numbers(report, lines)
    assert toc_texts(report) == [f"{t}\t{p}" for (_, t), p in zip(HEADINGS, (3, 4, 4, 9), strict=True)]
    styles = Document(str(report)).styles
    stops = styles["toc 1"].paragraph_format.tab_stops
    assert len(stops) == 1 and stops[0].leader is not None  # right-aligned, dot leader


def test_contents_that_do_not_match_the_headings_are_left_alone(tmp_path: Path) -> None:
    report = small_report(tmp_path / "report.docx")
    before = report.read_bytes()
    assert not add_toc_page_numbers(report, ["Executive summary\t3", "Something else\t4"])
    assert not add_toc_page_numbers(report, ["Executive summary"])
    assert report.read_bytes() == before


def test_a_finished_document_gets_its_pdf_and_page_numbers(tmp_path: Path) -> None:
    report = small_report(tmp_path / "report.docx")
    office = stand_in(tmp_path, WRITE_PDFS)
    log = IssueLog()
    written = finish_documents([report, tmp_path / "missing.docx"], log, pdf=True, office=office)
    assert written == [tmp_path / "report.pdf"]
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert toc_texts(report)[-1] == "Annex A. Respondents\t6"
    assert log.issues == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.docx", "report.pdf", "stand_in.py"]


def test_a_document_finished_before_is_not_given_to_the_office_again(tmp_path: Path) -> None:
    """With the run's cache on, a document with the same bytes as one finished before gets
    the kept .docx and PDF (byte for byte) and LibreOffice is not started; a changed
    document, or one whose contents did not match, goes to LibreOffice."""
    from pipeline.report.chart_cache import chart_cache

    calls = tmp_path / "calls.txt"
    office = stand_in(
        tmp_path,
        f"""
        with open({str(calls)!r}, "a") as f:
            f.write("run\\n")
        out = []
        for item in job["documents"]:
            Path(item["pdf"]).write_bytes(b"%PDF-1.7 " + Path(item["docx"]).read_bytes()[-40:])
            out.append({{"toc": ["Executive summary\\t3", "Findings\\t4", "Raw materials\\t4",
                                "Annex A. Respondents\\t6"]}})
        print(json.dumps({{"documents": out}}))
        """,
    )

    def finish(name: str, changed: bool = False) -> tuple[Path, list[Path], IssueLog]:
        folder = tmp_path / name
        folder.mkdir()
        report = small_report(folder / "report.docx")
        if changed:
            doc = Document(str(report))
            doc.add_paragraph("One more line.")
            doc.save(str(report))
        log = IssueLog()
        with chart_cache(tmp_path / "cache"):
            written = finish_documents([report], log, pdf=True, office=office)
        return report, written, log

    first, written, log = finish("first")
    assert written == [first.with_suffix(".pdf")] and log.issues == []
    again, written, log = finish("again")
    assert written == [again.with_suffix(".pdf")] and log.issues == []
    assert calls.read_text().splitlines() == ["run"]  # LibreOffice not started the second time
    assert again.read_bytes() == first.read_bytes()
    assert again.with_suffix(".pdf").read_bytes() == first.with_suffix(".pdf").read_bytes()
    assert toc_texts(again)[-1] == "Annex A. Respondents\t6"
    finish("changed", changed=True)
    assert calls.read_text().splitlines() == ["run", "run"]


@pytest.mark.parametrize(
    "body, reason",
    [
        ("time.sleep(60)\n", "took longer than 1 s"),
        ('Path(job["documents"][0]["pdf"]).write_bytes(b"%PDF-1.7 half")\nsys.exit("crashed while exporting")\n', "crashed while exporting"),
        ('print("not json")\n', "no readable answer"),
    ],
    ids=["hangs", "fails-half-way", "garbled"],
)
def test_an_office_that_hangs_or_fails_leaves_the_document_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, reason: str
) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "1")
    report = small_report(tmp_path / "report.docx")
    before = report.read_bytes()
    log = IssueLog()
    assert finish_documents([report], log, pdf=True, office=stand_in(tmp_path, body)) == []
    assert report.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.docx", "stand_in.py"]
    [issue] = log.issues
    assert issue.severity == "warning" and issue.code == CODE
    assert reason in issue.message and "report.docx kept as written" in issue.message


def test_switched_off_or_missing_office_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = small_report(tmp_path / "report.docx")
    before = report.read_bytes()
    assert not pdf_wanted()  # the test suite switches it off (conftest)
    assert pdf_wanted(True) and not pdf_wanted(False)
    monkeypatch.delenv(NO_PDF_ENV)
    assert pdf_wanted()
    log = IssueLog()
    assert finish_documents([report], log, pdf=False) == [] and log.issues == []
    monkeypatch.setenv(SOFFICE_ENV, str(tmp_path / "no-soffice-here"))
    assert find_office() is None
    assert finish_documents([report], log) == []
    assert [i.severity for i in log.issues] == ["info"] and "not found" in log.issues[0].message
    assert report.read_bytes() == before


@pytest.mark.slow
def test_a_run_whose_office_hangs_writes_everything_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, survey, registry  # type: ignore[no-untyped-def]
) -> None:
    """The run's staging stays intact: the report is written without PDF, a warning says
    why, and the manifest lists no PDF."""
    from pipeline.demo import write_demo_round
    from pipeline.paths import Layout
    from pipeline.run import run_round

    hang = tmp_path / "hang.sh"
    hang.write_text("#!/bin/sh\nsleep 60\n")
    hang.chmod(0o755)
    monkeypatch.setenv(SOFFICE_ENV, sys.executable)
    monkeypatch.setenv(UNO_PYTHON_ENV, str(hang))
    monkeypatch.setenv(TIMEOUT_ENV, "1")
    layout = Layout(tmp_path / "project")
    spec = survey.model.demo.rounds[0]
    write_demo_round(survey, registry, spec, layout.raw(survey.id, spec.id))
    outcome = run_round(layout, survey.id, spec.id, run_date="2026-11-25", pdf=True)
    out = outcome.outputs
    assert (out / "report.docx").is_file() and not (out / "report.pdf").exists()
    assert [i.code for i in outcome.log.warnings].count(CODE) == 1
    listed = {e["path"] for e in json.loads((out / "manifest.json").read_text())["outputs"]}
    assert "report.docx" in listed and not any(p.endswith(".pdf") for p in listed)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
@pytest.mark.skipif(find_office() is None, reason="LibreOffice (soffice with python3-uno) not installed")
def test_libreoffice_writes_the_pdf_and_the_contents_page_numbers(tmp_path: Path, survey, registry) -> None:  # type: ignore[no-untyped-def]
    from pipeline.demo import write_demo_round
    from pipeline.paths import Layout
    from pipeline.run import run_round

    layout = Layout(tmp_path / "project")
    spec = survey.model.demo.rounds[0]
    write_demo_round(survey, registry, spec, layout.raw(survey.id, spec.id))
    outcome = run_round(layout, survey.id, spec.id, run_date="2026-11-25", pdf=True)
    out = outcome.outputs
    assert [i.message for i in outcome.log.issues if i.code == CODE] == []
    for name in ("report", "workplan"):
        assert (out / f"{name}.pdf").read_bytes().startswith(b"%PDF-")
    entries = toc_texts(out / "report.docx")
    headings = [p.text for p in Document(str(out / "report.docx")).paragraphs
                if p.style.name in ("Heading 1", "Heading 2")]  # fmt: skip
    assert [e.rsplit("\t", 1)[0] for e in entries] == headings
    pages = [int(e.rsplit("\t", 1)[1]) for e in entries]
    assert pages == sorted(pages) and pages[0] >= 2
    listed = {e["path"] for e in json.loads((out / "manifest.json").read_text())["outputs"]}
    assert {"report.pdf", "workplan.pdf"} <= listed
    if shutil.which("pdftotext"):  # each heading is on the page the contents give
        for entry in (entries[0], entries[len(entries) // 2], entries[-1]):
            heading, page = entry.rsplit("\t", 1)
            text = subprocess.run(
                ["pdftotext", "-f", page, "-l", page, "-layout", str(out / "report.pdf"), "-"],
                capture_output=True, text=True, check=True,
            ).stdout
            assert " ".join(heading.split()[:4]) in " ".join(text.split()), (heading, page)


# -- one LibreOffice for many documents (the demo) -----------------------------------------
def listening_office(tmp_path: Path, body: str) -> Office:
    """A stand-in office whose "LibreOffice" only waits (the listener) and whose helper is
    ``body``, given ``job`` and ``calls`` (a file to append to)."""
    waiting = tmp_path / "listener.sh"
    waiting.write_text("#!/bin/sh\nexec sleep 120\n")
    waiting.chmod(0o755)
    office = stand_in(tmp_path, f"calls = Path({str(tmp_path / 'calls.jsonl')!r})\n" + body)
    return Office(soffice=str(waiting), python=office.python, script=office.script)


def _state(pid: int) -> str:
    """A process's state letter ('' when there is no such process)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return ""


posix_only = pytest.mark.skipif(
    sys.platform != "linux", reason="the listener is shared with forked processes (Linux /proc)"
)


@posix_only
def test_one_listener_finishes_the_documents_of_forked_processes_in_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside office_listener, every document goes to the one office started when the
    block opened, also from forked processes, one helper at a time; the office is stopped
    when the block ends."""
    import multiprocessing

    from pipeline.report import office as office_module

    office = listening_office(
        tmp_path,
        "start = time.time()\ntime.sleep(0.3)\n"
        + WRITE_PDFS
        + "with calls.open('a') as f:\n"
        + "    f.write(json.dumps({'listener': job.get('listener'), 'start': start, 'end': time.time()}) + '\\n')\n",
    )
    monkeypatch.setattr(office_module, "find_office", lambda: office)
    reports = [small_report(tmp_path / f"report{k}.docx") for k in range(3)]

    def finish(report: Path) -> None:
        log = IssueLog()
        written = finish_documents([report], log, pdf=True, office=office)
        os._exit(0 if written == [report.with_suffix(".pdf")] and not log.issues else 1)

    with office_module.office_listener(pdf=True):
        listener = office_module._LISTENER
        assert listener is not None and _state(listener.pid) not in ("", "Z")
        context = multiprocessing.get_context("fork")
        workers = [context.Process(target=finish, args=(r,)) for r in reports]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert [w.exitcode for w in workers] == [0, 0, 0]
    assert office_module._LISTENER is None and _state(listener.pid) == ""  # stopped, reaped
    calls = sorted(
        (json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()),
        key=lambda c: c["start"],
    )
    assert [c["listener"] for c in calls] == [{"pipe": listener.pipe, "pid": listener.pid}] * 3
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(calls))  # one at a time
    assert all(toc_texts(r)[-1] == "Annex A. Respondents\t6" for r in reports)


@posix_only
def test_a_document_goes_to_an_office_of_its_own_when_the_listener_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.report import office as office_module

    office = listening_office(
        tmp_path,
        "with calls.open('a') as f:\n"
        + "    f.write(json.dumps({'listener': bool(job.get('listener'))}) + '\\n')\n"
        + "if job.get('listener'):\n"
        + "    sys.exit(3)  # office_uno.py: the listener it was given is not running\n"
        + WRITE_PDFS,
    )
    monkeypatch.setattr(office_module, "find_office", lambda: office)
    report = small_report(tmp_path / "report.docx")
    log = IssueLog()
    with office_module.office_listener(pdf=True):
        assert finish_documents([report], log, pdf=True, office=office) == [report.with_suffix(".pdf")]
    assert log.issues == []
    calls = [json.loads(line)["listener"] for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert calls == [True, False]


@posix_only
def test_a_listener_that_hangs_is_stopped_and_the_document_kept_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.report import office as office_module

    monkeypatch.setenv(TIMEOUT_ENV, "1")
    office = listening_office(tmp_path, "time.sleep(60)\n")
    monkeypatch.setattr(office_module, "find_office", lambda: office)
    report = small_report(tmp_path / "report.docx")
    before = report.read_bytes()
    log = IssueLog()
    with office_module.office_listener(pdf=True):
        listener = office_module._LISTENER
        assert listener is not None
        assert finish_documents([report], log, pdf=True, office=office) == []
        for _ in range(600):  # SIGKILL sent: gone once the kernel has ended it (up to 30 s on a loaded machine)
            if _state(listener.pid) in ("", "Z"):
                break
            time.sleep(0.05)
        assert _state(listener.pid) in ("", "Z")  # stopped: the next documents do not wait for it
    assert report.read_bytes() == before
    [issue] = log.issues
    assert issue.code == CODE and "took longer than 1 s" in issue.message


def test_no_listener_without_pdfs(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.report import office as office_module

    with office_module.office_listener(pdf=False):
        assert office_module._LISTENER is None
    with office_module.office_listener():  # the test suite sets EMG_NO_PDF
        assert office_module._LISTENER is None


@pytest.mark.slow
@posix_only
@pytest.mark.skipif(find_office() is None, reason="LibreOffice (soffice with python3-uno) not installed")
def test_libreoffice_listener_finishes_documents_as_an_office_of_their_own(tmp_path: Path) -> None:
    """The real LibreOffice: two documents finished through one listener from forked
    processes get the page numbers and PDF pages that a LibreOffice of their own gives."""
    import multiprocessing

    from pipeline.report.office import office_listener

    own = small_report(tmp_path / "own.docx")
    assert finish_documents([own], IssueLog(), pdf=True) == [own.with_suffix(".pdf")]
    shared = [small_report(tmp_path / f"shared{k}.docx") for k in range(2)]

    def finish(report: Path) -> None:
        log = IssueLog()
        written = finish_documents([report], log, pdf=True)
        os._exit(0 if written == [report.with_suffix(".pdf")] and not log.issues else 1)

    with office_listener(pdf=True):
        context = multiprocessing.get_context("fork")
        workers = [context.Process(target=finish, args=(r,)) for r in shared]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert [w.exitcode for w in workers] == [0, 0]
    for report in shared:
        assert toc_texts(report) == toc_texts(own) and toc_texts(own)[-1].endswith("\t5")
        assert report.with_suffix(".pdf").read_bytes().startswith(b"%PDF-")
        if shutil.which("pdftotext"):
            texts = [
                subprocess.run(["pdftotext", "-layout", str(p.with_suffix(".pdf")), "-"],
                               capture_output=True, text=True, check=True).stdout
                for p in (own, report)
            ]  # fmt: skip
            assert texts[0] == texts[1]


@posix_only
def test_a_listener_that_cannot_be_started_leaves_each_document_to_its_own_office(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.report import office as office_module

    office = listening_office(tmp_path, WRITE_PDFS)
    (tmp_path / "listener.sh").chmod(0o644)  # not executable: the listener cannot start
    monkeypatch.setattr(office_module, "find_office", lambda: office)
    report = small_report(tmp_path / "report.docx")
    log = IssueLog()
    with office_module.office_listener(pdf=True):
        assert office_module._LISTENER is None
        assert finish_documents([report], log, pdf=True, office=office) == [report.with_suffix(".pdf")]
    assert log.issues == []
