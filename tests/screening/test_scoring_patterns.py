"""Patterns of the scoring engine: each threshold of SCREENING.md, the evidence a pattern
names and the order patterns come in.

Pure tests: no database. Documents come from `tests.screening.scoring_support.score`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.screening.scoring_support import (
    DOMAINS,
    INSTRUMENT,
    foods,
    pattern,
    pattern_codes,
    score,
)

# --- patterns -----------------------------------------------------------------------------------

# (pattern, the other answers that leave only `item` deciding, item, threshold, highest answer)
THRESHOLDS = [
    ("disproportionate_bloating", {"bloating.persistent": 2}, "bloating.after_small_meals", 3, 4),
    ("disproportionate_bloating", {"bloating.persistent": 2}, "bloating.after_water", 2, 4),
    ("disproportionate_bloating", {"bloating.after_water": 2}, "bloating.persistent", 2, 4),
    (
        "disproportionate_bloating",
        {"bloating.after_small_meals": 3},
        "bloating.unpredictable",
        2,
        4,
    ),
    ("unrefreshing_fatigue", {"fatigue.brain_fog": 2}, "fatigue.unrefreshed", 3, 4),
    (
        "unrefreshing_fatigue",
        {"fatigue.unrefreshed": 3, "fatigue.effort": 2},
        "fatigue.sleep_hours",
        7,
        16,
    ),
    ("unrefreshing_fatigue", {"fatigue.unrefreshed": 3}, "fatigue.brain_fog", 2, 4),
    ("unrefreshing_fatigue", {"fatigue.unrefreshed": 3}, "fatigue.effort", 2, 4),
    ("gut_skin", {"skin.eczema_flares": 2}, "skin.breakouts_with_gut", 2, 4),
    ("gut_skin", {"skin.rosacea": 2}, "skin.food_reactions", 2, 4),
    ("gut_skin", {"skin.food_reactions": 2}, "skin.eczema_flares", 2, 4),
    ("gut_skin", {"skin.breakouts_with_gut": 2}, "skin.rosacea", 2, 4),
    ("gut_brain", {"mood.food_anxiety": 2}, "mood.mood_tracks_gut", 2, 4),
    ("gut_brain", {"mood.mood_tracks_gut": 2}, "mood.food_anxiety", 2, 4),
    ("gut_brain", {"mood.mood_tracks_gut": 2}, "mood.life_contracted", 2, 4),
    ("immune_dysregulation", {"immune.allergies_worse": 2}, "immune.colds_per_year", 4, 52),
    ("immune_dysregulation", {"immune.new_reactions": 2}, "immune.slow_recovery", 3, 4),
    ("immune_dysregulation", {"immune.colds_per_year": 4}, "immune.allergies_worse", 2, 4),
    ("immune_dysregulation", {"immune.slow_recovery": 3}, "immune.new_reactions", 2, 4),
]


@pytest.mark.parametrize(("code", "others", "item", "threshold", "highest"), THRESHOLDS)
def test_each_pattern_threshold_at_under_and_over(
    code: str, others: dict[str, Any], item: str, threshold: int, highest: int
) -> None:
    def holds(value: int) -> bool:
        return code in pattern_codes(score({**others, item: value}))

    assert not holds(threshold - 1)
    assert holds(threshold)
    assert holds(min(threshold + 1, highest))
    assert holds(highest)


def test_the_sleep_threshold_holds_at_7_hours_and_fails_at_6() -> None:
    answers = {"fatigue.unrefreshed": 3, "fatigue.brain_fog": 2}
    assert "unrefreshing_fatigue" not in pattern_codes(score({**answers, "fatigue.sleep_hours": 6}))
    assert "unrefreshing_fatigue" in pattern_codes(score({**answers, "fatigue.sleep_hours": 7}))


@pytest.mark.parametrize(
    ("diagnosed", "holds"),
    [
        (["atopic_dermatitis"], True),
        (["psoriasis"], True),
        (["rosacea"], True),
        (["acne"], False),
        ([], False),
        (None, False),
    ],
)
def test_gut_skin_counts_a_diagnosed_skin_condition(
    diagnosed: list[str] | None, holds: bool
) -> None:
    answers: dict[str, Any] = {"skin.breakouts_with_gut": 2}
    if diagnosed is not None:
        answers["skin.diagnosed"] = diagnosed
    assert ("gut_skin" in pattern_codes(score(answers))) is holds


def test_pattern_evidence_names_the_answers_that_made_it() -> None:
    result = score({"bloating.after_water": 2, "bloating.persistent": 3})
    assert result["patterns"] == [
        {
            "code": "disproportionate_bloating",
            "domain": "bloating",
            "rule": INSTRUMENT.patterns[0].rule_text,
            "evidence": [
                {"item": "bloating.after_water", "answer": 2},
                {"item": "bloating.persistent", "answer": 3},
            ],
        }
    ]


@pytest.mark.parametrize(
    ("count", "recent", "holds"),
    [(3, 2, True), (2, 2, False), (4, 2, True), (3, 1, False), (3, 3, True), (6, 1, False)],
)
def test_progressive_sensitivities_needs_3_foods_and_2_recent(
    count: int, recent: int, holds: bool
) -> None:
    result = score({"sensitivities.foods": foods(count, recent=recent)})
    assert ("progressive_sensitivities" in pattern_codes(result)) is holds


def test_progressive_sensitivities_evidence_lists_recent_foods_and_temporary_relief() -> None:
    listed = foods(3, recent=2)
    result = score(
        {
            "sensitivities.foods": listed,
            "sensitivities.elimination_tried": True,
            "sensitivities.elimination_relief": "temporary",
        }
    )
    assert pattern(result, "progressive_sensitivities")["evidence"] == [
        {"item": "sensitivities.foods", "answer": listed[0]},
        {"item": "sensitivities.foods", "answer": listed[1]},
        {"item": "sensitivities.elimination_relief", "answer": "temporary"},
    ]


def test_lasting_relief_is_not_evidence_of_progressive_sensitivities() -> None:
    result = score(
        {
            "sensitivities.foods": foods(3, recent=2),
            "sensitivities.elimination_tried": True,
            "sensitivities.elimination_relief": "lasting",
        }
    )
    items = [entry["item"] for entry in pattern(result, "progressive_sensitivities")["evidence"]]
    assert items == ["sensitivities.foods", "sensitivities.foods"]


def test_patterns_come_in_table_order() -> None:
    result = score(
        {
            "bloating.after_water": 2,
            "bloating.persistent": 2,
            "sensitivities.foods": foods(3, recent=2),
            "fatigue.unrefreshed": 3,
            "fatigue.brain_fog": 2,
            "skin.breakouts_with_gut": 2,
            "skin.rosacea": 2,
            "mood.mood_tracks_gut": 2,
            "mood.food_anxiety": 2,
            "immune.colds_per_year": 4,
            "immune.allergies_worse": 2,
        }
    )
    assert pattern_codes(result) == [definition.code for definition in INSTRUMENT.patterns]
    assert [found["domain"] for found in result["patterns"]] == DOMAINS
