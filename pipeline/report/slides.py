"""Slides for the Issue Management Group meeting (``slides.pptx`` beside the report).

A title slide; one slide per chart, titled by the chart's own title (which states its
finding, computed from the numbers), with a source line and speaker notes carrying the numbers;
the gaps; the recommendations the report drafts; the next steps. Every sentence comes from
the run (the charts' words, the gap table, the report's recommendations); nothing here words
a finding of its own. 16:9, the report's palette, type sized for a projector, and every text
checked to fit its box (:func:`fits`), shrinking to a floor and cutting lists that would not.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.analyses.workplan.document import kind_words
from pipeline.manifest import sha256_file
from pipeline.report.style import INK, MAIN, SEVERITY_LABELS, SOFT_INK
from pipeline.report.zipstamp import run_datetime, stamp_zip
from pipeline.tables import RunResult
from pipeline.wording import article

EMU_PER_INCH = 914400
WIDTH, HEIGHT = 13.333, 7.5  # inches, 16:9
MARGIN = 0.55
TITLE_PT, BODY_PT, FOOTER_PT, MIN_PT = 30, 20, 12, 16
LINE_SPACING = 1.2
MAX_BULLETS = 6
MAX_GAP_ROWS = 8
CHART_ORDER = ("response", "coverage", "gaps", "heatmap", "network", "projects", "ranking")


@dataclass(frozen=True)
class Box:
    """A text box's place on the slide, in inches."""

    left: float
    top: float
    width: float
    height: float


TITLE_BOX = Box(MARGIN, 0.35, WIDTH - 2 * MARGIN, 1.25)
BODY_BOX = Box(MARGIN, 1.75, WIDTH - 2 * MARGIN, 4.95)
FOOTER_BOX = Box(MARGIN, HEIGHT - 0.65, WIDTH - 2 * MARGIN, 0.45)


# -- measuring text ------------------------------------------------------------------------
def _font(bold: bool) -> Any:
    """A font with Arial's metrics (Liberation Sans) when installed, else matplotlib's own
    DejaVu Sans, which is wider: a text that fits in it fits in Arial. One per process: a
    font opened before a fork shares its file offset with the children, and two processes
    reading glyphs at once fail ('failed to load glyph'), as matplotlib's own font cache
    knows (it clears itself in a forked child)."""
    return _process_font(os.getpid(), bold)


@cache
def _process_font(pid: int, bold: bool) -> Any:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    prop = font_manager.FontProperties(
        family=["Liberation Sans", "Arial", "DejaVu Sans"], weight="bold" if bold else "normal"
    )
    return FT2Font(font_manager.findfont(prop, fallback_to_default=True))


def text_width(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of one line of ``text`` in inches at ``size_pt``."""
    font = _font(bold)
    font.set_size(size_pt, 72)
    font.set_text(text, 0.0)
    return font.get_width_height()[0] / 64 / 72


def line_count(text: str, size_pt: float, width: float, bold: bool = False, limit: int | None = None) -> int:
    """Lines ``text`` takes when wrapped at word boundaries in ``width`` inches (each word
    on the line it starts unless the line with it is wider). With ``limit``, counting stops
    once past it: the result is then ``limit + 1``.

    Words are added to a line one by one only while the rest of the paragraph does not fit
    on it: a line never gets narrower as words are added, so when the rest fits, every word
    of it stays on the line (the same count, far fewer measurements)."""

    def rest_fits(words: list[str]) -> bool:
        return len(words) > 1 and text_width(" ".join(words), size_pt, bold) <= width

    lines = 0
    for paragraph in text.split("\n"):
        words = paragraph.split()
        count, current = 1, ""
        if not rest_fits(words):
            for i, word in enumerate(words):
                trial = f"{current} {word}".strip()
                if current and text_width(trial, size_pt, bold) > width:
                    count, current = count + 1, word
                    if (limit is not None and lines + count > limit) or rest_fits(words[i:]):
                        break
                else:
                    current = trial
        lines += count
        if limit is not None and lines > limit:
            return limit + 1
    return lines


def fits(text: str, size_pt: float, box: Box, bold: bool = False, inset: float = 0.2) -> bool:
    """True when ``text`` wrapped at ``size_pt`` fits inside ``box`` (with its insets)."""
    room = box.height - inset / 2
    most = max(int(room * 72 / (size_pt * LINE_SPACING)) + 1, 0)  # at least the lines that fit
    lines = line_count(text, size_pt, box.width - inset, bold, limit=most)
    return lines * size_pt * LINE_SPACING / 72 <= room


def fitted_size(text: str, box: Box, largest: int, smallest: int = MIN_PT, bold: bool = False) -> int:
    """The largest font size from ``largest`` down to ``smallest`` at which ``text`` fits."""
    for size in range(largest, smallest - 1, -1):
        if fits(text, size, box, bold):
            return size
    return smallest


# -- the words, taken from the run --------------------------------------------------------
def _gap_rows(gaps: pd.DataFrame) -> pd.DataFrame:
    """The gaps, most severe first, as (what, why) rows."""
    if gaps is None or gaps.empty:
        return pd.DataFrame(columns=["item", "severity"])
    order = {"critical": 0, "gap": 1}
    shown = gaps.loc[gaps["severity"].isin(list(order))].copy()
    shown["_order"] = shown["severity"].map(order)
    shown = shown.sort_values(["_order"], kind="stable")
    label = shown["label"].astype("string")
    severity = shown["severity"].map(lambda s: SEVERITY_LABELS.get(s, s))
    reason = shown["reason"].astype("string")
    return pd.DataFrame({"item": (label + ": " + reason).tolist(), "severity": severity.tolist()})


# -- drawing -------------------------------------------------------------------------------
def _rgb(hex_colour: str) -> Any:
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _inches(value: float) -> int:
    return int(value * EMU_PER_INCH)


def _text(slide: Any, box: Box, text: str, size: int, colour: str = INK, bold: bool = False) -> Any:
    from pptx.util import Pt

    shape = slide.shapes.add_textbox(_inches(box.left), _inches(box.top), _inches(box.width), _inches(box.height))
    frame = shape.text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = line
        run.font.size, run.font.bold, run.font.name = Pt(size), bold, "Arial"
        run.font.color.rgb = _rgb(colour)
        paragraph.line_spacing = LINE_SPACING
    return shape


def _title(slide: Any, text: str) -> float:
    """The slide's title, one line at :data:`TITLE_PT` when it fits; returns its bottom."""
    one_line = Box(TITLE_BOX.left, TITLE_BOX.top, TITLE_BOX.width, 0.8)
    box = one_line if fits(text, TITLE_PT, one_line, bold=True) else TITLE_BOX
    _text(slide, box, text, fitted_size(text, box, TITLE_PT, 22, bold=True), MAIN, bold=True)
    return box.top + box.height


def _footer(slide: Any, text: str) -> None:
    _text(slide, FOOTER_BOX, text, FOOTER_PT, SOFT_INK)


def _bullets(slide: Any, items: Sequence[str], box: Box = BODY_BOX) -> list[str]:
    """As many items as fit at :data:`MIN_PT` or more (at most :data:`MAX_BULLETS`); returns
    those left out, for the notes."""
    shown = list(items[:MAX_BULLETS])
    while shown and not fits("\n".join(f"• {i}" for i in shown), MIN_PT, box):
        shown.pop()
    text = "\n".join(f"• {i}" for i in shown)
    _text(slide, box, text, fitted_size(text, box, BODY_PT))
    return list(items[len(shown) :])


def _notes(slide: Any, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text


def _picture(slide: Any, png: Path, alt_text: str, title: str, top: float) -> None:
    """The chart, as large as the room between the title and the footer allows."""
    from PIL import Image

    with Image.open(png) as image:
        ratio = image.width / image.height
    area = Box(BODY_BOX.left, top + 0.1, BODY_BOX.width, FOOTER_BOX.top - top - 0.15)
    width = min(area.width, area.height * ratio)
    height = width / ratio
    left = (WIDTH - width) / 2
    picture = slide.shapes.add_picture(
        str(png), _inches(left), _inches(area.top), _inches(width), _inches(height)
    )
    c_nv_pr = picture._element.nvPicPr.cNvPr
    c_nv_pr.set("descr", alt_text)
    c_nv_pr.set("title", title)


@dataclass(frozen=True)
class ChartSlide:
    """A chart's slide: its title (the finding), alt text, speaker notes and the digest of
    its PNG (the picture itself is read from the chart's file)."""

    title: str
    alt_text: str
    notes: str
    png_sha256: str


@dataclass(frozen=True)
class ListSlide:
    """A slide of bullets: its title, items (as many as fit are shown), speaker notes (None:
    no notes page), a footer shown always (``footer``) or when items are left out
    (``more_footer``, ``{n}`` standing for how many)."""

    title: str
    items: tuple[str, ...]
    notes: str | None
    footer: str = ""
    more_footer: str = ""
    more_before: int = 0  # items already left out before the slide (not given)


@dataclass(frozen=True)
class SlidesContent:
    """Everything the deck says (:func:`slides_content`); the deck is drawn from it alone."""

    title: str
    subtitle: str
    date_line: str
    title_notes: str
    source: str
    charts: tuple[ChartSlide, ...]
    lists: tuple[ListSlide, ...]
    run_date: str


def slides_content(
    result: RunResult, charts: Sequence[Any], recommendations: Sequence[tuple[str, str]] = ()
) -> tuple[SlidesContent, list[Path]]:
    """What :func:`write_slides` shows for ``result``, and the PNG of each chart slide."""
    survey = result.survey
    n = result.stats.get("n_respondents", len(result.responses.submissions))
    source = (
        f"Source: {survey.title}, round {result.round} ({n} {survey.model.entity_plural} "
        f"responded). Draft generated {result.run_date}; numbers as in the report."
    )
    rank = {c: i for i, c in enumerate(CHART_ORDER)}
    chart_slides: list[ChartSlide] = []
    pngs: list[Path] = []
    for chart in sorted(charts, key=lambda c: rank.get(c.id, len(rank))):
        png = Path(chart.png)
        if not png.is_file():
            continue
        notes = f"{chart.title}. {chart.caption}\n\n{chart.alt_text}"
        chart_slides.append(ChartSlide(str(chart.title), str(chart.alt_text), notes, sha256_file(png)))
        pngs.append(png)

    lists: list[ListSlide] = []
    if "gaps" in result.tables:  # the survey declares gap thresholds
        gaps = _gap_rows(result.tables["gaps"])
        notes = "\n".join(f"{r.item} ({r.severity})" for r in gaps.itertuples())
        if gaps.empty:
            lists.append(ListSlide("No gap against the survey's thresholds", (), notes))
        else:
            lists.append(
                ListSlide(
                    f"Gaps against the survey's thresholds: {len(gaps)}",
                    tuple(gaps["item"].tolist()[:MAX_GAP_ROWS]),
                    notes,
                    more_footer="{n} more in the report's gap chapter and the workbook's Gaps sheet.",
                    more_before=len(gaps) - min(len(gaps), MAX_GAP_ROWS),
                )
            )

    plan = result.tables.get("workplan")
    if plan is not None and len(plan):  # the survey asks who would lead (workplan.docx)
        open_goals = int((plan["n_leads"] == 0).sum())
        kinds = kind_words(result)
        items = [
            f"{r.label} ({kinds.get(r.kind, r.kind)}): {r.leads or 'no lead offered'}"
            for r in plan.itertuples()
        ]
        lists.append(
            ListSlide(
                f"Draft work plan: {len(plan)} goals, {open_goals} without "
                f"{article(survey.model.entity_noun)} to lead",
                tuple(items[:MAX_GAP_ROWS]),
                "\n".join(
                    f"Goal {r.goal_no}. {r.goal} Lead: {r.leads or 'none'}. Contribute: "
                    f"{r.contributors or 'none'}.{' ' + r.flag if r.flag else ''}"
                    for r in plan.itertuples()
                ),
                more_footer="{n} more in workplan.docx and the workbook's Work plan sheet.",
                more_before=len(items) - min(len(items), MAX_GAP_ROWS),
            )
        )

    if recommendations:
        leads = [lead for lead, _why in recommendations]
        for start in range(0, len(leads), MAX_BULLETS):
            part = "" if len(leads) <= MAX_BULLETS else f" ({start // MAX_BULLETS + 1})"
            shown = recommendations[start : start + MAX_BULLETS]
            lists.append(
                ListSlide(
                    f"Recommendations drafted from the findings{part}",
                    tuple(leads[start : start + MAX_BULLETS]),
                    "\n\n".join(f"{lead} {why}" for lead, why in shown),
                    more_footer="{n} more in the report's Recommendations chapter.",
                )
            )

    decides = survey.model.report.decides
    steps = [
        f"Each {survey.model.entity_noun} confirms or corrects its profile",
        "Reviewers' comments on the draft report are collected and answered",
        f"Findings and recommendations go to {decides} for decision",
        *(
            [f"{decides[:1].upper() + decides[1:]} agrees the work plan's goals and who leads each"]
            if plan is not None and len(plan)
            else []
        ),
    ]
    lists.append(ListSlide("Next steps", tuple(steps), None, footer=source))
    content = SlidesContent(
        title=survey.title,
        subtitle=f"Round {result.round}: draft findings for the Issue Management Group",
        date_line=f"DRAFT, {result.run_date}",
        title_notes=survey.model.subtitle or survey.title,
        source=source,
        charts=tuple(chart_slides),
        lists=tuple(lists),
        run_date=result.run_date,
    )
    return content, pngs


def write_slides(
    result: RunResult,
    charts: Sequence[Any],
    path: Path,
    recommendations: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write the meeting's slides for ``result`` to ``path`` and return it.

    Inside :func:`pipeline.report.chart_cache.chart_cache`, a deck of the same content
    (:class:`SlidesContent`, the charts' PNGs by digest) as one written before is copied
    from the cache: the same bytes. (Text is measured with the fonts matplotlib finds;
    installing Arial's metric twin later does not invalidate a kept deck, which was fitted
    with the wider fallback.)"""
    from pipeline.report.chart_cache import cached_file

    content, pngs = slides_content(result, charts, recommendations)
    path.parent.mkdir(parents=True, exist_ok=True)
    write = partial(_write_deck, content, pngs)
    cached_file("slides", content, path, write, ("python-pptx", "matplotlib", "pillow"))
    return path


def _write_deck(content: SlidesContent, pngs: Sequence[Path], path: Path) -> Path:
    from pptx import Presentation

    deck = Presentation()
    deck.slide_width, deck.slide_height = _inches(WIDTH), _inches(HEIGHT)
    blank = deck.slide_layouts[6]

    slide = deck.slides.add_slide(blank)
    _text(slide, Box(MARGIN, 2.2, WIDTH - 2 * MARGIN, 1.6), content.title, 40, MAIN, bold=True)
    _text(slide, Box(MARGIN, 3.9, WIDTH - 2 * MARGIN, 0.9), content.subtitle, 24, INK)
    _text(slide, Box(MARGIN, 4.9, WIDTH - 2 * MARGIN, 0.6), content.date_line, 18, SOFT_INK)
    _notes(slide, content.title_notes)

    for chart, png in zip(content.charts, pngs, strict=True):
        slide = deck.slides.add_slide(blank)
        bottom = _title(slide, chart.title)  # the chart's title states its finding
        _picture(slide, png, chart.alt_text, chart.title, bottom)
        _footer(slide, content.source)
        _notes(slide, chart.notes)

    for part in content.lists:
        slide = deck.slides.add_slide(blank)
        _title(slide, part.title)
        left = _bullets(slide, part.items) if part.items else []
        more = part.more_before + len(left)
        if part.footer:
            _footer(slide, part.footer)
        elif more and part.more_footer:
            _footer(slide, part.more_footer.replace("{n}", str(more)))
        if part.notes is not None:
            _notes(slide, part.notes)
    # dated the run, not the clock: the same results give a byte-identical file
    when = run_datetime(content.run_date)
    deck.core_properties.created = deck.core_properties.modified = when
    deck.save(str(path))
    return stamp_zip(path, when)
