"""Data-quality issues and the project's own error type.

Every check in the pipeline reports an :class:`Issue` that names where the problem is
(file, sheet, row, column) and what was expected. Errors stop a run; warnings are reported
in the data-quality log and the run goes on. Checks collect all their issues before
anything stops, so one run lists every problem in the inputs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
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

    def errors_at_rows(
        self,
        code: str,
        rows: list[int],
        message: Callable[[int], str],
        more: str,
        limit: int,
        **where: object,
    ) -> None:
        """An error at each of the first ``limit`` of ``rows`` (``message(row)``), then one
        more counting the rest: "... and N <more>"."""
        for row in rows[:limit]:
            self.error(code, message(row), row=row, **where)
        if len(rows) > limit:
            self.error(code, f"... and {len(rows) - limit} {more}", **where)

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

    def collapse_repeats(self) -> None:
        """Merge repeated warnings and infos (:func:`collapse_repeats`) in place."""
        self.issues = collapse_repeats(self.issues)

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


MAX_ROWS_NAMED = 5  # rows named in a collapsed issue
MIN_COLLAPSED = 3  # the same warning on fewer rows is listed row by row
_QUOTED = re.compile(r"'[^']*'")


def collapse_repeats(issues: list[Issue]) -> list[Issue]:
    """Warnings and infos that say the same thing about the same column of the same file
    and sheet on :data:`MIN_COLLAPSED` or more rows become one issue: at the first row, with the count and the
    first rows named (``... (the same in 25 rows: 2, 3, 4, 5, 6 and 20 more)``). Values
    quoted in the messages may differ. Errors are left one per row: each needs a fix."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for n, issue in enumerate(issues):
        if issue.severity == "error" or issue.row is None:
            continue
        key = (issue.severity, issue.code, issue.file, issue.sheet, issue.column,
               _QUOTED.sub("'…'", issue.message))
        groups.setdefault(key, []).append(n)
    merged: dict[int, Issue] = {}
    dropped: set[int] = set()
    for members in groups.values():
        if len(members) < MIN_COLLAPSED:
            continue
        rows = sorted({issues[n].row for n in members})  # type: ignore[type-var]
        named = ", ".join(str(r) for r in rows[:MAX_ROWS_NAMED])
        more = len(rows) - MAX_ROWS_NAMED
        named += f" and {more} more" if more > 0 else ""
        first = issues[members[0]]
        entities = {issues[n].entity for n in members}
        merged[members[0]] = replace(
            first,
            row=rows[0],
            entity=first.entity if len(entities) == 1 else "",
            message=f"{first.message} (the same in {len(rows)} rows: {named})",
        )
        dropped |= set(members[1:])
    return [merged.get(n, issue) for n, issue in enumerate(issues) if n not in dropped]


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

