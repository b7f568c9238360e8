"""Fitting text on a slide: the line count with its shortcuts (a rest of paragraph that fits
is not measured word by word; counting stops past a limit) is the count of wrapping word by
word, and so every size chosen is the one the word-by-word count gives."""

from __future__ import annotations

import random

import pytest

from pipeline.report import slides

WORDS_TEXT = (
    "the entities engaged in collection and take-back schemes reported most often, while "
    "design for repair UNEP ITU UN-Habitat WHO UNIDO 12 of 34 (35%) life-cycle stage: "
    "recycling, refurbishment; knowledge-sharing webinars peer-learning exchanges"
)
WORDS = WORDS_TEXT.split()


def word_by_word(text: str, size_pt: float, width: float, bold: bool = False) -> int:
    """Each word added to the line and the line measured, as a reader's wrapping does."""
    lines = 0
    for paragraph in text.split("\n"):
        current, count = "", 1
        for word in paragraph.split():
            trial = f"{current} {word}".strip()
            if current and slides.text_width(trial, size_pt, bold) > width:
                count, current = count + 1, word
            else:
                current = trial
        lines += count
    return lines


def texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = ["", "one", "Averyveryverylongwordthatnolinecanhold and more", "a\n\nb c"]
    for _ in range(n):
        paragraphs = [" ".join(rng.choices(WORDS, k=rng.randint(1, 40))) for _ in range(rng.randint(1, 4))]
        out.append("\n".join(paragraphs))
    return out


@pytest.mark.parametrize("bold", [False, True])
def test_the_line_count_is_the_word_by_word_count(bold: bool) -> None:
    rng = random.Random(11)
    for text in texts(20):
        size, width = rng.choice([12, 16, 20, 30]), rng.choice([1.5, 4.0, 7.5, 12.2])
        expected = word_by_word(text, size, width, bold)
        assert slides.line_count(text, size, width, bold) == expected, text
        for limit in (0, 1, 2, 5):  # past the limit: limit + 1
            assert slides.line_count(text, size, width, bold, limit=limit) == min(expected, limit + 1)


def test_fits_and_the_size_chosen_are_those_of_the_word_by_word_count() -> None:
    def fits_word_by_word(text: str, size: float, box: slides.Box, bold: bool = False) -> bool:
        lines = word_by_word(text, size, box.width - 0.2, bold)
        return lines * size * slides.LINE_SPACING / 72 <= box.height - 0.1

    for text in texts(8, seed=3):
        for box in (slides.TITLE_BOX, slides.BODY_BOX, slides.Box(0.5, 0.5, 3.0, 1.0)):
            for size in (12, 16, 20, 30):
                assert slides.fits(text, size, box) == fits_word_by_word(text, size, box), (text, size)
