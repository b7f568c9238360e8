"""Update the indexes of Word documents in LibreOffice and export them as PDF.

This file is run as a script by a Python that can ``import uno`` (LibreOffice's own, or
the system one with python3-uno), never imported by the pipeline, which runs it through
:mod:`pipeline.report.office` with a time limit. It takes one argument, a JSON job file::

    {"soffice": "/usr/bin/soffice", "profile": "/tmp/.../profile",
     "documents": [{"docx": "/abs/report.docx", "pdf": "/abs/report.pdf.part"}]}

It starts LibreOffice headless with its own throw-away profile (or, when the job names a
``"listener"``, ``{"pipe": name, "pid": process id}``, connects to the LibreOffice already
listening on that pipe and leaves it running), opens each document hidden, updates every
index (the table of contents gets its page numbers), exports the PDF to the path given
and prints, per document, the lines of its first table of contents as JSON on standard
output: ``{"documents": [{"toc": ["Heading\\t3", ...]}]}``. The
.docx itself is not stored back: the pipeline writes the page numbers into its own file,
which keeps the styles it wrote (LibreOffice would rewrite them in its own way).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]


def _props(**values: object) -> tuple:
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


LISTENER_GONE = 3  # exit status: the listener named by the job is not running


def _listening(pid: int) -> bool:
    """Whether process ``pid`` runs (not ended, nor a zombie waiting for its parent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _connect(pipe: str, office: subprocess.Popen | None, wait_s: float = 60.0, pid: int = 0):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if office is not None and office.poll() is not None:
                raise SystemExit(f"LibreOffice stopped on start (exit {office.returncode})") from None
            if office is None and not _listening(pid):
                sys.stderr.write("the LibreOffice listener is not running\n")
                raise SystemExit(LISTENER_GONE) from None
            if time.monotonic() > deadline:
                raise SystemExit(f"LibreOffice did not answer within {wait_s:.0f} s") from None
            time.sleep(0.25)


def _toc_lines(doc) -> list[str]:
    indexes = doc.getDocumentIndexes()
    for i in range(indexes.getCount()):
        index = indexes.getByIndex(i)
        if index.supportsService("com.sun.star.text.ContentIndex"):
            text = index.getAnchor().getString()
            return [line for line in text.replace("\r", "\n").split("\n") if line.strip()]
    return []


def process(job: dict) -> dict:
    listener = job.get("listener")
    office = None
    if listener:  # a LibreOffice started before, shared with other jobs: left running
        pipe, pid = str(listener["pipe"]), int(listener["pid"])
    else:
        profile = Path(job["profile"]).resolve().as_uri()
        pipe, pid = f"emg_office_{Path(job['profile']).parent.name}", 0
        office = subprocess.Popen(  # as office.py starts a listener
            [
                job["soffice"], "--headless", "--invisible", "--nologo", "--norestore",
                "--nodefault", "--nolockcheck", f"-env:UserInstallation={profile}",
                f"--accept=pipe,name={pipe};urp;",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    out = []
    try:
        context = _connect(pipe, office, pid=pid)
        desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context
        )
        for item in job["documents"]:
            url = Path(item["docx"]).resolve().as_uri()
            doc = desktop.loadComponentFromURL(url, "_blank", 0, _props(Hidden=True))
            if doc is None:
                raise SystemExit(f"LibreOffice could not open {item['docx']}")
            try:
                indexes = doc.getDocumentIndexes()
                for i in range(indexes.getCount()):
                    indexes.getByIndex(i).update()
                doc.getTextFields().refresh()
                doc.refresh()
                lines = _toc_lines(doc)
                pdf = Path(item["pdf"]).resolve().as_uri()
                doc.storeToURL(pdf, _props(FilterName="writer_pdf_Export"))
            finally:
                doc.close(True)
            out.append({"toc": lines})
        if office is None:
            return {"documents": out}
        with suppress(Exception):  # the bridge may drop as the office quits
            desktop.terminate()
        office.wait(30)
    finally:
        if office is not None and office.poll() is None:
            office.kill()
            office.wait()
    return {"documents": out}


if __name__ == "__main__":
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    sys.stdout.write(json.dumps(process(job)) + "\n")
