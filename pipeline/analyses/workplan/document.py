"""``workplan.docx``: the draft joint work plan, one goal per gap (house styles).

Reads the ``workplan`` and ``workplan_roles`` tables (:mod:`pipeline.analyses.workplan.compute`);
the goals' wording and the introduction come from the survey's ``workplan`` block, the
evidence from the gap analysis. Projects found by desk research are told apart from those
reported in the survey, and entities known only from desk research are never called
respondents.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import wording as nar
from pipeline.report.document import ReportDocument
from pipeline.report.run_documents import cached_run_document
from pipeline.tables import RunResult

FILE_NAME = "workplan.docx"


def kind_words(result: RunResult) -> dict[str, str]:
    """A gap kind in words: a dimension set's label, the survey's word for topics, ..."""
    m = result.survey.model
    words = {name: s.label for name, s in m.dimension_sets.items()}
    words["topic"] = m.report.topics.one
    words["activity"] = m.report.activities.many
    return words


def write_workplan(result: RunResult, path: Path) -> Path | None:
    """Write the draft work plan of ``result`` to ``path``; None when the survey declares
    no ``workplan`` block (nothing is written then). Inside
    :func:`pipeline.report.chart_cache.chart_cache`, a work plan of the same run as one
    written before is copied from the cache (:mod:`pipeline.report.run_documents`)."""
    spec = result.survey.model.workplan
    plan = result.tables.get("workplan")
    if spec is None or plan is None:
        return None
    # a work plan of the same run as one written before: from the cache (the same bytes)
    cached_run_document("workplan", result, list, Path(path), partial(_write_workplan, result, spec, plan))
    return Path(path)


def _write_workplan(result: RunResult, spec: Any, plan: pd.DataFrame, path: Path) -> Path:
    roles = result.tables.get("workplan_roles", pd.DataFrame())
    m = result.survey.model
    noun, plural = m.entity_noun, m.entity_plural
    decides = m.report.decides
    kinds = kind_words(result)
    # projects the round did not collect (--no-repeat) are said so, never counted as 0
    not_collected = str(result.stats.get("not_collected") or "").split(", ")
    collected = m.projects is None or m.projects.section not in not_collected
    doc = ReportDocument()
    doc.properties(spec.title, result.survey.title, "work plan; draft", result.run_date)
    draft = "" if "draft" in spec.title.lower() else "DRAFT – "
    doc.footer(f"{draft}{spec.title} – round {result.round} – {result.run_date}")
    doc.title_page(
        spec.title,
        result.survey.title,
        [f"Round {result.round}", f"Draft for {decides}, from the gap analysis", f"Written {result.run_date}"],
    )

    doc.heading("About this draft", 1)
    if spec.intro:
        doc.paragraph(spec.intro)
    n = len(plan)
    led = int((plan["n_leads"] > 0).sum()) if n else 0
    if n == 0:
        doc.paragraph("The gap analysis found no gap in this round, so the draft proposes no goal.")
    else:
        doc.paragraph(
            f"The gap analysis found {nar.plural(n, 'gap', 'gaps')}; the draft proposes one goal for "
            f"each. {nar.capitalise(nar.agree(led, 'goal', 'goals', ('has', 'have'), of=n))} at least "
            f"one {noun} willing to lead"
            + (
                f"; for {nar.agree(n - led, 'goal', 'goals', words=True)} no {noun} offers to lead "
                f"({'it is' if n - led == 1 else 'they are'} flagged for {decides})."
                if n - led
                else "."
            )
        )
    sharing = next((s for s in plan["sharing"].dropna() if s), "") if n else ""
    if sharing:
        doc.paragraph(
            f"For sharing knowledge about the work, the {plural} prefer {sharing.split(' (')[0].lower()} "
            f"(the first option of their ranking{', ' + sharing.split(' (', 1)[1][:-1] if ' (' in sharing else ''})."
        )
    desk = result.stats.get("desk") or {}
    if not collected:
        doc.paragraph(
            "Projects were not collected in this round (the survey exports analysed did not "
            "include them), so the goals list no related projects"
            + (" from the survey (initiatives found by desk research are listed)." if m.desk else ".")
        )
    elif "projects" in result.tables:
        projects = result.tables["projects"]
        source = projects["source"] if "source" in projects.columns else pd.Series(dtype="string")
        n_survey, n_desk = int((source != "desk").sum()), int((source == "desk").sum())
        text = f"Related projects are those of the willing {plural} that address the goal's item: "
        text += f"{nar.plural(n_survey, 'project', 'projects')} reported in the survey"
        text += f" and {nar.plural(n_desk, 'initiative', 'initiatives')} found by desk research" if n_desk else ""
        doc.paragraph(text + " are considered.")
    only_desk = desk.get("desk_only_entities") or []
    if only_desk:
        names = [result.registry.acronym(e) if e in result.registry else e for e in only_desk]
        doc.paragraph(
            f"{nar.join_names(names)} {'appears' if len(names) == 1 else 'appear'} in the desk mapping "
            f"but did not answer the survey: {'its' if len(names) == 1 else 'their'} initiatives count as "
            f"desk research, and {'it is' if len(names) == 1 else 'they are'} not counted as "
            f"{nar.article(noun) if len(names) == 1 else plural} that responded, nor as willing to lead."
        )
    if n == 0:
        return doc.save(path)

    doc.heading("Goals at a glance", 1, new_page=False)
    glance = pd.DataFrame(
        {
            "No.": plan["goal_no"].astype(str),
            "Gap": [f"{r.label} ({kinds.get(r.kind, r.kind)})" for r in plan.itertuples()],
            "Would lead": [r.leads or "none" for r in plan.itertuples()],
            "Would contribute": plan["n_contributors"].astype("int64"),
            "Projects (survey)": (
                plan["n_projects_survey"].astype("int64") if collected else "not collected"
            ),
            "Initiatives (desk)": plan["n_projects_desk"].astype("int64"),
        }
    )
    flagged = plan["flag"].fillna("") != ""
    fills = pd.DataFrame(pd.NA, index=glance.index, columns=glance.columns, dtype="object")
    fills.loc[flagged.to_numpy(), "Would lead"] = "F4B6B6"
    doc.table(
        glance,
        "Draft goals, the gaps they answer and who would lead",
        fills=fills,
        weights=[0.6, 4, 3, 1.4, 1.4, 1.4],
        note=f"Shaded: no {noun} offers to lead. Projects: reported in the survey by any {noun} "
        "and addressing the item"
        + ("" if collected else " (not collected in this round)")
        + "; initiatives: found by desk research (the same initiative in both counts once, as "
        "the survey's).",
    )

    doc.heading("Goals", 1)
    for row in plan.itertuples():
        doc.heading(f"Goal {row.goal_no}. {row.label}", 2, new_page=False)
        doc.paragraph(str(row.goal), lead="Goal:")
        why = f"{nar.capitalise(str(row.reason))} ({row.evidence})." if row.reason else str(row.evidence)
        severity = ", critical" if row.severity == "critical" else ""
        doc.paragraph(why, lead=f"Why ({kinds.get(row.kind, row.kind)} gap{severity}):")
        doc.paragraph(row.leads or str(row.flag), lead="Would lead:")
        doc.paragraph(row.contributors or f"no {noun}", lead="Would contribute:")
        mine = roles[roles["goal_no"] == row.goal_no] if len(roles) else roles
        if len(mine):
            table = pd.DataFrame(
                {
                    nar.capitalise(noun): mine["acronym"],
                    "Role": mine["role"].map({"lead": "Lead", "contribute": "Contribute"}),
                    "Engagement here": mine["engagement"].fillna("").replace("", "not stated"),
                    "Related projects": mine["projects"].fillna("").replace(
                        "", "none listed" if collected else "not collected in this round"
                    ),
                }
            ).reset_index(drop=True)
            doc.table(table, f"Goal {row.goal_no}: {plural} willing to lead or contribute", weights=[1.2, 1.1, 1.4, 6])
        counted = f"{nar.plural(int(row.n_projects_survey), 'project', 'projects')} reported in the survey"
        if row.n_projects_desk:
            counted += f" and {nar.plural(int(row.n_projects_desk), 'initiative', 'initiatives')} found by desk research"
        if collected:
            doc.paragraph(f"{counted} address {nar.inline(str(row.label))} (any {noun}).", lead="Projects:")
        else:
            desk = nar.plural(int(row.n_projects_desk), "initiative", "initiatives")
            doc.paragraph(
                "not collected in this round"
                + (f"; {desk} found by desk research address {nar.inline(str(row.label))}" if row.n_projects_desk else "")
                + ".",
                lead="Projects:",
            )
        if row.sharing:
            doc.paragraph(str(row.sharing), lead="Knowledge sharing:")

    if flagged.any():
        doc.heading(f"For {decides} to decide", 1)
        doc.paragraph(
            f"No {noun} offered to lead these goals. {nar.capitalise(decides)} may ask the {plural} "
            "willing to contribute whether one of them would lead, merge the goal with another, or "
            "set it aside for this work plan."
        )
        doc.bullets(
            [
                (f"Goal {r.goal_no}. {r.label}:", f"{r.n_contributors} willing to contribute"
                 + (f" ({r.contributors})" if r.contributors else ""))
                for r in plan[flagged].itertuples()
            ]
        )

    doc.heading("How this draft was made", 1)
    doc.bullets(
        [
            "One goal per gap of the gap analysis (the Gaps sheet of the results workbook), in its "
            "order; the goal's wording is declared in the survey definition, the reason and "
            "evidence are the gap analysis's.",
            f"The {plural} that would lead or contribute are those that said so in the survey, item "
            f"by item. They are listed with the strongest engagement in the item first (their own "
            f"answer on it, then their engagement across all items).",
            f"Related projects are the projects of those {plural} that address the item (by its "
            f"{kinds.get('stage', 'dimension')} or topic); desk research initiatives are marked "
            "(desk). An initiative found both in the survey and by desk research counts once, as "
            "reported in the survey.",
            "The knowledge-sharing option is the one ranked first on average.",
        ]
    )
    return doc.save(path)
