"""The report's annexes, blind to any survey: respondents and non-respondents, scores by
entity and dimension, the data-quality log, the answers question by question and the
acronyms the report uses, lettered in the order the survey declares (``report.annexes``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
from docx.oxml.ns import qn

from pipeline.report import words as nar
from pipeline.report.context import ReportContext, capped
from pipeline.report.document import ReportDocument, element_text
from pipeline.report.recommendations import annex_further
from pipeline.report.words import Words

MAX_ANNEX_ROWS = 200
MAX_SCORE_COLUMNS = 10  # dimension columns per score table (landscape)
# Sequential blues (light -> dark) for score shading; readable with black text.
SCORE_FILLS = [(0.0, "F2F2F2"), (0.01, "DEEBF7"), (0.4, "9ECAE1"), (0.7, "6BAED6")]


def _fill(score: object) -> str | None:
    if score is None or pd.isna(score):
        return None
    fill = None
    for low, colour in SCORE_FILLS:
        if float(score) >= low:  # type: ignore[arg-type]
            fill = colour
    return fill


# -- annexes ---------------------------------------------------------------------------
def annex_respondents(doc: ReportDocument, ctx: ReportContext, letter: str) -> None:
    status, w = ctx.table("response_status"), ctx.words
    doc.heading(f"Annex {letter}. Respondents and non-respondents", 1)
    if status.empty:
        doc.paragraph("The run recorded no response status.")
        return
    status = status.assign(_r=~status["responded"].astype(bool)).sort_values(["_r", "acronym"])
    # the date as the submission recorded it (ISO 8601 text or a timestamp), no time zone shift
    submitted = status["submitted_at"].astype("string").str.slice(0, 10).fillna("")
    frame = pd.DataFrame(
        {
            nar.capitalise(w.entity): status["acronym"],
            "Name": status["full_name"],
            "Responded": status["responded"].astype(bool).map({True: "Yes", False: "No"}),
            "Submitted on": submitted,
            "Submissions": status["n_submissions"].astype("Float64").astype("Int64")
            if "n_submissions" in status
            else pd.NA,
            "Source": status["source_file"]
            .astype("string")
            .fillna("")
            .map(lambda p: Path(p).name if p else ""),
        }
    )
    n_yes = int(status["responded"].astype(bool).sum())
    doc.paragraph(
        f"{n_yes} of {len(status)} {w.entities} responded. When {nar.article(w.entity)} sent more than "
        "one submission, the latest was kept."
    )
    frame, note = capped(frame, MAX_ANNEX_ROWS, w.entities, table="response_status")
    doc.table(
        frame,
        f"{nar.capitalise(w.entities)} invited and their responses",
        weights=[1.3, 6, 1.3, 1.8, 1.5, 3.5],
        note=note,
    )


def _column_chunks(columns: Sequence[str], most: int) -> list[list[str]]:
    """``columns`` in balanced chunks of at most ``most``."""
    n_chunks = max(1, -(-len(columns) // most))
    size = -(-len(columns) // n_chunks)
    return [list(columns[i : i + size]) for i in range(0, len(columns), size)]


def annex_scores(doc: ReportDocument, ctx: ReportContext, letter: str) -> bool:
    """Entities x dimensions score table, shaded by score; split by columns when wide."""
    scores, w = ctx.table("scores"), ctx.words
    if scores.empty:
        return False
    doc.heading(f"Annex {letter}. Scores by {w.entity} and {w.dimension}", 1)
    wide = scores.pivot_table(
        index="entity_id", columns="dimension", values="score", aggfunc="first"
    )
    order = [d for d in w.dimension_labels if d in wide.columns] or list(wide.columns)
    wide.index = [ctx.acr(e) for e in wide.index]
    wide = wide.reindex(columns=order).sort_index()
    doc.paragraph(
        f"Score of each responding {w.entity} per {w.dimension} (0 = the lowest answer, 1 = the "
        f"highest answer with a broad range of {w.activity[1]}); darker cells score higher."
    )
    wide, note = capped(wide, MAX_ANNEX_ROWS, w.entities, table="heatmap")
    chunks = _column_chunks(order, MAX_SCORE_COLUMNS)
    first = nar.capitalise(w.entity)
    for i, chunk in enumerate(chunks, start=1):
        part = wide[chunk].rename(columns=w.label)
        frame = part.reset_index(names=first)
        fills = part.map(_fill).reset_index(drop=True)
        fills.insert(0, first, None)
        of = f" ({i} of {len(chunks)})" if len(chunks) > 1 else ""
        doc.table(
            frame,
            f"Scores by {w.entity} and {w.dimension}{of}",
            formats=dict.fromkeys(frame.columns[1:], "score"),
            fills=fills,
            weights=[1.5] + [1.0] * len(chunk),
            note=note if i == len(chunks) else None,
            keep_together=len(frame) <= 25,
        )
    return True


def annex_issues(doc: ReportDocument, ctx: ReportContext, letter: str) -> None:
    log = ctx.result.log
    doc.heading(f"Annex {letter}. Data-quality log", 1)
    frame = log.to_frame() if log is not None else pd.DataFrame()
    if frame.empty:
        doc.paragraph("The checks found no data-quality issue in this round.")
        return
    counts = frame["severity"].value_counts()
    names = {
        "error": ("error", "errors"),
        "warning": ("warning", "warnings"),
        "info": ("information note", "information notes"),
    }
    parts = [nar.count(int(counts.get(k, 0)), *names[k]) for k in names]
    doc.paragraph(
        f"The checks recorded {nar.plural(len(frame), 'issue', 'issues')}: {nar.join_names(parts)}. "
        "Rows are numbered as a person sees them in the file, header included."
    )
    shown = pd.DataFrame(
        {
            "Severity": frame["severity"],
            "Code": frame["code"],
            "File": frame["file"],
            "Sheet": frame["sheet"],
            "Row": frame["row"],
            "Column": frame["column"],
            nar.capitalise(ctx.words.entity): frame["entity"],
            "Message": frame["message"],
        }
    )
    shown, note = capped(shown, MAX_ANNEX_ROWS, "issues", table="issues")
    doc.table(
        shown,
        "Data-quality issues",
        weights=[1.2, 1.8, 2.8, 1.0, 0.7, 3.0, 1.2, 8],
        note=note,
    )


def annex_questions(doc: ReportDocument, ctx: ReportContext, letter: str) -> None:
    tables = _question_tables(ctx)
    doc.heading(f"Annex {letter}. Answers by question", 1)
    # a note that several tables would carry is said once, here, rather than under each
    notes = Counter(qt.note for qt in tables if qt.note)
    shared = [note for note, n in notes.items() if n > 1]
    doc.paragraph(
        f"Number of {ctx.words.entities} giving each answer, question by question. "
        "Free-text answers and contact details are not reproduced in this report."
        + "".join(f" {_as_general(note)}" for note in shared)
    )
    if not tables:
        doc.paragraph("No answers to tabulate.")
    for qt in tables:
        earlier = doc.earlier_table(qt.frame, qt.formats)
        if earlier is not None:  # the chapters showed it already: referred to, not repeated
            doc.paragraph(f"{qt.caption}: the answers are in Table {earlier}.")
            continue
        note = None if qt.note in shared else qt.note
        doc.table(qt.frame, qt.caption, formats=qt.formats, weights=qt.weights, note=note)


def _as_general(note: str) -> str:
    """A table's note said of the annex's tables: "In the tables where it applies, ..."."""
    return f"Where it applies: {note[:1].lower()}{note[1:]}" if note[:1].isupper() else note


@dataclass
class _QuestionTable:
    frame: pd.DataFrame
    caption: str
    formats: dict[str, str] | None = None
    weights: list[float] | None = None
    note: str | None = None


_PLACEHOLDER = re.compile(r"'?\{(dimension|option)\}'?\s*:?\s*")


def _question_title(question: Any, by: str = "") -> str:
    """A question's label without its per-dimension placeholder, plus "by <dimension>"."""
    if question.type == "rank":
        hint = re.search(r"\(.*\)", question.label)
        return "Rank given to each option" + (f" {hint.group(0)}" if hint else "")
    text = nar.capitalise(_PLACEHOLDER.sub("", question.label).strip(" :"))
    if not by:
        return text
    return f"{text} (by {by})" if text.endswith(("?", ".", "!")) else f"{text}, by {by}"


def _question_tables(ctx: ReportContext) -> list[_QuestionTable]:
    """Compact answer distributions for the closed questions of the main form.

    Per-dimension questions give one table (dimensions x choices); rank questions one table
    (options x ranks); other choice questions a table of counts and shares; numbers a
    summary row. Free text, e-mail, personal fields and the entity question are left out.
    """
    survey, w = ctx.result.survey, ctx.words
    tidy = ctx.result.responses.tidy if ctx.result.responses is not None else None
    if tidy is None or tidy.empty:
        return []
    keep = tidy[tidy["question_id"].notna() & tidy["answer"].notna()]
    counts = keep.groupby(["field", "answer"])["entity_id"].nunique()
    answered = keep.groupby("field")["entity_id"].nunique()
    n_resp = int(ctx.stats.get("n_respondents") or keep["entity_id"].nunique())
    questions = {q.id: q for s in survey.model.sections if not s.repeat for q in s.questions}
    out: list[_QuestionTable] = []
    for qid, question in questions.items():
        if question.personal or question.type in {"text", "email", "entity"}:
            continue
        fields = [f for f in survey.fields_of(qid) if f.repeat is None]
        if not fields or not any(f.name in answered.index for f in fields):
            continue
        if question.type == "rank":
            out.append(_rank_table(fields, counts, answered, survey, question))
        elif fields[0].dimension is not None and question.type == "entities":
            out.append(_per_dimension_entities_table(fields, counts, answered, survey, question, ctx))
        elif fields[0].dimension is not None:
            out.append(_per_dimension_table(fields, counts, answered, survey, question, w))
        elif question.type == "entities":
            out.append(_entities_table(fields[0], counts, question, w, ctx))
        elif question.type in {"select_one", "select_multiple"}:
            out.append(_choice_table(fields[0], counts, survey, question, n_resp, w))
        else:
            out.append(_number_table(fields[0], keep, question))
    return out


def _field_counts(counts: pd.Series, field: str) -> dict[str, int]:
    if field not in counts.index.get_level_values(0):
        return {}
    return {str(k): int(v) for k, v in counts.xs(field, level=0).items()}


def _dimension_noun(survey: Any, set_name: str, w: Words) -> str:
    """What one item of the set a question is asked per is called: the dimension set's
    own label (e.g. ESS building blocks), the survey's word for its topics when the set is
    the topics question's choice list, else "item"."""
    dim_sets = survey.model.dimension_sets
    if set_name in dim_sets:
        return str(dim_sets[set_name].label)
    if set_name == w.dimension_set:
        return w.dimension
    gaps = survey.model.gaps
    topics = gaps.topics_question if gaps is not None else None
    if topics and survey.question(topics).choices == set_name:
        return w.topic[0]
    return "item"


def _per_dimension_table(
    fields: list[Any], counts: pd.Series, answered: pd.Series, survey: Any, question: Any, w: Words
) -> _QuestionTable:
    labels = survey.choice_labels(fields[0].choices)
    dim_labels = survey.dimension_labels(fields[0].dimension_set)
    w = replace(w, dimension=_dimension_noun(survey, fields[0].dimension_set, w))
    rows = []
    for f in fields:
        got = _field_counts(counts, f.name)
        rows.append(
            {nar.capitalise(w.dimension): dim_labels.get(f.dimension, f.dimension)}
            | {label: got.get(name, 0) for name, label in labels.items()}
            | {"n": int(answered.get(f.name, 0))}
        )
    frame = pd.DataFrame(rows)
    several = "Several answers could be chosen; " if question.type == "select_multiple" else ""
    return _QuestionTable(
        frame,
        _question_title(question, w.dimension),
        weights=[3.2] + [1.0] * (len(frame.columns) - 2) + [0.6],
        note=f"{several}n = number of {w.entities} that answered for the {w.dimension}.",
    )


def _per_dimension_entities_table(
    fields: list[Any],
    counts: pd.Series,
    answered: pd.Series,
    survey: Any,
    question: Any,
    ctx: ReportContext,
) -> _QuestionTable:
    """An entities question asked per dimension (partners per area): per dimension, how
    many answered, how many entities were named in all, and the most named ones."""
    w = replace(ctx.words, dimension=_dimension_noun(survey, fields[0].dimension_set, ctx.words))
    dim_labels = survey.dimension_labels(fields[0].dimension_set)
    rows = []
    for f in fields:
        got = sorted(_field_counts(counts, f.name).items(), key=lambda kv: (-kv[1], ctx.acr(kv[0])))
        rows.append(
            {
                nar.capitalise(w.dimension): dim_labels.get(f.dimension, f.dimension),
                "Answers": int(answered.get(f.name, 0)),
                "Named": sum(n for _, n in got),
                "Most named (times)": ", ".join(f"{ctx.acr(e)} ({n})" for e, n in got[:4]),
            }
        )
    return _QuestionTable(
        pd.DataFrame(rows),
        _question_title(question, w.dimension),
        weights=[3.2, 1.2, 1.2, 5],
        note=f"Answers: {w.entities} that named at least one; Named: mentions in all.",
    )


def _rank_table(
    fields: list[Any], counts: pd.Series, answered: pd.Series, survey: Any, question: Any
) -> _QuestionTable:
    labels = survey.choice_labels(question.choices)
    ranks = list(range(1, len(fields) + 1))
    rows = []
    for f in fields:
        got: dict[int, int] = {}
        for answer, n in _field_counts(counts, f.name).items():
            rank = pd.to_numeric(answer, errors="coerce")
            if pd.notna(rank):
                got[int(rank)] = got.get(int(rank), 0) + n
        rows.append(
            {"Option": labels.get(f.dimension, f.dimension)}
            | {f"Rank {r}": got.get(r, 0) for r in ranks}
            | {"Answers": int(answered.get(f.name, 0))}
        )
    frame = pd.DataFrame(rows)
    return _QuestionTable(
        frame, _question_title(question), weights=[3.2] + [1.0] * (len(frame.columns) - 1)
    )


def _choice_table(
    field: Any, counts: pd.Series, survey: Any, question: Any, n_resp: int, w: Words
) -> _QuestionTable:
    got = _field_counts(counts, field.name)
    labels = survey.choice_labels(field.choices)
    names = list(labels) + [a for a in got if a not in labels]
    n = [got.get(a, 0) for a in names]
    frame = pd.DataFrame(
        {
            "Answer": [labels.get(a, a) for a in names],
            nar.capitalise(w.entities): n,
            "Share": [x / n_resp if n_resp else float("nan") for x in n],
        }
    )
    note = None
    if question.type == "select_multiple":
        note = f"Several answers could be chosen; shares are of the {n_resp} {w.entities} that responded."
    return _QuestionTable(
        frame, _question_title(question), {"Share": "percent"}, weights=[6, 1.5, 1.2], note=note
    )


def _entities_table(
    field: Any, counts: pd.Series, question: Any, w: Words, ctx: ReportContext
) -> _QuestionTable:
    got = _field_counts(counts, field.name)
    frame = pd.DataFrame(
        {nar.capitalise(w.entity): [ctx.acr(e) for e in got], "Named by": list(got.values())}
    )
    frame = frame.sort_values(["Named by", nar.capitalise(w.entity)], ascending=[False, True])
    frame, note = capped(frame, MAX_ANNEX_ROWS, w.entities, table="tidy")
    return _QuestionTable(frame, _question_title(question), weights=[3, 1.5], note=note)


def _number_table(field: Any, tidy: pd.DataFrame, question: Any) -> _QuestionTable:
    values = pd.to_numeric(
        tidy.loc[tidy["field"] == field.name, "answer"], errors="coerce"
    ).dropna()
    frame = pd.DataFrame(
        {
            "Answers": [len(values)],
            "Minimum": [values.min() if len(values) else pd.NA],
            "Median": [values.median() if len(values) else pd.NA],
            "Maximum": [values.max() if len(values) else pd.NA],
        }
    )
    year = field.type == "integer" and (field.min or 0) >= 1000  # years: 2014, not 2,014
    return _QuestionTable(
        frame,
        _question_title(question),
        formats=dict.fromkeys(frame.columns[1:], "year" if year else "number"),
    )


# abbreviations the pipeline's own sentences and tables use, whatever the survey
KIT_ABBREVIATIONS = {
    "CI": "confidence interval",
    "EMG": "Environment Management Group",
    "UN": "United Nations",
    "USD": "United States dollars",
}


def used_acronyms(texts: Iterable[str], names: dict[str, str]) -> dict[str, str]:
    """``{acronym: name}`` for each acronym of ``names`` that ``texts`` use as a word of its
    own ("UN" is not counted in "UN-Habitat" nor "UNEP" in "UNEPX"), sorted alphabetically;
    an acronym that is its own name is left out."""
    blob = "\n".join(texts)
    found = {
        acronym: name
        for acronym, name in names.items()
        if acronym
        and name
        and acronym.strip() != name.strip()
        and re.search(rf"(?<![\w-]){re.escape(acronym)}(?![\w-])", blob)
    }
    return dict(sorted(found.items(), key=lambda item: (item[0].casefold(), item[0])))


def _document_texts(doc: ReportDocument) -> list[str]:
    """The text of every paragraph of the document body (table cells included)."""
    return [element_text(p) for p in doc.doc.element.body.iter(qn("w:p"))]


def annex_acronyms(doc: ReportDocument, ctx: ReportContext, letter: str) -> bool:
    """The acronyms of the entities (with their names from the registry) and the survey's
    own abbreviations (``report.abbreviations``) that the report uses; none: no annex."""
    registry = ctx.result.registry
    entities: dict[str, str] = {}
    if registry is not None:
        table = registry.table
        entities = dict(zip(table["acronym"].astype(str), table["full_name"].astype(str), strict=True))
    declared = {**KIT_ABBREVIATIONS, **ctx.result.survey.model.report.abbreviations}
    used = used_acronyms(_document_texts(doc), {**entities, **declared})
    if not used:
        return False
    own = [a for a in used if a in declared]
    doc.heading(f"Annex {letter}. Acronyms" + (" and abbreviations" if own else ""), 1)
    parts = []
    if len(used) > len(own):
        parts.append(f"the {ctx.words.entities}, named as in the registry of {ctx.words.entities}")
    if own:
        parts.append("the survey's own abbreviations")
    doc.paragraph(
        f"The {nar.plural(len(used), 'acronym', 'acronyms')} this report uses: "
        f"{' and '.join(parts)}."
    )
    frame = pd.DataFrame({"Acronym": list(used), "Stands for": list(used.values())})
    doc.table(frame, "Acronyms used in this report", weights=[1.4, 8], keep_together=False)
    return True


LANDSCAPE_ANNEXES = frozenset({"scores", "issues"})  # wide tables: entities x dimensions, the log


def write_annexes(doc: ReportDocument, ctx: ReportContext, names: Sequence[str]) -> None:
    """The declared annexes in order, lettered A, B, ...; neighbouring wide ones share one
    landscape section. An annex with nothing to show (no scores) takes no letter."""
    writers = {
        "recommendations": annex_further,
        "respondents": annex_respondents,
        "scores": annex_scores,
        "issues": annex_issues,
        "questions": annex_questions,
        "acronyms": annex_acronyms,
    }
    letters = iter("ABCDEFGHIJ")
    letter = next(letters)
    i = 0
    while i < len(names):
        wide = names[i] in LANDSCAPE_ANNEXES
        run = [names[i]]
        while wide and i + len(run) < len(names) and names[i + len(run)] in LANDSCAPE_ANNEXES:
            run.append(names[i + len(run)])
        i += len(run)
        with doc.landscape() if wide else nullcontext():
            for name in run:
                if writers[name](doc, ctx, letter) is not False:
                    letter = next(letters)
