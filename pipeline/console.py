"""The entry point of the ``emg-pipeline`` command (and ``python -m pipeline``).

Kept apart from :mod:`pipeline.cli` and light to import, so that Ctrl-C or SIGTERM in
the first moments, while pandas and the rest load, ends the command with a message and
an exit code instead of a traceback. SIGTERM (a CI cancel, ``timeout``, ``kill``) is
handled like Ctrl-C at every step: staging folders are removed, the previous outputs
stay as they were; the exit code is 143 (Ctrl-C: 130).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from types import FrameType

from pipeline.interrupts import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; ``argv`` defaults to ``sys.argv[1:]`` (then, as the process's
    entry point, Ctrl-C and SIGTERM are ignored once the command has answered, so that
    one arriving while Python shuts down prints no traceback either)."""
    try:
        signal.signal(signal.SIGTERM, _terminate)
        from pipeline.cli import main as run

        return run(argv)
    except Terminated:
        _done(argv)
        sys.stderr.write("Terminated (SIGTERM); nothing was written.\n")
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        _done(argv)
        sys.stderr.write("Interrupted; nothing was written.\n")
        return EXIT_INTERRUPTED
    finally:
        _done(argv)


def _done(argv: Sequence[str] | None) -> None:
    if argv is None:  # the process is ending: a late signal changes nothing
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
