"""What a survey definition's schema cannot check on its own: cross-references between
blocks (choice lists, dimension sets, question ids), the work plan, translations and
cross-field checks. Each returns the problems found, in words naming the place."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pipeline.form_texts import FORM_TEXTS, check_form_texts
from pipeline.spec_model import Question, SurveyModel

if TYPE_CHECKING:
    from pipeline.spec import Survey


def check_references(model: SurveyModel) -> list[str]:
    """Cross-references a schema cannot check: choice lists, dimension sets, question ids."""
    problems: list[str] = []
    lists = set(model.choices) | set(model.dimension_sets)
    qids: dict[str, Question] = {}
    for section in model.sections:
        if section.per_dimension and section.per_dimension not in lists:
            problems.append(
                f"section '{section.id}': unknown dimension set or choice list '{section.per_dimension}'"
            )
        if section.per_dimension and section.repeat:
            problems.append(f"section '{section.id}': a repeat cannot also be per_dimension")
        for q in section.questions:
            if q.id in qids:
                problems.append(f"question id '{q.id}' is used twice")
            qids[q.id] = q
            if q.choices and q.choices not in lists:
                problems.append(f"question '{q.id}': unknown choice list '{q.choices}'")
            if q.skip_if and q.skip_if.question not in {x.id for x in section.questions}:
                problems.append(
                    f"question '{q.id}': skip_if refers to '{q.skip_if.question}' outside its section"
                )
    entity_questions = [q.id for q in qids.values() if q.type == "entity"]
    if len(entity_questions) != 1:
        problems.append(
            f"a survey needs exactly one question of type entity; found {len(entity_questions)}"
        )
    refs: list[tuple[str, str | None]] = []
    if model.scoring:
        refs += [(f"scoring component {c.question}", c.question) for c in model.scoring.components]
        if model.scoring.dimension_set not in model.dimension_sets:
            problems.append(f"scoring: unknown dimension set '{model.scoring.dimension_set}'")
    if model.coverage:
        refs.append(("coverage.question", model.coverage.question))
        q = qids.get(model.coverage.question)
        names = [c.name for c in model.choices.get(q.choices or "", [])] if q else []
        for key in ("engaged_at_least", "strong"):
            if q and getattr(model.coverage, key) not in names:
                problems.append(
                    f"coverage.{key}: '{getattr(model.coverage, key)}' is not a choice of {q.choices}"
                )
    if model.gaps:
        refs += [("gaps.topics_question", model.gaps.topics_question)]
        refs += [("gaps.activities_question", model.gaps.activities_question)]
    if model.links:
        refs.append(("links.collaborators_question", model.links.collaborators_question))
    if model.ranking:
        refs.append(("ranking.question", model.ranking.question))
    if model.projects:
        p = model.projects
        refs += [(f"projects.{k}", v) for k, v in p.model_dump().items() if k != "section"]
    if model.desk:
        if not model.projects:
            problems.append(
                "desk: needs a projects: block (the desk mapping is merged with the projects)"
            )
        for key in ("types", "topics"):
            name = getattr(model.desk, key)
            if name is not None and name not in lists:
                problems.append(f"desk.{key}: unknown choice list '{name}'")
    if model.workplan:
        problems += _check_workplan(model, qids)
    if model.requirements:
        r = model.requirements
        refs += [("requirements.coverage_question", r.coverage_question)]
        refs += [("requirements.document_question", r.document_question)]
        if r.dimension_set not in model.dimension_sets:
            problems.append(f"requirements: unknown dimension set '{r.dimension_set}'")
        q = qids.get(r.coverage_question)
        names = [c.name for c in model.choices.get(q.choices or "", [])] if q else []
        for key in ("mandatory", "not_applicable"):
            value = getattr(r, key)
            if q and value is not None and value not in names:
                problems.append(f"requirements.{key}: '{value}' is not a choice of {q.choices}")
    if model.maturity:
        refs.append(("maturity.question", model.maturity.question))
        if model.maturity.dimension_set not in model.dimension_sets:
            problems.append(f"maturity: unknown dimension set '{model.maturity.dimension_set}'")
    if model.tallies:
        t = model.tallies
        section = next((x for x in model.sections if x.id == t.section), None)
        if section is None:
            problems.append(f"tallies.section: no section '{t.section}'")
        else:
            counted = {q.id for q in section.questions if q.type == "select_one"}
            for qid in t.phrases:
                if qid not in counted:
                    problems.append(
                        f"tallies.phrases: '{qid}' is not a single-choice question of section '{t.section}'"
                    )
    main_questions = {
        q.id: q for x in model.sections if not x.repeat and not x.per_dimension for q in x.questions
    }
    for i, line in enumerate(model.report.profile_lines):
        for qid in [line.question, *line.then]:
            q = main_questions.get(qid)
            if q is None or q.personal:
                problems.append(
                    f"report.profile_lines[{i}]: '{qid}' is not a non-personal question asked once per entity"
                )
        if "{value}" not in line.template:
            problems.append(
                f"report.profile_lines[{i}].template: needs '{{value}}' where the answer goes"
            )
    for i, count in enumerate(model.report.answer_counts):
        q = main_questions.get(count.question)
        if q is None or q.type != "select_one":
            problems.append(
                f"report.answer_counts[{i}]: '{count.question}' is not a single-choice question asked once per entity"
            )
    if "{item}" not in model.report.strengthen:
        problems.append("report.strengthen: the sentence needs '{item}' where the label goes")
    if model.open_answers:
        types = {q.id: q.type for sec in model.sections for q in sec.questions}
        for qid, themes in model.open_answers.themes.items():
            if qid in types and types[qid] != "text":
                problems.append(
                    f"open_answers.themes.{qid}: a {types[qid]} question, not a text question"
                )
            ids = [t.id for t in themes]
            if len(set(ids)) < len(ids):
                problems.append(f"open_answers.themes.{qid}: a theme id is used twice")
            refs.append((f"open_answers.themes.{qid}", qid))
    for key in ("chapters", "annexes"):
        names = getattr(model.report, key) or []
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            problems.append(f"report.{key}: listed twice: {', '.join(dupes)}")
    for where, qid in refs:
        if qid is not None and qid not in qids:
            problems.append(f"{where}: no question '{qid}'")
    for name, choices in model.choices.items():
        dupes = {c.name for c in choices if [d.name for d in choices].count(c.name) > 1}
        if dupes:
            problems.append(f"choice list '{name}': duplicated name(s) {', '.join(sorted(dupes))}")
    return problems


def _check_workplan(model: SurveyModel, qids: dict[str, Question]) -> list[str]:
    """The work plan's goal questions ask per item of a dimension (set or choice list) and
    offer the lead and contribute choices; each goal's wording names the item."""
    w = model.workplan
    assert w is not None
    problems: list[str] = []
    if not model.gaps:
        problems.append("workplan: needs a gaps: block (one goal per gap)")
    per_item = {q.id: x for x in model.sections if x.per_dimension for q in x.questions}
    for kind, goal in w.goals.items():
        if "{item" not in goal.goal:
            problems.append(
                f"workplan.goals.{kind}.goal: the wording needs '{{item}}' where the gap's label goes"
            )
        if goal.question is None:
            continue
        q = qids.get(goal.question)
        if q is None:
            problems.append(f"workplan.goals.{kind}.question: no question '{goal.question}'")
            continue
        if q.type != "select_one" or goal.question not in per_item:
            problems.append(
                f"workplan.goals.{kind}.question: '{goal.question}' must be a select_one asked per item (per_dimension)"
            )
            continue
        names = [c.name for c in model.choices.get(q.choices or "", [])]
        for key in ("lead", "contribute"):
            if getattr(w, key) not in names:
                problems.append(
                    f"workplan.{key}: '{getattr(w, key)}' is not a choice of {q.choices}"
                )
    return problems


SHEET_TITLE = re.compile(r"(?!')[^\[\]:*?/\\]{1,31}(?<!')")  # what Excel takes as a sheet title
ROUND_YEAR = re.compile(r"^round_year\s*(?:([+-])\s*(\d+))?$")


def _check_translations(survey: Survey) -> list[str]:
    """Translations name sections, questions, choice lists and items that exist."""
    problems: list[str] = []
    m = survey.model
    sections = {s.id for s in m.sections}
    questions = {q.id for s in m.sections for q in s.questions}
    for lang, t in m.translations.items():
        where = f"translations.{lang}"
        problems += [f"{where}.sections: no section '{k}'" for k in t.sections if k not in sections]
        problems += [
            f"{where}.questions: no question '{k}'" for k in t.questions if k not in questions
        ]
        problems += [f"{where}.hints: no question '{k}'" for k in t.hints if k not in questions]
        problems += check_form_texts(t.form, f"{where}.form")
        for section, title in t.sheets.items():
            if section not in survey.repeat_sections:
                problems.append(f"{where}.sheets: no repeat section '{section}'")
            elif not SHEET_TITLE.fullmatch(title):
                problems.append(
                    f"{where}.sheets.{section}: '{title}' cannot name a sheet (1 to 31 "
                    "characters, none of [ ] : * ? / \\)"
                )
        titles = [t.form.get("answers_sheet"), t.form.get("instructions_sheet")]
        for key, title in zip(("answers_sheet", "instructions_sheet"), titles, strict=True):
            if title is not None and not SHEET_TITLE.fullmatch(title):
                problems.append(f"{where}.form.{key}: '{title}' cannot name a sheet")
        # the questionnaire's sheets need distinct titles (Excel ignores case); Lists and
        # About are its hidden ones
        named = {
            "form.answers_sheet": t.form.get("answers_sheet") or FORM_TEXTS["answers_sheet"],
            "form.instructions_sheet": t.form.get("instructions_sheet")
            or FORM_TEXTS["instructions_sheet"],
            **{f"sheets.{k}": v for k, v in t.sheets.items()},
        }
        seen: dict[str, str] = {
            "lists": "the hidden sheet Lists",
            "about": "the hidden sheet About",
        }
        for key, title in named.items():
            other = seen.setdefault(title.casefold(), f"{where}.{key}")
            if other != f"{where}.{key}":
                problems.append(f"{where}.{key}: '{title}' is also the title of {other}")
        # a translated choice the list no longer has is left unused (lists get edited)
        for kind, given in (("choices", t.choices), ("dimensions", t.dimensions)):
            for name in given:
                try:
                    survey.choices(name)
                except KeyError:
                    problems.append(f"{where}.{kind}: no list '{name}'")
    return problems


def check_checks(survey: Survey) -> list[str]:
    """The cross-field checks name fields of their table, numbers or round_year."""
    problems: list[str] = _check_translations(survey)
    for check in survey.model.checks:
        if check.section is not None and check.section not in survey.repeat_sections:
            problems.append(f"check '{check.id}': no repeat section '{check.section}'")
            continue
        fields = {f.name: f for f in survey.fields(check.section)}
        where = f"the {check.section} section" if check.section else "the main form"
        numbers = {"integer", "decimal"}
        for name in [check.field, *check.when]:
            if name not in fields:
                problems.append(f"check '{check.id}': no field '{name}' in {where}")
        if check.field in fields and fields[check.field].type not in numbers:
            problems.append(f"check '{check.id}': '{check.field}' is not a number question")
        for bound in (check.min, check.max):
            named = isinstance(bound, str) and not ROUND_YEAR.match(bound.strip())
            if named and (bound not in fields or fields[bound].type not in numbers):
                problems.append(
                    f"check '{check.id}': bound '{bound}' is neither a number question of "
                    f"{where} nor round_year (+/- n)"
                )
    return problems
