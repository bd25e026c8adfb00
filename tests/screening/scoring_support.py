"""Shared helpers of the scoring tests: the instrument, a `score` shortcut and answer makers.

Documents come from `sample_document`, every required item at its lowest answer and a full
night's sleep, with the answers under test on top. Pure: no database.
"""

from __future__ import annotations

from typing import Any

from screening.instruments import get_instrument
from screening.samples import sample_document
from screening.scoring import score_intake

INSTRUMENT = get_instrument("barrier-intake", 1)
DOMAINS = ["bloating", "sensitivities", "fatigue", "skin", "mood", "immune"]
FOOD_CODES = ["dairy", "gluten", "egg", "soy", "corn", "tree_nuts", "peanuts", "fish"]
PHQ_ITEMS = ["mood.phq_interest", "mood.phq_down", "mood.gad_nervous", "mood.gad_worry"]


def score(answers: dict[str, Any] | None = None, **document: Any) -> dict[str, Any]:
    return score_intake(sample_document(answers=answers, **document), INSTRUMENT)


def pattern_codes(result: dict[str, Any]) -> list[str]:
    return [pattern["code"] for pattern in result["patterns"]]


def pattern(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(found for found in result["patterns"] if found["code"] == code)


def foods(count: int, *, recent: int = 0, year: int = 2026) -> list[dict[str, Any]]:
    """`count` foods, the first `recent` of them tolerated before and started this year."""
    return [
        {
            "food": code,
            "onset_year": year if position < recent else 2000,
            "previously_tolerated": position < recent,
        }
        for position, code in enumerate(FOOD_CODES[:count])
    ]


# Answers that elevate each domain on their own.
ELEVATING: dict[str, dict[str, Any]] = {
    "bloating": {
        "bloating.frequency": 4,
        "bloating.after_small_meals": 4,
        "bloating.persistent": 4,
    },
    "sensitivities": {"sensitivities.foods": foods(3, recent=2)},
    "fatigue": {"fatigue.energy_crash": 4, "fatigue.brain_fog": 4},
    "skin": {"skin.eczema_flares": 4, "skin.rosacea": 4},
    "mood": {"mood.eating_unreliable": 4, "mood.food_anxiety": 4},
    "immune": {"immune.slow_recovery": 4, "immune.allergies_worse": 4},
}
