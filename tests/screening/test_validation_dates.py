"""Intake validation of dates: completion up to today, birth up to the completion day, and
years bounded by the completion year.
"""

from __future__ import annotations

from datetime import timedelta

from screening.samples import sample_document
from screening.validation import validate_intake
from tests.screening.validation_support import COMPLETED_ON, TODAY, problems_of

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
