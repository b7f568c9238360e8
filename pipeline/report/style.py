"""The look shared by every chart: palette, font sizes, page frame and saving.

Charts are drawn for a projector: a 16:9 figure (13.33 x 7.5 in), titles at 18 pt, labels at
12 pt or more, colour-blind-safe colours (Okabe-Ito for categories, cividis for scores), no
chart junk. :func:`new_figure` gives a figure with room reserved for the title block at
the top and the source line at the bottom; :func:`save` writes the PNG (200 dpi) and the
SVG so that the same inputs always give byte-identical files.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common form of
# colour blindness.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
CATEGORICAL = [
    OKABE_ITO[k]
    for k in ("blue", "orange", "bluish_green", "vermillion", "sky_blue", "reddish_purple", "yellow")
]
MAIN = OKABE_ITO["blue"]
ACCENT = OKABE_ITO["vermillion"]
MUTED = "#BBBBBB"  # "not this": non-respondents, other categories
INK = "#222222"  # text and reference lines
SOFT_INK = "#555555"  # subtitles, source line
SEVERITY_COLOURS = {
    "critical": OKABE_ITO["vermillion"],
    "gap": OKABE_ITO["orange"],
    "ok": OKABE_ITO["sky_blue"],
}
SEVERITY_LABELS = {"critical": "critical gap", "gap": "gap", "ok": "no gap"}
HEATMAP_CMAP = "cividis"
MISSING_CELL = "#E6E6E6"

FIGSIZE = (13.33, 7.5)
DPI = 200
TITLE_SIZE = 18
SUBTITLE_SIZE = 14
LABEL_SIZE = 14
TICK_SIZE = 13
ANNOTATION_SIZE = 12
SOURCE_SIZE = 12
SMALLEST_SIZE = 6  # tick labels may shrink to this for very many rows

# The plot area sits between the title block and the source line (figure fractions); a
# chart with a key gives it a row of its own under the subtitle.
PLOT_RECT = (0.015, 0.07, 0.97, 0.78)  # left, bottom, width, height
PLOT_RECT_WITH_KEY = (0.015, 0.07, 0.97, 0.745)
SVG_SALT = "emg-pipeline"

RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": TICK_SIZE,
    "axes.titlesize": LABEL_SIZE,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": LABEL_SIZE,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#888888",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.labelsize": TICK_SIZE,
    "ytick.labelsize": TICK_SIZE,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.fontsize": TICK_SIZE,
    "legend.frameon": False,
    "text.color": INK,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.hashsalt": SVG_SALT,
    "svg.fonttype": "path",
    "path.simplify": True,
}


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend, imported on first use: a run whose charts
    all come from the cache never loads matplotlib."""
    import matplotlib

    matplotlib.use("Agg")  # nothing to do when it already is
    import matplotlib.pyplot as plt

    return plt


@contextmanager
def chart_style() -> Iterator[None]:
    """Apply the shared style for the duration of a block, leaving global settings alone.

    Only matplotlib's settings are loaded here, not pyplot (:func:`pyplot` is, by the first
    figure): a block whose charts all come from the cache draws nothing."""
    import matplotlib
    from cycler import cycler

    with matplotlib.rc_context({**RC, "axes.prop_cycle": cycler(color=CATEGORICAL)}):
        yield


def new_figure(
    ncols: int = 1, *, width_ratios: list[float] | None = None, key: bool = False, **kw: Any
) -> tuple[Figure, Any]:
    """A 16:9 figure with ``ncols`` axes side by side and room for the title and source
    (and for a key under the subtitle when ``key``)."""
    fig, axes = pyplot().subplots(
        1,
        ncols,
        figsize=FIGSIZE,
        layout="constrained",
        width_ratios=width_ratios,
        **kw,
    )
    rect = PLOT_RECT_WITH_KEY if key else PLOT_RECT
    fig.get_layout_engine().set(rect=rect, w_pad=0.15, wspace=0.06)
    return fig, axes


def fitting_size(text: str, size: float, room_pt: float, bold: bool = False) -> float:
    """``size``, or the largest smaller size (down to 8 pt) at which ``text`` is at most
    ``room_pt`` points wide in the current font."""
    width = text_width_pt(text, size, bold)
    if width <= room_pt or width == 0:
        return size
    fitted = max(8.0, float(int(size * room_pt / width * 2) / 2))  # in half points
    while fitted > 8.0 and text_width_pt(text, fitted, bold) > room_pt:  # hinting: not proportional
        fitted -= 0.5
    return fitted


def text_width_pt(text: str, size: float, bold: bool = False) -> float:
    """The width in points of the widest line of ``text`` as the chart renderer lays it
    out (kerning and all; a glyph outline's extent is narrower, and a title fitted to it
    ran off the figure)."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    renderer = RendererAgg(1, 1, 72)  # at 72 dpi a pixel is a point
    font = FontProperties(size=size, weight="bold" if bold else "normal")
    return max(
        (renderer.get_text_width_height_descent(line, font, ismath=False)[0] for line in text.split("\n")),
        default=0.0,
    )


def frame(
    fig: Figure, title: str, subtitle: str, source: str, key: list[Any] | None = None
) -> None:
    """Write the title, the subtitle line, the key (legend handles) and the source line,
    each in one line across the figure (a long one in a smaller size, never cut off)."""
    room = fig.get_figwidth() * 72 * 0.97
    fig.text(
        0.015, 0.975, title, fontsize=fitting_size(title, TITLE_SIZE, room, bold=True),
        fontweight="bold", va="top", ha="left",
    )
    fig.text(
        0.015, 0.915, subtitle, fontsize=fitting_size(subtitle, SUBTITLE_SIZE, room),
        color=SOFT_INK, va="top", ha="left",
    )
    fig.text(
        0.015, 0.015, source, fontsize=fitting_size(source, SOURCE_SIZE, room),
        color=SOFT_INK, va="bottom", ha="left",
    )
    if key:
        fig.legend(
            handles=key,
            loc="upper left",
            bbox_to_anchor=(0.008, 0.878),
            ncol=len(key),
            fontsize=TICK_SIZE,
            handlelength=1.6,
            columnspacing=1.8,
            borderaxespad=0,
        )


def wrap(label: str, width: int = 18) -> str:
    """Break a long label into lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(str(label), width=width, break_long_words=False)) or str(label)


PANEL_HEIGHT_PT = 370.0  # about the height of a panel's data area, in points


def row_labels(labels: list[str], width: int = 26, height_pt: float = PANEL_HEIGHT_PT) -> tuple[list[str], float]:
    """Labels for ``len(labels)`` rows sharing ``height_pt`` points, and their font size.

    Few rows: 13 pt, wrapped at ``width`` characters on as many lines as a row holds.
    Many rows: the font shrinks with the row height (to 6 pt at the least) and each label
    keeps one line, shortened with an ellipsis, so that neighbours never overlap.
    """
    row_pt = height_pt / max(len(labels), 1)
    size = max(SMALLEST_SIZE, min(float(TICK_SIZE), row_pt * 0.72))
    lines = int(row_pt // (size * 1.25))
    out = []
    for label in labels:
        text = str(label)
        if lines >= 2:
            parts = textwrap.wrap(text, width=width, break_long_words=False) or [text]
            if len(parts) > lines:
                parts = [*parts[: lines - 1], textwrap.shorten(" ".join(parts[lines - 1 :]), width, placeholder="…")]
            out.append("\n".join(parts))
        else:
            out.append(textwrap.shorten(text, int(width * 1.8), placeholder="…"))
    return out, size


def text_colour_on(rgba: tuple[float, ...]) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = rgba[:3]
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if luminance > 0.45 else "white"


def halo(width: float = 3.5) -> list[Any]:
    """A white outline that keeps text readable over lines and bars."""
    from matplotlib.patheffects import withStroke

    return [withStroke(linewidth=width, foreground="white")]


def tidy_axes(ax: Any, *, grid_axis: str | None = "x") -> None:
    """Light grid behind the data on one axis, no tick marks: nothing that is not data."""
    ax.tick_params(length=0)
    if grid_axis:
        ax.grid(axis=grid_axis, color="#E3E3E3", linewidth=0.8)
        ax.set_axisbelow(True)


def save(fig: Figure, out_dir: Path, chart_id: str) -> tuple[Path, Path]:
    """Write ``<chart_id>.png`` (200 dpi) and ``<chart_id>.svg``, close the figure.

    Dates and software versions are left out of the files' metadata so that the same
    inputs give byte-identical files.
    """
    from pipeline.report.text_check import record

    folder = out_dir.parent.name.lstrip(".").split(".tmp")[0]  # the round, also while staged
    record(fig, f"{folder}/{chart_id}")  # only while the tests check chart text
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"{chart_id}.png"
    svg = out_dir / f"{chart_id}.svg"
    try:
        fig.savefig(
            png, dpi=DPI, format="png", metadata={"Software": None}, pil_kwargs={"compress_level": 3}
        )
        # The layout is settled by the first drawing; the SVG reuses it instead of redoing it.
        fig.set_layout_engine("none")
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    finally:
        pyplot().close(fig)
    svg.write_text(stable_svg_ids(buffer.getvalue()), encoding="utf-8")
    return png, svg


_HASHED_ID = re.compile(r"(?<=id=\")[pmh][0-9a-f]{10}(?=\")|(?<=url\(#)[pmh][0-9a-f]{10}(?=\))|(?<=href=\"#)[pmh][0-9a-f]{10}(?=\")")


def stable_svg_ids(text: str) -> str:
    """Number matplotlib's hashed clip-path, marker and hatch ids in order of appearance.

    matplotlib derives those ids from a hash of the clip rectangle's or marker's floats at
    full precision, which can differ in the last bit from one drawing to the next although
    the file shows the same numbers; sequential ids keep equal drawings byte-identical.
    """
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        old = match.group(0)
        if old not in names:
            names[old] = f"{old[0]}_{len(names) + 1}"
        return names[old]

    return _HASHED_ID.sub(rename, text)
