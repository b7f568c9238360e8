"""Data-quality issues and the project's own error type.

Every check in the pipeline reports an :class:`Issue` that names where the problem is
(file, sheet, row, column) and what was expected. Errors stop a run; warnings are reported
in the data-quality log and the run goes on. Checks collect all their issues before
anything stops, so one run lists every problem in the inputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning", "info"]

ISSUE_COLUMNS = ["severity", "code", "file", "sheet", "row", "column", "entity", "message"]


@dataclass(frozen=True)
class Issue:
    """One data-quality finding.

    ``row`` is the row number a person sees when opening the file (1-based, header row
    included), not a pandas index.
    """

    severity: Severity
    code: str
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    entity: str = ""

    def location(self) -> str:
        parts = [self.file or "(no file)"]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.severity.upper()} [{self.code}] {self.location()}: {self.message}"


@dataclass
class IssueLog:
    """An ordered collection of issues, shared by every stage of a run."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    def error(self, code: str, message: str, **where: object) -> None:
        self.add(Issue("error", code, message, **where))  # type: ignore[arg-type]

    def warning(self, code: str, message: str, **where: object) -> None:
        self.add(Issue("warning", code, message, **where))  # type: ignore[arg-type]

    def info(self, code: str, message: str, **where: object) -> None:
        self.add(Issue("info", code, message, **where))  # type: ignore[arg-type]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)

    def counts(self) -> dict[str, int]:
        return {s: sum(i.severity == s for i in self.issues) for s in ("error", "warning", "info")}

    def to_frame(self) -> pd.DataFrame:
        """The log as a table with :data:`ISSUE_COLUMNS`, errors first."""
        frame = pd.DataFrame([asdict(i) for i in self.issues], columns=ISSUE_COLUMNS)
        order = {"error": 0, "warning": 1, "info": 2}
        frame["row"] = frame["row"].astype("Int64")
        return frame.sort_values("severity", key=lambda s: s.map(order), kind="stable").reset_index(
            drop=True
        )

    def __len__(self) -> int:
        return len(self.issues)


class PipelineError(Exception):
    """The pipeline's own error: raised with every issue that stopped the run."""

    def __init__(self, issues: Iterable[Issue] | str):
        if isinstance(issues, str):
            issues = [Issue("error", "error", issues)]
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class SpecError(PipelineError):
    """A survey definition or the registry is malformed."""


class OutputError(PipelineError):
    """The outputs could not be written (disk full, no permission, ...); the previous
    outputs are left as they were."""


class UsageError(Exception):
    """The command was called wrongly (exit code 2)."""


class BusyError(PipelineError):
    """Another run is writing the same round's outputs (it holds the round's lock)."""

