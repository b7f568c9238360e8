"""The acronyms annex lists the acronyms a report uses as words of their own, with what
they stand for, and nothing it does not use."""

from __future__ import annotations

from pipeline.report.annexes import used_acronyms

NAMES = {
    "UNEP": "United Nations Environment Programme",
    "UN-Habitat": "United Nations Human Settlements Programme",
    "UN": "United Nations",
    "ITU": "International Telecommunication Union",
    "CITES": "CITES",
    "SDG": "Sustainable Development Goal",
}


def test_only_acronyms_used_as_words_are_listed_in_order() -> None:
    texts = ["UN-Habitat and UNEP lead; see Table 3.", "The SDG targets (UNEPX is not UNEP)."]
    assert used_acronyms(texts, NAMES) == {
        "SDG": "Sustainable Development Goal",
        "UN-Habitat": "United Nations Human Settlements Programme",
        "UNEP": "United Nations Environment Programme",
    }


def test_an_acronym_that_is_its_own_name_or_unused_is_left_out() -> None:
    assert used_acronyms(["CITES reports."], NAMES) == {}
    assert used_acronyms([], NAMES) == {}
    assert used_acronyms(["The UN system."], NAMES) == {"UN": "United Nations"}
