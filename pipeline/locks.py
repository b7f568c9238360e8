"""One run per round: a lock file next to the round's output folder names the process
that holds it (pid, host, since when, command), so that a second run of the same round
says who is writing it and stops cleanly instead of swapping folders under the first. A
lock left by a process that is gone (killed, machine restarted) is taken over."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pipeline.errors import BusyError, Issue
from pipeline.printable import printable
from pipeline.staging import check_output_path


def lock_path(final: Path) -> Path:
    """The lock file of the output folder ``final``: ``.<name>.lock`` beside it."""
    return final.with_name(f".{final.name}.lock")


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (Linux), to tell it from a later one with the same id."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def _alive(holder: dict[str, object]) -> bool:
    """True unless the lock's holder is known to be gone (same host, no such process, or
    another process that reuses its id)."""
    if holder.get("host") != socket.gethostname():
        return True  # another machine (a shared drive): cannot tell
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: cannot tell
        return True
    try:
        pid = int(str(holder.get("pid")))
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    except ValueError:
        return False
    started = holder.get("started")
    return not started or started == _start_time(pid)


def _read_lock(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # being written, or half-written by a process killed then
        try:
            fresh = time.time() - path.stat().st_mtime < 10
        except OSError:
            return None
        return {"pid": "?", "host": "?", "since": "a moment ago"} if fresh else {}
    return data if isinstance(data, dict) else {}


@contextmanager
def round_lock(final: Path, what: str) -> Iterator[None]:
    """Hold the lock of the output folder ``final`` (``what`` names it in messages) while
    the block runs: a second run of the same round stops with :class:`BusyError` naming
    the process that holds it; a lock left by a process that is gone is taken over."""
    check_output_path(final)
    created = [folder for folder in final.parents if not folder.exists()][::-1]
    final.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(final)
    me = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": _start_time(os.getpid()),
        "since": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "command": printable(" ".join([Path(sys.argv[0]).name, *sys.argv[1:]]))[:300],
    }
    for _ in range(5):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            holder = _read_lock(path)
            if holder is None:
                continue  # released meanwhile: try again
            if holder and (holder.get("pid") == "?" or _alive(holder)):
                raise BusyError(  # noqa: B904 (the lock file existing is no error of ours)
                    [
                        Issue(
                            "error",
                            "round-busy",
                            f"{what} is being written by another run: process "
                            f"{printable(holder.get('pid'))} on {printable(holder.get('host'))}, "
                            f"since {printable(holder.get('since'))} "
                            f"({printable(holder.get('command', ''))}). Wait for it to finish; if "
                            f"no such run is going on, delete {path}",
                            file=str(final),
                        )
                    ]
                )
            if _read_lock(path) == holder:  # stale: taken over, unless another run did first
                with suppress(FileNotFoundError):
                    path.unlink()
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(me, handle)
        break
    else:
        raise BusyError([Issue("error", "round-busy", f"{what}: could not take the lock {path}", file=str(final))])
    try:
        yield
    finally:
        if _read_lock(path) == me:
            with suppress(FileNotFoundError):
                path.unlink()
        for folder in reversed(created):  # a run that wrote nothing leaves no empty folders
            with suppress(OSError):
                folder.rmdir()
