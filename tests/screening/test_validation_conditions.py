"""Intake validation of conditional questions: elimination relief, and chains of
conditions (a question that depends on a conditional question).
"""

from __future__ import annotations

from typing import Any

import pytest

from screening.instruments.definition import Instrument
from screening.samples import sample_document
from screening.validation import item_enablement
from tests.chained_conditions import FOODS_LEFT_OUT, RELIEF, TRIED, register_chained_version
from tests.screening.validation_support import INSTRUMENT, problems_of, with_answers

# --- elimination relief ---------------------------------------------------------------------


@pytest.mark.parametrize("relief", ["none", "temporary", "lasting"])
def test_relief_is_accepted_after_elimination(relief: str) -> None:
    document = with_answers(
        sensitivities__elimination_tried=True, sensitivities__elimination_relief=relief
    )

    assert problems_of(document) == []


def test_relief_is_not_required_without_elimination() -> None:
    assert problems_of(with_answers(sensitivities__elimination_tried=False)) == []


def test_relief_is_rejected_when_elimination_was_not_answered_properly() -> None:
    # An invalid elimination answer is reported alone: relief is neither missing nor refused.
    document = with_answers(sensitivities__elimination_tried="yes")

    assert problems_of(document) == [("sensitivities.elimination_tried", "wrong_type")]


# --- conditions and chains of conditions ----------------------------------------------------


@pytest.fixture
def chained(monkeypatch: pytest.MonkeyPatch) -> Instrument:
    return register_chained_version(monkeypatch)


def chained_problems(chained: Instrument, answers: dict[str, Any]) -> list[tuple[str, str]]:
    return problems_of(sample_document(instrument=chained, answers=answers))


def test_items_without_a_condition_always_apply() -> None:
    enabled = item_enablement(INSTRUMENT, {})

    assert set(enabled) == {item.id for item in INSTRUMENT.iter_items()}
    assert [item_id for item_id, state in enabled.items() if state is not True] == [RELIEF]


def test_a_condition_compares_the_type_as_well_as_the_value() -> None:
    assert item_enablement(INSTRUMENT, {TRIED: True})[RELIEF] is True
    assert item_enablement(INSTRUMENT, {TRIED: 1})[RELIEF] is False
    assert item_enablement(INSTRUMENT, {TRIED: False})[RELIEF] is False


def test_a_question_that_depends_on_a_question_that_does_not_apply_does_not_apply(
    chained: Instrument,
) -> None:
    # given: relief answered "lasting", but elimination was not tried, so relief does not apply
    answers = {TRIED: False, RELIEF: "lasting", FOODS_LEFT_OUT: "dairy"}

    # then: the question that depends on relief does not apply either
    enabled = item_enablement(chained, answers)
    assert (enabled[RELIEF], enabled[FOODS_LEFT_OUT]) == (False, False)
    assert chained_problems(chained, answers) == [
        (FOODS_LEFT_OUT, "not_enabled"),
        (RELIEF, "not_enabled"),
    ]


def test_a_chained_question_is_required_only_when_its_whole_chain_applies(
    chained: Instrument,
) -> None:
    assert chained_problems(chained, {TRIED: False}) == []
    assert chained_problems(chained, {TRIED: True, RELIEF: "temporary"}) == []
    assert chained_problems(chained, {TRIED: True, RELIEF: "lasting"}) == [
        (FOODS_LEFT_OUT, "missing")
    ]
    answers = {TRIED: True, RELIEF: "lasting", FOODS_LEFT_OUT: "dairy"}
    assert chained_problems(chained, answers) == []


def test_a_chain_that_rests_on_an_invalid_answer_is_left_undecided(chained: Instrument) -> None:
    answers = {TRIED: "yes", RELIEF: "lasting", FOODS_LEFT_OUT: "dairy"}

    enabled = item_enablement(chained, answers, invalid={TRIED})

    assert (enabled[RELIEF], enabled[FOODS_LEFT_OUT]) == (None, None)
    assert chained_problems(chained, answers) == [(TRIED, "wrong_type")]
