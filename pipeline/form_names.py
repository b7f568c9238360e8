"""The names the offline questionnaire and the survey's forms share with the readers of
answers: sheet and column names, the form-version field, separators, and the choices a form
field offers as (name, label) pairs (the survey's choice list, or the registry's entities
for an entity field). Kept apart from :mod:`pipeline.forms`, which builds the questionnaire
with openpyxl, so that reading answers does not load openpyxl."""

from __future__ import annotations

from pipeline.form_texts import FORM_TEXTS
from pipeline.registry import Registry
from pipeline.spec import FormField, Survey

# -- names shared with the reader (pipeline.ingest.questionnaire) ------------------------
ABOUT_SHEET = "About"
ANSWERS_SHEET = FORM_TEXTS["answers_sheet"]  # English; another language has its own
INSTRUCTIONS_SHEET = FORM_TEXTS["instructions_sheet"]
LISTS_SHEET = "Lists"
QUESTIONNAIRE_KIND = "emg-pipeline offline questionnaire"
KEY_HEADER = "key"
ANSWER_HEADER = FORM_TEXTS["column_answer"]
HELP_HEADER = FORM_TEXTS["column_help"]
DATE_HELP = FORM_TEXTS["date_help"]
DATE_KEY = "_date_completed"  # the optional "Date completed" row of the Answers sheet
ROW_NUMBER_KEY = "_n"  # the "#" column of a repeat sheet
PROJECT_ROWS = 20  # empty rows offered per repeat sheet
MULTI_SEPARATOR = ";"  # between several answers typed in one cell of a repeat sheet
EMAIL_REGEX = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# A hidden field of the XLSForm holding the survey's own form version: every export keeps
# it (KoboToolbox replaces the settings' version by its own deployment id, __version__)
FORM_VERSION_FIELD = "emg_form_version"


def entity_label(acronym: str, full_name: str) -> str:
    """How an entity is shown in choice lists: ``"UNEP - United Nations Environment Programme"``."""
    return f"{acronym} - {full_name}"


def field_options(survey: Survey, registry: Registry, f: FormField) -> list[tuple[str, str]]:
    """The (name, label) choices of a select / entity field; entities come from the registry."""
    if f.type in {"entity", "entities"}:
        table = registry.table
        return [
            (str(i), entity_label(str(a), str(n)))
            for i, a, n in zip(
                table["entity_id"], table["acronym"], table["full_name"], strict=True
            )
        ]
    if f.list_name is None:
        return []
    return [(c.name, c.label) for c in survey.choices(f.list_name)]
