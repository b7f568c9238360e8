"""The chart text check finds what a reader would see: overlapping and clipped texts."""

from __future__ import annotations

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
