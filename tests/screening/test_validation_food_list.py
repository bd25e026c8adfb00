"""Intake validation of the food list: onset years, other foods by name, duplicates, and
problems that name their entry and field.
"""

from __future__ import annotations

from typing import Any

import pytest

from screening.samples import sample_document
from screening.validation import Problem, validate_intake
from tests.screening.validation_support import COMPLETED_ON, FOODS, TODAY, food, with_answers

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
