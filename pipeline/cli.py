"""`emg-pipeline`: the command line (also `python -m pipeline`).

Exit codes: 0 done, 1 the data has errors (each named), 2 wrong usage, 3 the outputs could
not be written (disk full, no permission; the previous outputs are unchanged), 4 another
run is writing the same round, 130 interrupted (Ctrl-C), 143 stopped by SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding

from pipeline import __version__
from pipeline.cli_setup import cmd_form, cmd_surveys
from pipeline.errors import (
    BusyError,
    IssueLog,
    OutputError,
    PipelineError,
    SpecError,
    UsageError,
)
from pipeline.interrupts import (
    EXIT_BUSY,
    EXIT_DATA,
    EXIT_INTERRUPTED,
    EXIT_IO,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    Terminated,
)
from pipeline.paths import (
    MAX_ID_LENGTH,
    Layout,
    check_run_date,
    find_root,
    folder_name,
    natural_key,
)
from pipeline.printable import printable

SURVEY_HELP = "survey id, a folder of surveys/ (see 'emg-pipeline surveys')"



class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {printable(message)}\n")


def _id(what: str) -> Callable[[str], str]:
    """An argparse type: a survey or round id that is a plain folder name (exit 2 if not)."""

    def check(value: str) -> str:
        try:
            return folder_name(value, what, max_length=MAX_ID_LENGTH)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    check.__name__ = what
    return check


def run_date(value: str) -> str:
    """An argparse type: a calendar date written YYYY-MM-DD."""
    try:
        return check_run_date(value)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="emg-pipeline",
        description="Survey and gap-analysis pipeline of the UN Environment Management Group.",
        epilog=(
            "Exit codes: 0 done, 1 the data has errors, 2 wrong usage, 3 the outputs could not "
            "be written, 4 another run is writing the same round, 130 interrupted, 143 terminated."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def with_root(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--root", type=Path, help="project folder (default: the current project)")
        p.add_argument("--quiet", "-q", action="store_true", help="print only errors and results")
        return p

    with_root(sub.add_parser("surveys", help="list the surveys defined and the rounds found"))

    form = with_root(sub.add_parser("form", help="write a survey's XLSForm and offline questionnaire"))
    form.add_argument("survey", type=_id("survey id"), help=SURVEY_HELP)
    form.add_argument("--out", type=Path, required=True, help="folder to write the two files into")
    form.add_argument(
        "--lang",
        default="en",
        metavar="CODE",
        help="language of the offline questionnaire and the XLSForm's default language "
        "(a code the survey translates to, e.g. fr; default en)",
    )
    form.add_argument(
        "--desk",
        action="store_true",
        help="write the desk-mapping template instead (initiatives found by desk research; "
        "a filled copy goes into the round folder)",
    )

    demo = with_root(sub.add_parser("demo", help="write the demo rounds under ROOT/data/raw and run them"))
    demo.add_argument(
        "--survey", action="append", type=_id("survey id"), help="only this survey (repeatable)"
    )
    no_pdf = "write no PDF and leave the contents without page numbers (default: LibreOffice, when installed, writes them)"
    demo.add_argument("--no-pdf", action="store_true", help=no_pdf)

    for name, text in (("validate", "check a round's inputs only"), ("run", "run the whole pipeline")):
        p = with_root(sub.add_parser(name, help=text))
        p.add_argument("survey", type=_id("survey id"), help=SURVEY_HELP)
        p.add_argument(
            "--round", required=True, dest="round_id", type=_id("round"),
            help="round folder under data/raw/SURVEY/",
        )
        p.add_argument(
            "--no-repeat",
            action="append",
            default=[],
            metavar="GROUP",
            help="this round collected no rows of the repeat group GROUP (e.g. projects): "
            "exports without it are read, and the report says it was not collected (repeatable)",
        )
        if name == "run":
            p.add_argument("--force", action="store_true", help="run even if outputs are up to date")
            p.add_argument(
                "--run-date", type=run_date, help="date shown in the report, YYYY-MM-DD (default: today)"
            )
            p.add_argument("--no-pdf", action="store_true", help=no_pdf)
    compare = with_root(sub.add_parser("compare", help="compare two rounds of a survey"))
    compare.add_argument("survey", type=_id("survey id"), help=SURVEY_HELP)
    compare.add_argument(
        "--rounds", nargs=2, required=True, metavar=("OLD", "NEW"), type=_id("round"),
        help="the earlier and the later round",
    )
    compare.add_argument(
        "--run-date", type=run_date, help="date shown in the report, YYYY-MM-DD (default: today)"
    )
    compare.add_argument(
        "--no-repeat",
        action="append",
        default=[],
        metavar="[ROUND:]GROUP",
        help="a round collected no rows of the repeat group GROUP (e.g. projects), as for "
        "run: GROUP for both rounds, ROUND:GROUP for one of them (repeatable)",
    )
    compare.add_argument("--no-pdf", action="store_true", help=no_pdf)
    comments = with_root(
        sub.add_parser("comments", help="collect reviewers' comments on a draft into a comment/response table")
    )
    comments.add_argument("survey", type=_id("survey id"), help=SURVEY_HELP)
    comments.add_argument(
        "--round", required=True, dest="round_id", type=_id("round"),
        help="the round the draft reports on",
    )
    comments.add_argument("copies", nargs="+", type=Path, metavar="FILE.docx", help="reviewed copies of the report")
    comments.add_argument(
        "--run-date", type=run_date, help="date shown in comments.docx, YYYY-MM-DD (default: today)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_streams()
    sys.unraisablehook = _quiet_unraisable
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    layout = Layout(find_root(args.root) if args.root is None else args.root.resolve())
    return guarded(lambda: COMMANDS[args.command](args, layout, out, err), err)


def _quiet_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """After a failed write (a full TMPDIR, the file size limit), openpyxl's abandoned
    sheet writers fail again in lxml when they are collected ("Exception ignored in ..."):
    the run has already said what happened, so these echoes are not printed; anything
    else is, as usual."""
    if type(unraisable.exc_value).__module__.startswith("lxml"):
        return
    sys.__unraisablehook__(unraisable)


def _tolerant_streams() -> None:
    """Let a console that cannot show a character (``PYTHONIOENCODING=ascii``, a Windows
    code page when output is redirected) print it as an escape (``\\u4e2d``) instead of
    stopping the run with a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "") == "strict":
            with contextlib.suppress(ValueError, OSError):  # cannot change now: left as it is
                reconfigure(errors="backslashreplace")


def guarded(command: Callable[[], int], err: Console) -> int:
    """Run a command; turn the project's errors into messages and exit codes."""
    try:
        return command()
    except UsageError as exc:
        # our own message, its lines kept; what it quotes from inputs is already printable
        lines = "\n".join(printable(line) for line in str(exc).splitlines())
        err.print(f"[bold red]{escape(lines)}[/]")
        return EXIT_USAGE
    except OutputError as exc:
        print_issues(err, IssueLog(list(exc.issues)), only_problems=True)
        err.print("[bold red]Stopped: the outputs could not be written.[/]")
        return EXIT_IO
    except BusyError as exc:
        print_issues(err, IssueLog(list(exc.issues)), only_problems=True)
        err.print("[bold red]Stopped: nothing was read or written.[/]")
        return EXIT_BUSY
    except SpecError as exc:
        err.print("[bold red]The survey definition or registry has problems:[/]")
        for issue in exc.issues:
            err.print(f"  {printable(issue)}", markup=False)
        return EXIT_USAGE
    except PipelineError as exc:
        print_issues(err, IssueLog(list(exc.issues)), only_problems=True)
        err.print(f"[bold red]Stopped: {len(exc.issues)} error(s) in the inputs; nothing was written.[/]")
        return EXIT_DATA
    except Terminated:
        err.print("Terminated (SIGTERM); previous outputs are unchanged.")
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        err.print("Interrupted; previous outputs are unchanged.")
        return EXIT_INTERRUPTED
    except OSError as exc:  # a file or folder that cannot be read or written
        from pipeline.staging import describe_os_error

        reason, advice = describe_os_error(exc)
        where = f" '{printable(os.fsdecode(exc.filename))}'" if exc.filename else ""
        err.print(f"[bold red]Stopped: cannot read or write{escape(where)}: {reason}; {advice}.[/]")
        return EXIT_IO
    except Exception as exc:  # Ctrl-C or SIGTERM that Python re-raised as another error
        signalled = _signal_behind(exc)  # (e.g. while a class was being created on import)
        if isinstance(signalled, Terminated):
            err.print("Terminated (SIGTERM); previous outputs are unchanged.")
            return EXIT_TERMINATED
        if isinstance(signalled, KeyboardInterrupt):
            err.print("Interrupted; previous outputs are unchanged.")
            return EXIT_INTERRUPTED
        raise


def _signal_behind(exc: BaseException) -> BaseException | None:
    """The KeyboardInterrupt or Terminated that ``exc`` was raised from, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, (KeyboardInterrupt, Terminated)):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def cmd_demo(args: argparse.Namespace, layout: Layout, out: Console, err: Console) -> int:
    """Write and run every survey's demo rounds. On several cores the work runs side by
    side as jobs (:mod:`pipeline.jobs`): each survey's inputs, then each of its rounds, then
    its comparison and comments; what each prints is shown in survey order."""
    from pipeline.rounds import open_survey

    survey_ids = args.survey or layout.survey_ids()
    _check_demo_rounds(layout, survey_ids)  # before anything is written, for every survey
    plans, sizes = {}, {}
    for survey_id in survey_ids:
        survey = open_survey(layout, survey_id)[0]
        demo = survey.model.demo
        if demo and demo.rounds:
            plans[survey_id] = [s.id for s in sorted(demo.rounds, key=lambda s: natural_key(s.id))]
            fields = len(survey.fields()) + sum(len(survey.fields(r)) for r in survey.repeat_sections)
            sizes[survey_id] = fields * sum(s.respondents for s in demo.rounds)
    # the surveys with most rounds first, then the larger ones: the small ones fill the end
    plans = dict(sorted(plans.items(), key=lambda kv: (-len(kv[1]), -sizes[kv[0]])))
    from pipeline.report.office import office_listener

    # the rounds a job processed are kept for the next jobs that read them (the analyst's
    # decisions, the round's run, the next round's, the comparison): pipeline.round_cache;
    # one LibreOffice, started now, finishes every job's documents (when PDFs are written)
    with (
        tempfile.TemporaryDirectory(prefix="emg-demo-rounds-") as kept,
        office_listener(False if args.no_pdf else None),
    ):
        args = argparse.Namespace(**{**vars(args), "round_cache": kept})
        return _demo_jobs(args, layout, survey_ids, plans, out, err)


def _demo_jobs(
    args: argparse.Namespace,
    layout: Layout,
    survey_ids: list[str],
    plans: dict[str, list[str]],
    out: Console,
    err: Console,
) -> int:
    from pipeline.jobs import Job, run_jobs
    from pipeline.round_cache import round_cache

    workers = os.cpu_count() or 1
    if workers <= 1 or sum(map(len, plans.values())) <= 1:  # nothing could run side by side
        with round_cache(getattr(args, "round_cache", None)):
            return max((_demo_survey(args, layout, s, out, err) for s in survey_ids), default=EXIT_OK)
    _import_for_jobs()
    colour = out.is_terminal
    jobs: list[Job] = []
    # every survey's inputs first (short, and each unlocks runs), then the runs, the larger
    # surveys' first, then the comparisons and comments: the small jobs fill the end
    for rank, (survey_id, rounds) in enumerate(plans.items()):
        prepare = f"{survey_id}:inputs"
        jobs.append(Job(prepare, _demo_job, ("inputs", args, layout, survey_id, "", colour), (), (0, rank)))
        runs = [f"{survey_id}:run:{r}" for r in rounds]
        for k, (name, round_id) in enumerate(zip(runs, rounds, strict=True)):
            jobs.append(Job(name, _demo_job, ("run", args, layout, survey_id, round_id, colour), (prepare,), (1, rank, k)))
        jobs.append(Job(f"{survey_id}:finish", _demo_job, ("finish", args, layout, survey_id, "", colour), runs, (2, rank)))
    results = run_jobs(
        jobs, min(workers, len(jobs)), ok=lambda r: r[0] == EXIT_OK, skipped=lambda _: (EXIT_OK, "", "")
    )
    status = EXIT_OK
    for survey_id in [s for s in survey_ids if s in plans]:  # in survey order, not finish order
        rounds = plans[survey_id]
        names = [f"{survey_id}:inputs", *(f"{survey_id}:run:{r}" for r in rounds), f"{survey_id}:finish"]
        for name in names:
            job_status, printed, errors = results[name]
            out.file.write(printed)
            err.file.write(errors)
            status = max(status, job_status)
    return status


# imported by the pipeline inside functions, so not reached from its modules' imports
_LIBRARIES_IMPORTED_LATER = (
    "matplotlib.pyplot",
    "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_svg",
    "matplotlib.patheffects",
    "pptx",
    "fastexcel",
    "scipy.stats",
)


def _import_for_jobs() -> None:
    """Import here, once, every module of the pipeline and the libraries it loads later:
    each demo job is forked from this process and would otherwise import them again (the
    run of a round about a second of CPU). Nothing else is done: no font is opened, no
    figure drawn, no file read."""
    import importlib
    import pkgutil

    import pipeline

    for module in pkgutil.walk_packages(pipeline.__path__, "pipeline."):
        if not module.name.endswith(("__main__", "office_uno")):  # a script; LibreOffice's
            importlib.import_module(module.name)
    for name in _LIBRARIES_IMPORTED_LATER:
        importlib.import_module(name)


def _check_demo_rounds(layout: Layout, survey_ids: list[str]) -> None:
    from pipeline.demo_guard import check_demo_may_write
    from pipeline.rounds import open_survey

    for survey_id in survey_ids:
        demo = open_survey(layout, survey_id)[0].model.demo
        if demo:
            check_demo_may_write(layout, survey_id, [spec.id for spec in demo.rounds])


def _demo_job(
    stage: str, args: argparse.Namespace, layout: Layout, survey_id: str, round_id: str, colour: bool
) -> tuple[int, str, str]:
    """One job of the demo in a worker process: a survey's ``inputs``, the ``run`` of one
    of its rounds, or its ``finish`` (comparison and comments); (status, printed, errors)."""
    out = Console(file=io.StringIO(), highlight=False, force_terminal=colour, width=100)
    err = Console(file=io.StringIO(), highlight=False, force_terminal=colour, width=100)
    steps = {
        "inputs": lambda: _demo_inputs(args, layout, survey_id, out),
        "run": lambda: _demo_run(args, layout, survey_id, round_id, out, err),
        "finish": lambda: _demo_finish(args, layout, survey_id, out, err),
    }
    from pipeline.round_cache import round_cache

    with round_cache(getattr(args, "round_cache", None)):
        status = guarded(steps[stage], err)
    return status, out.file.getvalue(), err.file.getvalue()  # type: ignore[attr-defined]


def _demo_survey(
    args: argparse.Namespace, layout: Layout, survey_id: str, out: Console, err: Console
) -> int:
    """One survey's demo in this process: inputs, every round in order, then the rest."""
    from pipeline.rounds import open_survey

    demo = open_survey(layout, survey_id)[0].model.demo
    if not demo:
        return EXIT_OK
    status = _demo_inputs(args, layout, survey_id, out)
    for spec in sorted(demo.rounds, key=lambda s: natural_key(s.id)):  # as rounds sort
        status = max(status, _demo_run(args, layout, survey_id, spec.id, out, err))
    if status == EXIT_OK:
        status = _demo_finish(args, layout, survey_id, out, err)
    return status


def _demo_inputs(args: argparse.Namespace, layout: Layout, survey_id: str, out: Console) -> int:
    """Write every demo round of a survey (each with the form version it used) and the demo
    analyst's quoting decisions for the last one."""
    from pipeline.demo import write_demo_round
    from pipeline.demo_guard import check_demo_may_write, clear_demo_round, record_demo_round
    from pipeline.rounds import open_survey

    survey, registry = open_survey(layout, survey_id)
    if not survey.model.demo:
        return EXIT_OK
    specs = sorted(survey.model.demo.rounds, key=lambda s: natural_key(s.id))  # as rounds sort
    check_demo_may_write(layout, survey_id, [spec.id for spec in specs])
    for spec in specs:
        folder = layout.raw(survey_id, spec.id)
        clear_demo_round(layout, survey_id, spec.id)
        write_demo_round(survey.for_round(spec.id), registry, spec, folder)
        record_demo_round(layout, survey_id, spec.id)
        if not args.quiet:
            out.print(f"[bold]{survey_id}[/] demo round {spec.id}: inputs written to {folder}")
    if specs:  # the demo's analyst decides which open answers the report may quote
        from pipeline.demo_review import write_demo_decisions

        write_demo_decisions(layout, survey_id, specs[-1].id)
    return EXIT_OK


def _demo_run(
    args: argparse.Namespace, layout: Layout, survey_id: str, round_id: str, out: Console, err: Console
) -> int:
    """Run one demo round (it compares with the round before from that round's inputs, so
    the rounds of a survey may run side by side)."""
    args = argparse.Namespace(**vars(args))  # each run sets its own round on it
    args.survey_id, args.round_id, args.force, args.run_date = survey_id, round_id, True, None
    return cmd_run(args, layout, out, err)


def _demo_finish(
    args: argparse.Namespace, layout: Layout, survey_id: str, out: Console, err: Console
) -> int:
    """After every round of a survey ran: the comparison of its last two rounds, and two
    reviewers' comments on the last report."""
    from pipeline.rounds import open_survey

    demo = open_survey(layout, survey_id)[0].model.demo
    specs = sorted(demo.rounds, key=lambda s: natural_key(s.id)) if demo else []
    if not specs:
        return EXIT_OK
    args = argparse.Namespace(**vars(args))
    args.survey_id, args.round_id, args.force, args.run_date = survey_id, specs[-1].id, True, None
    status = EXIT_OK
    if len(specs) > 1:  # the comparison of the last two
        pair = argparse.Namespace(**{**vars(args), "survey": survey_id})
        pair.rounds = [specs[-2].id, specs[-1].id]
        status = cmd_compare(pair, layout, out, err)
    if status == EXIT_OK:  # two reviewers send the last report back with comments
        status = _demo_comments(args, layout, survey_id, specs[-1].id, out, err)
    return status


def _demo_comments(
    args: argparse.Namespace, layout: Layout, survey_id: str, round_id: str, out: Console, err: Console
) -> int:
    from pipeline.comments.sample import write_reviewed_copy
    from pipeline.rounds import open_survey

    registry = open_survey(layout, survey_id)[1]
    report = layout.outputs(survey_id, round_id) / "report.docx"
    folder = layout.review(survey_id, round_id)
    copies = []
    for k, (first, last, entity) in enumerate(zip(("Amina", "Lucas"), ("Diallo", "Moreau"), registry.ids[:2], strict=False)):
        author = f"{first} {last} ({registry.acronym(entity)})"
        name = f"demo-reviewed-{registry.acronym(entity)}.docx"
        copies.append(
            write_reviewed_copy(report, folder / name, author, first[0] + last[0], "2026-11-20T09:00:00Z", k)
        )
    review = argparse.Namespace(**{**vars(args), "survey": survey_id, "round_id": round_id})
    review.copies = copies
    return cmd_comments(review, layout, out, err)


def cmd_compare(args: argparse.Namespace, layout: Layout, out: Console, err: Console) -> int:
    from pipeline.comparison import run_comparison

    old, new = args.rounds
    if old == new:
        err.print(f"[bold red]compare: give two different rounds (got '{escape(old)}' twice)[/]")
        return EXIT_USAGE
    with _progress(err, args.quiet) as on_step:
        outcome = run_comparison(
            layout,
            args.survey,
            old,
            new,
            run_date=getattr(args, "run_date", None),
            on_step=on_step,
            no_repeat=getattr(args, "no_repeat", None) or (),
            pdf=False if getattr(args, "no_pdf", False) else None,
        )
    st, counts = outcome.stats, outcome.log.counts()
    out.print(
        f"[bold green]{args.survey} {new} compared with {old}: done[/] ({st['n_both']} answered both "
        f"rounds, {st['n_joined']} joined, {st['n_left']} left; {st['n_score_distinguishable']} score "
        f"change(s) and {st['n_adoption_distinguishable']} yes/no change(s) told from noise; "
        f"{counts['warning']} warning(s))"
    )
    for name in ("comparison.docx", "comparison.pdf", "comparison.xlsx", "charts", "manifest.json"):
        if (outcome.outputs / name).exists():
            out.print(f"  {name:<16} {outcome.outputs / name}")
    return EXIT_OK


def cmd_comments(args: argparse.Namespace, layout: Layout, out: Console, err: Console) -> int:
    from pipeline.comments.collect import DOCUMENT, WORKBOOK, collect_comments

    outcome = collect_comments(
        layout, args.survey, args.round_id, list(args.copies), run_date=getattr(args, "run_date", None)
    )
    out.print(
        f"[bold green]{args.survey} {args.round_id}: {len(outcome.table)} comment(s) in the table[/] "
        f"({outcome.added} new from {len(args.copies)} reviewed cop{'y' if len(args.copies) == 1 else 'ies'}; "
        f"{outcome.kept_responses} response(s) already written kept)"
    )
    for name in (WORKBOOK, DOCUMENT):
        out.print(f"  {name:<14} {outcome.folder / name}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, layout: Layout, out: Console, err: Console) -> int:
    from pipeline.rounds import Steps, check_round

    with _progress(err, args.quiet) as on_step:
        log, raw = check_round(
            layout, args.survey, args.round_id, Steps(on_start=on_step), args.no_repeat
        )
    print_issues(out, log, only_problems=args.quiet)
    n_files = len(raw.files) if raw else 0
    n_rows = len(raw.main) if raw is not None else 0
    counts = log.counts()
    out.print(
        f"{n_files} file(s), {n_rows} submission(s): {counts['error']} error(s), "
        f"{counts['warning']} warning(s)."
    )
    return EXIT_DATA if log.has_errors() else EXIT_OK


def cmd_run(args: argparse.Namespace, layout: Layout, out: Console, err: Console) -> int:
    from pipeline.run import run_round

    survey_id = getattr(args, "survey_id", None) or args.survey
    with _progress(err, args.quiet) as on_step:
        outcome = run_round(
            layout,
            survey_id,
            args.round_id,
            force=args.force,
            run_date=args.run_date,
            on_step=on_step,
            no_repeat=getattr(args, "no_repeat", None) or (),
            pdf=False if getattr(args, "no_pdf", False) else None,
        )
    if outcome.repaired and not args.quiet:
        out.print(
            f"{survey_id} {args.round_id}: a run killed while swapping its outputs in was undone; "
            "the previous outputs and tables are back together."
        )
    if outcome.status == "up-to-date":
        out.print(f"{survey_id} {args.round_id}: up to date ({outcome.outputs}); use --force to re-run.")
        return EXIT_OK
    if not args.quiet:
        if outcome.rebuilt and outcome.rebuilt not in ("no outputs yet",):
            out.print(f"{survey_id} {args.round_id}: not up to date ({escape(printable(outcome.rebuilt))}).")
        if outcome.previous:
            out.print(
                f"{survey_id} {args.round_id}: compared with the previous round {outcome.previous} "
                f"({outcome.order})"
            )
        print_issues(out, outcome.log, only_problems=True)
    counts = outcome.log.counts()
    out.print(f"[bold green]{survey_id} {args.round_id}: done[/] ({counts['warning']} warning(s))")
    names = (
        "report.docx", "report.pdf", "slides.pptx", "workplan.docx", "workplan.pdf", "results.xlsx",
        "excerpts.xlsx", "charts", "profiles", "manifest.json",
    )  # fmt: skip
    for name in names:
        if (outcome.outputs / name).exists():
            out.print(f"  {name:<14} {outcome.outputs / name}")
    return EXIT_OK


def print_issues(console: Console, log: IssueLog, only_problems: bool = False) -> None:
    """The data-quality log, errors first: where each problem is, then what it is."""
    colours = {"error": "bold red", "warning": "yellow", "info": "dim"}
    for issue in sorted(log.issues, key=lambda i: ("error", "warning", "info").index(i.severity)):
        if only_problems and issue.severity == "info":
            continue
        console.print(
            f"[{colours[issue.severity]}]{issue.severity.upper():<8}[/] "
            f"{escape(printable(issue.location()))}"
        )
        console.print(Padding(escape(printable(issue.message)), (0, 0, 0, 9)))


class _progress:
    """A spinner naming the running step on stderr (silent with --quiet or when piped)."""

    def __init__(self, console: Console, quiet: bool):
        self.console, self.quiet, self.status = console, quiet, None

    def __enter__(self):  # type: ignore[no-untyped-def]
        if self.quiet or not self.console.is_terminal:
            return None
        self.status = self.console.status("Starting")
        self.status.start()
        return lambda step: self.status.update(f"{step}...")  # type: ignore[union-attr]

    def __exit__(self, *exc: object) -> None:
        if self.status:
            self.status.stop()


COMMANDS = {
    "surveys": cmd_surveys,
    "form": cmd_form,
    "demo": cmd_demo,
    "validate": cmd_validate,
    "run": cmd_run,
    "compare": cmd_compare,
    "comments": cmd_comments,
}
