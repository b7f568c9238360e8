"""The commands that set a survey up: `emg-pipeline surveys` (every definition, a broken
one named with its problems) and `emg-pipeline form` (the XLSForm, the offline
questionnaire, the desk-mapping template)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.errors import (
    SpecError,
    UsageError,
)
from pipeline.interrupts import (
    EXIT_OK,
    EXIT_USAGE,
)
from pipeline.paths import (
    Layout,
)
from pipeline.printable import printable


def cmd_surveys(args: argparse.Namespace, layout: Layout, out: Console, err: Console) -> int:
    """List every survey definition; a broken one is named with its problems, the others
    are listed all the same (exit 2 when any definition is broken)."""
    from pipeline.spec import load_survey

    table = Table(title=f"Surveys in {layout.surveys}", title_justify="left")
    for col in ("survey", "title", "form version", "rounds under data/raw", "outputs"):
        table.add_column(col)
    broken: dict[str, SpecError] = {}
    for survey_id in layout.survey_ids():
        try:
            survey = load_survey(layout.survey_dir(survey_id))
        except SpecError as exc:
            broken[survey_id] = exc
            continue
        rounds = layout.rounds(survey_id)
        done = [r for r in rounds if (layout.outputs(survey_id, r) / "report.docx").is_file()]
        table.add_row(
            survey_id, survey.title, survey.model.form_version, ", ".join(rounds) or "-", ", ".join(done) or "-"
        )
    out.print(table)
    for survey_id, exc in broken.items():
        err.print(f"[bold red]Survey '{escape(survey_id)}' cannot be used: its definition has problems:[/]")
        for issue in exc.issues:
            err.print(f"  {issue}", markup=False, soft_wrap=True)
    return EXIT_USAGE if broken else EXIT_OK


def cmd_form(args: argparse.Namespace, layout: Layout, out: Console, err: Console) -> int:
    """Write the XLSForm and the blank offline questionnaire into ``--out``; a file of the
    same name already there (perhaps filled in) is left as it is and the new one is
    written beside it."""
    import tempfile

    from pipeline.form_texts import untranslated
    from pipeline.forms import write_questionnaire
    from pipeline.rounds import open_survey
    from pipeline.staging import place_beside
    from pipeline.xlsform import write_xlsform

    survey, registry = open_survey(layout, args.survey)
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out '{printable(args.out)}' is a file, not a folder")
    args.out.mkdir(parents=True, exist_ok=True)
    lang = getattr(args, "lang", "en")
    if getattr(args, "desk", False):
        if lang != "en":  # analysts fill it in, in the project's language
            err.print(f"[yellow]--lang {escape(printable(lang))}: the desk-mapping template is in English[/]")
        return _desk_template(survey, registry, args.out, out, err)
    if lang not in survey.languages:
        raise UsageError(
            f"--lang {lang}: survey '{survey.id}' has labels in {', '.join(survey.languages)} "
            "(add a translation under translations: in its survey.yaml)"
        )
    suffix = "" if lang == "en" else f"_{lang}"
    placed: dict[Path, Path] = {}
    for name, write in (
        (f"{survey.id}.xlsx", lambda s, r, p: write_xlsform(s, r, p, lang)),
        (
            f"{survey.id}_questionnaire{suffix}.xlsx",
            lambda s, r, p: write_questionnaire(s.in_language(lang), r, p),
        ),
    ):
        with tempfile.TemporaryDirectory(prefix=".form-", dir=args.out) as scratch:
            written = write(survey, registry, Path(scratch) / name)
            placed[args.out / name] = place_beside(written, args.out / name)
    xlsform, offline = placed.values()
    out.print(f"XLSForm (KoboToolbox / ODK): {escape(printable(xlsform))}")
    out.print(f"Offline questionnaire:       {escape(printable(offline))}")
    left = untranslated(survey, lang)
    if left:
        shown = ", ".join(left[:10]) + (f" and {len(left) - 10} more" if len(left) > 10 else "")
        err.print(
            f"[yellow]{len(left)} text(s) of the form stay English in {survey.language_name(lang)}: "
            f"{escape(shown)} (add them under translations: {lang}: in "
            f"{escape(printable(survey.path))})[/]"
        )
    for wanted, path in placed.items():
        if path != wanted:
            err.print(
                f"[yellow]{escape(printable(wanted))} was already there (perhaps filled in): left "
                f"as it was; the new file is {escape(printable(path.name))}[/]"
            )
    return EXIT_OK


def _desk_template(survey, registry, folder: Path, out: Console, err: Console) -> int:  # type: ignore[no-untyped-def]
    """``form --desk``: the desk-mapping template, beside any file of that name already there."""
    import tempfile

    from pipeline.desk.template import write_desk_template
    from pipeline.staging import place_beside

    if survey.model.desk is None:
        raise UsageError(
            f"survey '{survey.id}' declares no desk mapping (add a desk: block to its survey.yaml)"
        )
    wanted = folder / f"{survey.id}_desk_mapping.xlsx"
    with tempfile.TemporaryDirectory(prefix=".form-", dir=folder) as scratch:
        path = place_beside(write_desk_template(survey, registry, Path(scratch) / wanted.name), wanted)
    out.print(f"Desk-mapping template:       {escape(printable(path))}")
    if path != wanted:
        err.print(
            f"[yellow]{escape(printable(wanted))} was already there (perhaps filled in): left "
            f"as it was; the new file is {escape(printable(path.name))}[/]"
        )
    return EXIT_OK
