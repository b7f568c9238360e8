"""Canonical wide tables -> typed answers: ``RawRound`` -> :class:`~pipeline.tables.Responses`.

:func:`normalise` resolves entity names to registry ids, keeps one submission per entity
(the latest wins), types every answer and builds the tidy long table the analyses read.
It applies the same cell checks as :mod:`pipeline.validate` (through
:func:`~pipeline.cell_checks.check_field`), so a value that validation reports as an error is
NA here, and an answer to a question the form skipped is dropped. Personal fields (the
focal point's name and e-mail) are left out of every table it returns.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from pipeline.cell_checks import CheckedField, check_fields, prepare_table
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey
from pipeline.tables import META_COLUMNS, REPEAT_META_COLUMNS, RawRound, Responses
from pipeline.tidy import tidy_table
from pipeline.validate import (
    CheckedRound,
    CheckedTable,
    blank_rows,
    check_ranks,
    choose_latest,
    rank_groups,
    source_rows,
    submission_times,
)

SUBMISSION_COLUMNS = ["entity_id", "submitted_at", "source_file", "reader", "n_submissions"]
REPEAT_KEY_COLUMNS = ["entity_id", "instance", "source_file", "source_row"]
_TIME_DTYPE = "datetime64[us, UTC]"


def normalise(
    raw: RawRound,
    survey: Survey,
    registry: Registry,
    round_id: str,
    log: IssueLog,
    checked: CheckedRound | None = None,
) -> Responses:
    """Typed submissions, typed repeat rows and the tidy long table of one round.

    In: the readers' canonical wide tables (all text), the survey, the registry and the
    round id. Rules: rows whose entity is missing or unknown and submissions with every
    answer blank are dropped; of an entity's remaining submissions the one with the
    latest ``_submitted_at`` is kept (no time counts as oldest; a tie goes to the later
    file, then row). Out (see docs/architecture.md):

    - ``submissions``: one row per kept entity, ``entity_id, submitted_at (UTC),
      source_file, reader, n_submissions`` then one typed column per non-personal main
      field: Int64 / Float64 numbers, string choices, multi-selects as space-separated
      choice names (entities: ids) in list order, text without control characters;
    - ``repeats[section]``: the kept submissions' repeat rows, ``entity_id, instance
      (UNEP#1, ...), source_file, source_row`` then typed fields;
    - ``tidy``: :data:`~pipeline.tables.TIDY_COLUMNS`, one row per entity x field x
      answer (multi-selects one row per option), the entity field itself left out.

    Values with errors are NA. ``log`` is not written to: :func:`pipeline.validate.validate`
    reports every problem, including which duplicate submission was kept. ``checked``:
    what :func:`~pipeline.validate.validate` returned for this same ``raw``, so that no
    cell is checked twice (without it every cell is checked here).
    """
    fields = survey.fields()
    entity_name = survey.entity_field.name
    main, checked_main = _checked_table(
        raw.main, META_COLUMNS, fields, survey, registry, checked.main if checked else None
    )
    _drop_tied_rankings(checked_main, survey, None)
    ids = checked_main[entity_name].values
    blank = (
        blank_rows(checked_main, skip={entity_name})
        if len(main)
        else pd.Series(False, index=main.index, dtype=bool)
    )
    kept, n_submissions = choose_latest(main, ids, ~blank)

    kept_index = main.index[kept.to_numpy(dtype=bool)]
    base = pd.DataFrame(
        {
            "entity_id": ids.loc[kept_index].astype("string"),
            "submitted_at": submission_times(main).loc[kept_index].astype(_TIME_DTYPE),
            "source_file": main["_source_file"].loc[kept_index].astype("string"),
            "reader": main["_reader"].loc[kept_index].astype("string"),
            "n_submissions": n_submissions.loc[kept_index].astype("Int64"),
        }
    )
    public = [f for f in fields if not f.personal]
    typed = pd.DataFrame({f.name: checked_main[f.name].values.loc[kept_index] for f in public})
    order = base["entity_id"].sort_values(kind="stable").index
    submissions = pd.concat([base, typed], axis=1).loc[order].reset_index(drop=True)

    sources = pd.DataFrame(
        {
            "entity_id": base["entity_id"],
            "instance": pd.Series(pd.NA, index=kept_index, dtype="string"),
            "source_file": base["source_file"],
            "source_row": source_rows(main).loc[kept_index],
            "submitted_at": base["submitted_at"],
        }
    ).loc[order]
    main_fields = [f for f in public if f.name != entity_name]
    # the typed answers in submission order are the submissions' own columns (no copy)
    parts = [(sources, submissions.iloc[:, len(base.columns) :], main_fields)]
    del typed

    parents = pd.DataFrame(
        {
            "submission_id": main["_submission_id"].loc[kept_index].astype("string"),
            "entity_id": base["entity_id"],
            "submitted_at": base["submitted_at"],
        }
    )
    repeats: dict[str, pd.DataFrame] = {}
    for section in survey.repeat_sections:
        done = checked.repeats.get(section) if checked else None
        table, keys, section_typed = _repeat_table(raw, section, parents, survey, registry, done)
        repeats[section] = table
        section_fields = [f for f in survey.fields(section) if not f.personal]
        parts.append((keys, section_typed, section_fields))

    tidy = tidy_table(parts, survey, round_id)
    return Responses(submissions=submissions, repeats=repeats, tidy=tidy)


def _checked_table(
    frame: pd.DataFrame,
    meta_columns: list[str],
    fields: list[FormField],
    survey: Survey,
    registry: Registry,
    done: CheckedTable | None,
) -> tuple[pd.DataFrame, dict[str, CheckedField]]:
    """The prepared table and its checked fields: those :func:`validate` made when given
    (copied, as normalising changes them), else checked here."""
    if done is not None and all(f.name in done.fields for f in fields):
        return done.frame, {f.name: dataclasses.replace(done.fields[f.name]) for f in fields}
    table = prepare_table(frame, meta_columns)
    return table, check_fields(table, fields, survey, registry)


def _drop_tied_rankings(
    checked: dict[str, CheckedField], survey: Survey, repeat: str | None
) -> None:
    """A ranking with two options on the same rank is not used: all its ranks become NA."""
    groups = rank_groups(survey, repeat)
    if not groups:
        return
    _, tied = check_ranks(checked, survey, groups)
    for question, rows in tied.items():
        for f in groups[question]:
            c = checked[f.name]
            c.values = c.values.mask(rows)


def _repeat_table(
    raw: RawRound,
    section: str,
    parents: pd.DataFrame,
    survey: Survey,
    registry: Registry,
    done: CheckedTable | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Typed rows of one repeat section that belong to kept submissions.

    Out: the ``repeats[section]`` table, and (aligned on the same index) the tidy keys
    and the typed field values.
    """
    fields = survey.fields(section)
    public = [f for f in fields if not f.personal]
    frame = raw.repeats.get(section)
    if frame is None:
        frame = pd.DataFrame(columns=[*REPEAT_META_COLUMNS, *(f.name for f in fields)])
    rows, checked = _checked_table(frame, REPEAT_META_COLUMNS, fields, survey, registry, done)
    _drop_tied_rankings(checked, survey, section)
    sid = rows["_submission_id"].astype("string")
    parent = parents.drop_duplicates("submission_id").set_index("submission_id")
    belongs = sid.isin(parent.index).fillna(False).astype(bool) & ~blank_rows(checked)
    keep = rows.index[belongs.to_numpy(dtype=bool)]

    of_parent = parent.reindex(sid.loc[keep].to_numpy()).set_axis(keep)
    entity = of_parent["entity_id"].astype("string")
    number = entity.groupby(entity, sort=False).cumcount() + 1
    keys = pd.DataFrame(
        {
            "entity_id": entity,
            "instance": (entity + "#" + number.astype("string")).astype("string"),
            "source_file": rows["_source_file"].loc[keep].astype("string"),
            "source_row": source_rows(rows).loc[keep],
            "submitted_at": of_parent["submitted_at"].astype(_TIME_DTYPE),
            "_instance_no": number.astype("int64"),
        }
    )
    keys = keys.sort_values(["entity_id", "_instance_no"], kind="stable")
    typed = pd.DataFrame({f.name: checked[f.name].values.loc[keys.index] for f in public})
    table = pd.concat([keys[REPEAT_KEY_COLUMNS], typed], axis=1).reset_index(drop=True)
    return table, keys, table.iloc[:, len(REPEAT_KEY_COLUMNS) :]  # the typed columns, no copy
