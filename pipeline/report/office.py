"""Finish written Word documents with LibreOffice, when it is installed: page numbers in
the table of contents and a PDF beside each document.

A document written by :class:`~pipeline.report.document.ReportDocument` carries its table
of contents filled with the headings but without page numbers (only a word processor can
count pages). :func:`finish_documents` runs LibreOffice headless on the written files
(through ``office_uno.py``, run by a Python that can ``import uno``), which updates every
index and exports ``<name>.pdf``; the page numbers it found are then written into the
table of contents of the pipeline's own .docx (its styles stay as the pipeline wrote
them, and Word still updates the field on open).

Nothing is left half-written: the PDFs are exported into a temporary folder and moved
beside the documents only when LibreOffice finished; a LibreOffice that is missing,
fails or takes longer than the time limit (``EMG_OFFICE_TIMEOUT`` seconds, default 180)
leaves the documents as written, without PDF, and says so in the run's log. It is
switched off by ``pdf=False`` (``--no-pdf`` on the command line) or by setting
``EMG_NO_PDF=1`` (the test suite does). ``EMG_SOFFICE`` and ``EMG_UNO_PYTHON`` name the
LibreOffice program and the Python to use when they are not found on their own.

LibreOffice takes seconds to start. Inside :func:`office_listener` (the demo, which
finishes a dozen documents in several processes) one LibreOffice, started when the block
opens, serves every document finished in the block, in this process and in the processes
forked in it, one helper at a time (a lock file); once it is gone, or has failed or hung
on a document (it is then stopped), the documents are finished as outside the block, by a
LibreOffice of their own.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml.ns import qn

from pipeline.errors import IssueLog
from pipeline.manifest import sha256_file
from pipeline.numbers import decimal
from pipeline.report.chart_cache import keep_files, restore_files
from pipeline.report.document import element_text
from pipeline.report.zipstamp import stamp_zip

NO_PDF_ENV = "EMG_NO_PDF"
TIMEOUT_ENV = "EMG_OFFICE_TIMEOUT"
SOFFICE_ENV = "EMG_SOFFICE"
UNO_PYTHON_ENV = "EMG_UNO_PYTHON"
DEFAULT_TIMEOUT_S = 180.0
SCRIPT = Path(__file__).with_name("office_uno.py")
CODE = "pdf-not-written"
CACHE_KIND = "office"  # documents finished by LibreOffice, in the run's cache
_TOC_STYLE = re.compile(r"toc [1-9]")
LISTENER_GONE = 3  # the helper's exit status when the listener it was given is not running


@dataclass(frozen=True)
class Office:
    """The LibreOffice program, a Python interpreter that can drive it and the script it
    runs (``office_uno.py``)."""

    soffice: str
    python: str
    script: Path = SCRIPT


@dataclass(frozen=True)
class _Listener:
    """A LibreOffice started by :func:`office_listener`: its pipe, its process (the leader
    of its process group) and the lock file its users take in turn."""

    office: Office
    pipe: str
    pid: int
    lock: Path


_LISTENER: _Listener | None = None  # inherited by the processes forked inside the block


def pdf_wanted(pdf: bool | None = None) -> bool:
    """Whether to finish documents with LibreOffice: ``pdf`` when given, else on unless
    ``EMG_NO_PDF`` is set to something other than ``0`` or empty."""
    if pdf is not None:
        return pdf
    return os.environ.get(NO_PDF_ENV, "").strip() in ("", "0")


def _soffice() -> str | None:
    named = os.environ.get(SOFFICE_ENV)
    if named:
        return named if Path(named).is_file() or shutil.which(named) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for path in (
        "/usr/lib/libreoffice/program/soffice",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
        r"C:\Program Files\LibreOffice\program\soffice.exe",
    ):
        if Path(path).is_file():
            return path
    return None


@functools.cache
def _can_import_uno(python: str) -> bool:
    """Whether ``python`` imports ``uno`` (asked once per process; this process's own
    interpreter without starting another)."""
    if python == sys.executable:
        return importlib.util.find_spec("uno") is not None
    try:
        done = subprocess.run(
            [python, "-c", "import uno"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _uno_python(soffice: str) -> str | None:
    named = os.environ.get(UNO_PYTHON_ENV)
    if named:
        return named
    program = Path(soffice).resolve().parent
    candidates = [
        str(program / "python"),  # LibreOffice's own (Windows, macOS builds)
        str(program / "python.exe"),
        sys.executable,
        "/usr/bin/python3",  # Debian/Ubuntu python3-uno
    ]
    for python in dict.fromkeys(candidates):
        if Path(python).is_file() and _can_import_uno(python):
            return python
    return None


def find_office() -> Office | None:
    """LibreOffice and a Python with ``uno``, or None when either is missing (inside
    :func:`office_listener`, the office it started)."""
    if _LISTENER is not None:
        return _LISTENER.office
    soffice = _soffice()
    if soffice is None:
        return None
    python = _uno_python(soffice)
    return Office(soffice, python) if python else None


def office_on(pdf: bool | None = None) -> bool:
    """Whether documents will be finished here: wanted (:func:`pdf_wanted`) and LibreOffice
    found (:func:`find_office`)."""
    return pdf_wanted(pdf) and find_office() is not None


@contextmanager
def office_listener(pdf: bool | None = None) -> Iterator[None]:
    """Start one LibreOffice now (its start-up overlaps the work done meanwhile) and finish
    every document of the block with it, also in processes forked inside the block; it
    is stopped when the block ends. Nothing happens when documents are not finished here
    (:func:`office_on`) or where processes are not forked (Windows)."""
    global _LISTENER
    office = find_office() if pdf_wanted(pdf) and os.name == "posix" else None
    if office is None or _LISTENER is not None:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="emg-office-") as tmp:
        work = Path(tmp)
        pipe = f"emg_office_{work.name}"
        profile = (work / "profile").resolve().as_uri()
        try:
            process = subprocess.Popen(  # as office_uno.py starts its own
                [
                    office.soffice, "--headless", "--invisible", "--nologo", "--norestore",
                    "--nodefault", "--nolockcheck", f"-env:UserInstallation={profile}",
                    f"--accept=pipe,name={pipe};urp;",
                ],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        except OSError:  # cannot be started: each document tries its own, and says why
            process = None
        if process is not None:
            _LISTENER = _Listener(office, pipe, process.pid, work / "lock")
        try:
            yield
        finally:
            _LISTENER = None
            if process is not None:
                _stop(process)
                process.wait()


@contextmanager
def _turn(listener: _Listener) -> Iterator[None]:
    """The listener to oneself until the block ends (other helpers wait)."""
    import fcntl

    with listener.lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _timeout() -> float:
    try:
        value = float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return value if value > 0 else DEFAULT_TIMEOUT_S


def _stop(process: subprocess.Popen) -> None:
    """End the helper and whatever LibreOffice it left running (they share a process
    group of their own)."""
    if hasattr(os, "killpg"):
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    elif process.poll() is None:  # pragma: no cover - Windows
        process.kill()


class _ListenerGone(RuntimeError):
    """The listener the helper was given is not running."""


def _run_office(office: Office, job: dict, work: Path, timeout: float) -> dict:
    """Run the helper on ``job``; its JSON answer, or RuntimeError saying what went wrong
    (:class:`_ListenerGone` when the job's listener is not running)."""
    job_file = work / "job.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    process = subprocess.Popen(
        [office.python, str(office.script), str(job_file)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=work,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        process.communicate()
        raise RuntimeError(f"LibreOffice took longer than {decimal(timeout, 0)} s and was stopped") from None
    finally:
        _stop(process)  # also on Ctrl-C, and any LibreOffice the helper left behind
    if process.returncode == LISTENER_GONE and job.get("listener"):
        raise _ListenerGone("the LibreOffice listener is not running")
    if process.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"LibreOffice failed ({lines[-1] if lines else f'exit {process.returncode}'})")
    try:
        answer = json.loads(out.decode("utf-8").strip().splitlines()[-1])
        documents = answer["documents"]
    except (ValueError, IndexError, KeyError, TypeError):
        raise RuntimeError("LibreOffice gave no readable answer") from None
    if not isinstance(documents, list) or len(documents) != len(job["documents"]):
        raise RuntimeError("LibreOffice answered for other documents than it was given")
    return answer


def _toc_paragraphs(document) -> list:
    """The paragraphs of the table of contents (styles ``toc 1`` .. ``toc 9``), in order."""
    ids = {s.style_id for s in document.styles if _TOC_STYLE.fullmatch(str(s.name).lower())}
    out = []
    for p in document.element.body.iter(qn("w:p")):
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if style is not None and style.get(qn("w:val")) in ids:
            out.append(p)
    return out


def _norm(text: str) -> str:
    """Text compared as words: spaces collapsed, LibreOffice's non-breaking hyphen as "-"."""
    return " ".join(text.replace("\u2011", "-").split())


def add_toc_page_numbers(path: Path, lines: Sequence[str]) -> bool:
    """Write page numbers into the filled table of contents of the .docx at ``path``.

    ``lines`` are the contents LibreOffice wrote (``"Heading\\tpage"``, in order). The
    numbers are written only when its headings are the document's own, one for one;
    returns whether they were. The file keeps its time stamps (:func:`stamp_zip`)."""
    entries = [line.rsplit("\t", 1) for line in lines]
    if not entries or any(len(e) != 2 or not e[1].strip().isdigit() for e in entries):
        return False
    document = docx.Document(str(path))
    paragraphs = _toc_paragraphs(document)
    texts = [_norm(element_text(p)) for p in paragraphs]
    if texts != [_norm(heading) for heading, _ in entries]:
        return False
    section = document.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    for style in document.styles:
        if _TOC_STYLE.fullmatch(str(style.name).lower()):
            stops = style.paragraph_format.tab_stops
            if not any(stop.position == width for stop in stops):
                stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    for p, (_, page) in zip(paragraphs, entries, strict=True):
        runs = p.findall(qn("w:r"))
        # after the last run holding text (the field's end run stays last)
        anchor = next(r for r in reversed(runs) if r.find(qn("w:t")) is not None)
        tab_run = docx.oxml.OxmlElement("w:r")
        tab_run.append(docx.oxml.OxmlElement("w:tab"))
        num_run = docx.oxml.OxmlElement("w:r")
        t = docx.oxml.OxmlElement("w:t")
        t.text = page.strip()
        num_run.append(t)
        anchor.addnext(tab_run)
        tab_run.addnext(num_run)
    created = document.core_properties.created
    document.save(str(path))
    stamp_zip(path, created)
    return True


def finish_documents(
    documents: Sequence[Path],
    log: IssueLog,
    *,
    pdf: bool | None = None,
    office: Office | None = None,
) -> list[Path]:
    """Page numbers in each document's table of contents and ``<name>.pdf`` beside it,
    through LibreOffice; returns the PDFs written.

    Documents that do not exist are skipped. Without LibreOffice (or with ``pdf`` off)
    nothing changes; when LibreOffice fails or hangs the documents stay as they were
    written, no PDF is left and a warning in ``log`` says why. Inside
    :func:`~pipeline.report.chart_cache.chart_cache`, a document with the same bytes as
    one finished before gets the kept result (finished .docx and PDF) without LibreOffice,
    which takes seconds to start."""
    documents = [Path(d) for d in documents if Path(d).is_file()]
    if not documents or not pdf_wanted(pdf):
        return []
    names = ", ".join(d.name for d in documents)
    office = office or find_office()
    if office is None:
        log.info(
            CODE,
            f"LibreOffice (with its Python 'uno' module) was not found: no PDF of {names}; "
            "the table of contents lists the headings without page numbers",
        )
        return []
    written: dict[Path, Path] = {}
    keys = {d: _cache_key(d, office) for d in documents}
    for d in documents:  # finished before from the same bytes: the kept files, no LibreOffice
        pdf_path = d.with_suffix(".pdf")
        if restore_files(CACHE_KIND, keys[d], {"pdf": pdf_path, "docx": d}):
            written[d] = pdf_path
    todo = [d for d in documents if d not in written]
    if todo:
        _finish(todo, office, log, keys, written)
    return [written[d] for d in documents if d in written]


def _cache_key(document: Path, office: Office) -> list[str]:
    """What LibreOffice's result depends on: the document's bytes and the LibreOffice used
    (its program file; the script and this module are part of the cache's environment)."""
    program = Path(shutil.which(office.soffice) or office.soffice).resolve()
    try:
        stat = program.stat()
        made_by = f"{program}:{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        made_by = str(program)
    return [sha256_file(document), made_by, office.python]


def _run_shared_or_own(office: Office, job: dict, work: Path) -> dict:
    """Run ``job`` on the listener of :func:`office_listener` when there is one for
    ``office``, else (or when it is gone) on a LibreOffice of its own. A listener that
    fails or hangs on a document is stopped: the next documents go to offices of their
    own rather than to one left in an unknown state."""
    listener = _LISTENER if _LISTENER is not None and _LISTENER.office == office else None
    if listener is not None:
        shared = {**job, "listener": {"pipe": listener.pipe, "pid": listener.pid}}
        with _turn(listener):
            try:
                return _run_office(office, shared, work, _timeout())
            except _ListenerGone:
                pass
            except RuntimeError:
                with suppress(ProcessLookupError, PermissionError):
                    os.killpg(listener.pid, signal.SIGKILL)
                raise
    return _run_office(office, job, work, _timeout())


def _finish(
    documents: list[Path], office: Office, log: IssueLog, keys: dict[Path, list[str]],
    written: dict[Path, Path],
) -> None:
    """Run LibreOffice on ``documents``; the PDFs written go into ``written``, and each
    document finished without a warning is kept in the cache (:func:`keep_files`)."""
    names = ", ".join(d.name for d in documents)
    with tempfile.TemporaryDirectory(prefix="emg-office-") as tmp:
        work = Path(tmp)
        job = {
            "soffice": office.soffice,
            "profile": str(work / "profile"),
            "documents": [
                {"docx": str(d.resolve()), "pdf": str(work / f"{k}-{d.stem}.pdf")}
                for k, d in enumerate(documents)
            ],
        }
        try:
            answer = _run_shared_or_own(office, job, work)
        except (RuntimeError, OSError) as exc:
            log.warning(
                CODE,
                f"{exc}: {names} kept as written (table of contents without page numbers), "
                "no PDF written",
            )
            return
        for document, item, found in zip(documents, job["documents"], answer["documents"], strict=True):
            target = Path(item["docx"])
            exported = Path(item["pdf"])
            if not exported.is_file() or exported.read_bytes()[:5] != b"%PDF-":
                log.warning(CODE, f"LibreOffice wrote no PDF of {target.name}")
                continue
            lines = (found.get("toc") or []) if isinstance(found, dict) else []
            clean = True
            if lines and not add_toc_page_numbers(target, lines):
                clean = False
                log.warning(
                    CODE,
                    f"{target.name}: the contents LibreOffice made do not match the headings; "
                    "the table of contents is left without page numbers",
                )
            pdf_path = target.with_suffix(".pdf")
            shutil.move(str(exported), pdf_path)
            written[document] = pdf_path
            if clean:
                keep_files(CACHE_KIND, keys[document], {"pdf": pdf_path, "docx": target})
