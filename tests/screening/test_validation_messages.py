"""Intake validation of several problems at once, and the messages that explain them."""

from __future__ import annotations

from screening.validation import validate_intake
from tests.screening.validation_support import TODAY, problems_of, with_answers

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
