"""The survey definition's report: and tallies: blocks: optional, defaulted, checked."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.errors import SpecError
from pipeline.report.words import Words
from pipeline.spec import load_survey

ROOT = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, **changes: object) -> Path:
    spec = yaml.safe_load((ROOT / "surveys" / "ewaste_img" / "survey.yaml").read_text())
    spec.pop("report", None)
    spec.update(changes)
    path = tmp_path / "survey.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def test_a_definition_without_report_block_loads_with_neutral_words(tmp_path: Path) -> None:
    survey = load_survey(_write(tmp_path))
    words = Words.from_survey(survey)
    assert words.background == "" and words.decides == "the review"
    assert words.activity == ("type of activity", "types of activity")
    assert words.engaged_labels == ("moderate", "major") and not words.binary
    assert words.at_engaged == "at least at the moderate level"
    assert survey.model.tallies is None


def test_declared_words_reach_the_report_words(tmp_path: Path) -> None:
    report = {
        "background": "Why this survey.",
        "decides": "the working group",
        "engages": ["reports on", "report on"],
        "activities": {"one": "channel", "many": "channels", "verb": ["uses", "use"]},
        "topics": {"one": "framework", "many": "frameworks", "verb": ["reports against", "report against"]},
        "strengthen": "Widen the disclosure on {item}.",
    }
    words = Words.from_survey(load_survey(_write(tmp_path, report=report)))
    assert words.background == "Why this survey." and words.decides == "the working group"
    assert words.engages == ("reports on", "report on")
    assert words.activity == ("channel", "channels") and words.topic_verb[1] == "report against"
    assert words.strengthen.format(item="Water") == "Widen the disclosure on Water."


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"report": {"strengthen": "Do more."}}, "report.strengthen: the sentence needs '{item}'"),
        ({"report": {"chapters": ["gaps", "gaps"]}}, "report.chapters: listed twice: gaps"),
        ({"report": {"chapters": ["no_such_chapter"]}}, "report.chapters.0"),
        ({"report": {"colour": "blue"}}, "report.colour"),
        (
            {"report": {"profile_lines": [{"label": "Contact", "question": "focal_email"}]}},
            "report.profile_lines[0]: 'focal_email' is not a non-personal question",
        ),
        (
            {"report": {"answer_counts": [{"question": "topics", "lead": "Asked"}]}},
            "report.answer_counts[0]: 'topics' is not a single-choice question",
        ),
        ({"tallies": {"section": "nowhere", "heading": "H"}}, "tallies.section: no section 'nowhere'"),
        (
            {"tallies": {"section": "scope", "heading": "H", "phrases": {"topics": "x"}}},
            "tallies.phrases: 'topics' is not a single-choice question of section 'scope'",
        ),
    ],
)
def test_a_wrong_report_block_is_named(tmp_path: Path, changes: dict, expected: str) -> None:
    with pytest.raises(SpecError) as info:
        load_survey(_write(tmp_path, **changes))
    assert any(expected in str(issue) for issue in info.value.issues), info.value.issues


def test_an_earlier_form_version_speaks_with_the_current_words() -> None:
    survey = load_survey(ROOT / "surveys" / "swfs_synthesis")
    first = survey.for_round("2016-R1")
    assert first.model.form_version != survey.model.form_version
    assert first.model.report.background == survey.model.report.background != ""
    assert first.model.tallies == survey.model.tallies
