"""Synthetic intake documents for demos, tests and benchmarks (never real patients)."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from screening.instruments import current_instrument
from screening.instruments.definition import COMPLETED_YEAR, Instrument, ItemType


def sample_document(
    *,
    completed_on: str = "2026-11-24",
    birth_date: str | None = "1971-05-02",
    answers: dict[str, Any] | None = None,
    instrument: Instrument | None = None,
) -> dict[str, Any]:
    """A valid document with every required item at its lowest answer, then `answers` on top.

    The instrument version defaults to the current one; its `sample_answers` role raises the
    answers whose lowest value would be remarkable (a night's sleep).
    """
    instrument = instrument or current_instrument()
    base: dict[str, Any] = {}
    for item in instrument.iter_items():
        if not item.required or item.enable_when is not None:
            continue
        if item.type is ItemType.SCALE:
            base[item.id] = 0
        elif item.type is ItemType.INTEGER:
            base[item.id] = item.minimum
        elif item.type is ItemType.BOOLEAN:
            base[item.id] = False
        elif item.type is ItemType.FOOD_LIST:
            base[item.id] = []
    base.update(instrument.roles.sample_answers)
    base.update(answers or {})
    document: dict[str, Any] = {
        "instrument": instrument.id,
        "version": instrument.version,
        "completed_on": completed_on,
    }
    if birth_date is not None:
        document["patient"] = {"birth_date": birth_date}
    document["answers"] = base
    return document


def random_document(
    rng: random.Random,
    *,
    completed_on: date = date(2026, 11, 24),
    instrument: Instrument | None = None,
) -> dict[str, Any]:
    """A random valid document, every optional item sometimes answered."""
    instrument = instrument or current_instrument()
    year = completed_on.year
    answers: dict[str, Any] = {}
    grouped = {item_id for group in instrument.all_or_none for item_id in group.items}
    together = rng.random() < 0.5  # the all-or-none groups (PHQ-4) answered or not
    for item in instrument.iter_items():
        if item.enable_when is not None:
            continue
        if item.id in grouped:
            if together:
                assert item.scale is not None
                answers[item.id] = rng.randint(0, item.scale.maximum)
            continue
        if not item.required and rng.random() < 0.4:
            continue
        maximum = year if item.maximum == COMPLETED_YEAR else item.maximum
        if item.type is ItemType.SCALE:
            assert item.scale is not None
            answers[item.id] = rng.randint(0, item.scale.maximum)
        elif item.type is ItemType.INTEGER:
            assert item.minimum is not None and isinstance(maximum, int)
            low = max(item.minimum, year - 60) if item.minimum == 1900 else item.minimum
            answers[item.id] = rng.randint(low, min(maximum, low + 30))
        elif item.type is ItemType.BOOLEAN:
            answers[item.id] = rng.random() < 0.3
        elif item.type is ItemType.MULTI_CHOICE:
            answers[item.id] = [c.code for c in item.choices if rng.random() < 0.3]
        elif item.type is ItemType.TEXT:
            answers[item.id] = rng.choice(["Bloating after meals.", "Tired <always> & foggy."])
        elif item.type is ItemType.FOOD_LIST:
            other = instrument.food_list.other_code if instrument.food_list else None
            codes = [c.code for c in item.choices if c.code != other]
            foods = rng.sample(codes, rng.randint(0, 6))
            answers[item.id] = [
                {
                    "food": food,
                    "onset_year": rng.randint(year - 10, year),
                    "previously_tolerated": rng.random() < 0.6,
                }
                for food in foods
            ]
    for item in instrument.iter_items():
        condition = item.enable_when
        if condition is not None and answers.get(condition.item) == condition.equals:
            answers[item.id] = rng.choice([choice.code for choice in item.choices])
    birth_year = rng.randint(year - 80, year - 18)
    return {
        "instrument": instrument.id,
        "version": instrument.version,
        "completed_on": completed_on.isoformat(),
        "patient": {"birth_date": f"{birth_year}-06-15"},
        "answers": answers,
    }
