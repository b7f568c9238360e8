"""The chart text check finds what a reader would see: overlapping and clipped texts."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from pipeline.report.text_check import text_problems


def test_overlapping_and_clipped_texts_are_found_and_clean_ones_are_not() -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_xlim(0, 10)
    ax.set_xticks([0, 5, 10, 15])  # the tick at 15 is outside the view: never drawn
    ax.text(2, 0.5, "first label here", fontsize=14)
    ax.text(2.3, 0.5, "second label", fontsize=14)  # on top of the first
    fig.text(0.7, 0.5, "a caption that runs past the right edge of the figure", fontsize=14)
    problems = text_problems(fig, "demo")
    plt.close(fig)
    assert "demo: 'first label here' overlaps 'second label'" in problems
    assert any("runs past the right edge" in p and "runs off the figure" in p for p in problems)
    assert len(problems) == 2

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_xlim(0, 10)
    ax.set_xticks([0, 5, 10, 15])
    ax.text(1, 0.2, "apart", fontsize=12)
    ax.text(6, 0.8, "well apart", fontsize=12)
    assert text_problems(fig, "clean") == []
    plt.close(fig)


def _nodes(label_xy: tuple[float, float], label: str = "UN-Habitat") -> list[str]:
    """Three nodes drawn as a network chart draws them, one label at ``label_xy``."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter([2, 5, 8], [5, 5, 5], s=[900, 400, 200], zorder=3)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.set_axis_off()
    ax.text(*label_xy, label, fontsize=12, ha="center", va="center", zorder=4)
    problems = text_problems(fig, "network")
    plt.close(fig)
    return problems


def test_a_label_on_a_node_is_found_though_it_touches_no_other_text() -> None:
    # the e-waste network's fault: a label over another agency's disc, clear of other text
    on_node = _nodes((5.3, 5.1))
    assert on_node == ["network: 'UN-Habitat' sits on a marker of the plot"]
    # a label across two discs is one problem naming both
    across = _nodes((3.5, 5.0), "UN-Habitat and BRS")
    assert across == ["network: 'UN-Habitat and BRS' sits on 2 markers of the plot"]
    # beside its node, on empty paper: fine
    assert _nodes((5.0, 7.0)) == []


def test_line_markers_and_circle_patches_count_but_thin_caps_and_legend_keys_do_not() -> None:
    from matplotlib.patches import Circle

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.plot([2], [2], marker="o", markersize=20, label="dot")
    ax.add_patch(Circle((8, 8), 1.0))
    ax.errorbar([5], [5], xerr=[[1.0], [1.0]], fmt="none", capsize=12)  # caps: thin '|' marks
    ax.text(2, 2, "on the dot", ha="center", va="center")
    ax.text(8, 8, "in the circle", ha="center", va="center")
    ax.text(6, 5, "by a cap", ha="center", va="center")
    ax.legend(loc="upper left")  # its key has a dot of its own beside the word 'dot'
    problems = text_problems(fig, "kinds")
    plt.close(fig)
    assert sorted(problems) == [
        "kinds: 'in the circle' sits on a marker of the plot",
        "kinds: 'on the dot' sits on a marker of the plot",
    ]


def _chart_in_a_worker(out_dir: str) -> None:
    from pipeline.report.style import new_figure, save

    fig, ax = new_figure()
    ax.scatter([1, 2], [1, 1], s=900)
    ax.text(1, 1, "on a dot", ha="center", va="center")
    save(fig, Path(out_dir), "worker_chart")


def test_charts_saved_in_worker_processes_are_checked_too(tmp_path: Path) -> None:
    """The demo runs its rounds side by side in worker processes: their charts count."""
    import multiprocessing

    from pipeline.report.text_check import FOUND_ENV, checking

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with checking() as problems, context.Pool(1) as pool:
        pool.apply(_chart_in_a_worker, (str(tmp_path),))
    assert len(problems) == 1
    assert problems[0].endswith("worker_chart: 'on a dot' sits on a marker of the plot")
    assert (tmp_path / "worker_chart.png").is_file()
    assert FOUND_ENV not in os.environ  # nothing is left switched on after the block
