"""What an interrupted command is (stdlib only, light to import): SIGTERM raised as
:class:`Terminated`, handled like Ctrl-C, and the exit codes of both. The entry point
(:mod:`pipeline.console`) and the command line (:mod:`pipeline.cli`) share them without
importing each other's module."""

from __future__ import annotations

EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM); handled like Ctrl-C."""
