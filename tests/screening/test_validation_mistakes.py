"""Intake validation of each kind of mistake: every one is reported once, naming the item
and a code; ensure_valid raises with all of them; how a problem serialises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from screening.samples import sample_document
from screening.validation import IntakeInvalid, Problem, ensure_valid, validate_intake
from tests.screening.validation_support import FOODS, TODAY, food, with_answers


def without_answer(item_id: str) -> dict[str, Any]:
    document = sample_document()
    del document["answers"][item_id]
    return document


def changed(**fields: Any) -> dict[str, Any]:
    document = sample_document()
    document.update(fields)
    return document


def without(field: str) -> dict[str, Any]:
    document = sample_document()
    del document[field]
    return document


# --- each kind of mistake -------------------------------------------------------------------

TOO_MANY_FOODS = [food("other", name=f"food {n}") for n in range(31)]

MISTAKES: dict[str, tuple[Callable[[], Any], str, str]] = {
    "document_not_an_object": (lambda: [sample_document()], "document", "wrong_type"),
    "unknown_top_level_field": (lambda: changed(source="api"), "source", "unknown_field"),
    "unknown_instrument": (
        lambda: changed(instrument="gut-check"),
        "instrument",
        "unknown_instrument",
    ),
    "instrument_not_text": (lambda: changed(instrument=1), "instrument", "wrong_type"),
    "unknown_version": (lambda: changed(version=99), "version", "unknown_instrument"),
    "version_as_text": (lambda: changed(version="1"), "version", "wrong_type"),
    "version_as_true": (lambda: changed(version=True), "version", "wrong_type"),
    "version_as_float": (lambda: changed(version=1.0), "version", "wrong_type"),
    "version_missing": (lambda: without("version"), "version", "missing"),
    "completed_on_missing": (lambda: without("completed_on"), "completed_on", "missing"),
    "completed_on_not_iso": (
        lambda: changed(completed_on="24.11.2026"),
        "completed_on",
        "invalid_date",
    ),
    "completed_on_compact": (
        lambda: changed(completed_on="20261124"),
        "completed_on",
        "invalid_date",
    ),
    "completed_on_not_a_day": (
        lambda: changed(completed_on="2026-02-30"),
        "completed_on",
        "invalid_date",
    ),
    "completed_on_number": (lambda: changed(completed_on=20261124), "completed_on", "wrong_type"),
    "completed_on_tomorrow": (
        lambda: changed(completed_on="2026-11-25"),
        "completed_on",
        "future_date",
    ),
    "patient_not_an_object": (lambda: changed(patient="1971-05-02"), "patient", "wrong_type"),
    "patient_null": (lambda: changed(patient=None), "patient", "null_not_allowed"),
    "unknown_patient_field": (
        lambda: changed(patient={"birth_date": "1971-05-02", "name": "A"}),
        "patient.name",
        "unknown_field",
    ),
    "birth_date_not_a_day": (
        lambda: changed(patient={"birth_date": "1971-13-02"}),
        "patient.birth_date",
        "invalid_date",
    ),
    "birth_date_after_completed_on": (
        lambda: changed(patient={"birth_date": "2026-11-25"}, completed_on="2026-11-24"),
        "patient.birth_date",
        "future_date",
    ),
    "answers_missing": (lambda: without("answers"), "answers", "missing"),
    "answers_not_an_object": (lambda: changed(answers=[]), "answers", "wrong_type"),
    "unknown_item": (
        lambda: with_answers(bloating__frequncy=1),
        "bloating.frequncy",
        "unknown_item",
    ),
    "scale_true": (
        lambda: with_answers(bloating__frequency=True),
        "bloating.frequency",
        "wrong_type",
    ),
    "scale_as_text": (
        lambda: with_answers(bloating__frequency="3"),
        "bloating.frequency",
        "wrong_type",
    ),
    "scale_as_float": (
        lambda: with_answers(bloating__frequency=3.0),
        "bloating.frequency",
        "wrong_type",
    ),
    "scale_above_maximum": (
        lambda: with_answers(bloating__persistent=5),
        "bloating.persistent",
        "out_of_range",
    ),
    "scale_negative": (lambda: with_answers(skin__rosacea=-1), "skin.rosacea", "out_of_range"),
    "integer_as_float": (
        lambda: with_answers(fatigue__sleep_hours=7.0),
        "fatigue.sleep_hours",
        "wrong_type",
    ),
    "integer_above_maximum": (
        lambda: with_answers(factors__alcohol_units_week=201),
        "factors.alcohol_units_week",
        "out_of_range",
    ),
    "year_after_completed_year": (
        lambda: with_answers(history__symptom_onset_year=2027),
        "history.symptom_onset_year",
        "out_of_range",
    ),
    "boolean_as_zero": (lambda: with_answers(factors__smoking=0), "factors.smoking", "wrong_type"),
    "boolean_as_text": (
        lambda: with_answers(factors__smoking="false"),
        "factors.smoking",
        "wrong_type",
    ),
    "required_null": (
        lambda: with_answers(red_flags__anaemia=None),
        "red_flags.anaemia",
        "null_not_allowed",
    ),
    "optional_null": (
        lambda: with_answers(immune__autoimmune=None),
        "immune.autoimmune",
        "null_not_allowed",
    ),
    "required_missing": (
        lambda: without_answer("red_flags.dysphagia"),
        "red_flags.dysphagia",
        "missing",
    ),
    "choice_unknown": (
        lambda: with_answers(
            sensitivities__elimination_tried=True, sensitivities__elimination_relief="some"
        ),
        "sensitivities.elimination_relief",
        "not_a_choice",
    ),
    "choice_not_text": (
        lambda: with_answers(
            sensitivities__elimination_tried=True, sensitivities__elimination_relief=2
        ),
        "sensitivities.elimination_relief",
        "wrong_type",
    ),
    "multi_choice_not_a_list": (
        lambda: with_answers(skin__diagnosed="acne"),
        "skin.diagnosed",
        "wrong_type",
    ),
    "multi_choice_unknown_code": (
        lambda: with_answers(skin__diagnosed=["acne", "vitiligo"]),
        "skin.diagnosed",
        "not_a_choice",
    ),
    "multi_choice_repeated_code": (
        lambda: with_answers(skin__diagnosed=["acne", "acne"]),
        "skin.diagnosed",
        "duplicate",
    ),
    "text_not_text": (
        lambda: with_answers(history__diagnoses=["IBS"]),
        "history.diagnoses",
        "wrong_type",
    ),
    "text_too_long": (
        lambda: with_answers(history__main_concern="x" * 2001),
        "history.main_concern",
        "too_long",
    ),
    "relief_without_elimination": (
        lambda: with_answers(sensitivities__elimination_relief="none"),
        "sensitivities.elimination_relief",
        "not_enabled",
    ),
    "relief_missing_after_elimination": (
        lambda: with_answers(sensitivities__elimination_tried=True),
        "sensitivities.elimination_relief",
        "missing",
    ),
    "phq_three_of_four": (
        lambda: with_answers(mood__phq_interest=1, mood__phq_down=1, mood__gad_nervous=1),
        "mood.gad_worry",
        "incomplete_group",
    ),
    "phq_above_its_scale": (
        lambda: with_answers(
            mood__phq_interest=4, mood__phq_down=0, mood__gad_nervous=0, mood__gad_worry=0
        ),
        "mood.phq_interest",
        "out_of_range",
    ),
    "foods_not_a_list": (lambda: with_answers(sensitivities__foods={}), FOODS, "wrong_type"),
    "foods_entry_not_an_object": (
        lambda: with_answers(sensitivities__foods=["dairy"]),
        FOODS,
        "wrong_type",
    ),
    "foods_unknown_food": (
        lambda: with_answers(sensitivities__foods=[food("milk")]),
        FOODS,
        "not_a_choice",
    ),
    "foods_repeated_food": (
        lambda: with_answers(sensitivities__foods=[food("egg"), food("egg", onset_year=2020)]),
        FOODS,
        "duplicate",
    ),
    "foods_other_without_name": (
        lambda: with_answers(sensitivities__foods=[food("other")]),
        FOODS,
        "missing",
    ),
    "foods_name_for_a_listed_food": (
        lambda: with_answers(sensitivities__foods=[food("dairy", name="milk")]),
        FOODS,
        "not_enabled",
    ),
    "foods_name_too_long": (
        lambda: with_answers(sensitivities__foods=[food("other", name="x" * 101)]),
        FOODS,
        "too_long",
    ),
    "foods_unknown_entry_field": (
        lambda: with_answers(sensitivities__foods=[food("soy", severity=3)]),
        FOODS,
        "unknown_field",
    ),
    "foods_entry_field_missing": (
        lambda: with_answers(sensitivities__foods=[{"food": "soy", "onset_year": 2020}]),
        FOODS,
        "missing",
    ),
    "foods_entry_field_null": (
        lambda: with_answers(sensitivities__foods=[food("soy", onset_year=None)]),
        FOODS,
        "null_not_allowed",
    ),
    "foods_onset_year_as_text": (
        lambda: with_answers(sensitivities__foods=[food("soy", onset_year="2020")]),
        FOODS,
        "wrong_type",
    ),
    "foods_tolerated_as_text": (
        lambda: with_answers(sensitivities__foods=[food("soy", tolerated="yes")]),
        FOODS,
        "wrong_type",
    ),
    "foods_more_than_thirty": (
        lambda: with_answers(sensitivities__foods=TOO_MANY_FOODS),
        FOODS,
        "too_many",
    ),
}


@pytest.mark.parametrize(("make_document", "item", "code"), MISTAKES.values(), ids=MISTAKES.keys())
def test_each_mistake_is_reported_once_naming_the_item_and_code(
    make_document: Callable[[], Any], item: str, code: str
) -> None:
    problems = validate_intake(make_document(), today=TODAY)

    assert [(problem.item, problem.code) for problem in problems] == [(item, code)]
    assert problems[0].message


def test_there_are_at_least_thirty_kinds_of_mistake() -> None:
    assert len({(item, code) for _, item, code in MISTAKES.values()}) >= 30


def test_ensure_valid_raises_with_every_problem() -> None:
    document = with_answers(bloating__frequency="3", factors__smoking=None)

    with pytest.raises(IntakeInvalid) as raised:
        ensure_valid(document, today=TODAY)

    assert [problem.item for problem in raised.value.problems] == [
        "bloating.frequency",
        "factors.smoking",
    ]
    assert "bloating.frequency:" in str(raised.value)


def test_a_problem_serialises_to_item_code_and_message() -> None:
    problem = Problem("bloating.frequency", "wrong_type", "expected a whole number")

    assert problem.as_dict() == {
        "item": "bloating.frequency",
        "code": "wrong_type",
        "message": "expected a whole number",
    }


def test_a_problem_of_a_list_entry_serialises_without_its_place() -> None:
    # The entry is named in the message; the serialised shape stays the one the API answers.
    problem = Problem(FOODS, "out_of_range", "entry 2: onset_year 1899 is before 1900", 1)

    assert problem.as_dict() == {
        "item": FOODS,
        "code": "out_of_range",
        "message": "entry 2: onset_year 1899 is before 1900",
    }
