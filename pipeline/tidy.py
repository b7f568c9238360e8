"""The tidy long table of a round (``Responses.tidy``) from typed answers, on whole arrays.

:func:`tidy_table` takes the parts of a round (the kept submissions, then each repeat
section): each part's keys (one row per submission or repeat row) and its typed answers,
and gives one row per entity x field x answer, a multi-select one row per option chosen,
in the order of the parts, their rows, their fields and the options as chosen.

The table is built on row and field numbers, with pyarrow for the text (splitting
multi-selects and looking up choice scores), so no Python object is made per answer. The
text columns that repeat on many rows (:data:`~pipeline.tables.TIDY_CATEGORICAL`: the
survey, round, entity, question, field, dimension, instance and source file) are pandas
categoricals: a small code per row and each text once, where a string column holds a copy
of the text on every row. Their categories are the values present, sorted, as text
(string dtype); ``answer`` stays a string column. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.spec import FormField, Survey
from pipeline.tables import TIDY_COLUMNS

_TIME_DTYPE = "datetime64[us, UTC]"
_STRING = pd.StringDtype()
_SELECT_TYPES = frozenset({"select_one", "select_multiple"})
KEY_COLUMNS = ["entity_id", "instance", "source_file", "source_row", "submitted_at"]


def answer_text(values: pd.Series) -> pd.Series:
    """Typed values as the text of a tidy ``answer``: whole numbers without '.0'."""
    if isinstance(values.dtype, pd.Float64Dtype):
        whole = (values % 1 == 0) & (values.abs() < 1e15)
        as_int = values.where(whole).round().astype("Int64").astype("string")
        return as_int.fillna(values.astype("string")).mask(values.isna())
    return values.astype("string")


def tidy_table(
    parts: Sequence[tuple[pd.DataFrame, pd.DataFrame, list[FormField]]],
    survey: Survey,
    round_id: str,
) -> pd.DataFrame:
    """The tidy table (:data:`~pipeline.tables.TIDY_COLUMNS`) of ``parts``.

    Each part is ``(keys, typed, fields)``: ``keys`` has :data:`KEY_COLUMNS`, one row per
    submission or repeat row in the order wanted; ``typed`` the typed answers of the same
    rows in the same order (matched by position); ``fields`` the fields to take from it
    (a field without a column in ``typed`` gives no rows). Rows follow the parts, then
    their rows, fields and options as chosen.
    """
    fields = [f for _, _, part_fields in parts for f in part_fields]
    row, field_no, answer = _long_answers(parts)
    key_columns = {
        c: pd.concat([keys[c].reset_index(drop=True) for keys, _, _ in parts], ignore_index=True)
        if parts
        else pd.Series([], dtype=_STRING)
        for c in KEY_COLUMNS
    }
    n = len(row)
    columns = {
        "survey_id": _constant(survey.id, n),
        "round": _constant(round_id, n),
        "entity_id": _taken(key_columns["entity_id"], row),
        "question_id": _taken(pd.Series([f.question for f in fields], dtype=_STRING), field_no),
        "field": _taken(pd.Series([f.name for f in fields], dtype=_STRING), field_no),
        "dimension": _dimensions(fields, survey, field_no, answer),
        "answer": pd.array(answer, dtype=_STRING),
        "answer_score": _scores(fields, survey, field_no, answer),
        "instance": _taken(key_columns["instance"], row),
        "source_file": _taken(key_columns["source_file"], row),
        "source_row": key_columns["source_row"].astype("Int64").array.take(row),
        "submitted_at": key_columns["submitted_at"].astype(_TIME_DTYPE).array.take(row),
    }
    return pd.DataFrame(columns, columns=TIDY_COLUMNS, index=pd.RangeIndex(n))


def _long_answers(
    parts: Sequence[tuple[pd.DataFrame, pd.DataFrame, list[FormField]]],
) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """(row, field number, answer) of every answer, sorted by row, field and option:
    rows and fields numbered across the parts, in their order. Numbers are int32, and
    each field's pieces are let go once joined (they would double the peak)."""
    rows: list[np.ndarray] = []
    options: list[np.ndarray] = []
    answers: list[pa.Array] = []
    numbers: list[int] = []
    row_offset = field_offset = 0
    for keys, typed, fields in parts:
        for i, f in enumerate(fields):
            if f.name not in typed:
                continue
            row, option, answer = _answers(typed[f.name], f.is_multiple)
            rows.append(row + np.int32(row_offset))
            options.append(option)
            answers.append(answer)
            numbers.append(field_offset + i)
        row_offset += len(keys)
        field_offset += len(fields)
    if not answers:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, pa.array([], type=pa.large_string())
    field_no = np.repeat(np.array(numbers, dtype=np.int32), [len(r) for r in rows])
    row = np.concatenate(rows)
    rows.clear()
    option = np.concatenate(options)
    options.clear()
    order = np.lexsort((option, field_no, row))
    del option
    answer = pa.concat_arrays(answers)
    answers.clear()
    answer = answer.take(pa.array(order))
    return row[order], field_no[order], answer


def _answers(values: pd.Series, multiple: bool) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """(row position, option number, answer text) of a column's non-empty answers; a
    multi-select's space-separated answer one row per option, in the order given."""
    text = _arrow_text(answer_text(values))
    present = pc.is_valid(text)
    rows = np.flatnonzero(present.to_numpy(zero_copy_only=False)).astype(np.int32)
    given = text.filter(present)
    if not multiple:
        return rows, np.zeros(len(rows), dtype=np.int32), given
    options = pc.split_pattern(given, " ")
    parent = pc.list_parent_indices(options).to_numpy()
    starts = options.offsets.to_numpy().astype(np.int64)
    option = (np.arange(len(parent), dtype=np.int64) - (starts[parent] - starts[0])).astype(np.int32)
    return rows[parent], option, pc.list_flatten(options)


def _arrow_text(values: pd.Series) -> pa.Array:
    """A text Series as one pyarrow large_string array (no copy when it is one already)."""
    arrow = pa.array(values.astype(_STRING).array)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    return arrow.cast(pa.large_string())


def _constant(text: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(
        np.zeros(n, dtype=np.int8), categories=pd.Index([text], dtype=_STRING)
    ).remove_unused_categories()


def _taken(values: pd.Series, at: np.ndarray) -> pd.Categorical:
    """``values.take(at)`` as a categorical of the values taken, sorted (NA stays NA)."""
    codes, uniques = pd.factorize(values, sort=True)
    categories = pd.Index(uniques, dtype=_STRING)
    taken = pd.Categorical.from_codes(
        codes.astype(np.int32)[at], categories=categories, validate=False
    )
    return taken.remove_unused_categories()


def _dimensions(
    fields: list[FormField], survey: Survey, field_no: np.ndarray, answer: pa.Array
) -> pd.Categorical:
    """Each answer's dimension: its field's, or the answer itself where the options of a
    multi-select are the dimensions; taken as codes, no text per row."""
    dimension_sets = set(survey.model.dimension_sets)
    by_option = np.array(
        [f.type == "select_multiple" and f.choices in dimension_sets for f in fields], dtype=bool
    )
    options = np.flatnonzero(by_option[field_no]) if len(fields) else np.zeros(0, dtype=np.int64)
    chosen = answer.take(pa.array(options))
    named = {f.dimension for f in fields if f.dimension is not None}
    categories = sorted(named | set(chosen.unique().to_pylist()))
    lookup = pa.array(categories, type=pa.large_string())
    of_field = np.array(
        [categories.index(f.dimension) if f.dimension is not None else -1 for f in fields] or [-1],
        dtype=np.int32,
    )
    codes = of_field[field_no] if len(fields) else np.zeros(0, dtype=np.int32)
    found = pc.index_in(chosen, value_set=lookup)
    codes[options] = found.to_numpy(zero_copy_only=False)
    dimension = pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=_STRING))
    return dimension.remove_unused_categories()


def _scores(
    fields: list[FormField], survey: Survey, field_no: np.ndarray, answer: pa.Array
) -> pd.arrays.FloatingArray:
    """Each answer's declared choice score (NA where its choice has none)."""
    score = np.full(len(field_no), np.nan)
    for i, f in enumerate(fields):
        if f.type not in _SELECT_TYPES:
            continue
        declared = {c.name: c.score for c in survey.choices(f.list_name or "") if c.score is not None}
        at = np.flatnonzero(field_no == i) if declared else ()
        if not len(at):
            continue
        names = pa.array(list(declared), type=pa.large_string())
        found = pc.fill_null(pc.index_in(answer.take(pa.array(at)), value_set=names), -1)
        values = np.array([*map(float, declared.values()), np.nan])
        score[at] = values[found.to_numpy(zero_copy_only=False)]
    return pd.array(score, dtype="Float64")


def as_text(tidy: pd.DataFrame) -> pd.DataFrame:
    """Rows of a tidy table with its categorical columns as string columns: for code that
    wants the text itself (mapping ids to names, pivoting a few rows) rather than codes."""
    categorical = [c for c in tidy.columns if isinstance(tidy[c].dtype, pd.CategoricalDtype)]
    return tidy.astype(dict.fromkeys(categorical, _STRING)) if categorical else tidy
