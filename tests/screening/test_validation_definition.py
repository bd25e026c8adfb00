"""Intake validation read from the instrument definition: numeric bounds generated from
the definition, and a new version validated without any change to validation.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from screening.instruments import INSTRUMENTS
from screening.instruments.definition import COMPLETED_YEAR, Instrument, Item, ItemType, Section
from screening.samples import sample_document
from screening.validation import ensure_valid
from tests.screening.validation_support import COMPLETED_ON, INSTRUMENT, TODAY, problems_of

# --- boundaries generated from the definition -----------------------------------------------


def bounded_items(instrument: Instrument) -> list[Item]:
    return [
        item for item in instrument.iter_items() if item.type in (ItemType.INTEGER, ItemType.SCALE)
    ]


def bounds_of(item: Item, completed_year: int) -> tuple[int, int]:
    if item.type is ItemType.SCALE:
        assert item.scale is not None
        return 0, item.scale.maximum
    assert item.minimum is not None and item.maximum is not None
    maximum = completed_year if item.maximum == COMPLETED_YEAR else item.maximum
    assert isinstance(maximum, int)
    return item.minimum, maximum


def answers_enabling(instrument: Instrument, item: Item) -> dict[str, Any]:
    """The other answers `item` needs to be valid alone: its condition, its group mates."""
    answers: dict[str, Any] = {}
    if item.enable_when is not None:
        answers[item.enable_when.item] = item.enable_when.equals
    for group in instrument.all_or_none:
        if item.id in group.items:
            answers.update(dict.fromkeys(group.items, 0))
    return answers


def document_with(item: Item, value: int) -> dict[str, Any]:
    answers = {**answers_enabling(INSTRUMENT, item), item.id: value}
    return sample_document(completed_on=COMPLETED_ON, answers=answers)


@pytest.mark.parametrize("item", bounded_items(INSTRUMENT), ids=lambda item: item.id)
def test_numeric_answers_are_accepted_at_their_bounds(item: Item) -> None:
    minimum, maximum = bounds_of(item, completed_year=2026)

    assert problems_of(document_with(item, minimum)) == []
    assert problems_of(document_with(item, maximum)) == []


@pytest.mark.parametrize("item", bounded_items(INSTRUMENT), ids=lambda item: item.id)
def test_numeric_answers_are_rejected_just_outside_their_bounds(item: Item) -> None:
    minimum, maximum = bounds_of(item, completed_year=2026)

    assert problems_of(document_with(item, minimum - 1)) == [(item.id, "out_of_range")]
    assert problems_of(document_with(item, maximum + 1)) == [(item.id, "out_of_range")]


def test_every_integer_item_has_boundary_cases() -> None:
    integers = {item.id for item in INSTRUMENT.iter_items() if item.type is ItemType.INTEGER}

    assert integers <= {item.id for item in bounded_items(INSTRUMENT)}
    assert "history.symptom_onset_year" in integers


# --- a new version needs no change in validation --------------------------------------------


def test_a_registered_new_version_is_validated_from_its_own_definition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a version 2 with one more section
    new_item = Item(
        id="hydration.glasses_a_day",
        type=ItemType.INTEGER,
        label="How many glasses of water do you drink a day?",
        short_label="Glasses of water a day",
        minimum=0,
        maximum=40,
    )
    hydration = Section(id="hydration", title="Water", intro="", items=(new_item,))
    version_2 = dataclasses.replace(
        INSTRUMENT, version=2, sections=(*INSTRUMENT.sections, hydration)
    )
    monkeypatch.setitem(INSTRUMENTS, (version_2.id, 2), version_2)
    document = sample_document(instrument=version_2)

    # then its new item is required, bounded and unknown to version 1
    assert ensure_valid(document, today=TODAY) is version_2
    del document["answers"]["hydration.glasses_a_day"]
    assert problems_of(document) == [("hydration.glasses_a_day", "missing")]
    document["answers"]["hydration.glasses_a_day"] = 41
    assert problems_of(document) == [("hydration.glasses_a_day", "out_of_range")]
    document["answers"]["hydration.glasses_a_day"] = 8
    document["version"] = 1
    assert problems_of(document) == [("hydration.glasses_a_day", "unknown_item")]
