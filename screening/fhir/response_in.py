"""QuestionnaireResponse received -> intake document, and the keys of the patient it names
(how a response names its patient: `screening.fhir.conventions`). Answers are taken as given:
the intake validation checks them afterwards."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from clinic.models import Clinic
from screening.fhir.conventions import patient_identifier_system
from screening.fhir.questionnaire import FOOD_ENTRY_FIELDS
from screening.instruments import INSTRUMENTS
from screening.instruments.definition import Instrument, Item, ItemType
from screening.validation import latest_possible_date


class QuestionnaireResponseUnusable(ValueError):
    """The resource cannot be read as an intake; `problems` as (location, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {message}" for where, message in problems))
        self.problems = problems


class SubjectUnmatched(QuestionnaireResponseUnusable):
    """The subject names its patient in a way this clinic cannot match safely (another
    identifier system, or two different patients)."""


def instrument_of_questionnaire(canonical: Any) -> Instrument:
    """The instrument a `questionnaire` canonical names (`url|version`, or `url` for the
    latest version)."""
    if not isinstance(canonical, str) or not canonical:
        raise QuestionnaireResponseUnusable(
            [("questionnaire", "must name the Questionnaire as url|version")]
        )
    url, _, version = canonical.partition("|")
    matches = [instrument for instrument in INSTRUMENTS.values() if instrument.url == url]
    if version:
        matches = [instrument for instrument in matches if str(instrument.version) == version]
    if not matches:
        raise QuestionnaireResponseUnusable(
            [("questionnaire", f"unknown questionnaire {canonical[:200]!r}")]
        )
    return max(matches, key=lambda instrument: instrument.version)


def patient_lookup_keys(
    resource: Mapping[str, Any], *, clinic: Clinic
) -> tuple[str | None, int | None]:
    """(external id, patient id) named by the response's subject: its identifier, the
    contained Patient's identifiers, or a `Patient/<id>` reference.

    An identifier names the patient only in the clinic's system (`patient_identifier_system`)
    or without a system, which means the clinic's external id. Raises SubjectUnmatched when
    `subject.identifier` is of another system, when a contained Patient has identifiers but
    none in the clinic's system (others beside one in it are ignored: a Patient may carry
    several), or when the identifiers name different external ids.
    """
    system = patient_identifier_system(clinic)
    subject = resource.get("subject") or {}
    external_ids: list[str] = []
    identifier = subject.get("identifier")
    if identifier:
        if not _in_system(identifier, system):
            raise SubjectUnmatched([("subject", _other_system_message(identifier, system))])
        external_ids.append(identifier.get("value"))
    contained = _contained_patient(resource)
    identifiers = (contained.get("identifier") or []) if contained is not None else []
    ours = [entry.get("value") for entry in identifiers if _in_system(entry, system)]
    if identifiers and not ours:
        raise SubjectUnmatched([("subject", _other_system_message(identifiers[0], system))])
    external_ids.extend(ours)
    named = {value for value in external_ids if isinstance(value, str) and value}
    if len(named) > 1:
        message = "the subject's identifiers name different patients; give one external id"
        raise SubjectUnmatched([("subject", message)])
    reference = subject.get("reference") or ""
    patient_id = None
    if reference.startswith("Patient/") and reference[8:].isdigit():
        patient_id = int(reference[8:])
    return (named.pop() if named else None), patient_id


def _in_system(identifier: Any, system: str) -> bool:
    """Whether an identifier is a patient's external id in the clinic (no system means so)."""
    return isinstance(identifier, Mapping) and identifier.get("system") in (None, system)


def _other_system_message(identifier: Any, system: str) -> str:
    given = identifier.get("system") if isinstance(identifier, Mapping) else None
    return (
        f"the patient identifier system {str(given)[:200]!r} is not this clinic's; identify the "
        f"patient by the clinic's external id with system {system!r} (or no system), "
        "or as Patient/<id>"
    )


def _contained_patient(resource: Mapping[str, Any]) -> Mapping[str, Any] | None:
    reference = (resource.get("subject") or {}).get("reference") or ""
    if not reference.startswith("#"):
        return None
    for contained in resource.get("contained") or []:
        if contained.get("resourceType") == "Patient" and contained.get("id") == reference[1:]:
            return contained
    return None


def intake_document(resource: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """The intake document a (structurally valid) QuestionnaireResponse carries.

    `completed_on` is the date of `authored` as the sender wrote it (its own time zone), and
    `authored` must not be in the future at `now` (aware; see `completed_on_of_authored`).
    Answers are taken as given: their types and ranges are checked afterwards by the intake
    validation, which names each item.
    """
    instrument = instrument_of_questionnaire(resource.get("questionnaire"))
    if resource.get("status") != "completed":
        raise QuestionnaireResponseUnusable([("status", "only a completed response is an intake")])
    completed_on = completed_on_of_authored(resource.get("authored"), now=now)
    answers: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    _collect(resource.get("item") or [], instrument, answers, problems, path="item")
    if problems:
        raise QuestionnaireResponseUnusable(problems)
    for item in instrument.iter_items():
        # The Questionnaire's food list is an optional repeating group: no repetitions, no foods.
        if item.type is ItemType.FOOD_LIST and item.required and item.id not in answers:
            answers[item.id] = []
    document: dict[str, Any] = {
        "instrument": instrument.id,
        "version": instrument.version,
        "completed_on": completed_on,
    }
    contained = _contained_patient(resource)
    if contained is not None and contained.get("birthDate"):
        document["patient"] = {"birth_date": contained["birthDate"]}
    document["answers"] = answers
    return document


# FHIR R4 dateTime with a day: a date alone, or a time with seconds and a UTC offset (FHIR
# requires the offset when a time is given).
_AUTHORED = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?P<time>T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})?"
)
AUTHORED_FORMAT = (
    "a date (YYYY-MM-DD) or a date-time with its UTC offset (2026-11-24T09:30:00+01:00)"
)
MAX_UTC_OFFSET = timedelta(hours=14)


def completed_on_of_authored(authored: Any, *, now: datetime) -> str:
    """The intake's `completed_on` of a response's `authored`: its date as the sender wrote it
    (in the sender's time zone). Raises QuestionnaireResponseUnusable naming `authored` when it
    is in the future: a date-time after `now`, a date alone after the date in UTC+14
    (`latest_possible_date`, as validation judges `completed_on`)."""
    found = _AUTHORED.fullmatch(authored) if isinstance(authored, str) else None
    if found is None:
        raise _authored_unusable(f"the completion date is required: {AUTHORED_FORMAT}")
    if found["time"] is None and found["offset"] is None:
        latest = latest_possible_date(now)
        if _calendar_date(found["date"]) > latest:
            raise _authored_unusable(
                f"{authored} is in the future: the latest date accepted now is "
                f"{latest.isoformat()} (today's date where the day starts first, UTC+14)"
            )
    else:
        instant = _authored_instant(authored, found)
        if instant > now:
            received = now.astimezone(instant.tzinfo).isoformat(timespec="seconds")
            raise _authored_unusable(
                f"{authored} is in the future: the response was received at {received}"
            )
    return found["date"]


def _authored_instant(authored: str, found: re.Match[str]) -> datetime:
    if found["time"] is None:
        raise _authored_unusable(f"a UTC offset needs a time; expected {AUTHORED_FORMAT}")
    if found["offset"] is None:
        raise _authored_unusable(
            f"a time needs its UTC offset (FHIR requires it); expected {AUTHORED_FORMAT}"
        )
    try:
        # Python reads at most six digits of a fraction; the instant needs no more.
        instant = datetime.fromisoformat(re.sub(r"(\.[0-9]{6})[0-9]+", r"\1", authored))
    except ValueError:
        raise _authored_unusable(f"{authored} is not a valid date-time") from None
    offset = instant.utcoffset()
    if offset is None or abs(offset) > MAX_UTC_OFFSET:
        raise _authored_unusable(f"{authored}: a UTC offset is at most 14:00 either way")
    return instant


def _calendar_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _authored_unusable(f"{text} is not a calendar date") from None


def _authored_unusable(message: str) -> QuestionnaireResponseUnusable:
    return QuestionnaireResponseUnusable([("authored", message)])


def _collect(
    fhir_items: list[Mapping[str, Any]],
    instrument: Instrument,
    answers: dict[str, Any],
    problems: list[tuple[str, str]],
    *,
    path: str,
) -> None:
    section_ids = {section.id for section in instrument.sections}
    for index, fhir_item in enumerate(fhir_items):
        link_id = fhir_item.get("linkId")
        where = f"{path}[{index}]"
        if link_id in section_ids:
            _collect(
                fhir_item.get("item") or [], instrument, answers, problems, path=f"{where}.item"
            )
            continue
        item = instrument.items.get(str(link_id))
        if item is None:
            problems.append((str(link_id), "no such item in this questionnaire"))
            continue
        if item.type is ItemType.FOOD_LIST:
            entries = answers.setdefault(item.id, [])
            entry = _food_entry_answers(item, fhir_item, problems)
            if entry:
                entries.append(entry)
            continue
        if item.id in answers:
            problems.append((item.id, "answered more than once"))
            continue
        values = [_answer_value(answer) for answer in fhir_item.get("answer") or []]
        if item.type is ItemType.MULTI_CHOICE:
            answers[item.id] = values
        elif len(values) == 1:
            answers[item.id] = _typed(item, values[0])
        elif len(values) > 1:
            problems.append((item.id, "takes one answer"))


def _food_entry_answers(
    item: Item, fhir_item: Mapping[str, Any], problems: list[tuple[str, str]]
) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    prefix = f"{item.id}."
    for field_item in fhir_item.get("item") or []:
        link_id = str(field_item.get("linkId"))
        field = link_id[len(prefix) :] if link_id.startswith(prefix) else None
        if field not in FOOD_ENTRY_FIELDS:
            problems.append((link_id, "no such field of a food entry"))
            continue
        values = [_answer_value(answer) for answer in field_item.get("answer") or []]
        if len(values) != 1:
            problems.append((link_id, "takes exactly one answer"))
            continue
        entry[field] = values[0]
    return entry


def _answer_value(answer: Mapping[str, Any]) -> Any:
    for key, value in answer.items():
        if key == "valueCoding":
            return (value or {}).get("code")
        if key.startswith("value"):
            return value
    return None


def _typed(item: Item, value: Any) -> Any:
    """A scale's code is its integer answer ("3" -> 3); anything else is left as it came."""
    if item.type is ItemType.SCALE and isinstance(value, str) and value.isdigit():
        return int(value)
    return value
