"""A throwaway version 2 of the intake with a chained condition: a question that depends on a
conditional question. The validator and the patient form must read it alike."""

from __future__ import annotations

import dataclasses

import pytest

from screening.instruments import INSTRUMENTS, get_instrument
from screening.instruments.definition import EnableWhen, Instrument, Item, ItemType

TRIED = "sensitivities.elimination_tried"
RELIEF = "sensitivities.elimination_relief"  # applies when TRIED is true
FOODS_LEFT_OUT = "sensitivities.foods_left_out"  # applies when RELIEF is "lasting"


def chained_version() -> Instrument:
    """Version 1 as version 2, with FOODS_LEFT_OUT asked just above RELIEF, the question it
    depends on. The order matters: the form used to drop answers that do not apply in page
    order, so it kept FOODS_LEFT_OUT whenever RELIEF was dropped after it."""
    instrument = get_instrument("barrier-intake", 1)
    foods_left_out = Item(
        id=FOODS_LEFT_OUT,
        type=ItemType.TEXT,
        label="Which foods did you leave out?",
        short_label="Foods left out",
        max_length=200,
        enable_when=EnableWhen(item=RELIEF, equals="lasting"),
    )
    sections = []
    for section in instrument.sections:
        items: list[Item] = []
        for item in section.items:
            items.extend((foods_left_out, item) if item.id == RELIEF else (item,))
        sections.append(dataclasses.replace(section, items=tuple(items)))
    return dataclasses.replace(instrument, version=2, sections=tuple(sections))


def register_chained_version(monkeypatch: pytest.MonkeyPatch) -> Instrument:
    """The chained version, known to the registry for the rest of the test."""
    version_2 = chained_version()
    monkeypatch.setitem(INSTRUMENTS, (version_2.id, version_2.version), version_2)
    return version_2
