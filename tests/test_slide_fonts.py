"""The slides measure text with a FreeType font; a font opened before a fork shares its file
offset with the child processes (the demo's jobs, charts drawn side by side), and two
processes reading glyphs at once fail with 'failed to load glyph'. Each process opens its own."""

from __future__ import annotations

import multiprocessing

import pytest

from pipeline.report import slides


def _width_in_child(text: str) -> float:
    return slides.text_width(text, 20, bold=True)


def test_each_process_measures_with_its_own_font(monkeypatch: pytest.MonkeyPatch) -> None:
    here = slides._font(True)
    assert slides._font(True) is here  # opened once per process
    monkeypatch.setattr(slides.os, "getpid", lambda: -1)
    assert slides._font(True) is not here  # another process opens its own


def test_forked_processes_measure_side_by_side_as_the_parent_does() -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    texts = [f"Land and desertification has the fewest entities engaged: {i} of 34" for i in range(40)]
    expected = [slides.text_width(t, 20, bold=True) for t in texts]  # the parent's font is open
    with multiprocessing.get_context("fork").Pool(2) as pool:
        got = pool.map(_width_in_child, texts, chunksize=1)
        pool.close()
        pool.join()
    assert got == expected
