"""Text that overlaps other text or runs off the figure, found from matplotlib's own extents.

:func:`text_problems` draws a figure's layout and compares the window extents of every
visible text (titles, subtitles, source lines, tick and axis labels, annotations, legend
entries): two texts whose boxes overlap, or a text that leaves the figure, is a problem a
reader would see. The test suite runs it on every chart of every demo round
(:func:`checking`); the pipeline itself never pays for it.

The demo draws in worker processes (:mod:`pipeline.jobs`), so what the checks find is
written to a file named by an environment variable, which the workers inherit, and read
back when the block ends.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import combinations
from typing import Any

from matplotlib.figure import Figure
from matplotlib.text import Text

TOLERANCE_PX = 1.5  # anti-aliasing and rounding: boxes that touch are fine
FOUND_ENV = "EMG_CHART_TEXT_CHECK"  # the file the problems are appended to, one a line


def _hidden_ticks(fig: Figure) -> set[int]:
    """Tick labels matplotlib keeps for ticks outside the axis' view, and never draws."""
    hidden: set[int] = set()
    for ax in fig.axes:
        for axis, coordinate in ((ax.xaxis, 0), (ax.yaxis, 1)):
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-6
            drawn = ax.axison and axis.get_visible()
            for label in axis.get_ticklabels(which="both"):
                where = label.get_position()[coordinate]
                if not drawn or not low - span <= where <= high + span:
                    hidden.add(id(label))
    return hidden


def _texts(fig: Figure) -> list[Text]:
    hidden = _hidden_ticks(fig)
    return [
        t
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_alpha() != 0 and id(t) not in hidden
    ]


def _overlap(a: Any, b: Any) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return min(width, height) if width > 0 and height > 0 else 0.0


def text_problems(fig: Figure, name: str = "chart") -> list[str]:
    """Overlapping and clipped texts of ``fig``, each described for a person."""
    fig.canvas.draw()  # settles the layout and the ticks
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    boxes = [(t, t.get_window_extent(renderer)) for t in _texts(fig)]
    problems = []
    for text, box in boxes:
        if (
            box.x0 < page.x0 - TOLERANCE_PX
            or box.y0 < page.y0 - TOLERANCE_PX
            or box.x1 > page.x1 + TOLERANCE_PX
            or box.y1 > page.y1 + TOLERANCE_PX
        ):
            problems.append(f"{name}: '{text.get_text()[:40]}' runs off the figure")
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        if _overlap(box_a, box_b) > TOLERANCE_PX:
            problems.append(
                f"{name}: '{a.get_text()[:40]}' overlaps '{b.get_text()[:40]}'"
            )
    return problems


def record(fig: Figure, name: str) -> None:
    """Called by the chart saver: collect ``fig``'s problems while :func:`checking`."""
    path = os.environ.get(FOUND_ENV)
    if path:
        problems = text_problems(fig, name)
        if problems:
            with open(path, "a", encoding="utf-8") as found:  # one write: workers append alike
                found.write("".join(p.replace("\n", " ") + "\n" for p in problems))


@contextmanager
def checking() -> Iterator[list[str]]:
    """Within the block, every chart saved is checked, in this process and the worker
    processes it starts; yields the list of problems, filled when the block ends."""
    found: list[str] = []
    previous = os.environ.get(FOUND_ENV)
    handle, path = tempfile.mkstemp(prefix="chart-text-", suffix=".txt")
    os.close(handle)
    os.environ[FOUND_ENV] = path
    try:
        yield found
    finally:
        if previous is None:
            os.environ.pop(FOUND_ENV, None)
        else:
            os.environ[FOUND_ENV] = previous
        with open(path, encoding="utf-8") as lines:
            found.extend(line.rstrip("\n") for line in lines if line.strip())
        os.unlink(path)
