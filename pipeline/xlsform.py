"""Survey definition -> the XLSForm that KoboToolbox or ODK deploy as a web / mobile form.

:func:`write_xlsform` writes the sheets ``survey``, ``choices`` and ``settings``: sections
become groups (a ``repeat`` section a repeat), per-dimension sections one group per item,
skips ``relevant``, min/max, e-mail and distinct-rank rules constraints. With translations
(``translations:`` of ``survey.yaml``) labels, hints and constraint messages get one
``<column>::<Language> (<code>)`` column per language (:mod:`pipeline.form_texts`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.form_texts import FormTexts, form_texts, number_text, tidy
from pipeline.forms import EMAIL_REGEX, FORM_VERSION_FIELD, field_options, is_rank
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey


def _xlsform_type(f: FormField) -> str:
    if f.type == "email":
        return "text"
    if f.type in {"select_one", "select_multiple"}:
        return f"{f.type} {f.choices}"
    if f.type == "entity":
        return f"select_one {f.list_name}"
    if f.type == "entities":
        return f"select_multiple {f.list_name}"
    return f.type


def _relevant(survey: Survey, f: FormField) -> str:
    if not f.skip_field:
        return ""
    if survey.field(f.skip_field).is_multiple:
        return f"not(selected(${{{f.skip_field}}}, '{f.skip_value}'))"
    return f"${{{f.skip_field}}} != '{f.skip_value}'"


def _constraint(f: FormField, rank_peers: list[str], texts: FormTexts) -> tuple[str, str]:
    """(constraint, constraint_message) of a field in XLSForm syntax, the message in the
    language of ``texts``."""
    if f.type == "email":
        return f"regex(., '{EMAIL_REGEX}')", texts("enter_email")
    if f.type not in {"integer", "decimal"}:
        return "", ""
    parts = []
    if f.min is not None:
        parts.append(f". >= {number_text(f.min)}")
    if f.max is not None:
        parts.append(f". <= {number_text(f.max)}")
    key = "enter_whole_number" if f.type == "integer" else "enter_number"
    message = tidy(texts(key, range=texts.range(f.min, f.max)))
    if rank_peers:
        parts += [f". != ${{{p}}}" for p in rank_peers]
        message = tidy(texts("rank_rule", range=texts.range(f.min, f.max)))
    return " and ".join(parts), (message if parts else "")


def _field_row(survey: Survey, f: FormField) -> dict[str, str]:
    return {
        "type": _xlsform_type(f),
        "name": f.name,
        "required": "yes" if f.required else "",
        "relevant": _relevant(survey, f),
    }


def _dimension_group_name(section_id: str, item_id: str, taken: set[str]) -> str:
    return item_id if item_id not in taken else f"{section_id}_{item_id}"


def language_column(survey: Survey, column: str, lang: str) -> str:
    """``column`` (``label``, ``hint``, ``constraint_message``), or ``column::French (fr)``
    when the survey has translations."""
    if not survey.model.translations:
        return column
    return f"{column}::{survey.language_name(lang)} ({lang})"


def label_column(survey: Survey, lang: str) -> str:
    """``label``, or ``label::French (fr)`` when the survey has translations."""
    return language_column(survey, "label", lang)


def _per_language(survey: Survey, column: str, text: Callable[[str], str]) -> dict[str, str]:
    """The cells of one row for ``column``: one per language (``text(lang)``)."""
    return {language_column(survey, column, lang): text(lang) for lang in survey.languages}


def _labels(survey: Survey, text: Callable[[str], str]) -> dict[str, str]:
    return _per_language(survey, "label", text)


def field_hint(survey: Survey, f: FormField, lang: str) -> str:
    """A field's hint in ``lang`` (its English hint where the translation has none)."""
    t = survey.model.translations.get(lang)
    return (t.hints.get(f.question) if t is not None else None) or f.hint


def xlsform_rows(
    survey: Survey, registry: Registry
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The rows of the XLSForm's ``survey`` and ``choices`` sheets, as dicts of text
    (labels, hints and constraint messages in ``label`` / ``hint`` /
    ``constraint_message``, or one ``<column>::<Language> (<code>)`` per language)."""
    all_fields = survey.fields("all")
    taken = {f.name for f in all_fields} | {s.id for s in survey.model.sections}
    rank_fields = {f.name for f in all_fields if is_rank(survey, f)}
    texts = {lang: form_texts(survey, lang) for lang in survey.languages}
    rows: list[dict[str, str]] = [
        {  # first, outside any group: a plain column in every export
            "type": "calculate",
            "name": FORM_VERSION_FIELD,
            "calculation": f"'{survey.model.form_version}'",
        }
    ]
    for section in survey.model.sections:
        fields = [f for f in all_fields if f.section == section.id]
        kind = "repeat" if section.repeat else "group"
        rows.append(
            {
                "type": f"begin_{kind}",
                "name": section.id,
                **_labels(survey, lambda lang, s=section.id: survey.section_label(s, lang)),
            }
        )
        dims = survey.dimension_items(section.per_dimension) if section.per_dimension else [None]
        for dim in dims:
            if dim is not None:
                name = _dimension_group_name(section.id, dim.id, taken)
                per = section.per_dimension or ""
                rows.append(
                    {
                        "type": "begin_group",
                        "name": name,
                        **_labels(survey, lambda lang, d=dim.id, p=per: survey.dimension_label(p, d, lang)),
                    }
                )
            for f in fields:
                if dim is not None and f.dimension != dim.id:
                    continue
                peers = (
                    [p.name for p in survey.fields_of(f.question) if p.name != f.name]
                    if f.name in rank_fields
                    else []
                )
                row = _field_row(survey, f)
                row["constraint"] = _constraint(f, peers, texts["en"])[0]
                row |= _labels(survey, lambda lang, f=f: survey.field_label(f, lang))
                row |= _per_language(survey, "hint", lambda lang, f=f: field_hint(survey, f, lang))
                row |= _per_language(
                    survey,
                    "constraint_message",
                    lambda lang, f=f, p=peers: _constraint(f, p, texts[lang])[1],
                )
                rows.append(row)
            if dim is not None:
                rows.append({"type": "end_group", "name": ""})
        rows.append({"type": f"end_{kind}", "name": ""})

    choices: list[dict[str, str]] = []
    written: set[str] = set()
    for f in all_fields:
        if f.list_name and f.list_name not in written:
            written.add(f.list_name)
            translated = {
                lang: survey.choice_labels(f.list_name, lang)
                for lang in survey.languages
                if f.type in {"select_one", "select_multiple"}
            }
            choices += [
                {
                    "list_name": f.list_name,
                    "name": n,
                    **_labels(survey, lambda lang, n=n, lbl=lbl, t=translated: t.get(lang, {}).get(n, lbl)),
                }
                for n, lbl in field_options(survey, registry, f)
            ]
    return rows, choices


def _write_table(ws: Worksheet, columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> None:
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row.get(c, "") or None for c in columns])
    for i, col in enumerate(columns, start=1):
        width = max([len(col), *(len(str(r.get(col, "") or "")) for r in rows)])
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 10), 60)
    ws.freeze_panes = "A2"


def write_xlsform(survey: Survey, registry: Registry, path: Path, lang: str = "en") -> Path:
    """Write the survey as an XLSForm for KoboToolbox / ODK and return ``path``.

    Sections become groups (a ``repeat`` section a repeat), per-dimension sections hold one
    group per dimension item, skips become ``relevant``, min/max, e-mail and distinct-rank
    rules become constraints; the ``entity`` choice list is the registry (names are the
    entity ids). Only choice lists some field uses are written. A hidden ``calculate``
    field, :data:`FORM_VERSION_FIELD`, carries the form version into every export.
    """
    rows, choices = xlsform_rows(survey, registry)
    labels = [label_column(survey, code) for code in survey.languages]

    def each(column: str) -> list[str]:
        return [language_column(survey, column, code) for code in survey.languages]

    columns = [
        "type", "name", *labels, *each("hint"), "required", "relevant", "constraint",
        *each("constraint_message"), "calculation",
    ]  # fmt: skip
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    _write_table(ws, columns, rows)
    _write_table(wb.create_sheet("choices"), ["list_name", "name", *labels], choices)
    if lang not in survey.languages:
        raise KeyError(lang)
    settings = {
        "form_title": survey.in_language(lang).title,  # in the language the form opens in
        "form_id": survey.id,
        "version": survey.model.form_version,
    }
    if survey.model.translations:  # the language the form opens in
        settings["default_language"] = label_column(survey, lang).removeprefix("label::")
    _write_table(wb.create_sheet("settings"), list(settings), [settings])
    for sheet in wb.worksheets:  # text such as "=x" stays text, never a formula
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
