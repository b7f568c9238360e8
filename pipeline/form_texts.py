"""The fixed texts of the instruments agencies answer, in every language a survey declares.

The XLSForm and the offline questionnaire (:mod:`pipeline.forms`) show texts of their own
beside the survey's labels: the questionnaire's instructions, column headers, help notes
and the messages of its spreadsheet validations, the XLSForm's constraint messages.
:data:`FORM_TEXTS` holds them in English, each under a key; a survey translates them in
``translations.<lang>.form`` of its ``survey.yaml`` (key -> text, the same ``{names}`` as
the English text, any of them may be left out). A key a translation leaves out stays
English; :func:`untranslated` lists those, and ``emg-pipeline form --lang`` names them.

Placeholders are plain names (``{range}``, ``{noun}``): no attribute, index or format
spec, so a text in ``survey.yaml`` can only insert what the form passes in.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any, Protocol


class Survey(Protocol):
    """What this module reads of a :class:`pipeline.spec.Survey` (which imports this
    module to check its translations: no import back)."""

    language: str

    @property
    def model(self) -> Any: ...

    @property
    def repeat_sections(self) -> list[str]: ...

FORM_TEXTS: dict[str, str] = {
    # -- sheet names and headers of the offline questionnaire -------------------------------
    "instructions_sheet": "Instructions",
    "answers_sheet": "Answers",
    "questionnaire_title": "{title}: questionnaire",
    "column_section": "Section",
    "column_question": "Question",
    "column_answer": "Answer",
    "column_help": "Help",
    "answers_note": (
        "Answer in the yellow cells of column '{answer}'. Questions marked * are required. "
        "See the {instructions} sheet."
    ),
    "about_section": "About this questionnaire",
    "date_completed": "Date completed",
    "date_help": "The date you completed the questionnaire, for example 2026-03-15.",
    "yes": "Yes",
    "no": "No",
    "yes_for_each": "{yes} for each that applies:",
    # -- the Instructions sheet -------------------------------------------------------------
    "form_version": "Form version {version}.",
    "what_to_fill": "What to fill",
    "fill_answers": (
        "On the '{answers}' sheet, answer in the yellow cells of the '{answer}' column. Where "
        "a cell offers a dropdown list, pick your answer from it. Questions marked * are "
        "required."
    ),
    "fill_multiple": (
        "For questions that allow several answers, each option has its own row: choose "
        "{yes} for every option that applies and leave the others empty."
    ),
    "fill_ranks": "For rankings, give each option a different number (1 = most preferred).",
    "fill_date": (
        "Give the date you completed the questionnaire in the '{date_completed}' row (for "
        "example 2026-03-15)."
    ),
    "fill_repeats": (
        "On the '{sheets}' sheet, describe one item per row. Use the dropdowns where offered. "
        "Where several answers are allowed, type them in the same cell separated by "
        "'{separator}' (for example '{example}'). The note on each column heading lists the "
        "answers it takes. If you have more rows than the table offers, continue below it."
    ),
    "fill_repeats_entities": (
        "For {plural} use their acronyms, separated the same way (for example '{example}')."
    ),
    "send_back": "How to send it back",
    "send_back_text": (
        "Save the file as an Excel workbook (.xlsx) and e-mail it to the EMG secretariat "
        "contact who sent it to you. Please send one questionnaire per {noun}; you may "
        "rename the file, for example with your {noun}'s acronym."
    ),
    "keep_layout": (
        "Please do not rename, move or delete sheets, and do not change the hidden cells: "
        "the answers are read automatically."
    ),
    "your_data": "Your data",
    "your_data_text": (
        "Answers are compiled across {plural} for the gap analysis. The names and e-mail "
        "addresses of focal points are used only to follow up on the answers and are not "
        "published."
    ),
    # -- the Help column and the notes on repeat-sheet headings ------------------------------
    "help_pick": "Pick one answer from the dropdown list.",
    "help_multiple": "Choose {yes} for each that applies; leave the others empty.",
    "help_email": "An e-mail address.",
    "help_whole_number": "A whole number {range}.",
    "help_number": "A number {range}.",
    "help_skip": "Leave empty if you answered '{answer}' to the question above.",
    "help_required": "Required.",
    "note_entities": "Type {noun} acronyms separated by '{separator}', for example '{example}'.",
    "note_multiple": "Type one or more of these, separated by '{separator}': {choices}",
    # -- number ranges inside the texts above and below -------------------------------------
    "range_between": "from {min} to {max}",
    "range_min": "of at least {min}",
    "range_max": "of at most {max}",
    # -- messages: XLSForm constraint messages and the questionnaire's validation popups ----
    "rank_rule": "Give each option a different rank {range}.",
    "enter_email": "Enter an e-mail address such as name@un.org.",
    "enter_whole_number": "Enter a whole number {range}.",
    "enter_number": "Enter a number {range}.",
    "enter_date": "Enter a date such as 2026-03-15.",
    "choose_yes_no": "Please choose {yes} or {no}.",
    "pick_entity": "Please pick {a_noun} from the dropdown list.",
    "pick_answer": "Please pick an answer from the dropdown list.",
    "pick_rank": "Please pick a rank from the dropdown list.",
    "title_not_date": "Not a date",
    "title_yes_no": "{yes} or {no}",
    "title_pick": "Pick from the list",
    "title_not_number": "Not a valid number",
    "title_not_email": "Not an e-mail address",
}


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a text uses (``ValueError`` for a malformed one)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def check_form_texts(given: Mapping[str, str], where: str) -> list[str]:
    """Problems of a translation's ``form:`` block: unknown keys, placeholders the English
    text does not have, placeholders that are not plain names or carry a format."""
    problems: list[str] = []
    for key, text in given.items():
        if key not in FORM_TEXTS:
            problems.append(f"{where}.{key}: not a text of the form (known: see pipeline/form_texts.py)")
            continue
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            problems.append(f"{where}.{key}: {exc} (write a literal brace as {{{{ or }}}})")
            continue
        if key in {"yes", "no"} and (set(text) & {",", '"'} or not text.strip()):
            problems.append(f"{where}.{key}: '{text}' must be a word without ',' or '\"' (a dropdown's choice)")
            continue
        allowed = placeholders(FORM_TEXTS[key])
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if name not in allowed or spec or conversion:
                known = ", ".join(f"{{{n}}}" for n in sorted(allowed)) or "none"
                problems.append(f"{where}.{key}: '{{{name}}}' is not one of its placeholders ({known})")
    return problems


class FormTexts:
    """The texts of one language: ``texts("enter_number", range="from 1 to 5")``."""

    def __init__(self, own: Mapping[str, str], lang: str):
        self.own = own
        self.lang = lang

    def __call__(self, key: str, **values: object) -> str:
        template = self.own.get(key) or FORM_TEXTS[key]
        return template.format(**values) if values or "{" in template else template

    def range(self, low: float | None, high: float | None) -> str:
        """``from 1990 to 2040`` / ``of at least 0`` / ``of at most 5`` / ``""``."""
        if low is not None and high is not None:
            return self("range_between", min=number_text(low), max=number_text(high))
        if low is not None:
            return self("range_min", min=number_text(low))
        if high is not None:
            return self("range_max", max=number_text(high))
        return ""


def number_text(x: float) -> str:
    """A bound as a form shows it: ``1990``, ``0.5``."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def tidy(text: str) -> str:
    """A text whose placeholder was empty, without the space it leaves (``a number .``)."""
    return " ".join(text.split()).replace(" .", ".")


def form_texts(survey: Survey, lang: str | None = None) -> FormTexts:
    """The form texts of ``lang`` (default: the language ``survey`` is written in, see
    :meth:`pipeline.spec.Survey.in_language`); English where the survey gives none."""
    lang = lang or survey.language
    t = survey.model.translations.get(lang)
    return FormTexts(t.form if t is not None else {}, lang)


def untranslated(survey: Survey, lang: str) -> list[str]:
    """What of the form stays English in ``lang``, as keys of the translation: the title,
    sections, questions, hints, choices and dimension items of the lists the form uses,
    sheet names and form texts it leaves out (empty for English)."""
    t = survey.model.translations.get(lang)
    if t is None:
        return []
    m = survey.model
    missing = [] if t.title else ["title"]
    missing += [f"sections.{s.id}" for s in m.sections if not t.sections.get(s.id)]
    missing += [
        f"questions.{q.id}" for s in m.sections for q in s.questions if not t.questions.get(q.id)
    ]
    used = {q.choices for s in m.sections for q in s.questions if q.choices}
    used |= {s.per_dimension for s in m.sections if s.per_dimension}
    for name, items in m.choices.items():
        if name in used:
            own = t.choices.get(name) or t.dimensions.get(name) or {}
            missing += [f"choices.{name}.{c.name}" for c in items if not own.get(c.name)]
    for name, dims in m.dimension_sets.items():
        if name in used:
            own = t.dimensions.get(name) or t.choices.get(name) or {}
            missing += [f"dimensions.{name}.{i.id}" for i in dims.items if not own.get(i.id)]
    missing += [f"form.{k}" for k in FORM_TEXTS if not t.form.get(k)]
    hinted = [q.id for s in survey.model.sections for q in s.questions if q.hint]
    missing += [f"hints.{q}" for q in hinted if not t.hints.get(q)]
    missing += [f"sheets.{s}" for s in survey.repeat_sections if not t.sheets.get(s)]
    if survey.model.subtitle and not t.subtitle:
        missing.append("subtitle")
    return missing
