"""The instruments in another language (issue 11): every text the offline questionnaire
and the XLSForm show comes from the survey's translation (labels, hints, sheet names,
instructions, headers, help notes, validation messages), checked the way a user and
KoboToolbox / ODK (pyxform) see them."""

from __future__ import annotations

import io
import re
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import openpyxl
import pytest
import yaml
from defusedxml import ElementTree
from pyxform.xls2xform import convert

from pipeline.cli import main
from pipeline.errors import SpecError
from pipeline.form_texts import FORM_TEXTS, untranslated
from pipeline.forms import entity_label, write_questionnaire
from pipeline.registry import Registry
from pipeline.spec import Survey, load_survey
from pipeline.xlsform import write_xlsform

XF = "{http://www.w3.org/2002/xforms}"

# words the French questionnaire shares with the English one that are French words too
# (or names: Excel, USD, .xlsx, un.org)
FRENCH_TOO = {
    "a", "assistance", "budget", "coalition", "collaboration", "contact", "cycle", "date",
    "distribution", "dollars", "engagement", "europe", "excel", "extraction", "focal",
    "information", "instructions", "missions", "note", "option", "org", "plan", "point",
    "points", "question", "questionnaire", "questions", "s", "total", "types", "un", "usd",
    "version", "xlsx",
}  # fmt: skip


def visible_texts(path: Path) -> list[str]:
    """Every text a person filling the workbook sees: the visible sheets' names, cells
    (hidden rows and columns left out) and notes, the dropdown values and the messages of
    the cells' validations, the workbook's title."""
    wb = openpyxl.load_workbook(path)
    texts = [wb.properties.title or ""]
    lists = {}
    for name, defined in wb.defined_names.items():
        for sheet, ref in defined.destinations:
            lists[name] = [c.value for row in wb[sheet][ref.replace("$", "")] for c in row]
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        texts.append(ws.title)
        hidden_columns = {k for k, d in ws.column_dimensions.items() if d.hidden}
        hidden_rows = {k for k, d in ws.row_dimensions.items() if d.hidden}
        for row in ws.iter_rows():
            for cell in row:
                if cell.column_letter in hidden_columns or cell.row in hidden_rows:
                    continue
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                if cell.comment:
                    texts.append(cell.comment.text)
        for dv in ws.data_validations.dataValidation:
            texts += [dv.errorTitle or "", dv.error or "", dv.promptTitle or "", dv.prompt or ""]
            formula = dv.formula1 or ""
            if formula.startswith('"'):
                texts += formula.strip('"').split(",")
            elif formula in lists:
                texts += [str(v) for v in lists[formula]]
    return [t for t in texts if t]


def words(texts: list[str]) -> set[str]:
    return {w.casefold() for t in texts for w in re.findall(r"[^\W\d_]+", t)}


def entity_names(registry: Registry) -> tuple[set[str], set[str]]:
    table = registry.table
    labels = {entity_label(a, n) for a, n in zip(table["acronym"], table["full_name"], strict=True)}
    return labels, {str(a).casefold() for a in table["acronym"]}


def run_form(root: Path, *extra: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        code = main(["form", "ewaste_img", "--out", str(root / "forms"), "--root", str(root), *extra])
    return code, " ".join(out.getvalue().split())


def test_french_questionnaire_shows_no_english_but_names(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    code, text = run_form(tmp_path, "--lang", "fr")
    assert code == 0 and "stay English" not in text, text
    french = visible_texts(tmp_path / "forms" / "ewaste_img_questionnaire_fr.xlsx")
    english = visible_texts(write_questionnaire(survey, registry, tmp_path / "en.xlsx"))
    labels, acronyms = entity_names(registry)  # proper names: the agencies' own
    left = words([t for t in french if t not in labels]) & words(
        [t for t in english if t not in labels]
    )
    assert left - acronyms - FRENCH_TOO == set()
    # what the user reads, in French: sheets, instructions, headers, help, messages, lists
    for expected in (
        "Réponses", "Projets", "Que remplir", "Comment le renvoyer", "Rubrique", "Réponse",
        "Aide", "Date de remplissage", "Oui", "Non", "Veuillez choisir Oui ou Non.",
        "Saisissez un nombre entier de 1990 à 2040.", "Obligatoire.", "Aucun", "Prévu",
        "Le budget total sur la durée du projet, en dollars des États-Unis. Un nombre d'au moins 0.",
        "Analyse des lacunes du GGQ sur les déchets électroniques : questionnaire",
    ):  # fmt: skip
        assert expected in french, expected
    assert any(t.startswith("1. Sur la feuille « Réponses »") for t in french)
    assert any("séparées par « ; » (par exemple « Afrique; Asie et Pacifique »)" in t for t in french)


def test_french_xlsform_has_hints_and_messages_per_language(
    tmp_path: Path, survey: Survey, registry: Registry
) -> None:
    path = write_xlsform(survey, registry, tmp_path / "ewaste_img.xlsx", lang="fr")
    sheet = openpyxl.load_workbook(path)["survey"]
    heads = [c.value for c in sheet[1]]
    for column in ("label", "hint", "constraint_message"):
        assert f"{column}::English (en)" in heads and f"{column}::French (fr)" in heads
        assert column not in heads
    rows = {r[heads.index("name")]: dict(zip(heads, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    # every English text has its French, and it is not the English one
    for name, row in rows.items():
        for column in ("label", "hint", "constraint_message"):
            english, french = row[f"{column}::English (en)"], row[f"{column}::French (fr)"]
            if english and english not in {"Collaboration", "Budget (USD)"}:  # French too
                assert french and french != english, (name, column)
    assert rows["budget_usd"]["hint::French (fr)"].startswith("Le budget total")
    assert rows["focal_email"]["constraint_message::French (fr)"] == (
        "Saisissez une adresse électronique telle que nom@un.org."
    )
    assert rows["ks_rank_project_db"]["constraint_message::French (fr)"] == (
        "Donnez à chaque option un rang différent, de 1 à 6."
    )
    warnings: list[str] = []
    xform = ElementTree.fromstring(convert(xlsform=str(path), warnings=warnings).xform)
    assert warnings == []
    french = {
        t.get("id"): "".join(t.itertext())
        for tr in xform.iter(f"{XF}translation")
        if tr.get("lang") == "French (fr)"
        for t in tr.iter(f"{XF}text")
    }
    assert french["/data/projects/budget_usd:hint"].startswith("Le budget total")
    assert french["/data/projects/start_year:jr:constraintMsg"] == "Saisissez un nombre entier de 1990 à 2040."


def _with_translation(tmp_path: Path, root: Path, change) -> Path:  # type: ignore[no-untyped-def]
    """A project whose e-waste survey's French translation is changed by ``change``."""
    folder = tmp_path / "surveys" / "ewaste_img"
    folder.mkdir(parents=True)
    data = yaml.safe_load((root / "surveys" / "ewaste_img" / "survey.yaml").read_text(encoding="utf-8"))
    change(data["translations"]["fr"])
    (folder / "survey.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (tmp_path / "data" / "reference").mkdir(parents=True)
    shutil.copy(root / "data" / "reference" / "entities.csv", tmp_path / "data" / "reference")
    return folder


def test_form_lang_names_the_texts_left_english(tmp_path: Path, root: Path) -> None:
    def drop(fr: dict) -> None:  # type: ignore[type-arg]
        del fr["form"]["help_required"], fr["form"]["title_pick"], fr["hints"]["budget_usd"]
        del fr["questions"]["countries"], fr["choices"]["region"]["europe"]

    folder = _with_translation(tmp_path, root, drop)
    left = [
        "questions.countries", "choices.region.europe", "form.help_required", "form.title_pick",
        "hints.budget_usd",
    ]  # fmt: skip
    assert untranslated(load_survey(folder), "fr") == left
    code, text = run_form(tmp_path, "--lang", "fr")
    assert code == 0
    assert f"5 text(s) of the form stay English in French: {', '.join(left)}" in text
    book = openpyxl.load_workbook(tmp_path / "forms" / "ewaste_img_questionnaire_fr.xlsx")
    assert book["Projets"]["B2"].comment.text == "Required."  # English where not translated


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda fr: fr["form"].update(fill_dates="x"), "translations.fr.form.fill_dates: not a text of the form"),
        (lambda fr: fr["form"].update(help_number="Un nombre {rang}."), "'{rang}' is not one of its placeholders ({range})"),
        (lambda fr: fr["form"].update(yes="{yes.__class__}"), "'{yes.__class__}' is not one of its placeholders (none)"),
        (lambda fr: fr["form"].update(help_email="Une {adresse"), "translations.fr.form.help_email: "),
        (lambda fr: fr["hints"].update(budget="x"), "translations.fr.hints: no question 'budget'"),
        (lambda fr: fr["sheets"].update(projects="Projets/actions"), "'Projets/actions' cannot name a sheet"),
        (lambda fr: fr["form"].update(answers_sheet="R" * 32), "translations.fr.form.answers_sheet: "),
        (lambda fr: fr["sheets"].update(projects="RÉPONSES"), "translations.fr.sheets.projects: 'RÉPONSES' is also the title of translations.fr.form.answers_sheet"),
        (lambda fr: fr["form"].update(instructions_sheet="About"), "'About' is also the title of the hidden sheet About"),
        (lambda fr: fr["form"].update(yes="Oui, bien sûr"), "translations.fr.form.yes: 'Oui, bien sûr' must be a word"),
    ],
)
def test_a_broken_translation_is_named(tmp_path: Path, root: Path, change, problem: str) -> None:  # type: ignore[no-untyped-def]
    folder = _with_translation(tmp_path, root, change)
    with pytest.raises(SpecError) as raised:
        load_survey(folder)
    assert problem in str(raised.value)


def test_every_form_text_has_french_and_the_same_placeholders(survey: Survey) -> None:
    from pipeline.form_texts import placeholders

    french = survey.model.translations["fr"].form
    assert set(french) == set(FORM_TEXTS)
    for key, text in french.items():
        assert placeholders(text) <= placeholders(FORM_TEXTS[key]), key
    assert "translator" in survey.model.translations["fr"].note


def test_french_questionnaire_answers_read_in_its_words(
    tmp_path: Path, survey: Survey, registry: Registry, example
) -> None:  # type: ignore[no-untyped-def]
    from catalogue import questionnaire

    from pipeline.errors import IssueLog
    from pipeline.ingest import questionnaire as reader

    path = questionnaire(survey.in_language("fr"), registry, example, 0, tmp_path / "q.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Réponses"]
    rows = {c.value: c.row for c in sheet["A"] if c.value}
    sheet.cell(rows["topics/epr"], 4).value = "oui"
    sheet.cell(rows["topics/chemicals"], 4).value = "peut-être"
    book.save(path)
    log = IssueLog()
    main, _ = reader.read(path, "q.xlsx", survey, registry, log)
    assert "epr" in main.at[0, "topics"].split() and "chemicals" not in main.at[0, "topics"].split()
    (warning,) = log.warnings
    assert (warning.sheet, warning.row) == ("Réponses", rows["topics/chemicals"])
    assert warning.column == "D (Réponse)"
    assert "'peut-être' is not Oui or Non" in warning.message


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_french_questionnaire_saved_again_by_libreoffice_reads_the_same(
    tmp_path: Path, survey: Survey, registry: Registry, example
) -> None:  # type: ignore[no-untyped-def]
    """An agency opens the French questionnaire in LibreOffice Calc and saves it: the
    answers read back are the same, with no warning (its help texts, Oui/Non, sheet names)."""
    import subprocess

    from catalogue import questionnaire

    from pipeline.errors import IssueLog
    from pipeline.ingest import questionnaire as reader

    filled = questionnaire(survey.in_language("fr"), registry, example, 0, tmp_path / "in" / "q.xlsx")
    subprocess.run(
        [
            "soffice", "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"), str(filled),
        ],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    logs = IssueLog(), IssueLog()
    written = reader.read(filled, "q.xlsx", survey, registry, logs[0])
    saved = reader.read(tmp_path / "out" / "q.xlsx", "q.xlsx", survey, registry, logs[1])
    names = [f.name for f in survey.fields()]
    assert written[0][names].equals(saved[0][names]) and written[0][names].notna().any(axis=None)
    assert written[1]["projects"].equals(saved[1]["projects"]) and len(saved[1]["projects"])
    assert logs[1].issues == []
