"""Validation of a whole intake document: every problem at once, or its instrument."""

from __future__ import annotations

from datetime import date
from typing import Any

from screening.instruments import get_instrument
from screening.instruments.definition import Instrument
from screening.validation.answers import answer_problems
from screening.validation.plan import Context, plan_for
from screening.validation.problems import (
    IntakeInvalid,
    Problem,
    capped,
    describe,
    unknown_field_message,
)
from screening.validation.top_level import (
    TOP_LEVEL_FIELDS,
    answers_of,
    check_patient,
    completed_on_of,
    instrument_of,
)


def validate_intake(document: Any, *, today: date) -> list[Problem]:
    """Every problem of the document at once (at most MAX_PROBLEMS, then one counting those
    left out); an empty list when it is valid.

    `today` is the latest acceptable date: `latest_possible_date(now)` for an intake
    submitted now.
    """
    if not isinstance(document, dict):
        return [
            Problem("document", "wrong_type", f"expected a JSON object, got {describe(document)}")
        ]
    problems = [
        Problem(str(key), "unknown_field", unknown_field_message(key, TOP_LEVEL_FIELDS))
        for key in document
        if key not in TOP_LEVEL_FIELDS
    ]
    instrument = instrument_of(document, problems)
    completed_on = completed_on_of(document, today, problems)
    check_patient(document, completed_on, today, problems)
    answers = answers_of(document, problems)
    if instrument is not None and answers is not None:
        # Without a usable completed_on, no valid document can go past this year.
        context = Context(completed_year=(completed_on or today).year)
        problems.extend(answer_problems(plan_for(instrument), answers, context))
    return capped(problems)


def ensure_valid(document: Any, *, today: date) -> Instrument:
    """The document's instrument, or IntakeInvalid with every problem."""
    problems = validate_intake(document, today=today)
    if problems:
        raise IntakeInvalid(problems)
    return get_instrument(document["instrument"], document["version"])
