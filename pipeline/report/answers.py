"""An entity's own answers as report text, the way its survey declares them: profile
lines (``report.profile_lines``) and executive-summary counts (``report.answer_counts``).

Survey-blind: which questions, their leads and templates all come from the survey
definition (:class:`pipeline.spec.ProfileLine`, :class:`pipeline.spec.AnswerCount`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.numbers import plain
from pipeline.report.document import clean_text
from pipeline.spec import ProfileLine, Survey
from pipeline.wording import join_names

MAX_TEXT = 160  # characters of a free-text answer shown in a profile line


def present(value: object) -> bool:
    """Whether a cell holds an answer (not None, NA or NaN)."""
    if value is None:
        return False
    try:
        return not bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def answer_text(value: object, survey: Survey, question: str) -> str:
    """One answer in words: choice labels for a select ("Programmes, projects"), a whole
    number without decimals, free text on one line and clipped; "" when unanswered."""
    if not present(value):
        return ""
    q = survey.question(question)
    if q.choices:
        labels = survey.choice_labels(q.choices)
        names = str(value).split() if q.type == "select_multiple" else [str(value)]
        return ", ".join(
            labels.get(n, n) if i == 0 else _lower(labels.get(n, n)) for i, n in enumerate(names)
        )
    if q.type in {"integer", "decimal"}:
        return plain(value)  # as given: 12, 12.5
    return clean_text(value, True)[:MAX_TEXT]


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def profile_line(record: Mapping[str, Any], line: ProfileLine, survey: Survey) -> str:
    """The text of one declared profile line for one entity ("" when it gave no answer)."""
    main = record.get(line.question)
    q = survey.question(line.question)
    numeric = q.type in {"integer", "decimal"} and present(main)
    if line.zero is not None and numeric and float(main) == 0:  # type: ignore[arg-type]
        return line.zero
    value = answer_text(main, survey, line.question)
    extra = [t for t in (answer_text(record.get(x), survey, x) for x in line.then) if t]
    if not value and not extra:
        return ""
    text = line.template.format(value=value or line.missing)
    return text + (f" ({', '.join(extra)})" if extra else "")


def profile_lines(record: Mapping[str, Any], survey: Survey) -> list[tuple[str, str]]:
    """``(lead, text)`` for each declared profile line the entity answered."""
    out = []
    for line in survey.model.report.profile_lines:
        text = profile_line(record, line, survey)
        if text:
            out.append((f"{line.label}:", text))
    return out


def answer_count_sentences(submissions: pd.DataFrame, survey: Survey, entities: str) -> list[str]:
    """One sentence per declared answer count: "<lead>, the <entities> answered: 5 yes, 2
    no and 1 considering it." (left out when nobody answered)."""
    out = []
    for count in survey.model.report.answer_counts:
        if count.question not in submissions.columns:
            continue
        answers = submissions[count.question].astype("string").value_counts()
        if answers.empty:
            continue
        labels = survey.choice_labels(survey.question(count.question).choices or "")
        parts = [
            f"{int(answers[name])} {label.lower()}" for name, label in labels.items() if name in answers.index
        ]
        out.append(f"{count.lead.rstrip(',')}, the {entities} answered: {join_names(parts)}.")
    return out
