"""The draft Word report: written from a realistic fake run, read back with python-docx.

The fake run has 16 invited agencies (12 answered), the 7 life-cycle stages of the
e-waste survey, a collaboration network, projects, a ranking and a data-quality log, so
that the document is laid out as it will be for a real round.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import matplotlib
import numpy as np
import pandas as pd
import pytest
from docx.oxml.ns import qn

from pipeline.analyses.coverage.words import dimension_finding, ranked_coverage
from pipeline.analyses.ranking.words import agreement_words
from pipeline.errors import IssueLog
from pipeline.registry import Registry
from pipeline.report import recommendations
from pipeline.report.document import ReportDocument, clean_text
from pipeline.report.figure import Chart
from pipeline.report.outline import write_report
from pipeline.report.template import TEMPLATE_PATH, house_template
from pipeline.report.words import Words
from pipeline.score import rule_text
from pipeline.spec import Survey
from pipeline.tables import TIDY_COLUMNS, InputFile, Responses, RunResult
from pipeline.wording import join_names

matplotlib.use("Agg")
import matplotlib.pyplot as plt

INVITED = [
    "UNEP", "ITU", "UNIDO", "ILO", "UNITAR", "BRS", "WHO", "UNDP",
    "UNU", "FAO", "UNICEF", "UNHCR", "DESA", "ECE", "ESCAP", "UNHABITAT",
]  # fmt: skip
RESPONDENTS = INVITED[:12]
FOCAL_NAME = "Wilhelmina Focalpoint"
STAGES = [
    "raw_materials", "design_manufacturing", "distribution_use", "reuse_repair",
    "collection_transboundary", "treatment_recycling", "final_disposal",
]  # fmt: skip
LEVELS = ["none", "minor", "moderate", "major"]
SCORE = {"none": 0.0, "minor": 0.33, "moderate": 0.67, "major": 1.0}
ACTIVITIES = ["policy", "capacity", "research", "data", "projects", "advocacy", "financing"]


def _ids(registry: Registry) -> list[str]:
    """Registry ids of the fake agencies (those the registry knows)."""
    ids = [registry.resolve(a) for a in INVITED]
    return [i for i in ids if i is not None]


def _engagement(ids: list[str]) -> pd.DataFrame:
    """A deterministic engagement answer per respondent x stage (final disposal weak)."""
    rng = np.random.default_rng(7)
    weights = {
        "raw_materials": [0.5, 0.3, 0.15, 0.05],
        "final_disposal": [0.7, 0.25, 0.05, 0.0],
        "collection_transboundary": [0.2, 0.2, 0.3, 0.3],
        "treatment_recycling": [0.15, 0.2, 0.3, 0.35],
    }
    rows = []
    for e in ids:
        for s in STAGES:
            level = rng.choice(LEVELS, p=weights.get(s, [0.3, 0.3, 0.25, 0.15]))
            rows.append({"entity_id": e, "dimension": s, "answer": str(level)})
    eng = pd.DataFrame(rows)
    # one agency leads final disposal at minor level only: no lead there, a gap
    eng.loc[(eng["dimension"] == "final_disposal") & (eng["answer"] == "major"), "answer"] = "minor"
    return eng


def _tidy(ids: list[str], eng: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rows: list[dict] = []

    def add(entity: str, question: str, field: str, answer: str, dim=None) -> None:
        rows.append(
            {
                "entity_id": entity,
                "question_id": question,
                "field": field,
                "dimension": dim,
                "answer": answer,
            }
        )

    for r in eng.itertuples(index=False):
        add(r.entity_id, "engagement", f"engagement_{r.dimension}", r.answer, r.dimension)
        if r.answer != "none":
            for act in rng.choice(ACTIVITIES, size=rng.integers(1, 4), replace=False):
                add(r.entity_id, "activities", f"activities_{r.dimension}", str(act), r.dimension)
    topics = [c.name for c in survey.choices("topic")]
    for i, e in enumerate(ids):
        for t in rng.choice(topics, size=3, replace=False):
            add(e, "topics", "topics", str(t))
        for m in rng.choice(
            ["joint_projects", "data_exchange", "coalition"], size=2, replace=False
        ):
            add(e, "collaboration_modes", "collaboration_modes", str(m))
        for rank, opt in enumerate(rng.permutation([c.name for c in survey.choices("ks_option")])):
            add(e, "ks_rank", f"ks_rank_{opt}", str(rank + 1), str(opt))
        add(e, "collaborators", "collaborators", ids[(i + 1) % len(ids)])
        add(e, "collaboration_notes", "collaboration_notes", "Works\x07 well\x00 together")
        # a personal field leaking into the tidy table must still never reach the report
        add(e, "focal_name", "focal_name", FOCAL_NAME)
    tidy = pd.DataFrame(rows)
    tidy["survey_id"] = survey.id
    tidy["round"] = "2026"
    tidy["answer_score"] = tidy["answer"].map(SCORE)
    tidy["instance"] = pd.NA
    tidy["source_file"] = "kobo_export.xlsx"
    tidy["source_row"] = 2
    tidy["submitted_at"] = "2026-03-02T10:00:00"
    return tidy[TIDY_COLUMNS]


def _coverage(scores: pd.DataFrame, eng: pd.DataFrame, survey: Survey, acr: dict) -> pd.DataFrame:
    labels = survey.dimension_labels("stage")
    rows = []
    for s in STAGES:
        e = eng[eng["dimension"] == s]
        sc = scores.loc[scores["dimension"] == s, "score"]
        strong = e.loc[e["answer"] == "major", "entity_id"].map(acr).tolist()
        rows.append(
            {
                "dimension": s,
                "label": labels[s],
                "n_engaged": int(e["answer"].isin(["moderate", "major"]).sum()),
                "n_strong": len(strong),
                "n_respondents": len(e),
                "mean_score": sc.mean(),
                "ci_low": max(sc.mean() - 0.12, 0),
                "ci_high": min(sc.mean() + 0.12, 1),
                "lead_entities": ", ".join(strong[:3]),
            }
        )
    return pd.DataFrame(rows)


def make_result(
    survey: Survey, registry: Registry, n_projects: int = 30, n_issues: int = 40
) -> RunResult:
    """A realistic RunResult of the e-waste survey: 16 invited, 12 respondents."""
    ids = _ids(registry)
    resp = ids[:12]
    acr = registry.acronyms()
    eng = _engagement(resp)
    tidy = _tidy(resp, eng, survey)
    n_act = tidy[tidy["question_id"] == "activities"].groupby(["entity_id", "dimension"]).size()
    scores = eng.assign(
        score=lambda f: (
            0.75 * f["answer"].map(SCORE)
            + 0.25
            * np.minimum(
                f.set_index(["entity_id", "dimension"]).index.map(n_act).fillna(0).to_numpy() / 3, 1
            )
        ).round(2)
    )
    scores["level"] = pd.cut(
        scores["score"], [-1, 0.005, 0.4, 0.7, 2], labels=["none", "low", "medium", "high"]
    ).astype("string")
    scores["rule"] = rule_text(survey)
    scores = scores[["entity_id", "dimension", "score", "level", "rule"]]
    coverage = _coverage(scores, eng, survey, acr)
    gap_rows = coverage[coverage["n_engaged"] < 3]
    gaps = pd.DataFrame(
        {
            "kind": "stage",
            "dimension": gap_rows["dimension"],
            "label": gap_rows["label"],
            "severity": np.where(gap_rows["n_strong"] == 0, "critical", "gap"),
            "reason": "fewer than 3 agencies engage at least moderately",
            "evidence": [
                f"{n} of {m} agencies engaged (moderate or major); leads: {lead or 'none'}"
                for n, m, lead in zip(
                    gap_rows["n_engaged"],
                    gap_rows["n_respondents"],
                    gap_rows["lead_entities"],
                    strict=True,
                )
            ],
        }
    )
    gaps = pd.concat(
        [
            gaps,
            pd.DataFrame(
                [
                    {
                        "kind": "topic",
                        "dimension": "transboundary",
                        "label": "Transboundary movement and shipment control",
                        "severity": "gap",
                        "reason": "fewer than 3 agencies work on the topic",
                        "evidence": "2 agencies (BRS, UNEP) work on it",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    topic_labels = survey.choice_labels("topic")
    t = tidy[tidy["question_id"] == "topics"]
    topic_cov = (
        t.assign(acr=t["entity_id"].map(acr))
        .groupby("answer")["acr"]
        .agg(lambda s: ", ".join(sorted(s)))
        .reset_index()
    )
    topic_cov = pd.DataFrame(
        {
            "topic": topic_cov["answer"],
            "label": topic_cov["answer"].map(topic_labels),
            "n_entities": topic_cov["acr"].str.count(",") + 1,
            "entities": topic_cov["acr"],
        }
    )
    edges = pd.DataFrame(
        {
            "source": [resp[i] for i in range(9)] + [resp[1], resp[2], resp[0]],
            "target": [resp[(i + 1) % 9] for i in range(9)] + [resp[0], resp[1], resp[4]],
            "reciprocated": [False] * 9 + [True, True, False],
        }
    )
    nodes = pd.DataFrame(
        {
            "entity_id": resp,
            "acronym": [acr[e] for e in resp],
            "degree": [3, 3, 3, 2, 3, 2, 2, 2, 2, 0, 0, 0],
            "in_degree": [2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
            "out_degree": [2, 1, 2, 1, 2, 1, 1, 1, 1, 0, 0, 0],
            "cluster": [1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 4, 5],
            "isolated": [False] * 9 + [True] * 3,
        }
    )
    isolated = [acr[e] for e in resp[9:]]
    pairs = pd.DataFrame(
        {
            "entity_a": [resp[0], resp[2], resp[1], resp[3]],
            "entity_b": [resp[5], resp[8], resp[6], resp[7]],
            "relation": ["overlap", "overlap", "complement", "complement"],
            "similarity": [0.96, 0.93, 0.21, 0.18],
            "detail": [
                "both strong in collection and treatment",
                "same profile across all seven stages",
                "one strong in design, the other in treatment",
                "one strong in reuse, the other in raw materials",
            ],
        }
    )
    rng = np.random.default_rng(3)
    stage_labels = survey.dimension_labels("stage")
    region_labels = survey.choice_labels("region")
    projects = pd.DataFrame(
        {
            "entity_id": [resp[i % 12] for i in range(n_projects)],
            "instance": [f"p{i}" for i in range(n_projects)],
            "title": [
                f"E-waste project {i}: {'safe recycling' if i % 2 else 'policy support'}"
                for i in range(n_projects)
            ],
            "status": [["Completed", "Ongoing", "Planned"][i % 3] for i in range(n_projects)],
            "start_year": pd.array([2015 + i % 10 for i in range(n_projects)], dtype="Int64"),
            "end_year": pd.array([2020 + i % 10 for i in range(n_projects)], dtype="Int64"),
            "regions": [
                "; ".join(rng.choice(list(region_labels.values()), 2, replace=False))
                for _ in range(n_projects)
            ],
            "countries": "Ghana; Nigeria",
            "stages": [
                "; ".join(rng.choice(list(stage_labels.values()), 2, replace=False))
                for _ in range(n_projects)
            ],
            "partners": "ITU; UNEP",
            "budget_usd": [250_000.0 * (1 + i % 4) for i in range(n_projects)],
        }
    )
    if n_projects:
        projects.loc[0, "title"] = "Control\x0b char \ufffe project – مشروع النفايات – 电子废物"
    ranking_labels = survey.choice_labels("ks_option")
    ranking = pd.DataFrame(
        {
            "option": list(ranking_labels),
            "label": list(ranking_labels.values()),
            "mean_rank": [2.1, 2.6, 3.4, 3.5, 4.6, 4.8],
            "median_rank": [2.0, 2.5, 3.0, 4.0, 5.0, 5.0],
            "n": [12] * 6,
            "rank_order": [1, 2, 3, 4, 5, 6],
        }
    )
    status = pd.DataFrame(
        {
            "entity_id": ids,
            "acronym": [acr[e] for e in ids],
            "full_name": [registry.full_name(e) for e in ids],
            "responded": [e in resp for e in ids],
            "submitted_at": [
                f"2026-03-0{1 + i % 9}T09:30:00" if e in resp else pd.NA for i, e in enumerate(ids)
            ],
            "n_submissions": [1 + (i == 2) if e in resp else 0 for i, e in enumerate(ids)],
            "source_file": ["kobo/ewaste_export.xlsx" if e in resp else pd.NA for e in ids],
        }
    )
    log = IssueLog()
    for i in range(n_issues):
        sev = ["error", "warning", "info"][i % 3] if i else "warning"
        log.__getattribute__(sev)(
            f"check-{i % 5}",
            f"value 'x{i}\x1b' in the answer is not a choice of the list; expected one of none, "
            "minor, moderate or major",
            file="kobo/ewaste_export.xlsx",
            sheet="data",
            row=i + 2,
            column="engagement_final_disposal",
            entity=acr[resp[i % 12]],
        )
    submissions = pd.DataFrame(
        {
            "entity_id": resp,
            "submitted_at": "2026-03-02T10:00:00",
            "source_file": "kobo/ewaste_export.xlsx",
            "reader": "kobo_xlsx",
            "n_submissions": 1,
            "focal_name": FOCAL_NAME,
        }
    )
    n_inv, n_resp = len(ids), len(resp)
    return RunResult(
        survey=survey,
        registry=registry,
        round="2026",
        run_date="2026-04-15",
        responses=Responses(submissions=submissions, repeats={}, tidy=tidy),
        tables={
            "scores": scores,
            "coverage": coverage,
            "gaps": gaps,
            "topic_coverage": topic_cov,
            "network_nodes": nodes,
            "network_edges": edges,
            "pairs": pairs,
            "projects": projects,
            "ranking": ranking,
            "response_status": status,
        },
        stats={
            "response_rate": n_resp / n_inv,
            "n_respondents": n_resp,
            "n_invited": n_inv,
            "network": {
                "n_nodes": n_resp,
                "n_edges": len(edges),
                "n_reciprocated": 2,
                "share_reciprocated": 2 / len(edges),
                "density": len(edges) / (n_resp * (n_resp - 1)),
                "n_clusters": 5,
                "isolated": isolated,
            },
            "ranking": {
                "kendall_w": 0.21,
                "chi2": 12.6,
                "p_value": 0.027,
                "n_raters": 12,
                "n_options": 6,
                "agreement": "weak",
            },
        },
        log=log,
        files=[
            InputFile("kobo/ewaste_export.xlsx", "ab" * 32, 48_000, "kobo_xlsx", 13),
            InputFile("questionnaires/UNHCR.xlsx", "cd" * 32, 21_000, "questionnaire", 1),
        ],
    )


def make_charts(folder: Path) -> list[Chart]:
    """Small PNG charts with the ids the report expects."""
    folder.mkdir(parents=True, exist_ok=True)
    charts = []
    for chart_id, aspect in [
        ("response", (8, 3)), ("heatmap", (8, 6)), ("coverage", (8, 4)), ("gaps", (8, 4)),
        ("network", (7, 7)), ("projects", (8, 4)), ("ranking", (8, 3.5)),
    ]:  # fmt: skip
        fig, ax = plt.subplots(figsize=aspect, dpi=40)
        ax.bar(range(4), [3, 1, 4, 2], color="#0072B2")
        ax.set_title(f"{chart_id} chart")
        png = folder / f"{chart_id}.png"
        fig.savefig(png)
        plt.close(fig)
        charts.append(
            Chart(
                chart_id,
                f"{chart_id.title()} by stage",
                f"{chart_id.title()} of the responding agencies (n = 12)",
                f"Bar chart of {chart_id}: four bars, the third highest.",
                png,
                folder / f"{chart_id}.svg",
            )
        )
    return charts


# -- helpers to read the document back -------------------------------------------------
def body_text(document: docx.document.Document) -> str:
    return "\n".join(t for t in document.element.body.itertext())


def instructions(element) -> list[str]:
    return [t.text.strip() for t in element.iter(qn("w:instrText"))]


@pytest.fixture(scope="module")
def report(tmp_path_factory, survey, registry) -> tuple[Path, RunResult]:
    tmp = tmp_path_factory.mktemp("report")
    result = make_result(survey, registry)
    path = write_report(result, make_charts(tmp / "charts"), tmp / "out" / "report.docx")
    return path, result


@pytest.fixture(scope="module")
def document(report) -> docx.document.Document:
    return docx.Document(str(report[0]))


# -- tests -----------------------------------------------------------------------------
def test_heading_1_sections_in_order(document):
    h1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    expected = [
        "Executive summary",
        "Methodology",
        "Findings by life-cycle stage",
        "Gaps",
        "Links between agencies",
        "E-waste projects",
        "Sharing knowledge about e-waste projects",
        "Recommendations",
        "Annex A. Further recommendations",
        "Annex B. Respondents and non-respondents",
        "Annex C. Scores by agency and life-cycle stage",
        "Annex D. Data-quality log",
        "Annex E. Answers by question",
        "Annex F. Acronyms and abbreviations",
    ]
    assert h1 == expected
    h2 = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    for label in ("Raw materials and extraction", "Final disposal", "How answers were scored"):
        assert label in h2
    assert document.paragraphs[1].style.name == "Title"


def test_toc_field_and_update_on_open(document):
    assert any(i.startswith("TOC ") for i in instructions(document.element.body))
    update = document.settings.element.find(qn("w:updateFields"))
    assert update is not None and update.get(qn("w:val")) == "true"


def test_toc_lists_the_headings_before_any_update(document):
    """The contents show in any reader (LibreOffice never updates the field): the field's
    result holds every heading of levels 1-2, in order, inside one begin...end field."""
    paragraphs = document.paragraphs
    toc_styles = {"toc 1": 1, "toc 2": 2}
    entries = [(toc_styles[p.style.name], p.text) for p in paragraphs if p.style.name in toc_styles]
    headings = [
        (int(p.style.name[-1]), p.text)
        for p in paragraphs
        if p.style.name in ("Heading 1", "Heading 2") and p.text.strip()
    ]
    assert entries == headings and len(entries) > 10
    body = document.element.body
    kinds = [f.get(qn("w:fldCharType")) for f in body.iter(qn("w:fldChar"))]
    first = next(i for i, p in enumerate(paragraphs) if p.style.name == "toc 1")
    last = max(i for i, p in enumerate(paragraphs) if p.style.name in toc_styles)
    inside = [
        f.get(qn("w:fldCharType"))
        for p in paragraphs[first : last + 1]
        for f in p._p.iter(qn("w:fldChar"))
    ]
    assert inside == ["begin", "separate", "end"] and kinds.count("begin") == kinds.count("end")
    assert "Right-click to update the table of contents" not in body_text(document)


def test_toc_without_headings_keeps_its_placeholder(tmp_path):
    doc = ReportDocument()
    doc.toc()
    doc.paragraph("No headings at all.")
    saved = docx.Document(str(doc.save(tmp_path / "empty.docx")))
    assert "Right-click to update the table of contents" in body_text(saved)


def test_footer_marks_draft_round_date_and_page_numbers(document):
    footer = document.sections[0].footer
    text = "\n".join(p.text for p in footer.paragraphs)
    assert "DRAFT" in text and "round 2026" in text and "2026-04-15" in text
    assert "E-waste IMG gap analysis" in text
    fields = instructions(footer._element)
    assert "PAGE" in fields and "NUMPAGES" in fields
    # later sections (landscape and back) inherit the same footer
    assert all(s.footer.is_linked_to_previous for s in document.sections[1:])


def test_every_picture_has_alt_text(document):
    pictures = list(document.element.body.iter(qn("wp:docPr")))
    assert len(pictures) == 7
    for pr in pictures:
        assert pr.get("descr", "").strip()
        assert pr.get("title", "").strip()


def test_captions_are_numbered_with_seq_fields(document):
    captions = [p for p in document.paragraphs if p.style.name == "Caption"]
    figures = [p for p in captions if p.text.startswith("Figure ")]
    tables = [p for p in captions if p.text.startswith("Table ")]
    assert [p.text.split(".")[0] for p in figures] == [f"Figure {i}" for i in range(1, 8)]
    assert [p.text.split(".")[0] for p in tables] == [
        f"Table {i}" for i in range(1, len(tables) + 1)
    ]
    for p in figures:
        assert any(i.startswith("SEQ Figure") for i in instructions(p._p))
    for p in tables:
        assert any(i.startswith("SEQ Table") for i in instructions(p._p))
    # a caption per table; a table caption comes right before its table
    assert len(tables) == len(document.tables)
    body = list(document.element.body)
    for p in tables:
        nxt = body[body.index(p._p) + 1]
        assert nxt.tag == qn("w:tbl")


def test_tables_use_the_table_style_and_repeat_header_rows(document):
    assert "EMG Table" in [s.name for s in document.styles]
    for table in document.tables:
        assert table.style.name == "EMG Table"
        first = table.rows[0]._tr
        assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None


def test_numbers_are_right_aligned(document):
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Life-cycle stage")
    header = [c.text for c in table.rows[0].cells]
    col = header.index("Mean score")
    cell = table.rows[1].cells[col]
    assert cell.paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert float(cell.text) <= 1


def test_landscape_section_holds_the_wide_tables(document):
    orient = [s.orientation for s in document.sections]
    landscape = docx.enum.section.WD_ORIENT.LANDSCAPE
    assert landscape in orient
    wide = next(s for s in document.sections if s.orientation == landscape)
    assert wide.page_width > wide.page_height
    assert document.sections[-1].orientation != landscape
    # the scores table (agencies x 7 stages) sits in the landscape section
    body = list(document.element.body)
    scores_caption = next(
        p for p in document.paragraphs if p.style.name == "Caption" and "Scores by agency" in p.text
    )
    after = body[body.index(scores_caption._p) :]
    next_break = next(el for el in after if el.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None)
    sect = next_break.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
    assert sect.find(qn("w:pgSz")).get(qn("w:orient")) == "landscape"


def test_executive_summary_names_least_covered_stage_and_response_rate(document, report):
    _, result = report
    paragraphs = document.paragraphs
    heading = [p.style.name == "Heading 1" for p in paragraphs]  # not the contents' entries
    start = next(i for i, p in enumerate(paragraphs) if heading[i] and p.text == "Executive summary")
    end = next(i for i, p in enumerate(paragraphs) if heading[i] and p.text == "Methodology")
    summary = " ".join(p.text for p in paragraphs[start:end])
    worst = ranked_coverage(result.tables["coverage"]).iloc[-1]["label"]
    assert f"the least covered is {worst}" in summary
    assert "12 of the 16 agencies" in summary and "75%" in summary
    assert "Kendall's W is 0.21" in summary and "weak agreement" in summary


def test_no_personal_data_and_no_control_characters(document, report):
    path, _ = report
    text = body_text(document)
    assert FOCAL_NAME not in text
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert FOCAL_NAME not in xml
    assert "\x0b" not in xml and "\x1b" not in xml and "\ufffe" not in xml
    # right-to-left and CJK text survives
    assert "مشروع النفايات" in text and "电子废物" in text


def test_projects_are_capped_and_point_to_the_workbook(document):
    table = next(t for t in document.tables if t.rows[0].cells[1].text == "Title")
    assert len(table.rows) == 26  # header + 25
    assert (
        "The first 25 of 30 projects (largest budget first) are shown; all 30 are in "
        "results.xlsx, sheet 'Projects'." in body_text(document)
    )
    budgets = [float(r.cells[-1].text.replace(",", "") or "nan") for r in table.rows[1:]]
    known = [b for b in budgets if b == b]
    assert known == sorted(known, reverse=True) and known  # the largest projects are kept


def test_recommendations_follow_the_rules(document):
    paragraphs = document.paragraphs
    items = [p.text for p in paragraphs if p.style.name == "List Number"]
    assert 0 < len(items) <= recommendations.MAX_MAIN
    further = next(t for t in document.tables if t.rows[0].cells[0].text == "Recommendation")
    minor = [r.cells[0].text for r in further.rows[1:]]
    joined = "\n".join(items + minor)
    assert "Strengthen the UN system's work on Final disposal." in joined
    assert "critical gap and no agency leads it" in joined
    assert "into the network" in joined
    assert "Start with Shared project database." in joined
    assert "Follow up the 4 agencies that did not answer." in joined
    h1 = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert "Annex A. Further recommendations" in h1


def test_missing_answers_overstate_gaps_only_where_there_are_gaps(survey):
    words = Words.from_survey(survey)
    with_gaps = recommendations.recommend_follow_up(["ITU"], 0.5, words, any_gaps=True)
    without = recommendations.recommend_follow_up(["ITU"], 0.5, words, any_gaps=False)
    assert with_gaps[0].why.endswith("so gaps may be overstated.")
    assert "gaps" not in without[0].why  # beside "No gaps were found" it would contradict


def test_recommendations_are_ranked_by_their_evidence(survey):
    words = Words.from_survey(survey)
    coverage = pd.DataFrame(
        {
            "dimension": ["raw_materials", "final_disposal"],
            "label": ["Raw materials and extraction", "Final disposal"],
            "n_engaged": [2, 0],
            "mean_score": [0.3, 0.1],
            "lead_entities": [pd.NA, pd.NA],
        }
    )
    gaps = pd.DataFrame(
        {
            "kind": ["stage", "stage"],
            "dimension": ["raw_materials", "final_disposal"],
            "label": ["Raw materials and extraction", "Final disposal"],
            "severity": ["gap", "critical"],
            "reason": ["few", "none"],
            "evidence": ["2 of 12", "0 of 12"],
        }
    )
    pairs = pd.DataFrame(
        {
            "entity_a": [f"A{i}" for i in range(6)],
            "entity_b": [f"B{i}" for i in range(6)],
            "relation": ["overlap"] * 3 + ["complement"] * 3,
            "similarity": [0.95, 0.93, 0.91, 0.1, 0.2, 0.3],
            "detail": [pd.NA] * 6,
        }
    )
    fall = {"kind": "score", "item": "reuse_repair", "label": "Reuse", "direction": "down",
            "size": -0.4, "p": 0.002, "n_pairs": 10, "distinguishable": True, "dimension": "reuse_repair"}
    noise = {**fall, "item": "collection", "dimension": "collection", "distinguishable": False}
    drafted = recommendations.recommendations(
        coverage, gaps, pd.DataFrame(columns=["acronym", "dimension", "score"]),
        {"isolated": ["WMO"], "n_edges": 10, "n_mutual_pairs": 1}, pairs,
        pd.DataFrame(), {}, [], 1.0, words,
        projects={"Raw materials and extraction": 9, "Final disposal": 1, "Design and manufacturing": 3},
        findings=[fall, noise], n_projects=11,
    )
    leads = [r.lead for r in drafted.main]
    assert len(drafted.main) == recommendations.MAX_MAIN and len(drafted.minor) == 3
    # the change told from noise first, the critical gap before the plain one; noise: no draft
    assert leads[0] == f"Find out why engagement in {words.label('reuse_repair')} fell."
    assert leads[1].endswith("Final disposal.") and "Raw materials" in leads[2]
    assert not any(words.label("collection") in lead for lead in leads)
    # a weak stage that holds most projects says so: the answers and the inventory disagree
    # out of the distinct projects (11), not the stage mentions (13): a project spans stages
    assert "yet 9 of the 11 projects reported concern it" in drafted.main[2].why
    assert "projects reported" not in drafted.main[1].why  # 1 of 11: not among those with most
    assert all(r.lead.startswith("Connect") for r in drafted.minor)  # single pairs weigh least


def test_empty_projects_say_so_and_missing_tables_are_skipped(tmp_path, survey, registry):
    result = make_result(survey, registry, n_projects=0, n_issues=0)
    for name in ("pairs", "ranking", "topic_coverage"):
        del result.tables[name]
    result.stats.pop("ranking")
    path = write_report(result, [], tmp_path / "report.docx")
    document = docx.Document(str(path))
    text = body_text(document)
    assert "No projects were reported in this round." in text
    assert "The checks found no data-quality issue in this round." in text
    h1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert "Sharing knowledge about e-waste projects" not in h1
    assert not list(document.element.body.iter(qn("wp:docPr")))


def test_long_tables_are_capped_and_the_report_does_not_grow(tmp_path, survey, registry):
    result = make_result(survey, registry, n_projects=400, n_issues=2000)
    path = write_report(result, [], tmp_path / "report.docx")
    small = write_report(make_result(survey, registry, n_projects=30, n_issues=20), [], tmp_path / "small.docx")
    assert path.stat().st_size < 2 * small.stat().st_size  # 2,400 rows in, a capped report out
    document = docx.Document(str(path))
    log = next(t for t in document.tables if t.rows[0].cells[1].text == "Code")
    assert len(log.rows) == 201
    projects = next(t for t in document.tables if t.rows[0].cells[1].text == "Title")
    assert len(projects.rows) == 26
    text = body_text(document)
    assert "The first 200 of 2000 issues are shown; all 2000 are in results.xlsx, sheet 'Data quality'." in text
    counts = result.log.counts()
    assert (
        f"{counts['error']} errors, {counts['warning']} warnings and "
        f"{counts['info']} information notes" in text
    )


def test_clean_text_keeps_scripts_and_drops_invalid_characters():
    assert clean_text("a\x00b\x1fc\x7f\ud800") == "abc"
    assert clean_text("ألف\u200fب 中文") == "ألف\u200fب 中文"
    assert clean_text("two\n lines\t", single_line=True) == "two lines"
    assert clean_text(None) == "" and clean_text(float("nan")) == ""


def test_template_carries_house_styles(tmp_path):
    template = house_template()
    names = {s.name for s in template.styles}
    assert {"EMG Table", "Table Note", "Caption", "Heading 1", "List Bullet"} <= names
    assert template.styles["Heading 1"].font.color.rgb == docx.shared.RGBColor(0x1F, 0x4E, 0x79)
    path = tmp_path / "template.docx"
    template.save(str(path))
    doc = ReportDocument(path)
    doc.heading("Only heading", 1)
    out = doc.save(tmp_path / "x.docx")
    reread = docx.Document(str(out))
    assert [p.text for p in reread.paragraphs] == ["Only heading"]


def test_agreement_in_words():
    assert agreement_words(0.21) == "weak agreement"
    assert agreement_words(0.45) == "moderate agreement"
    assert agreement_words(0.8) == "strong agreement"
    assert agreement_words(0.8, "strong") == "strong agreement"
    assert join_names(["A", "B", "C"]) == "A, B and C"
    assert join_names(["A", "B", "C"], limit=1) == "A and 2 others"


def test_committed_template_has_the_house_styles():
    assert TEMPLATE_PATH.is_file(), "run pipeline/report/templates/make_template.py"
    template = docx.Document(str(TEMPLATE_PATH))
    names = {s.name for s in template.styles}
    assert {"EMG Table", "Table Note", "Caption", "Title", "Heading 1", "Heading 3"} <= names
    section = template.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.1 and abs(section.page_height.cm - 29.7) < 0.1


def test_a_run_with_almost_nothing_still_gives_a_readable_draft(tmp_path, survey, registry):
    empty = pd.DataFrame(columns=TIDY_COLUMNS)
    result = RunResult(
        survey=survey,
        registry=registry,
        round="2026-R0",
        run_date="2026-01-31",
        responses=Responses(submissions=pd.DataFrame(), repeats={}, tidy=empty),
        tables={},
        stats={"n_respondents": 0, "n_invited": 5, "response_rate": 0.0},
        log=IssueLog(),
    )
    document = docx.Document(str(write_report(result, [], tmp_path / "r.docx")))
    h1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert h1[:2] == ["Executive summary", "Methodology"]
    assert "Recommendations" in h1 and "Annex A. Respondents and non-respondents" in h1
    text = body_text(document)
    assert "0 of the 5 agencies invited answered" in text
    assert "No projects were reported in this round." in text


def test_words_come_from_the_survey(survey):
    words = Words.from_survey(survey)
    assert (words.entity, words.entities) == ("agency", "agencies")
    assert (words.dimension, words.dimensions) == ("life-cycle stage", "life-cycle stages")
    assert (words.engaged, words.strong, words.minor) == ("moderate", "major", "minor")
    assert words.label("final_disposal") == "Final disposal"


def test_rules_for_gaps_pairs_and_findings(survey):
    words = Words.from_survey(survey)
    gaps = pd.DataFrame(
        {
            "kind": ["stage", "topic", "activity", "activity"],
            "dimension": ["final_disposal", "epr", "raw_materials", "reuse_repair"],
            "label": ["Final disposal", "Extended producer responsibility", "Raw", "Reuse"],
            "severity": ["critical", "gap", "gap", "gap"],
            "reason": ["nobody engaged", "few agencies", "missing types", "missing types"],
            "evidence": ["0 of 12 agencies engaged", "1 agency (ITU)", "none report: data", pd.NA],
        }
    )
    other = recommendations.recommend_other_gaps(gaps, words)
    assert [r.lead for r in other] == [
        "Address the topic gap on Extended producer responsibility.",
        "Widen the types of activity in Raw and Reuse.",
    ]
    pairs = pd.DataFrame(
        {
            "entity_a": ["UNEP", "ITU", "ILO"],
            "entity_b": ["BRS", "WHO", "UNDP"],
            "relation": ["overlap", "complement", "complement"],
            "similarity": [0.96, 0.4, 0.1],
            "detail": [pd.NA, "x", "y"],
        }
    )
    network = recommendations.recommend_network({"isolated": [], "n_edges": 0}, pairs, words)
    assert network[0].pair == (
        "Check for possible duplication between UNEP and BRS.",
        "Their profiles are 96% similar.",
    )
    assert network[1].lead == "Connect ILO and UNDP."  # the most different pair first
    row = pd.Series(
        {
            "dimension": "final_disposal",
            "label": "Final disposal",
            "n_engaged": 0,
            "n_strong": 0,
            "n_respondents": 12,
            "mean_score": 0.1,
            "ci_low": 0.0,
            "ci_high": 0.2,
            "lead_entities": pd.NA,
        }
    )
    text = " ".join(dimension_finding(row, [], gaps, words))
    assert text.startswith("None of the 12 agencies engages in this life-cycle stage")
    assert "No agency leads the work on final disposal." in text
    assert "Final disposal is a critical gap: nobody engaged." in text
    elsewhere = gaps.assign(dimension="raw_materials")
    assert "gap" not in " ".join(dimension_finding(row, [], elsewhere, words))  # said once, above


def test_declared_chapter_and_annex_order(tmp_path, survey, registry):
    result = make_result(survey, registry, n_projects=3, n_issues=2)
    report = survey.model.report.model_copy(
        update={"chapters": ["gaps", "findings"], "annexes": ["questions", "issues", "respondents"]}
    )
    result.survey = type(survey)(survey.model.model_copy(update={"report": report}), survey.path, survey.sha256)
    path = write_report(result, [], tmp_path / "report.docx")
    h1 = [p.text for p in docx.Document(str(path)).paragraphs if p.style.name == "Heading 1"]
    assert h1 == [
        "Executive summary",
        "Methodology",
        "Gaps",
        "Findings by life-cycle stage",
        "Recommendations",
        "Annex A. Answers by question",
        "Annex B. Data-quality log",
        "Annex C. Respondents and non-respondents",
    ]


def test_project_counts_read_stages_and_distinct_projects_from_the_summary() -> None:
    """Per stage from the rows by stage; the total from the rows by status (a project has
    one status but can concern several stages, so the stage counts add up to more)."""
    summary = pd.DataFrame(
        {
            "by": ["status", "status", "stage", "stage", "stage", "region"],
            "key": ["completed", "planned", "raw", "raw", "design", "africa"],
            "label": ["Completed", "Planned", "Raw materials", "Raw materials", "Design", "Africa"],
            "n_projects": [3, 2, 2, 1, 4, 5],
        }
    )

    class Ctx:
        def table(self, name: str) -> pd.DataFrame:
            return summary if name == "project_summary" else pd.DataFrame()

    per_stage, total = recommendations.project_counts(Ctx())
    assert per_stage == {"Raw materials": 3, "Design": 4}
    assert total == 5
