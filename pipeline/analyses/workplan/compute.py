"""The draft joint work plan: one goal per gap, with the entities willing to lead it.

The survey's ``workplan`` block names, per kind of gap (a dimension set such as ``stage``,
``topic``, ``activity``), the question that asked each entity, item by item, whether it
would lead joint work, contribute to it, or neither, and the wording of the goal. For each
row of the ``gaps`` table :func:`work_plan` drafts that goal and lists:

- the entities that would lead, strongest engagement in the item first (their answer to
  the coverage question for a dimension item, whether they work on it for a topic, then
  their mean engagement across every item, then the acronym);
- the entities that would contribute, in the same order;
- their projects that address the item (survey and desk research told apart);
- the knowledge-sharing option the entities prefer (the ranking's first option).

A gap no entity offers to lead is flagged for the group that decides (``flag``). :func:`compute` is the analysis' entry
point in a run.
"""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.base import AnalysisInput, Stats, Tables
from pipeline.analyses.common import acronym_map, coverage_fields, engagement_positions
from pipeline.numbers import rank
from pipeline.registry import Registry
from pipeline.score import selected_choices
from pipeline.spec import Survey, Workplan
from pipeline.wording import capitalise, inline

WORKPLAN_COLUMNS = [
    "goal_no",
    "kind",
    "dimension",
    "label",
    "severity",
    "goal",
    "leads",
    "contributors",
    "n_leads",
    "n_contributors",
    "flag",
    "projects",
    "n_projects_survey",
    "n_projects_desk",
    "sharing",
    "reason",
    "evidence",
]
ROLE_COLUMNS = ["goal_no", "label", "entity_id", "acronym", "role", "engagement", "projects"]
DEFAULT_GOAL = "Address the gap on {item_lower} through joint work."
NOT_ASKED = "The survey did not ask who would lead this: for {decides} to decide"


def work_plan(
    gaps: pd.DataFrame,
    submissions: pd.DataFrame,
    survey: Survey,
    registry: Registry | None = None,
    projects: pd.DataFrame | None = None,
    ranking: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draft goals from the gaps, with who would lead and contribute.

    In: the run's ``gaps`` table, ``Responses.submissions``, the survey (its ``workplan``
    block), optionally the registry (acronyms), the ``projects`` inventory (with its
    ``source`` column: survey / desk) and the ``ranking`` table.
    Out: ``(plan, roles)``. ``plan``: one row per gap, in the gaps' order, columns
    :data:`WORKPLAN_COLUMNS` (``leads`` / ``contributors``: acronyms, strongest first,
    ", "-joined; ``projects``: "ACR: title" of their related projects, "; "-joined, desk
    ones marked "(desk)"; ``flag``: empty unless no entity offers to lead). ``roles``: one
    row per goal and willing entity, :data:`ROLE_COLUMNS`.
    """
    spec = _spec(survey)
    if gaps is None or gaps.empty:
        return _empty(WORKPLAN_COLUMNS), _empty(ROLE_COLUMNS)
    subs = submissions.reset_index(drop=True)
    acronyms = acronym_map(registry, subs["entity_id"]) if len(subs) else {}
    strength, engagement_words = _engagement(subs, survey)
    topics = _topic_choices(subs, survey)
    sharing = _preferred_option(ranking)
    projects = projects if projects is not None else pd.DataFrame()
    noun = survey.model.entity_noun
    rows, roles = [], []
    for k, gap in enumerate(gaps.to_dict("records"), start=1):
        kind, dim, label = str(gap["kind"]), str(gap["dimension"]), str(gap["label"])
        goal_spec = spec.goals.get(kind)
        wording = goal_spec.goal if goal_spec else DEFAULT_GOAL
        goal = wording.format(item=label, item_lower=inline(label))
        answers = _answers(subs, survey, goal_spec.question if goal_spec else None, dim)
        on_topic = topics.get(dim, set()) if kind == "topic" else set()

        here, mean = strength.get(dim, {}), strength["_mean"]
        leads = _order([e for e, a in answers.items() if a == spec.lead], here, mean, on_topic, acronyms)
        helpers = _order(
            [e for e, a in answers.items() if a == spec.contribute], here, mean, on_topic, acronyms
        )
        related = _related(projects, kind, label, set(leads) | set(helpers))
        everyone = _related(projects, kind, label, None)
        own_titles = _titles_by_entity(related)
        for role, ids in (("lead", leads), ("contribute", helpers)):
            for e in ids:
                roles.append(
                    {
                        "goal_no": k,
                        "label": label,
                        "entity_id": e,
                        "acronym": acronyms.get(e, e),
                        "role": role,
                        "engagement": engagement_words.get(dim, {}).get(e, "")
                        or (("works on it" if e in on_topic else "not among its topics") if kind == "topic" else ""),
                        "projects": own_titles.get(e, ""),
                    }
                )
        if goal_spec is None or goal_spec.question is None:
            flag = NOT_ASKED.format(decides=survey.model.report.decides)
        elif not leads:
            flag = spec.no_lead.format(noun=noun, decides=survey.model.report.decides)
        else:
            flag = ""
        source = everyone["source"] if "source" in everyone.columns else pd.Series(dtype="string")
        rows.append(
            {
                "goal_no": k,
                "kind": kind,
                "dimension": dim,
                "label": label,
                "severity": gap.get("severity"),
                "goal": capitalise(goal),
                "leads": ", ".join(acronyms.get(e, e) for e in leads),
                "contributors": ", ".join(acronyms.get(e, e) for e in helpers),
                "n_leads": len(leads),
                "n_contributors": len(helpers),
                "flag": flag,
                "projects": _titles(related, acronyms),
                "n_projects_survey": int((source == "survey").sum()) if len(everyone) else 0,
                "n_projects_desk": int((source == "desk").sum()) if len(everyone) else 0,
                "sharing": sharing,
                "reason": gap.get("reason"),
                "evidence": gap.get("evidence"),
            }
        )
    plan = pd.DataFrame(rows, columns=WORKPLAN_COLUMNS)
    plan = plan.astype(
        {c: "string" for c in WORKPLAN_COLUMNS if not c.startswith("n_") and c != "goal_no"}
        | {c: "int64" for c in WORKPLAN_COLUMNS if c.startswith("n_") or c == "goal_no"}
    )
    role_frame = pd.DataFrame(roles, columns=ROLE_COLUMNS)
    return plan, role_frame.astype({c: "string" for c in ROLE_COLUMNS if c != "goal_no"} | {"goal_no": "int64"})


def _order(
    ids: list[str],
    here: dict[str, float],
    mean: dict[str, float],
    on_topic: set[str],
    acronyms: dict[str, str],
) -> list[str]:
    """Strongest engagement in the item first (the answer's position; for a topic, working
    on it), then the mean engagement over every item, then the acronym."""
    return sorted(
        ids,
        key=lambda e: (
            -here.get(e, 1.0 if e in on_topic else 0.0),
            -mean.get(e, 0.0),
            acronyms.get(e, e),
        ),
    )


def _answers(subs: pd.DataFrame, survey: Survey, question: str | None, dim: str) -> dict[str, str]:
    """entity id -> its answer to ``question`` for item ``dim`` (unanswered left out)."""
    if question is None:
        return {}
    field = next((f for f in survey.fields_of(question) if f.dimension == dim), None)
    if field is None or field.name not in subs.columns:
        return {}
    values = subs[field.name].astype("string").str.strip()
    keep = values.notna()
    return dict(zip(subs.loc[keep, "entity_id"].astype(str), values[keep].astype(str), strict=True))


def _engagement(
    subs: pd.DataFrame, survey: Survey
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, str]]]:
    """Per dimension item: entity -> position of its answer to the coverage question (and
    ``"_mean"``: entity -> mean position over every item); per item: entity -> the
    answer's label."""
    out: dict[str, dict[str, float]] = {"_mean": {}}
    words: dict[str, dict[str, str]] = {}
    if survey.model.coverage is None or subs.empty:
        return out, words
    positions = engagement_positions(subs, survey)
    out["_mean"] = positions.mean(axis=1).fillna(0).to_dict()
    for f in coverage_fields(survey):
        column = positions[f.dimension].dropna()
        out[f.dimension or ""] = column.to_dict()
        if f.name not in subs.columns:
            continue
        labels = survey.choice_labels(f.list_name or "")
        answers = subs.set_index("entity_id")[f.name].astype("string").dropna()
        words[f.dimension or ""] = {str(e): inline(labels.get(str(a), str(a))) for e, a in answers.items()}
    return out, words


def _topic_choices(subs: pd.DataFrame, survey: Survey) -> dict[str, set[str]]:
    """topic -> the entities that select it in the gaps' topics question."""
    gaps = survey.model.gaps
    question = gaps.topics_question if gaps else None
    field = next((f for f in survey.fields_of(question or "") if f.repeat is None), None)
    if field is None or field.name not in subs.columns or subs.empty:
        return {}
    chosen = selected_choices(subs[field.name].set_axis(subs["entity_id"].astype(str)))
    out: dict[str, set[str]] = {}
    for entity, topic in zip(chosen.index, chosen.astype(str), strict=True):
        out.setdefault(topic, set()).add(str(entity))
    return out


def _related(
    projects: pd.DataFrame, kind: str, label: str, entities: set[str] | None
) -> pd.DataFrame:
    """Projects that address the gap's item (by stage for dimension and activity gaps, by
    topic for topic gaps), of ``entities`` only when given."""
    column = "topics" if kind == "topic" else "stages"
    if projects.empty or column not in projects.columns:
        return projects.iloc[0:0] if not projects.empty else pd.DataFrame(columns=["entity_id", "title", "source"])
    items = projects[column].astype("string").fillna("").str.split("; ")
    hit = items.map(lambda xs: label in xs).astype(bool)
    if entities is not None:
        hit &= projects["entity_id"].astype(str).isin(entities)
    return projects.loc[hit]


def _titles(projects: pd.DataFrame, acronyms: dict[str, str], with_entity: bool = True) -> str:
    if projects.empty:
        return ""
    source = projects["source"] if "source" in projects.columns else pd.Series("survey", index=projects.index)
    parts = []
    for e, title, src in zip(projects["entity_id"], projects["title"], source, strict=True):
        text = f"{acronyms.get(str(e), str(e))}: {title}" if with_entity else str(title)
        parts.append(text + (" (desk)" if src == "desk" else ""))
    return "; ".join(parts)


def _titles_by_entity(projects: pd.DataFrame) -> dict[object, str]:
    """:func:`_titles` without the entity, of each entity's projects: one pass instead of a
    filter per entity and role."""
    if projects.empty:
        return {}
    source = projects["source"] if "source" in projects.columns else pd.Series("survey", index=projects.index)
    parts: dict[object, list[str]] = {}
    for e, title, src in zip(projects["entity_id"], projects["title"], source, strict=True):
        parts.setdefault(e, []).append(str(title) + (" (desk)" if src == "desk" else ""))
    return {e: "; ".join(texts) for e, texts in parts.items()}


def _preferred_option(ranking: pd.DataFrame | None) -> str:
    """The option ranked first, with its mean rank ("Shared project database (mean rank
    2.3)"), or "" when there is no ranking."""
    if ranking is None or ranking.empty or "rank_order" not in ranking.columns:
        return ""
    first = ranking[ranking["rank_order"] == 1]
    if first.empty:
        return ""
    row = first.iloc[0]
    return f"{row['label']} (mean rank {rank(row['mean_rank'])})"


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c.startswith("n_") or c == "goal_no" else "string") for c in columns})


def _spec(survey: Survey) -> Workplan:
    if survey.model.workplan is None:
        raise ValueError(f"survey '{survey.id}' declares no workplan block")
    return survey.model.workplan


def compute(inp: AnalysisInput, tables: Tables) -> tuple[Tables, Stats]:
    """``workplan`` and ``workplan_roles`` from the run's ``gaps`` (and its ``projects`` and
    ``ranking`` when the survey has them)."""
    plan, roles = work_plan(
        tables["gaps"],
        inp.submissions,
        inp.survey,
        inp.registry,
        tables.get("projects"),
        tables.get("ranking"),
    )
    return {"workplan": plan, "workplan_roles": roles}, {}
