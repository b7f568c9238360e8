"""Text that overlaps other text, sits on a marker or runs off the figure, found from
matplotlib's own extents.

:func:`text_problems` draws a figure's layout and compares the window extents of every
visible text (titles, subtitles, source lines, tick and axis labels, annotations, legend
entries) with each other, with the figure's edges and with the markers drawn in the axes
(scatter points, line markers, circle and ellipse patches: a network's nodes, a dot
plot's dots), all in display coordinates: two texts whose boxes overlap, a text on a
marker or a text that leaves the figure is a problem a reader would see. The test suite
runs it on every chart of every demo round (:func:`checking`); the pipeline itself never
pays for it.

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

import numpy as np
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


def _drawn(artist: Any, ax: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which display points an artist clipped to its axes actually shows."""
    keep = np.isfinite(x) & np.isfinite(y)
    if artist.get_clip_on():
        box = ax.bbox
        keep &= (x >= box.x0) & (x <= box.x1) & (y >= box.y0) & (y <= box.y1)
    return keep


def _half_sizes(coll: Any, n: int) -> np.ndarray | None:
    """Half width and height in pixels of each of a scatter's ``n`` markers."""
    from matplotlib.transforms import Affine2D

    paths, scales = coll.get_paths(), coll.get_transforms()
    if not paths:
        return None
    kinds = max(len(paths), len(scales), 1)
    extents = [
        paths[i % len(paths)].get_extents(Affine2D(scales[i % len(scales)]) if len(scales) else None)
        for i in range(min(kinds, n))
    ]
    half = np.array([[e.width / 2, e.height / 2] for e in extents])
    return half[np.arange(n) % len(half)]


def _markers(fig: Figure) -> np.ndarray:
    """Every marker drawn in the axes as an ellipse in display pixels: rows of centre x,
    centre y, half width, half height.

    Scatter points (a network's nodes), line markers and circle or ellipse patches count;
    each is the ellipse inscribed in its box, exact for round markers. Legend handles are
    not in the axes and do not count."""
    from matplotlib.collections import PathCollection
    from matplotlib.markers import MarkerStyle
    from matplotlib.patches import Ellipse

    rows: list[np.ndarray] = []
    for ax in fig.axes:
        for coll in ax.collections:
            offsets = np.asarray(coll.get_offsets(), dtype=float)
            if not isinstance(coll, PathCollection) or not coll.get_visible() or not len(offsets):
                continue
            centres = coll.get_offset_transform().transform(offsets)
            half = _half_sizes(coll, len(centres))
            if half is None:
                continue
            keep = _drawn(coll, ax, centres[:, 0], centres[:, 1])
            rows.append(np.column_stack([centres, half])[keep])
        for line in ax.get_lines():
            marker, size = line.get_marker(), line.get_markersize()
            if not line.get_visible() or marker in (None, "", " ", "None", "none") or not size:
                continue
            centres = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
            shape = MarkerStyle(marker)
            unit = shape.get_path().get_extents(shape.get_transform())  # a marker of size 1
            half = np.array([unit.width, unit.height]) / 2 * size * fig.dpi / 72
            keep = _drawn(line, ax, centres[:, 0], centres[:, 1])
            rows.append(np.column_stack([centres, np.tile(half, (len(centres), 1))])[keep])
        for patch in ax.patches:
            if isinstance(patch, Ellipse) and patch.get_visible():
                box = patch.get_window_extent()
                rows.append(np.array([[(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2, box.width / 2, box.height / 2]]))
    return np.vstack(rows) if rows else np.empty((0, 4))


def _markers_under(box: Any, markers: np.ndarray) -> int:
    """How many markers (ellipses, shrunk by the tolerance) ``box`` enters."""
    rx = markers[:, 2] - TOLERANCE_PX
    ry = markers[:, 3] - TOLERANCE_PX
    solid = (rx > 0) & (ry > 0)  # a thin line (an error bar's cap) is not a marker to sit on
    cx, cy, rx, ry = markers[solid, 0], markers[solid, 1], rx[solid], ry[solid]
    near_x = np.clip(cx, box.x0, box.x1)  # the box's point nearest each centre
    near_y = np.clip(cy, box.y0, box.y1)
    return int((((near_x - cx) / rx) ** 2 + ((near_y - cy) / ry) ** 2 < 1).sum())


def text_problems(fig: Figure, name: str = "chart") -> list[str]:
    """Overlapping, clipped texts of ``fig`` and texts on its markers, each described for
    a person."""
    fig.canvas.draw()  # settles the layout and the ticks
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    boxes = [(t, t.get_window_extent(renderer)) for t in _texts(fig)]
    markers = _markers(fig)
    problems = []
    for text, box in boxes:
        if (
            box.x0 < page.x0 - TOLERANCE_PX
            or box.y0 < page.y0 - TOLERANCE_PX
            or box.x1 > page.x1 + TOLERANCE_PX
            or box.y1 > page.y1 + TOLERANCE_PX
        ):
            problems.append(f"{name}: '{_quoted(text)}' runs off the figure")
        if under := _markers_under(box, markers):
            what = "a marker" if under == 1 else f"{under} markers"
            problems.append(f"{name}: '{_quoted(text)}' sits on {what} of the plot")
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        if _overlap(box_a, box_b) > TOLERANCE_PX:
            problems.append(f"{name}: '{_quoted(a)}' overlaps '{_quoted(b)}'")
    return problems


def _quoted(text: Text) -> str:
    return text.get_text()[:40].replace("\n", " ")


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
