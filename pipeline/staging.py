"""All-or-nothing output folders: a run writes into hidden staging folders next to the
final ones and swaps them in only when every file is written, so a failed or killed run
leaves the previous good outputs as they were and never a half-written report.

A run that writes several folders (the round's outputs and its processed tables) swaps
them together: a journal next to the last folder lists every swap before the first one
starts and is removed once all are done. When a swap fails the ones already done are
undone at once; when the process is killed half-way, the next run of the round finds the
journal and undoes them (:func:`recover`), so the tables of one run never stand beside
the report of another. One run per round at a time (:func:`round_lock`).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from pipeline.errors import Issue, OutputError
from pipeline.printable import printable

TMPDIR_ADVICE = "or set TMPDIR to a folder on a disk with room"
REASONS = {
    errno.ENOSPC: ("the disk is full", "free some disk space and run again"),
    errno.EDQUOT: ("the disk quota is exceeded", "free some disk space and run again"),
    errno.EACCES: ("permission denied", "check that you may write to this folder"),
    errno.EPERM: ("permission denied", "check that you may write to this folder"),
    errno.EROFS: ("the disk is read-only", "write the outputs to another --root"),
    errno.EFBIG: (
        "a file is larger than this system lets a process write (file size limit)",
        "raise the limit ('ulimit -f unlimited' in the shell that runs the pipeline) "
        "or write the outputs to another --root on a file system that takes large files",
    ),
    errno.ENOTDIR: (
        "a part of the path is a file, not a folder",
        "move that file away or write the outputs to another --root",
    ),
    errno.ENAMETOOLONG: ("the path is too long", "use a shorter --root or round id"),
    errno.EIO: ("the disk reported an input/output error", "check the disk, then run again"),
}


def describe_os_error(exc: OSError, in_tempdir: bool = False) -> tuple[str, str]:
    """``(reason, advice)`` for a failed read or write, in words a user understands. A
    write into the temporary folder (``in_tempdir``: TMPDIR, where the workbook writer
    streams its sheets) says so, with where else to point TMPDIR."""
    reason, advice = REASONS.get(exc.errno or 0, (exc.strerror or str(exc), "run again"))
    if in_tempdir:
        reason = f"{reason} in the temporary folder {tempfile.gettempdir()} (TMPDIR)"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            advice = f"free some space there {TMPDIR_ADVICE}"
    return reason, advice


def _in_tempdir(path: Path) -> bool:
    try:
        return path.is_relative_to(tempfile.gettempdir())
    except (OSError, ValueError):
        return False


def as_os_error(exc: BaseException) -> OSError | None:
    """The operating-system error behind ``exc``, when it is one in disguise: lxml (used
    by openpyxl's write-only sheets, which stream to TMPDIR) reports a failed write as
    ``SerialisationError('IO_ENOSPC')``, not as an :class:`OSError`."""
    if isinstance(exc, OSError):
        return exc
    if type(exc).__name__ == "SerialisationError":
        found = re.search(r"IO_(E[A-Z0-9]+)", str(exc))
        code = getattr(errno, found.group(1), None) if found else None
        if code is None:  # lxml names only some errors: a generic write failure
            code = errno.EIO
        return OSError(code, os.strerror(code), os.path.join(tempfile.gettempdir(), ""))
    cause = exc.__cause__  # raised explicitly from an OSError
    return as_os_error(cause) if cause is not None and cause is not exc else None


# -- names of a round's hidden folders ------------------------------------------------
def _own(final: Path, entry: str) -> bool:
    """True when ``entry`` is a hidden staging or parked folder of ``final`` itself, not of
    another round whose id starts the same (2026-R1 and 2026-R1.v2)."""
    return re.fullmatch(rf"\.{re.escape(final.name)}\.(tmp-[a-z0-9_]+|old-[0-9]+)", entry) is not None


def journal_path(finals: Sequence[Path]) -> Path:
    """The journal of a swap of ``finals``: ``.<name>.swap.json`` beside the last one."""
    return finals[-1].with_name(f".{finals[-1].name}.swap.json")


def _pending(journal: Path) -> Path:
    return journal.with_name(journal.name + ".tmp-new")


# -- checks of the paths themselves --------------------------------------------------------
def check_output_path(final: Path) -> None:
    """Raise :class:`OutputError` when ``final`` cannot be an output folder as it is: a
    symbolic link (a run replaces the folder and would leave the link behind), a file, or
    a file where one of its parent folders should be."""
    problem = ""
    if final.is_symlink():
        target = printable(os.readlink(final))
        problem = (
            f"is a symbolic link (to {target}); a run replaces this folder as a whole, so it "
            "must be a real folder: remove the link, or link the 'outputs' folder above it instead"
        )
    elif final.exists() and not final.is_dir():
        problem = "is a file, not a folder: move or rename that file, then run again"
    else:
        for parent in final.parents:
            if parent.is_dir():
                break
            if parent.exists() or parent.is_symlink():
                kind = "a broken symbolic link" if not parent.exists() else "a file"
                raise OutputError(
                    [
                        Issue(
                            "error",
                            "output-path",
                            f"cannot write the outputs: '{printable(parent)}' is {kind}, not "
                            "a folder; move or rename it, or write the outputs to another --root",
                            file=str(final),
                        )
                    ]
                )
    if problem:
        raise OutputError(
            [Issue("error", "output-path", f"cannot write the outputs: this path {problem}", file=str(final))]
        )


# -- recovery ----------------------------------------------------------------------------
def recover(*finals: Path) -> bool:
    """Put the folders ``finals`` back as they were before a run that was killed while
    swapping them in (its journal is still there), then remove what killed runs left of
    these folders (staging and parked folders matched by exact name). Call it holding the
    round's lock. Returns True when an interrupted swap was undone."""
    journal = journal_path(finals)
    undone = False
    with suppress(FileNotFoundError):  # a journal being written when the run was killed
        _pending(journal).unlink()
    if journal.exists():
        try:
            pairs = json.loads(journal.read_text(encoding="utf-8"))["pairs"]
        except (OSError, ValueError, KeyError, TypeError):
            pairs = []  # written half-way: no swap had started
        _rollback(pairs)
        journal.unlink()
        undone = bool(pairs)
    for final in finals:
        if not final.parent.is_dir():
            continue
        own = sorted(p for p in final.parent.iterdir() if _own(final, p.name))
        olds = [p for p in own if p.name.startswith(f".{final.name}.old-")]
        if olds and not final.exists() and not final.is_symlink():
            olds[-1].rename(final)  # killed between the two renames of an older version
        for stale in own:
            if stale.exists():
                shutil.rmtree(stale, ignore_errors=True)
    return undone


def _rollback(pairs: list[dict[str, object]]) -> None:
    """Undo the swaps of a journal, last first; each step can be repeated safely."""
    for pair in reversed(pairs):
        parent = Path(str(pair["parent"]))
        final, stage, old = (parent / str(pair[k]) for k in ("final", "stage", "old"))
        if old.exists():
            if final.exists():
                if stage.exists():
                    shutil.rmtree(final)
                else:
                    final.rename(stage)
            old.rename(final)
        elif not pair["existed"] and final.exists() and not stage.exists():
            final.rename(stage)  # the first run of the round: its new folder taken out
        shutil.rmtree(stage, ignore_errors=True)


def _commit(finals: Sequence[Path], stages: Sequence[Path]) -> None:
    """Swap every staging folder in, all or none (see the module's docstring)."""
    pairs = [
        {
            "parent": str(final.parent),
            "final": final.name,
            "stage": stage.name,
            "old": f".{final.name}.old-{os.getpid()}",
            "existed": final.exists(),
        }
        for final, stage in zip(finals, stages, strict=True)
    ]
    journal = journal_path(finals)
    pending = _pending(journal)
    pending.write_text(json.dumps({"pid": os.getpid(), "pairs": pairs}), encoding="utf-8")
    os.replace(pending, journal)  # from here the swap is undone if it does not finish
    try:
        for pair, final, stage in zip(pairs, finals, stages, strict=True):
            stage.chmod(0o755)
            if pair["existed"]:
                final.rename(final.parent / str(pair["old"]))
            stage.rename(final)
    except BaseException:
        try:
            _rollback(pairs)
            journal.unlink()
        except OSError:  # left for the next run's recover()
            pass
        raise
    journal.unlink()  # the swap is done
    for pair in pairs:
        shutil.rmtree(Path(str(pair["parent"])) / str(pair["old"]), ignore_errors=True)


def _write_error(exc: OSError, finals: Sequence[Path], stages: Sequence[Path]) -> OutputError:
    """The failed write as an :class:`OutputError` naming the final folder (never the
    hidden staging folder) and the file being written."""
    written = Path(os.fsdecode(exc.filename)) if exc.filename else None
    temporary = bool(
        written
        and written.is_absolute()
        and not any(written.is_relative_to(final.parent) for final in finals)
        and _in_tempdir(written)
    )
    reason, advice = describe_os_error(exc, temporary)
    folder, detail = finals[-1], ""
    if written and not temporary:
        folder = written if written.is_absolute() else finals[-1]
        if not written.is_absolute():
            detail = f" while writing {written.as_posix()}"
        for final, stage in zip(finals, stages, strict=False):
            if written.is_relative_to(stage) and written != stage:
                folder, detail = final, f" while writing {written.relative_to(stage).as_posix()}"
        for final in finals:
            if written == final or (written.parent == final.parent and written.name.startswith(f".{final.name}.")):
                folder = final
    message = (
        f"cannot write the outputs: {reason}{printable(detail)}; {advice}. Nothing was "
        "replaced: the previous outputs are as they were"
    )
    return OutputError([Issue("error", "output-write-failed", message, file=str(folder))])


@contextmanager
def staged(*finals: Path) -> Iterator[list[Path]]:
    """Yield one empty staging folder per final folder; on success, replace the final
    folders by their staging folders, all together; on any exception, delete the staging
    folders. A failed read or write (:class:`OSError`: disk full, permission denied, file
    size limit; also lxml's errors for a full TMPDIR) is raised as an
    :class:`~pipeline.errors.OutputError` naming the folder and the reason; a path that
    cannot hold the outputs (a symbolic link, a file) is named the same way."""
    for final in finals:
        check_output_path(final)
    stages: list[Path] = []
    try:
        for final in finals:
            final.parent.mkdir(parents=True, exist_ok=True)
        recover(*finals)
        for final in finals:
            stages.append(Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent)))
        yield stages
        _commit(finals, stages)
    except BaseException as exc:
        for stage in stages:
            shutil.rmtree(stage, ignore_errors=True)
        cause = as_os_error(exc) if isinstance(exc, Exception) else None
        if cause is not None and not isinstance(exc, OutputError):
            raise _write_error(cause, finals, stages) from exc
        raise


def place_beside(written: Path, target: Path) -> Path:
    """Move the file ``written`` to ``target``, or, when a file of that name is already
    there (perhaps a questionnaire someone filled in), beside it as ``<stem>-2<suffix>``,
    ``-3``...; an existing file is never replaced. Returns where the file went."""
    for n in range(1, 1000):
        candidate = target if n == 1 else target.with_name(f"{target.stem}-{n}{target.suffix}")
        try:
            os.link(written, candidate)  # fails if the name is taken, atomically
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links: check, then rename
            if candidate.exists() or candidate.is_symlink():
                continue
            os.rename(written, candidate)
            return candidate
        written.unlink()
        return candidate
    raise FileExistsError(errno.EEXIST, "too many files of that name", str(target))
