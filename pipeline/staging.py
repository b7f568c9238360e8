"""All-or-nothing output folders: a run writes into a hidden staging folder next to the
final one and swaps it in only when every file is written, so a failed or killed run
leaves the previous good outputs as they were and never a half-written report."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import Issue, OutputError

REASONS = {
    errno.ENOSPC: ("the disk is full", "free some disk space and run again"),
    errno.EDQUOT: ("the disk quota is exceeded", "free some disk space and run again"),
    errno.EACCES: ("permission denied", "check that you may write to this folder"),
    errno.EPERM: ("permission denied", "check that you may write to this folder"),
    errno.EROFS: ("the disk is read-only", "write the outputs to another --root"),
}


def describe_os_error(exc: OSError) -> tuple[str, str]:
    """``(reason, advice)`` for a failed read or write, in words a user understands."""
    reason, advice = REASONS.get(exc.errno or 0, (exc.strerror or str(exc), "run again"))
    return reason, advice


def _clear_stale(final: Path) -> None:
    """Remove what a killed run left next to ``final``; when it was killed in the middle
    of swapping folders, first put the previous outputs back."""
    olds = sorted(final.parent.glob(f".{final.name}.old-*"))
    if olds and not final.exists():
        olds[-1].rename(final)
    for stale in final.parent.glob(f".{final.name}.*-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _swap(final: Path, stage: Path) -> None:
    """Replace ``final`` by ``stage`` (two renames); on failure ``final`` is left as it was."""
    stage.chmod(0o755)
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(old)
    try:
        stage.rename(final)
    except BaseException:
        if old.exists() and not final.exists():
            old.rename(final)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_error(exc: OSError, finals: Sequence[Path], stages: Sequence[Path]) -> OutputError:
    """The failed write as an :class:`OutputError` naming the final folder (never the
    hidden staging folder) and the file being written."""
    reason, advice = describe_os_error(exc)
    folder, detail = finals[-1], ""
    if exc.filename:
        written = Path(os.fsdecode(exc.filename))
        folder = written if written.is_absolute() else finals[-1]
        if not written.is_absolute():
            detail = f" while writing {written.as_posix()}"
        for final, stage in zip(finals, stages, strict=False):
            if written.is_relative_to(stage) and written != stage:
                folder, detail = final, f" while writing {written.relative_to(stage).as_posix()}"
        for final in finals:
            if written == final or (
                written.parent == final.parent and written.name.startswith(f".{final.name}.")
            ):
                folder = final
    message = (
        f"cannot write the outputs: {reason}{detail}; {advice}. Nothing was replaced: "
        "the previous outputs are as they were"
    )
    return OutputError([Issue("error", "output-write-failed", message, file=str(folder))])


@contextmanager
def staged(*finals: Path) -> Iterator[list[Path]]:
    """Yield one empty staging folder per final folder; on success, replace each final
    folder by its staging folder; on any exception, delete the staging folders. A failed
    read or write (:class:`OSError`: disk full, permission denied) is raised as an
    :class:`~pipeline.errors.OutputError` naming the folder and the reason."""
    stages: list[Path] = []
    try:
        for final in finals:
            final.parent.mkdir(parents=True, exist_ok=True)
            _clear_stale(final)
            stages.append(Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent)))
        yield stages
        for final, stage in zip(finals, stages, strict=True):
            _swap(final, stage)
    except OSError as exc:  # disk full, no permission...: a message, not a traceback
        for stage in stages:
            shutil.rmtree(stage, ignore_errors=True)
        raise _write_error(exc, finals, stages) from exc
    except BaseException:
        for stage in stages:
            shutil.rmtree(stage, ignore_errors=True)
        raise
