"""Tests of intake validation: every mistake is reported at once, naming the item and a code."""

from __future__ import annotations

import copy
import dataclasses
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from screening.instruments import INSTRUMENTS, get_instrument
from screening.instruments.definition import (
    COMPLETED_YEAR,
    Instrument,
    Item,
    ItemType,
    Section,
)
from screening.samples import random_document, sample_document
from screening.validation import (
    IntakeInvalid,
    Problem,
    ensure_valid,
    item_enablement,
    validate_intake,
)
from tests.chained_conditions import FOODS_LEFT_OUT, RELIEF, TRIED, register_chained_version

TODAY = date(2026, 11, 24)
COMPLETED_ON = "2026-11-24"
INSTRUMENT = get_instrument("barrier-intake", 1)
FOODS = "sensitivities.foods"


def problems_of(document: Any, *, today: date = TODAY) -> list[tuple[str, str]]:
    return [(problem.item, problem.code) for problem in validate_intake(document, today=today)]


def food(code: str, *, onset_year: int = 2024, tolerated: bool = True, **extra: Any) -> dict:
    return {"food": code, "onset_year": onset_year, "previously_tolerated": tolerated, **extra}


def with_answers(**answers: Any) -> dict[str, Any]:
    """A valid sample with `answers` on top; item ids use "__" for "." (keyword-friendly)."""
    return sample_document(
        answers={key.replace("__", "."): value for key, value in answers.items()}
    )


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


def fully_answered() -> dict[str, Any]:
    return sample_document(
        answers={
            "bloating.frequency": 3,
            FOODS: [
                food("dairy", onset_year=2024),
                food("other", name="buckwheat", onset_year=2019, tolerated=False),
            ],
            "sensitivities.list_growing": 2,
            "sensitivities.elimination_tried": True,
            "sensitivities.elimination_relief": "temporary",
            "skin.diagnosed": ["atopic_dermatitis", "rosacea"],
            "mood.phq_interest": 1,
            "mood.phq_down": 2,
            "mood.gad_nervous": 3,
            "mood.gad_worry": 0,
            "immune.autoimmune": False,
            "support.fibre_servings_day": 2,
            "support.polyphenol_foods": 1,
            "support.fermented_or_probiotic": True,
            "support.glutamine_or_zinc": False,
            "history.main_concern": "Bloating after <b>every</b> meal & tired.",
            "history.symptom_onset_year": 2015,
            "history.diagnoses": "",
            "history.medications": "Omeprazole",
        }
    )


# --- valid documents ------------------------------------------------------------------------


def test_the_sample_document_is_valid() -> None:
    assert validate_intake(sample_document(), today=TODAY) == []


def test_a_fully_answered_document_is_valid_and_answers_every_item() -> None:
    document = fully_answered()

    assert set(document["answers"]) == set(INSTRUMENT.items)
    assert validate_intake(document, today=TODAY) == []


def test_a_document_without_patient_is_valid() -> None:
    assert validate_intake(sample_document(birth_date=None), today=TODAY) == []


@pytest.mark.parametrize("seed", range(200))
def test_random_documents_are_always_valid(seed: int) -> None:
    document = random_document(random.Random(seed))

    assert validate_intake(document, today=TODAY) == []


def test_ensure_valid_returns_the_documents_instrument() -> None:
    assert ensure_valid(sample_document(), today=TODAY) is INSTRUMENT


def test_validation_leaves_the_document_untouched() -> None:
    document = fully_answered()
    document["answers"]["bloating.frequency"] = "3"
    before = copy.deepcopy(document)

    validate_intake(document, today=TODAY)

    assert document == before


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


# --- several problems, messages -------------------------------------------------------------


def test_every_problem_is_reported_at_once() -> None:
    # given
    document = with_answers(
        bloating__frequency=True,
        fatigue__sleep_hours=17,
        mood__phq_down=2,
        bloating__frequncy=1,
    )
    del document["answers"]["red_flags.weight_loss"]
    document["completed_on"] = "2026-11-25"
    document["extra"] = 1

    # when
    problems = set(problems_of(document))

    # then
    assert problems == {
        ("extra", "unknown_field"),
        ("completed_on", "future_date"),
        ("bloating.frequncy", "unknown_item"),
        ("bloating.frequency", "wrong_type"),
        ("fatigue.sleep_hours", "out_of_range"),
        ("red_flags.weight_loss", "missing"),
        ("mood.phq_interest", "incomplete_group"),
        ("mood.gad_nervous", "incomplete_group"),
        ("mood.gad_worry", "incomplete_group"),
    }


def test_an_unknown_instrument_is_the_only_answer_problem_reported() -> None:
    document = with_answers(bloating__frequency="never", no__such_item=1)
    document["instrument"] = "gut-check"

    assert problems_of(document) == [("instrument", "unknown_instrument")]


def test_a_null_answer_is_told_to_be_omitted() -> None:
    [problem] = validate_intake(with_answers(support__polyphenol_foods=None), today=TODAY)

    assert "omit" in problem.message


def test_a_string_number_is_described_as_text() -> None:
    [problem] = validate_intake(with_answers(bloating__frequency="3"), today=TODAY)

    assert (
        problem.message == 'expected a whole number from 0 (never) to 4 (daily), got the text "3"'
    )


def test_an_unknown_item_suggests_the_closest_item() -> None:
    [problem] = validate_intake(with_answers(bloating__frequncy=1), today=TODAY)

    assert 'did you mean "bloating.frequency"' in problem.message


def test_an_incomplete_group_names_each_missing_item() -> None:
    problems = validate_intake(with_answers(mood__phq_interest=0), today=TODAY)

    assert [(problem.item, problem.code) for problem in problems] == [
        ("mood.phq_down", "incomplete_group"),
        ("mood.gad_nervous", "incomplete_group"),
        ("mood.gad_worry", "incomplete_group"),
    ]
    assert "PHQ-4" in problems[0].message


# --- dates ----------------------------------------------------------------------------------


def test_completed_today_is_accepted() -> None:
    assert problems_of(sample_document(completed_on=TODAY.isoformat())) == []


def test_completed_tomorrow_is_rejected() -> None:
    tomorrow = (TODAY + timedelta(days=1)).isoformat()

    assert problems_of(sample_document(completed_on=tomorrow)) == [("completed_on", "future_date")]


def test_birth_on_the_completion_day_is_accepted() -> None:
    assert problems_of(sample_document(birth_date=COMPLETED_ON)) == []


def test_birth_after_completion_is_rejected() -> None:
    [problem] = validate_intake(sample_document(birth_date="2026-11-25"), today=TODAY)

    assert (problem.item, problem.code) == ("patient.birth_date", "future_date")
    assert "2026-11-24" in problem.message


def test_years_are_bounded_by_the_completion_year_not_today() -> None:
    document = sample_document(
        completed_on="2020-06-01", answers={"history.symptom_onset_year": 2021}
    )

    assert problems_of(document) == [("history.symptom_onset_year", "out_of_range")]


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


# --- food list ------------------------------------------------------------------------------


def food_problems(foods: list[Any], *, completed_on: str = COMPLETED_ON) -> list[Problem]:
    document = sample_document(completed_on=completed_on, answers={FOODS: foods})
    return validate_intake(document, today=TODAY)


@pytest.mark.parametrize(
    ("onset_year", "accepted"),
    [(1899, False), (1900, True), (2026, True), (2027, False)],
    ids=["1899", "1900", "completed-year", "after-completed-year"],
)
def test_food_onset_year_runs_from_1900_to_the_completion_year(
    onset_year: int, accepted: bool
) -> None:
    problems = food_problems([food("dairy", onset_year=onset_year)])

    assert [(p.item, p.code) for p in problems] == ([] if accepted else [(FOODS, "out_of_range")])


def test_food_problems_say_which_entry() -> None:
    [problem] = food_problems([food("dairy"), food("egg"), food("soy", onset_year=2030)])

    assert problem.message == "entry 3: onset_year 2030 is after 2026"
    assert (problem.entry, problem.entry_field) == (2, "onset_year")


def test_other_foods_are_told_apart_by_name() -> None:
    foods = [food("other", name="buckwheat"), food("other", name="quinoa")]

    assert food_problems(foods) == []


def test_other_foods_with_the_same_name_ignoring_case_and_spaces_are_duplicates() -> None:
    foods = [food("other", name="Buckwheat"), food("dairy"), food("other", name=" buckwheat ")]

    [problem] = food_problems(foods)

    assert (problem.item, problem.code) == (FOODS, "duplicate")
    assert problem.message.startswith("entry 3:")
    assert "entry 1" in problem.message


@pytest.mark.parametrize(
    ("name", "code"),
    [("", "missing"), ("   ", "missing"), ("x" * 101, "too_long"), (7, "wrong_type")],
    ids=["empty", "blank", "101-characters", "number"],
)
def test_other_food_names_must_be_one_to_a_hundred_characters(name: Any, code: str) -> None:
    problems = food_problems([food("other", name=name)])

    assert [(p.item, p.code) for p in problems] == [(FOODS, code)]


@pytest.mark.parametrize("name", ["x", "x" * 100])
def test_other_food_names_at_the_length_limits_are_accepted(name: str) -> None:
    assert food_problems([food("other", name=name)]) == []


def test_thirty_foods_are_accepted() -> None:
    assert food_problems([food("other", name=f"food {n}") for n in range(30)]) == []


def test_an_empty_food_list_is_accepted() -> None:
    assert food_problems([]) == []


def test_each_food_entry_problem_is_reported() -> None:
    foods = [food("dairy", tolerated=1), food("other", onset_year=1899), food("dairy")]

    messages = [problem.message for problem in food_problems(foods)]

    assert messages == [
        "entry 1: previously_tolerated must be true or false, got the number 1",
        "entry 2: onset_year 1899 is before 1900",
        'entry 2: name is required for food "other": 1 to 100 characters naming the food',
        "entry 3: dairy is already listed in entry 1",
    ]


@pytest.mark.parametrize(
    ("entry", "place"),
    [
        ("dairy", (0, None)),
        ({"food": "dairy"}, (0, "onset_year")),  # previously_tolerated too, below
        (food("milk"), (0, "food")),
        (food("dairy", onset_year="2020"), (0, "onset_year")),
        (food("dairy", tolerated=None), (0, "previously_tolerated")),
        (food("dairy", name="milk"), (0, "name")),
        (food("other", name=""), (0, "name")),
        (food("soy", severity=3), (0, None)),
    ],
    ids=[
        "not-an-object",
        "field-missing",
        "unknown-food",
        "year-as-text",
        "tolerated-null",
        "name-for-a-listed-food",
        "blank-name",
        "unknown-field",
    ],
)
def test_a_food_entry_problem_names_its_entry_and_field(
    entry: Any, place: tuple[int | None, str | None]
) -> None:
    problem = food_problems([entry])[0]

    assert (problem.entry, problem.entry_field) == place


def test_a_repeated_food_is_placed_on_the_food_of_the_later_entry() -> None:
    [problem] = food_problems([food("egg"), food("soy"), food("egg")])

    assert (problem.code, problem.entry, problem.entry_field) == ("duplicate", 2, "food")


def test_a_problem_of_the_food_list_as_a_whole_names_no_entry() -> None:
    [problem] = food_problems([food("other", name=f"food {n}") for n in range(31)])

    assert (problem.code, problem.entry, problem.entry_field) == ("too_many", None, None)


def test_a_multiple_choice_problem_names_its_entry() -> None:
    [problem] = validate_intake(with_answers(skin__diagnosed=["acne", "acne"]), today=TODAY)

    assert (problem.code, problem.entry, problem.entry_field) == ("duplicate", 1, None)


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
