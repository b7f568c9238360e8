"""All-or-nothing output folders: a run writes into a hidden staging folder next to the
final one and swaps it in only when every file is written, so a failed or killed run
leaves the previous good outputs as they were and never a half-written report."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _clear_stale(final: Path) -> None:
    for stale in final.parent.glob(f".{final.name}.*-*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def staged(*finals: Path) -> Iterator[list[Path]]:
    """Yield one empty staging folder per final folder; on success, replace each final
    folder by its staging folder; on any exception, delete the staging folders."""
    stages: list[Path] = []
    try:
        for final in finals:
            final.parent.mkdir(parents=True, exist_ok=True)
            _clear_stale(final)
            stages.append(Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent)))
        yield stages
    except BaseException:
        for stage in stages:
            shutil.rmtree(stage, ignore_errors=True)
        raise
    for final, stage in zip(finals, stages, strict=True):
        stage.chmod(0o755)
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        if final.exists():
            final.rename(old)
        stage.rename(final)
        shutil.rmtree(old, ignore_errors=True)
