"""Shared helpers of the intake validation tests: a fixed "today", the instrument, and
shortcuts that build a valid sample document with some answers changed and list its problems.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from screening.instruments import get_instrument
from screening.samples import sample_document
from screening.validation import validate_intake

TODAY = date(2026, 11, 24)
COMPLETED_ON = "2026-11-24"
INSTRUMENT = get_instrument("barrier-intake", 1)
FOODS = "sensitivities.foods"


def problems_of(document: Any, *, today: date = TODAY) -> list[tuple[str, str]]:
    return [(problem.item, problem.code) for problem in validate_intake(document, today=today)]


def food(code: str, *, onset_year: Any = 2024, tolerated: Any = True, **extra: Any) -> dict:
    """A food-list entry; the fields take any value so that tests can send wrong types."""
    return {"food": code, "onset_year": onset_year, "previously_tolerated": tolerated, **extra}


def with_answers(**answers: Any) -> dict[str, Any]:
    """A valid sample with `answers` on top; item ids use "__" for "." (keyword-friendly)."""
    return sample_document(
        answers={key.replace("__", "."): value for key, value in answers.items()}
    )
