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

import numpy as np
import pandas as pd

from pipeline.cell_checks import CheckedField, check_fields, prepare_table
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey
from pipeline.tables import META_COLUMNS, REPEAT_META_COLUMNS, TIDY_COLUMNS, RawRound, Responses
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
            "_instance_no": 0,
        }
    ).loc[order]
    main_fields = [f for f in public if f.name != entity_name]
    parts = [(sources, _tidy_part(sources, typed.loc[order], main_fields, survey))]

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
        parts.append((keys, _tidy_part(keys, section_typed, section_fields, survey)))

    tidy = _tidy_types(_assemble_tidy(parts, survey.id, round_id)[TIDY_COLUMNS])
    return Responses(submissions=submissions, repeats=repeats, tidy=tidy)


def _assemble_tidy(
    parts: list[tuple[pd.DataFrame, pd.DataFrame]], survey_id: str, round_id: str
) -> pd.DataFrame:
    """The tidy table from each part's keys and long rows (:func:`_tidy_part`), parts
    in order: the small key tables are joined, and each key text is taken once for the
    whole table (joining whole parts held every text twice at the peak)."""
    offsets = np.cumsum([0] + [len(keys) for keys, _ in parts[:-1]])
    keys = pd.concat([k for k, _ in parts], ignore_index=True)
    long = pd.concat(
        [part.assign(_row=part["_row"].to_numpy() + offset) for (_, part), offset in zip(parts, offsets, strict=True)],
        ignore_index=True,
    )
    rows = long.pop("_row").to_numpy()
    taken = {c: keys[c].take(rows).reset_index(drop=True) for c in keys.columns}
    n = len(long)
    constant = {
        "survey_id": pd.Series(survey_id, index=range(n), dtype="string"),
        "round": pd.Series(round_id, index=range(n), dtype="string"),
    }
    return pd.DataFrame(constant | taken | {c: long[c] for c in long.columns}, copy=False)


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
    return table, keys, typed


def _answer_text(values: pd.Series) -> pd.Series:
    """Typed values as the text of a tidy ``answer``: whole numbers without '.0'."""
    if isinstance(values.dtype, pd.Float64Dtype):
        whole = (values % 1 == 0) & (values.abs() < 1e15)
        as_int = values.where(whole).round().astype("Int64").astype("string")
        return as_int.fillna(values.astype("string")).mask(values.isna())
    return values.astype("string")


def _tidy_part(
    keys: pd.DataFrame, typed: pd.DataFrame, fields: list[FormField], survey: Survey
) -> pd.DataFrame:
    """Keys (entity_id, instance, source_file, source_row, submitted_at, _instance_no) and
    typed answers of the same rows -> long rows, one per answer (multi-selects exploded),
    each with ``_row``, the position of its row in ``keys`` (:func:`_assemble_tidy`
    takes the key columns).

    ``keys`` are sorted by entity and instance, one row each. The long rows are built on
    row and field numbers: melting the key columns themselves copied every key text once
    per field (pyarrow strings are not shared between rows as Python objects are)."""
    answers = {
        i: _answer_text(typed[f.name]).astype("string") if f.name in typed else None
        for i, f in enumerate(fields)
    }
    long = _melt_answers(answers, len(keys))

    multiple = np.array([f.is_multiple for f in fields], dtype=bool)
    is_multiple = multiple[long["field_no"].to_numpy()] if len(fields) else np.zeros(0, bool)
    exploded = (
        long[is_multiple]
        .assign(answer=lambda d: d["answer"].str.split(" "))
        .explode("answer", ignore_index=False)
    )
    long = pd.concat([long[~is_multiple], exploded])
    long["answer"] = long["answer"].astype("string")
    long["_option_no"] = long.groupby(["_row", "field_no"]).cumcount()
    long = long.sort_values(["_row", "field_no", "_option_no"], kind="stable")

    meta = _field_meta(fields, survey)
    field_no = long["field_no"].to_numpy()
    out: dict[str, object] = {"_row": long["_row"].to_numpy()}
    for c in ("field", "question_id"):  # pointers to the few field texts, not copies
        out[c] = pd.Series(meta[c].to_numpy(dtype=object)[field_no], dtype=object)
    out["answer"] = long["answer"].reset_index(drop=True)
    for c in ("dimension", "field_no", "option_is_dimension"):
        out[c] = meta[c].take(field_no).reset_index(drop=True)
    tidy = pd.DataFrame(out)
    from_option = tidy["option_is_dimension"].to_numpy(dtype=bool)
    tidy["dimension"] = tidy["dimension"].astype("string").mask(from_option, tidy["answer"])
    scores = _choice_scores(fields, survey)
    tidy = tidy.merge(scores, on=["field", "answer"], how="left", validate="many_to_one")
    tidy["_option_no"] = long["_option_no"].to_numpy()
    return tidy


def _melt_answers(answers: dict[int, pd.Series | None], n: int) -> pd.DataFrame:
    """(_row, field_no, answer) of every non-empty answer, row by row then field by field."""
    frames = []
    for i, a in answers.items():
        if a is None:
            continue
        present = np.flatnonzero(a.notna().to_numpy(dtype=bool))
        frames.append(
            pd.DataFrame(
                {
                    "_row": present,
                    "field_no": np.full(len(present), i),
                    "answer": a.iloc[present].reset_index(drop=True),
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {"_row": np.zeros(0, int), "field_no": np.zeros(0, int), "answer": pd.array([], dtype="string")}
        )
    return pd.concat(frames, ignore_index=True)


def _field_meta(fields: list[FormField], survey: Survey) -> pd.DataFrame:
    """Per field: its question id, dimension, order, and whether options are dimensions."""
    dimension_sets = set(survey.model.dimension_sets)
    return pd.DataFrame(
        {
            "field": [f.name for f in fields],
            "question_id": [f.question for f in fields],
            "dimension": pd.array([f.dimension for f in fields], dtype="string"),
            "field_no": np.arange(len(fields)),
            "option_is_dimension": [
                f.type == "select_multiple" and f.choices in dimension_sets for f in fields
            ],
        },
        columns=["field", "question_id", "dimension", "field_no", "option_is_dimension"],
    )


def _choice_scores(fields: list[FormField], survey: Survey) -> pd.DataFrame:
    """(field, answer) -> answer_score for every choice with a declared score."""
    records = [
        (f.name, c.name, c.score)
        for f in fields
        if f.type in {"select_one", "select_multiple"}
        for c in survey.choices(f.list_name or "")
        if c.score is not None
    ]
    frame = pd.DataFrame(records, columns=["field", "answer", "answer_score"])
    return frame.astype({"field": "object", "answer": "string", "answer_score": "Float64"})


def _tidy_types(tidy: pd.DataFrame) -> pd.DataFrame:
    text = [
        "survey_id",
        "round",
        "entity_id",
        "question_id",
        "field",
        "dimension",
        "answer",
        "instance",
        "source_file",
    ]
    return tidy.astype(
        {
            **dict.fromkeys(text, "string"),
            "answer_score": "Float64",
            "source_row": "Int64",
            "submitted_at": _TIME_DTYPE,
        }
    ).reset_index(drop=True)
