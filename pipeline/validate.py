"""Data-quality checks on a round's canonical wide tables: ``RawRound`` -> issues.

:func:`validate` appends an :class:`~pipeline.errors.Issue` to the log for every problem it
finds, naming the file, sheet, row and column a person opens to fix it: unknown or missing
entities, required answers left empty, answers that are not among the choices (with the
closest valid choices suggested), numbers that are not numbers or out of range, invalid
e-mail addresses, answers given to skipped questions, inconsistent rankings, orphan repeat
rows, empty submissions, duplicate submissions of one entity and old form versions.
Errors stop a run; warnings and infos are reported. Nothing is raised for bad data.

The cell-level checks (:mod:`pipeline.cell_checks`) are shared with
:mod:`pipeline.normalise`, so that what is reported and what is kept never disagree; the
checks across columns and rows are here. All work on whole columns; Python objects are only
built for the bad cells. Values of personal fields (``personal: true``) never appear in a
message.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.cell_checks import (
    CellProblem,
    CheckedField,
    check_fields,
    number_text,
    prepare_table,
    quoted,
    same_message,
)
from pipeline.crosschecks import check_rows, round_year, survey_checks
from pipeline.errors import Issue, IssueLog, Severity
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey
from pipeline.tables import FIELD_ROW_PREFIX, META_COLUMNS, REPEAT_META_COLUMNS, RawRound

MAX_LISTED_FIELDS = 12  # conflicting fields named in a duplicate-submission message
MAX_LISTED_PLACES = 6  # submissions of one entity named in a duplicate-submission message


@dataclass
class CheckedTable:
    """A canonical table as checked by :func:`validate` (a fresh 0..n-1 index, every meta
    column present) and its checked fields, for :func:`pipeline.normalise.normalise` to
    reuse instead of checking every cell again."""

    frame: pd.DataFrame
    fields: dict[str, CheckedField]


@dataclass
class CheckedRound:
    """What :func:`validate` checked: the main table and each repeat section's table."""

    main: CheckedTable
    repeats: dict[str, CheckedTable] = dataclass_field(default_factory=dict)


# -- checks across columns and rows ------------------------------------------------------


def rank_groups(survey: Survey, repeat: str | None = None) -> dict[str, list[FormField]]:
    """The fields of each rank question (one integer field per ranked option)."""
    rank_ids = {q.id for s in survey.model.sections for q in s.questions if q.type == "rank"}
    groups: dict[str, list[FormField]] = {}
    for f in survey.fields(repeat):
        if f.question in rank_ids:
            groups.setdefault(f.question, []).append(f)
    return groups


def _section_label(survey: Survey, question_id: str) -> str:
    """The label of the section that asks ``question_id``."""
    for section in survey.model.sections:
        if any(q.id == question_id for q in section.questions):
            return section.label
    return question_id


def check_ranks(
    checked: dict[str, CheckedField], survey: Survey, groups: dict[str, list[FormField]]
) -> tuple[list[CellProblem], dict[str, pd.Series]]:
    """Ranks within one row must be distinct and complete (or all blank).

    Out: the problems (ties -> error, partly blank -> warning) and, per rank question, a
    bool Series of the rows whose ranking has ties (normalise blanks those rankings).
    """
    problems: list[CellProblem] = []
    tied_rows: dict[str, pd.Series] = {}
    for question, group in groups.items():
        index = checked[group[0].name].values.index
        ranks = np.column_stack(
            [
                checked[f.name].values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
                for f in group
            ]
        )
        answered = np.column_stack([checked[f.name].answered.to_numpy(dtype=bool) for f in group])
        ordered = np.sort(ranks, axis=1)
        tied = (ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
        n_answered = answered.sum(axis=1)
        partial = (n_answered > 0) & (n_answered < len(group))
        tied_rows[question] = pd.Series(tied, index=index)
        options = [
            survey.choice_labels(f.dimension_set or "").get(f.dimension or "", f.name)
            for f in group
        ]
        what = f"the ranking in {quoted(_section_label(survey, question))}"
        tie_messages, tie_columns = {}, {}
        for i in np.flatnonzero(tied):
            values, counts = np.unique(ranks[i][~np.isnan(ranks[i])], return_counts=True)
            clauses, columns = [], []
            for value in values[counts > 1]:
                hits = np.flatnonzero(ranks[i] == value)
                clauses.append(
                    f"rank {number_text(value)} is given to "
                    + " and ".join(options[j] for j in hits)
                )
                columns += [group[j].name for j in hits]
            tie_messages[index[i]] = (
                f"{what}: " + "; ".join(clauses) + f"; expected each option a different rank "
                f"from 1 to {len(group)}"
            )
            tie_columns[index[i]] = ", ".join(columns)
        part_messages, part_columns = {}, {}
        for i in np.flatnonzero(partial):
            blank = np.flatnonzero(~answered[i])
            part_messages[index[i]] = (
                f"{what}: {n_answered[i]} of {len(group)} options ranked; expected every option "
                "ranked or none (not ranked: " + ", ".join(options[j] for j in blank) + ")"
            )
            part_columns[index[i]] = ", ".join(group[j].name for j in blank)
        if tie_messages:
            problems.append(
                CellProblem(
                    "error", "rank-duplicate", pd.Series(tie_messages), pd.Series(tie_columns)
                )
            )
        if part_messages:
            problems.append(
                CellProblem(
                    "warning", "rank-incomplete", pd.Series(part_messages), pd.Series(part_columns)
                )
            )
    return problems, tied_rows


def blank_rows(
    checked: dict[str, CheckedField], skip: frozenset[str] | set[str] = frozenset()
) -> pd.Series:
    """True for rows where every checked field except those in ``skip`` is unanswered."""
    columns = [c.answered.to_numpy(dtype=bool) for name, c in checked.items() if name not in skip]
    first = next(iter(checked.values()))
    if not columns:
        return pd.Series(True, index=first.values.index)
    return pd.Series(~np.column_stack(columns).any(axis=1), index=first.values.index)


def submission_times(main: pd.DataFrame) -> pd.Series:
    """``_submitted_at`` parsed as UTC datetimes (NaT where missing or unreadable)."""
    text = main["_submitted_at"].astype("string").str.strip()
    return pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")


def source_rows(frame: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(frame["_source_row"], errors="coerce").astype("Int64")


def latest_order(main: pd.DataFrame, candidates: pd.Series) -> pd.DataFrame:
    """Rows where ``candidates`` holds, oldest first: by submission time (missing times
    first), then file and row (the later file/row wins a tie). Columns: at, file, row."""
    order = pd.DataFrame(
        {
            "at": submission_times(main),
            "file": main["_source_file"].astype("string").fillna(""),
            "row": source_rows(main).fillna(0),
        }
    )[candidates.to_numpy(dtype=bool)]
    return order.sort_values(["at", "file", "row"], na_position="first", kind="stable")


def choose_latest(
    main: pd.DataFrame, entity_ids: pd.Series, candidates: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Latest wins: of each entity's candidate submissions keep the latest.

    Out: ``kept`` (bool per row) and ``n_submissions`` (Int64 per row: how many candidate
    submissions the row's entity sent; NA for non-candidates).
    """
    candidates = candidates & entity_ids.notna()
    order = latest_order(main, candidates)
    ids = entity_ids.loc[order.index]
    kept_index = ids.groupby(ids, sort=False).tail(1).index
    kept = pd.Series(False, index=main.index)
    kept.loc[kept_index] = True
    counts = ids.map(ids.value_counts())
    n = pd.Series(pd.NA, index=main.index, dtype="Int64")
    n.loc[counts.index] = counts.astype("Int64")
    return kept, n


# -- issues ---------------------------------------------------------------------------------


class _Where:
    """Where each row of a table came from, to turn problems into located issues."""

    def __init__(self, frame: pd.DataFrame, entity_ids: pd.Series):
        self.file = frame["_source_file"].astype("string").fillna("")
        self.sheet = frame["_source_sheet"].astype("string").fillna("")
        self.row = source_rows(frame)
        self.field_rows = {  # rows of single answers where a reader gives them
            c.removeprefix(FIELD_ROW_PREFIX): pd.to_numeric(frame[c], errors="coerce").astype("Int64")
            for c in frame.columns
            if c.startswith(FIELD_ROW_PREFIX)
        }
        self.entity = entity_ids.astype("string").fillna("")

    def issues(self, problem: CellProblem) -> list[Issue]:
        index = problem.messages.index
        if isinstance(problem.column, pd.Series):
            columns = problem.column.reindex(index).fillna("").tolist()
        else:
            columns = [problem.column] * len(index)
        rows = self.row.loc[index]
        if isinstance(problem.column, str) and problem.column in self.field_rows:
            rows = self.field_rows[problem.column].loc[index].fillna(rows)
        rows = rows.tolist()
        return [
            Issue(
                problem.severity,
                problem.code,
                str(message),
                file=file,
                sheet=sheet,
                row=None if pd.isna(row) else int(row),
                column=column,
                entity=entity,
            )
            for message, file, sheet, row, column, entity in zip(
                problem.messages.tolist(),
                self.file.loc[index].tolist(),
                self.sheet.loc[index].tolist(),
                rows,
                columns,
                self.entity.loc[index].tolist(),
                strict=True,
            )
        ]


def _field_issues(
    checked: dict[str, CheckedField],
    where: _Where,
    skip_rows: pd.Series,
    table: str,
    always_required: frozenset[str] | set[str] = frozenset(),
) -> list[Issue]:
    """Issues of every checked column; required/entity errors are left out on ``skip_rows``
    (reported once as blank rows instead). An absent required column is one issue."""
    issues: list[Issue] = []
    for name, c in checked.items():
        if not c.present:
            if len(c.values) and (c.field.required or name in always_required):
                issues.append(
                    Issue(
                        "error",
                        "column-missing",
                        f"{quoted(c.field.label)}: no column '{name}' in {table}; "
                        "the question is required",
                        column=name,
                    )
                )
            continue
        for problem in c.problems:
            if problem.code in {"required-missing", "entity-missing"}:
                keep = ~skip_rows.reindex(problem.messages.index).to_numpy(dtype=bool)
                problem = CellProblem(
                    problem.severity, problem.code, problem.messages[keep], problem.column
                )
            issues.extend(where.issues(problem))
    return issues


def _places(main: pd.DataFrame) -> pd.Series:
    """Where each row is: 'file row N' ('(no file)' when the file is missing)."""
    files = main["_source_file"].astype("string").fillna("(no file)")
    return (files + " row " + main["_source_row"].astype("string")).fillna(files)


def _duplicate_issues(
    main: pd.DataFrame,
    checked: dict[str, CheckedField],
    ids: pd.Series,
    candidates: pd.Series,
    where: _Where,
    survey: Survey,
    registry: Registry,
) -> list[Issue]:
    """One issue per entity that sent several submissions: which is kept, what differs."""
    candidates = candidates & ids.notna()
    counts = ids[candidates].value_counts()
    several = counts[counts > 1].index
    if len(several) == 0:
        return []
    order = latest_order(main, candidates & ids.isin(several))
    compared = [
        name
        for name, c in checked.items()
        if not c.field.personal and name != survey.entity_field.name
    ]
    typed = pd.DataFrame(
        {name: checked[name].values.loc[order.index].astype("string") for name in compared}
    )
    differs = typed.groupby(ids.loc[order.index].to_numpy()).nunique(dropna=False) > 1
    rows_of = pd.Series(order.index, index=ids.loc[order.index].to_numpy()).groupby(level=0)
    rows_of = {entity: pd.Index(group.to_numpy()) for entity, group in rows_of}
    place_of = dict(zip(order.index, _places(main.loc[order.index]).tolist(), strict=True))
    acronyms = registry.acronyms()
    differs_of = dict(zip(differs.index, differs[compared].to_numpy(dtype=bool), strict=True))
    at_of = dict(zip(order.index, order["at"], strict=True))  # looked up per entity below
    issues: list[Issue] = []
    for entity in sorted(several):
        rows = rows_of[entity]
        kept = rows[-1]
        when = _which_kept(at_of, rows, place_of)
        places = [place_of[i] for i in rows[-MAX_LISTED_PLACES:]]
        if len(rows) > MAX_LISTED_PLACES:
            places.insert(0, f"{len(rows) - MAX_LISTED_PLACES} earlier ones")
        message = (
            f"{acronyms.get(entity, entity)} sent {len(rows)} submissions ({', '.join(places)}); {when}"
        )
        changed = [name for name, d in zip(compared, differs_of[entity], strict=True) if d]
        severity: Severity = "info"
        if changed:
            severity = "warning"
            named = [
                f"{name} ({quoted(checked[name].field.label)})"
                for name in changed[:MAX_LISTED_FIELDS]
            ]
            more = len(changed) - MAX_LISTED_FIELDS
            message += "; their answers differ in " + ", ".join(named)
            message += f" and {more} more field(s)" if more > 0 else ""
        issues.append(
            Issue(
                severity,
                "duplicate-submission",
                message,
                file=where.file.at[kept],
                sheet=where.sheet.at[kept],
                row=None if pd.isna(where.row.at[kept]) else int(where.row.at[kept]),
                column=survey.entity_field.name,
                entity=entity,
            )
        )
    return issues


def _which_kept(at_of: dict[object, Any], rows: pd.Index, place_of: dict[object, str]) -> str:
    """Which of an entity's submissions is kept, and by which rule: the latest time, or,
    when the latest time is shared (a tie) or missing, the order the files were read in
    (file name, then row): the last one read wins. ``at_of``: each row's submission time
    (NaT when missing), ``rows`` the entity's rows oldest first."""
    kept = rows[-1]
    at = at_of[kept]
    if pd.isna(at):
        return (
            "none has a submission time, so the order the files were read in (file name, "
            f"then row) decided: the last one read, {place_of[kept]}, is kept"
        )
    tied = sum(1 for row in rows if at_of[row] == at)
    if tied > 1:
        return (
            f"{tied} of them have the same, latest submission time "
            f"({at:%Y-%m-%d %H:%M:%S} UTC): a tie, decided by the order the files were read "
            f"in (file name, then row): the last one read, {place_of[kept]}, is kept; check "
            "with the agency which one it meant"
        )
    return f"the latest ({at:%Y-%m-%d %H:%M} UTC) is kept"


def _blank_submission_issues(
    blank: pd.Series, ids: pd.Series, where: _Where, survey: Survey
) -> list[Issue]:
    """All answers blank: an error, or a warning when the entity sent another submission
    with answers (the blank one is then ignored)."""
    if not blank.any():
        return []
    with_answers = set(ids[~blank & ids.notna()])
    superseded = blank & ids.isin(with_answers)
    noun = survey.model.entity_noun
    issues = where.issues(
        CellProblem(
            "error",
            "all-blank",
            same_message(blank & ~superseded, "all answers blank; expected a filled-in submission"),
            survey.entity_field.name,
        )
    )
    issues += where.issues(
        CellProblem(
            "warning",
            "all-blank",
            same_message(
                superseded,
                f"all answers blank; the submission is ignored (the {noun} sent another one "
                "with answers)",
            ),
            survey.entity_field.name,
        )
    )
    return issues


def _meta_issues(
    main: pd.DataFrame, where: _Where, survey: Survey, warned: set[str]
) -> list[Issue]:
    """Submission ids used twice, unreadable submission times (but in the files of
    ``warned``, whose reader named each already), other form versions."""
    issues: list[Issue] = []
    sid = main["_submission_id"].astype("string")
    twice = sid.notna() & sid.duplicated(keep=False)
    issues += where.issues(
        CellProblem(
            "error",
            "duplicate-submission-id",
            "submission id '" + sid[twice] + "' is used by more than one row; expected each "
            "submission to have its own id",
            "_submission_id",
        )
    )
    at_text = main["_submitted_at"].astype("string").str.strip()
    unreadable = at_text.notna() & (at_text != "") & submission_times(main).isna()
    unreadable &= ~main["_source_file"].astype("string").isin(warned).fillna(False).astype(bool)
    issues += where.issues(
        CellProblem(
            "warning",
            "bad-timestamp",
            "submission time '" + at_text[unreadable] + "' is not an ISO 8601 date and time; "
            "the submission counts as the oldest when the latest is chosen",
            "_submitted_at",
        )
    )
    expected = survey.model.form_version
    version = main["_form_version"].astype("string").str.strip()
    other = version.notna() & (version != "") & (version != expected)
    if other.any():
        frame = pd.DataFrame(
            {"file": where.file, "sheet": where.sheet, "version": version, "row": where.row}
        )[other.to_numpy(dtype=bool)]
        for (file, sheet, found), group in frame.groupby(["file", "sheet", "version"], sort=True):
            first = group["row"].min()
            issues.append(
                Issue(
                    "warning",
                    "form-version",
                    f"form version '{found}' in {len(group)} submission(s); this survey's form "
                    f"version is '{expected}': check that the questions match",
                    file=str(file),
                    sheet=str(sheet),
                    row=None if pd.isna(first) else int(first),
                    column="_form_version",
                )
            )
    return issues


def _repeat_issues(
    raw: RawRound,
    main: pd.DataFrame,
    main_ids: pd.Series,
    survey: Survey,
    registry: Registry,
    done: dict[str, CheckedTable] | None = None,
) -> list[Issue]:
    """Issues of the repeat rows; each section's checked table goes into ``done``."""
    issues: list[Issue] = []
    parent_ids = main["_submission_id"].astype("string")
    entity_of = dict(zip(parent_ids[parent_ids.notna()], main_ids[parent_ids.notna()], strict=True))
    for section in survey.repeat_sections:
        frame = raw.repeats.get(section)
        if frame is None or frame.empty:
            continue
        rows = prepare_table(frame, REPEAT_META_COLUMNS)
        sid = rows["_submission_id"].astype("string")
        entity = sid.map(entity_of).astype("string")
        where = _Where(rows, entity)
        orphan = sid.isna() | ~sid.isin(set(entity_of))
        section_label = next(s.label for s in survey.model.sections if s.id == section)
        issues += where.issues(
            CellProblem(
                "error",
                "orphan-repeat",
                same_message(
                    orphan,
                    f"a row of {quoted(section_label)} belongs to no submission (its "
                    "_submission_id matches no main-form row); expected the id of its parent "
                    "submission",
                ),
                "_submission_id",
            )
        )
        checked = check_fields(rows, survey.fields(section), survey, registry)
        if done is not None:
            done[section] = CheckedTable(rows, checked)
        empty = blank_rows(checked)
        issues += where.issues(
            CellProblem(
                "warning",
                "empty-repeat-row",
                same_message(empty, f"an empty row of {quoted(section_label)}; it is ignored"),
                "",
            )
        )
        issues += _field_issues(checked, where, empty, f"the {section} table")
        problems, _ = check_ranks(checked, survey, rank_groups(survey, section))
        for problem in problems:
            issues += where.issues(problem)
    return issues


def validate(
    raw: RawRound,
    survey: Survey,
    registry: Registry,
    log: IssueLog,
    round_id: str | None = None,
) -> CheckedRound:
    """Check a round's canonical wide tables and append every problem to ``log``.

    In: the tables the readers produced (all text), the survey definition and the entity
    registry. Out: issues are appended to ``log`` sorted by file, sheet and row; the
    checked tables are returned, for :func:`pipeline.normalise.normalise` to reuse (pass
    them with the same, unchanged ``raw``).
    Errors (unknown entity, invalid answer, ...) must stop a run; warnings (answers to
    skipped questions, partial rankings, conflicting duplicates, other form versions) and
    infos are reported. ``_extra:`` columns are left alone (the readers report them).
    The survey's cross-field checks (``checks:``) give warnings; ``round_id`` gives the
    year their ``round_year`` bounds stand for.
    """
    main = prepare_table(raw.main, META_COLUMNS)
    fields = survey.fields()
    entity_name = survey.entity_field.name
    checked = check_fields(main, fields, survey, registry)
    ids = checked[entity_name].values
    where = _Where(main, ids)
    blank = blank_rows(checked, skip={entity_name}) if len(main) else pd.Series(dtype=bool)

    issues = _field_issues(checked, where, blank, "the main table", {entity_name})
    problems, _ = check_ranks(checked, survey, rank_groups(survey))
    for problem in problems:
        issues += where.issues(problem)
    issues += _blank_submission_issues(blank, ids, where, survey)
    issues += _duplicate_issues(main, checked, ids, ~blank, where, survey, registry)
    # a reader that parses the tool's timestamps has named each unreadable one already
    warned = {i.file for i in log.issues if i.code == "timestamp-invalid"}
    issues += _meta_issues(main, where, survey, warned)
    repeats: dict[str, CheckedTable] = {}
    issues += _repeat_issues(raw, main, ids, survey, registry, repeats)
    issues += _cross_check_issues(main, checked, ids, repeats, survey, round_id)
    issues.sort(key=lambda i: (i.file, i.sheet, -1 if i.row is None else i.row))
    log.extend(issues)
    return CheckedRound(CheckedTable(main, checked), repeats)


def _cross_check_issues(
    main: pd.DataFrame,
    checked: dict[str, CheckedField],
    ids: pd.Series,
    repeats: dict[str, CheckedTable],
    survey: Survey,
    round_id: str | None,
) -> list[Issue]:
    """Warnings of the survey's cross-field checks (:mod:`pipeline.crosschecks`)."""
    if not survey.model.checks:
        return []
    year = round_year(round_id)
    labels = {f.name: f.label for f in survey.fields("all")}
    issues: list[Issue] = []
    by_year = [
        c.id
        for c in survey.model.checks
        if any(isinstance(b, str) and b.strip().startswith("round_year") for b in (c.min, c.max))
    ]
    if round_id is not None and year is None and by_year:
        issues.append(
            Issue(
                "info",
                "cross-check-skipped",
                f"the round id '{round_id}' holds no year, so the checks {', '.join(by_year)} "
                "(bounded by the round's year) were not made",
            )
        )
    tables = {None: (main, checked, ids)}
    parent = dict(zip(main["_submission_id"].astype("string"), ids, strict=True))
    for section, table in repeats.items():
        entity = table.frame["_submission_id"].astype("string").map(parent)
        tables[section] = (table.frame, table.fields, entity)  # type: ignore[index]
    for section, (frame, fields, entity) in tables.items():
        values = {name: c.values for name, c in fields.items()}
        for check in survey_checks(survey, section):
            if len(frame):
                issues += check_rows(check, frame, values, labels, entity, year)
    return issues
