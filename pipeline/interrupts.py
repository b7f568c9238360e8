"""The command line's exit codes and what an interrupted command is (stdlib only, light
to import): SIGTERM raised as :class:`Terminated`, handled like Ctrl-C. The entry point
(:mod:`pipeline.console`) and the command line (:mod:`pipeline.cli`) share them without
importing each other's module."""

from __future__ import annotations

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_IO, EXIT_BUSY = 0, 1, 2, 3, 4
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM); handled like Ctrl-C."""
