"""Answers and result codes in the instrument's words: one wording for PDF, pages and text."""

from __future__ import annotations

from typing import Any

import pytest

from screening.instruments import get_instrument
from screening.wording import answer_in_words, evidence_in_words, finding_in_words, one_line

INSTRUMENT = get_instrument("barrier-intake", 1)


@pytest.mark.parametrize(
    ("item_id", "answer", "words"),
    [
        ("bloating.after_water", 2, "sometimes"),
        ("fatigue.sleep_hours", 1, "1 hour"),
        ("fatigue.sleep_hours", 8, "8 hours"),
        ("factors.alcohol_units_week", 1, "1 unit a week"),
        ("immune.colds_per_year", 1, "1 a year"),
        ("red_flags.weight_loss", True, "yes"),
        ("red_flags.weight_loss", False, "no"),
        ("skin.diagnosed", ["psoriasis", "acne"], "Psoriasis, Acne"),
        ("skin.diagnosed", [], "none"),
        ("sensitivities.elimination_relief", "lasting", "yes, and it still helps"),
        ("history.main_concern", None, "not answered"),
    ],
)
def test_answers_are_put_in_words(item_id: str, answer: Any, words: str) -> None:
    assert answer_in_words(INSTRUMENT.item(item_id), answer) == words


def test_the_patients_review_shows_the_whole_scale_label() -> None:
    item = INSTRUMENT.item("bloating.after_water")
    assert answer_in_words(item, 2, brief=False) == "sometimes (monthly to weekly)"


def test_evidence_reads_as_the_instrument_words_it() -> None:
    evidence = {"item": "bloating.after_water", "answer": 2}
    assert (
        evidence_in_words(INSTRUMENT, evidence) == "Bloating after drinking only water: sometimes"
    )


def test_an_other_food_is_named_by_the_patient_on_one_line() -> None:
    food = {
        "food": "other",
        "name": "buck\nwheat\x07",
        "onset_year": 2024,
        "previously_tolerated": True,
    }
    words = evidence_in_words(INSTRUMENT, {"item": "sensitivities.foods", "answer": food})
    assert words == "Foods that give symptoms: buck wheat, since 2024, eaten without trouble before"


def test_a_finding_carries_its_title_and_evidence() -> None:
    explanation = {
        "code": "short_sleep",
        "rule": "Less than 7 hours of sleep a night.",
        "evidence": [{"item": "fatigue.sleep_hours", "answer": 5}],
    }
    assert finding_in_words(INSTRUMENT, explanation) == (
        "Less than 7 hours of sleep (Usual hours of sleep: 5 hours)"
    )


def test_every_result_code_has_words_of_its_own() -> None:
    codes = [
        "onset_after_50", "antibiotics", "nsaids", "alcohol", "high_fat_diet", "stress",
        "gi_infection", "acid_suppressants", "smoking", "short_sleep",
        "fibre", "polyphenols", "probiotics", "glutamine_zinc", "demulcents",
    ]  # fmt: skip
    for code in codes:
        assert code in INSTRUMENT.findings, code
    for code in ("fibre", "polyphenols", "probiotics", "glutamine_zinc", "demulcents"):
        assert INSTRUMENT.findings[code].text, code
    assert INSTRUMENT.finding_title("blood_in_stool") == "Blood in the stool or black stools"


def test_bidirectional_overrides_are_dropped() -> None:
    assert one_line("abc\u202edef") == "abcdef"
