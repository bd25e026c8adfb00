"""Checks of the document's top-level fields: instrument and version, `completed_on` (never
in the future), `patient.birth_date` and the shape of `answers`."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

from screening.instruments import INSTRUMENTS, get_instrument
from screening.instruments.definition import Instrument
from screening.validation.problems import (
    Problem,
    describe,
    listing,
    quote,
    unknown_field_message,
)

# The earliest time zone on Earth (UTC+14, the Line Islands): where a new day starts first.
EARLIEST_UTC_OFFSET = timezone(timedelta(hours=14))


def latest_possible_date(now: datetime) -> date:
    """The latest calendar date anywhere on Earth at the instant `now` (an aware datetime):
    the date in UTC+14.

    A bare date (`completed_on`) carries no time zone: it is in the future only after this
    date, so that a patient for whom the day has begun is never refused, wherever the server is.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(EARLIEST_UTC_OFFSET).date()


TOP_LEVEL_FIELDS = ("instrument", "version", "completed_on", "patient", "answers")
PATIENT_FIELDS = ("birth_date",)

# `date.fromisoformat` also takes "20261124" and week dates; the documents use one form only.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def instrument_of(document: dict[str, Any], problems: list[Problem]) -> Instrument | None:
    instrument_id, version = document.get("instrument"), document.get("version")
    known_ids = sorted({key[0] for key in INSTRUMENTS})
    found: Problem | None = None
    if "instrument" not in document:
        found = Problem("instrument", "missing", f"required: one of {listing(known_ids)}")
    elif not isinstance(instrument_id, str):
        message = f"expected the instrument id as text, got {describe(instrument_id)}"
        found = Problem("instrument", "wrong_type", message)
    elif instrument_id not in known_ids:
        message = f"unknown instrument {quote(instrument_id)}; known: {listing(known_ids)}"
        found = Problem("instrument", "unknown_instrument", message)
    if found:
        problems.append(found)
    if "version" not in document:
        problems.append(Problem("version", "missing", "required: the instrument version number"))
        return None
    if type(version) is not int:
        message = f"expected the version as a whole number, got {describe(version)}"
        problems.append(Problem("version", "wrong_type", message))
        return None
    if found or not isinstance(instrument_id, str):
        return None
    if (instrument_id, version) not in INSTRUMENTS:
        versions = sorted(key[1] for key in INSTRUMENTS if key[0] == instrument_id)
        message = f"{instrument_id} has no version {version}; known versions: {listing(versions)}"
        problems.append(Problem("version", "unknown_instrument", message))
        return None
    return get_instrument(instrument_id, version)


def completed_on_of(document: dict[str, Any], today: date, problems: list[Problem]) -> date | None:
    if "completed_on" not in document:
        problems.append(Problem("completed_on", "missing", "required: a date as YYYY-MM-DD"))
        return None
    completed_on = _parse_date("completed_on", document["completed_on"], problems)
    if completed_on is not None and completed_on > today:
        message = (
            f"{completed_on.isoformat()} is in the future: the latest date accepted now is "
            f"{today.isoformat()} (today's date where the day starts first, UTC+14)"
        )
        problems.append(Problem("completed_on", "future_date", message))
        return None
    return completed_on


def check_patient(
    document: dict[str, Any], completed_on: date | None, today: date, problems: list[Problem]
) -> None:
    patient = document.get("patient")
    if "patient" not in document:
        return
    if patient is None:
        message = "null is not allowed; omit patient instead"
        problems.append(Problem("patient", "null_not_allowed", message))
        return
    if not isinstance(patient, dict):
        message = f"expected an object, got {describe(patient)}"
        problems.append(Problem("patient", "wrong_type", message))
        return
    problems.extend(
        Problem(f"patient.{key}", "unknown_field", unknown_field_message(key, PATIENT_FIELDS))
        for key in patient
        if key not in PATIENT_FIELDS
    )
    if "birth_date" not in patient:
        return
    if patient["birth_date"] is None:
        message = "null is not allowed; omit birth_date when it is not known"
        problems.append(Problem("patient.birth_date", "null_not_allowed", message))
        return
    birth_date = _parse_date("patient.birth_date", patient["birth_date"], problems)
    # Without a usable completed_on, the latest acceptable date is the latest birth date.
    latest, what = (
        (completed_on, "completed_on") if completed_on else (today, "the latest date accepted now")
    )
    if birth_date is not None and birth_date > latest:
        message = f"{birth_date.isoformat()} is after {what} ({latest.isoformat()})"
        problems.append(Problem("patient.birth_date", "future_date", message))


def _parse_date(field: str, value: Any, problems: list[Problem]) -> date | None:
    if not isinstance(value, str):
        message = f"expected a date as YYYY-MM-DD, got {describe(value)}"
        problems.append(Problem(field, "wrong_type", message))
        return None
    if not _ISO_DATE.fullmatch(value):
        message = f"expected a date as YYYY-MM-DD, got {quote(value)}"
        problems.append(Problem(field, "invalid_date", message))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(field, "invalid_date", f"{value} is not a calendar date"))
        return None


def answers_of(document: dict[str, Any], problems: list[Problem]) -> dict[str, Any] | None:
    expected = "an object of answers by item id"
    if "answers" not in document:
        problems.append(Problem("answers", "missing", f"required: {expected}"))
        return None
    answers = document["answers"]
    if not isinstance(answers, dict):
        message = f"expected {expected}, got {describe(answers)}"
        problems.append(Problem("answers", "wrong_type", message))
        return None
    return answers
