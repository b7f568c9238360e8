"""Deterministic synthetic survey rounds, for the demo and the tests.

:func:`synthetic_answers` invents answers for any survey definition in the canonical wide
form that the readers produce (see docs/architecture.md), with structure a real round has:
some entities engage much more than others, some dimensions are popular and some are
neglected, collaborations are often (not always) reciprocated, and preferences in rankings
are shared but noisy. The same seed always gives the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.crosschecks import respect_checks, round_year
from pipeline.registry import Registry
from pipeline.spec import DemoRound as DemoRoundSpec
from pipeline.spec import FormField, Survey

FIRST_NAMES = ["Amina", "Lucas", "Mei", "Olga", "Ravi", "Sofia", "Kwame", "Ines", "Yuki", "Omar"]
GROUPED_LIST_MIN = 12  # a grouped choice list longer than this is answered goal by goal
LAST_NAMES = ["Diallo", "Moreau", "Chen", "Ivanova", "Patel", "Rossi", "Mensah", "Garcia", "Sato"]

GENERIC_TEXT = [
    "See the attached project documents for details.",
    "Work is coordinated through the regional offices.",
    "Activities are planned for the next biennium.",
]


@dataclass(frozen=True)
class DemoRound:
    """Canonical wide answers of one synthetic round."""

    main: pd.DataFrame
    repeats: dict[str, pd.DataFrame]


def pick_respondents(
    registry: Registry, n: int, seed: int, always: list[str] | tuple[str, ...] = ()
) -> list[str]:
    """``n`` registry entities chosen deterministically (``always`` among them), in registry order."""
    rng = np.random.default_rng(seed)
    chosen = {e for e in always if e in registry}
    rest = [e for e in registry.ids if e not in chosen]
    extra = max(0, min(n, len(registry)) - len(chosen))
    chosen |= set(rng.choice(rest, size=extra, replace=False).tolist())
    return [e for e in registry.ids if e in chosen]


def synthetic_answers(
    survey: Survey,
    registry: Registry,
    respondents: list[str],
    seed: int,
    submitted_from: str = "2026-03-02",
    repeat_rate: float = 1.6,
    boost: dict[str, float] | None = None,
    pull: dict[str, float] | None = None,
) -> DemoRound:
    """Answers of ``respondents`` to every field of ``survey``, canonical wide, all text.

    ``boost`` raises (or lowers) the engagement of named entities, e.g. the members of a
    coalition that are known to be active on the topic; ``pull`` does the same for
    dimension items (a neglected stage of the life-cycle, a popular one). Questions listed
    in the survey's ``demo.answers`` (texts, numbers, choice names) take their answers from
    that list in turn: respondent ``i`` gets entry ``(i + k) mod len`` for the ``k``-th field of the
    question (so two lists of the same length stay paired), with ``{acronym}``, ``{best}``
    and ``{worst}`` filled in and "" meaning no answer.
    """
    rng = np.random.default_rng(seed)
    n = len(respondents)
    entity_strength = rng.normal(0, 1, n) + np.array(
        [(boost or {}).get(e, 0.0) for e in respondents]
    )
    dimension_pull: dict[str, float] = {}
    declared = pull or {}
    low = float(np.percentile(list(declared.values()), 20)) if declared else -np.inf
    niche = frozenset(d for d, v in declared.items() if v <= low)  # "not applicable" there
    columns: dict[str, list[str | None]] = {}
    for f in survey.fields():
        if f.dimension and f.dimension not in dimension_pull:
            drift = float(rng.normal(0, 0.5))
            dimension_pull[f.dimension] = (pull or {}).get(f.dimension, 0.0) + drift
        columns[f.name] = [
            _answer(
                f, survey, registry, respondents, i, entity_strength[i], dimension_pull, rng, niche
            )
            for i in range(n)
        ]
    main = pd.DataFrame(columns, dtype="string")
    _apply_skips(main, survey)
    _reciprocate(main, survey, respondents, rng)
    _fill_texts(main, survey, respondents, registry)
    _apply_skips(main, survey)  # again: texts of skipped questions stay empty
    main = _fill_ranks(main, survey, rng)
    start = pd.Timestamp(submitted_from, tz="UTC")
    offsets = pd.to_timedelta(rng.integers(0, 21 * 24 * 60, n), unit="min")
    main.insert(0, "_submitted_at", (start + offsets).strftime("%Y-%m-%dT%H:%M:%S%z"))
    main.insert(0, "_submission_id", [f"demo:{seed}:{i + 1}" for i in range(n)])
    main = main.astype("string")
    repeats = {
        section: _repeat_rows(survey, registry, section, main, respondents, rng, repeat_rate)
        for section in survey.repeat_sections
    }
    return DemoRound(main=main, repeats=repeats)


def _answer(
    f: FormField,
    survey: Survey,
    registry: Registry,
    respondents: list[str],
    i: int,
    strength: float,
    pull: dict[str, float],
    rng: np.random.Generator,
    niche: frozenset[str] = frozenset(),
) -> str | None:
    entity = respondents[i]
    z = strength + pull.get(f.dimension or "", 0.0) + rng.normal(0, 0.8)
    if f.type == "entity":
        return entity
    if f.personal and f.type == "email":
        return f"focal.point@{entity.lower()}.example.org"
    if f.personal:
        return f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7) % len(LAST_NAMES)]}"
    sample = _sample_answer(f, survey, i)
    if sample is not None and f.type not in {"text", "entity", "entities"}:
        return sample or None  # numbers and choice names as listed; texts are filled later
    if f.type == "select_one":
        choices = survey.choices(f.list_name or "")
        scored = sorted((c for c in choices if c.score is not None), key=lambda c: c.score or 0)
        if scored:
            # an unscored choice (such as "not applicable") now and then, mostly on the
            # niche dimensions (the least pulled); otherwise higher z -> higher score
            unscored = [c for c in choices if c.score is None]
            if unscored and rng.random() < (0.1 if f.dimension in niche else 0.01):
                return unscored[0].name
            cuts = np.linspace(-0.9, 2.2, len(scored) - 1) if len(scored) > 1 else []
            return scored[int(np.searchsorted(cuts, z))].name
        return choices[int(rng.integers(len(choices)))].name
    if f.type == "select_multiple":
        choices = survey.choices(f.list_name or "")
        if len(choices) > GROUPED_LIST_MIN and all(c.group for c in choices):
            return _grouped_choice(choices, z, rng)
        k = int(np.clip(round(1.2 + 0.9 * z + rng.normal(0, 0.7)), 0, len(choices)))
        weights = np.linspace(1.6, 0.4, len(choices))
        picked = rng.choice(len(choices), size=k, replace=False, p=weights / weights.sum())
        return " ".join(choices[j].name for j in sorted(picked)) or None
    if f.type == "entities":
        others = [e for e in respondents if e != entity]
        k = int(np.clip(rng.poisson(max(2.2 + strength, 0.2)), 0, 6))
        chosen = rng.choice(others, size=min(k, len(others)), replace=False) if k else []
        return " ".join(sorted(chosen)) or None
    if f.type in {"integer", "decimal"}:
        lo, hi = f.min if f.min is not None else 0, f.max if f.max is not None else 100
        return str(int(rng.integers(int(lo), int(hi) + 1)))
    return None  # free text is filled afterwards, from the entity's profile


def _reciprocate(
    main: pd.DataFrame, survey: Survey, respondents: list[str], rng: np.random.Generator, share: float = 0.5
) -> None:
    """Partners usually name each other: add the reverse of about ``share`` of the ties."""
    for f in survey.fields():
        if f.type != "entities" or f.dimension:
            continue
        named = [set(str(v).split()) if pd.notna(v) else set() for v in main[f.name]]
        position = {e: i for i, e in enumerate(respondents)}
        for i, entity in enumerate(respondents):
            for other in sorted(named[i]):
                j = position.get(other)
                if j is not None and entity not in named[j] and rng.random() < share:
                    named[j].add(entity)
        main[f.name] = pd.array([" ".join(sorted(n)) or None for n in named], dtype="string")


def _grouped_choice(choices: list, z: float, rng: np.random.Generator) -> str | None:
    """A multi-select from a long list grouped by goal (the SDG targets): an entity works
    towards a few goals (more when it is more engaged; goals with more targets more often)
    and picks some of each chosen goal's targets, at least one: the goal's first targets
    often, its last ones rarely (so that a few targets are left to nobody)."""
    groups = list(dict.fromkeys(c.group for c in choices))
    sizes = np.array([sum(c.group == g for c in choices) for g in groups], dtype=float)
    n_groups = int(np.clip(round(2.6 + 1.0 * z + rng.normal(0, 0.8)), 0, len(groups)))
    chosen = set(rng.choice(len(groups), size=n_groups, replace=False, p=sizes / sizes.sum()))
    picked: list[str] = []
    for j in sorted(chosen):
        members = [c.name for c in choices if c.group == groups[j]]
        odds = 0.65 * 0.62 ** np.arange(len(members))
        keep = [m for m, o in zip(members, odds, strict=True) if rng.random() < o]
        picked += keep or [members[0]]
    return " ".join(c.name for c in choices if c.name in set(picked)) or None


def _apply_skips(main: pd.DataFrame, survey: Survey) -> None:
    for f in survey.fields():
        if f.skip_field and f.skip_value:
            main.loc[main[f.skip_field] == f.skip_value, f.name] = pd.NA


def _fill_texts(
    main: pd.DataFrame, survey: Survey, respondents: list[str], registry: Registry
) -> None:
    scored = [f for f in survey.fields() if f.type == "select_one" and f.dimension]
    labels = {f.name: f.label.split(":")[0] for f in scored}
    for f in survey.fields():
        if f.type not in {"text"} or f.personal:
            continue
        bank = GENERIC_TEXT  # for text questions without declared demo answers
        values: list[str | None] = []
        for i, entity in enumerate(respondents):
            if scored:
                pos = [_choice_score(survey, s, main.at[i, s.name]) for s in scored]
                best = labels[scored[int(np.argmax(pos))].name].lower()
                worst = labels[scored[int(np.argmin(pos))].name].lower()
            else:
                best = worst = "this area"
            sample = _sample_answer(f, survey, i)
            if sample is not None:
                acronym = registry.acronym(entity) if entity in registry else entity
                values.append(sample.format(acronym=acronym, best=best, worst=worst) or None)
                continue
            text = bank[i % len(bank)].format(best=best, worst=worst)
            values.append(text if (i + len(f.name)) % 5 else None)
        main[f.name] = pd.array(values, dtype="string")


def _sample_answer(f: FormField, survey: Survey, i: int) -> str | None:
    """Respondent ``i``'s answer to ``f`` from the survey's ``demo.answers`` (None when the
    question has no list there; "" for no answer)."""
    demo = survey.model.demo
    bank = demo.answers.get(f.question) if demo else None
    if not bank:
        return None
    names = [x.name for x in survey.fields_of(f.question)]
    k = names.index(f.name) if f.name in names else 0
    return bank[(i + k) % len(bank)]


def _fill_ranks(main: pd.DataFrame, survey: Survey, rng: np.random.Generator) -> pd.DataFrame:
    by_question: dict[str, list[FormField]] = {}
    for f in survey.fields():
        if (
            f.type == "integer"
            and f.min == 1
            and f.dimension_set
            and f.dimension_set in survey.model.choices
        ):
            by_question.setdefault(f.question, []).append(f)
    for group in by_question.values():
        k = len(group)
        consensus = np.linspace(0, 2.5, k)
        noise = rng.normal(0, 1.4, (len(main), k))
        ranks = (consensus + noise).argsort(axis=1).argsort(axis=1) + 1
        for j, f in enumerate(group):
            main[f.name] = pd.array([str(r) for r in ranks[:, j]], dtype="string")
    return main


def _repeat_rows(
    survey: Survey,
    registry: Registry,
    section: str,
    main: pd.DataFrame,
    respondents: list[str],
    rng: np.random.Generator,
    rate: float,
) -> pd.DataFrame:
    fields = survey.fields(section)
    rows: list[dict[str, str | None]] = []
    for i, entity in enumerate(respondents):
        for k in range(int(rng.poisson(rate))):
            row: dict[str, str | None] = {"_submission_id": str(main.at[i, "_submission_id"])}
            for f in fields:
                row[f.name] = _answer(f, survey, registry, respondents, i, 0.3, {}, rng)
                if f.type == "text" and f.required:  # a title: the survey's samples, made unique
                    title = _sample_answer(f, survey, i + k) or _section_label(survey, section)
                    row[f.name] = f"{title} ({registry.acronym(entity)} {k + 1})"
                elif f.type == "text":
                    row[f.name] = None
            _fix_years(row, fields, rng)
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["_submission_id", *[f.name for f in fields]])
    return frame.astype("string")


def _section_label(survey: Survey, section: str) -> str:
    """The label of a repeat section, for invented item titles ("Projects" -> "Projects item")."""
    labels = {s.id: s.label for s in survey.model.sections}
    return f"{labels.get(section, section)} item"


def _fix_years(
    row: dict[str, str | None], fields: list[FormField], rng: np.random.Generator
) -> None:
    """Make start/end years and budgets plausible: start 2012-2026, end after start."""
    years = [f for f in fields if f.type == "integer" and f.name.endswith("year")]
    if len(years) == 2:
        start = int(rng.integers(2012, 2027))
        row[years[0].name] = str(start)
        row[years[1].name] = str(start + int(rng.integers(1, 6)))
    for f in fields:
        if f.type == "decimal" and "budget" in f.name:
            row[f.name] = str(int(rng.lognormal(13, 1.1)) // 1000 * 1000)


def demo_round_answers(survey: Survey, registry: Registry, spec: DemoRoundSpec) -> DemoRound:
    """The answers of one demo round declared in the survey's ``demo`` section."""
    demo = survey.model.demo
    always = demo.always_respond if demo else []
    respondents = pick_respondents(registry, spec.respondents, spec.seed, always)
    answers = synthetic_answers(
        survey,
        registry,
        respondents,
        seed=spec.seed,
        submitted_from=spec.submitted_from,
        boost=demo.boost if demo else None,
        pull=demo.pull if demo else None,
    )
    year = round_year(spec.id)  # invented answers break none of the survey's checks
    return DemoRound(
        main=respect_checks(answers.main, survey, None, year),
        repeats={s: respect_checks(f, survey, s, year) for s, f in answers.repeats.items()},
    )


def write_demo_round(
    survey: Survey, registry: Registry, spec: DemoRoundSpec, folder: Path
) -> list[Path]:
    """Write a demo round as an analyst receives one: a KoboToolbox export for most
    entities (with one entity's earlier draft submission and one name spelled by an alias)
    and a few offline questionnaires e-mailed back. Returns the files written."""
    from pipeline.exports import write_kobo_xlsx
    from pipeline.questionnaire_fill import fill_questionnaire

    answers = demo_round_answers(survey, registry, spec)
    main, repeats = answers.main, answers.repeats
    entity = survey.entity_field.name
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    by_mail = main.tail(spec.questionnaires) if spec.questionnaires else main.iloc[0:0]
    online = main.drop(by_mail.index)
    for _, row in by_mail.iterrows():
        rows = repeats_of(repeats, str(row["_submission_id"]))
        path = folder / "questionnaires" / f"{row[entity]}_questionnaire.xlsx"
        path.parent.mkdir(exist_ok=True)
        record = {
            k: (None if pd.isna(v) else str(v)) for k, v in row.items() if not k.startswith("_")
        }
        record["date_completed"] = str(row["_submitted_at"])[:10]
        written.append(fill_questionnaire(survey, registry, record, rows.get("projects", []), path))

    online = online.copy()
    if len(online) > 2:
        # one agency writes its name the way it calls itself, the registry resolves it
        alias_row = online.index[1]
        online.loc[alias_row, entity] = _alias(registry, str(online.loc[alias_row, entity]))
        # one agency sent an early draft before its final answers: the latest must win
        draft = online.iloc[[0]].copy()
        draft["_submission_id"] = draft["_submission_id"] + ":draft"
        first = pd.Timestamp(str(draft["_submitted_at"].iloc[0]))
        draft["_submitted_at"] = (first - pd.Timedelta(days=6)).strftime("%Y-%m-%dT%H:%M:%S%z")
        scored = [f.name for f in survey.fields() if f.type == "select_one" and f.dimension][:2]
        for name in scored:
            draft[name] = _weakest_choice(survey, survey.field(name))
            skipped = [f.name for f in survey.fields() if f.skip_field == name]
            draft[skipped] = pd.NA
        online = pd.concat([draft, online], ignore_index=True)
    online_ids = set(online["_submission_id"])
    online_repeats = {k: v[v["_submission_id"].isin(online_ids)] for k, v in repeats.items()}
    written.append(
        write_kobo_xlsx(
            online, online_repeats, survey, registry, folder / f"{survey.id}_kobo_export.xlsx"
        )
    )
    projects = survey.model.projects
    if survey.model.desk is not None and projects is not None and len(repeats.get(projects.section, [])):
        # an analyst's desk mapping beside the answers (pipeline.desk.sample)
        from pipeline.desk.sample import write_demo_desk

        rows = repeats[projects.section]
        owners = dict(zip(main["_submission_id"], main[entity], strict=True))
        rows = rows.assign(entity_id=rows["_submission_id"].map(owners))
        desk = write_demo_desk(survey, registry, [str(e) for e in main[entity]], rows, folder)
        if desk is not None:
            written.append(desk)
    return written


def repeats_of(
    repeats: dict[str, pd.DataFrame], submission_id: str
) -> dict[str, list[dict[str, str | None]]]:
    """The repeat rows of one submission as plain dicts (canonical values)."""
    out: dict[str, list[dict[str, str | None]]] = {}
    for section, frame in repeats.items():
        rows = frame[frame["_submission_id"] == submission_id].drop(columns="_submission_id")
        out[section] = [
            {k: (None if pd.isna(v) else str(v)) for k, v in rec.items()}
            for rec in rows.to_dict("records")
        ]
    return out


def _alias(registry: Registry, entity_id: str) -> str:
    row = registry.table.loc[registry.table["entity_id"] == entity_id].iloc[0]
    aliases = [a for a in str(row["aliases"]).split("|") if a]
    return aliases[0] if aliases else str(row["full_name"])


def _choice_score(survey: Survey, f: FormField, value: object) -> float:
    if pd.isna(value):  # type: ignore[call-overload]
        return 0.0
    scores = {c.name: c.score for c in survey.choices(f.list_name or "")}
    return float(scores.get(str(value)) or 0.0)


def _weakest_choice(survey: Survey, f: FormField) -> str:
    scored = [c for c in survey.choices(f.list_name or "") if c.score is not None]
    return min(scored, key=lambda c: c.score or 0).name
