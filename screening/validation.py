"""Validation of intake documents against their instrument definition.

Every rule is read from the instrument: item types, scale maxima, ranges (including bounds that
are the year of `completed_on`), choices, lengths, entry counts, required items, `enable_when`
conditions, all-or-none groups and the food-list constraints. A new instrument version needs no
change here. Validation is pure: no database and no clock (`today` is passed in: the latest
acceptable date, `latest_possible_date(now)`).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Collection, Generator, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple

from screening.instruments import INSTRUMENTS, get_instrument
from screening.instruments.definition import COMPLETED_YEAR, Instrument, Item, ItemType


@dataclass(frozen=True)
class Problem:
    """One problem of a document. `entry` and `entry_field` place it inside a list answer, so
    that a form can show it beside the control it concerns without reading the message."""

    item: str  # the item id, or the top-level field ("completed_on", "patient.birth_date")
    code: str
    message: str  # names the entry too ("entry 2: ..."), for readers of the API
    entry: int | None = None  # the index (from 0) of the list entry it concerns
    entry_field: str | None = None  # the field of that food-list entry, when it is one field

    def as_dict(self) -> dict[str, str]:
        return {"item": self.item, "code": self.code, "message": self.message}


class IntakeInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.item}: {p.message}" for p in problems))
        self.problems = problems


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
# The fixed shape of a food-list entry; `name` only for the instrument's "other" food.
FOOD_ENTRY_FIELDS = ("food", "onset_year", "previously_tolerated")
FOOD_NAME_FIELD = "name"

# `date.fromisoformat` also takes "20261124" and week dates; the documents use one form only.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Finding(NamedTuple):
    """A problem found in one answer; the caller adds the item id."""

    code: str
    message: str
    entry: int | None = None
    entry_field: str | None = None


@dataclass(frozen=True)
class _Context:
    """What the checks need from the document itself."""

    completed_year: int

    def bound(self, value: int | str | None) -> int | None:
        if value == COMPLETED_YEAR:
            return self.completed_year
        return value if isinstance(value, int) else None


@dataclass(frozen=True)
class _Plan:
    """An instrument prepared once for validation (lookups instead of scans)."""

    instrument: Instrument
    items: Mapping[str, Item]
    choice_codes: Mapping[str, tuple[str, ...]]
    conditional: tuple[Item, ...]


_PLANS: dict[int, _Plan] = {}


def _plan_for(instrument: Instrument) -> _Plan:
    plan = _PLANS.get(id(instrument))
    if plan is None or plan.instrument is not instrument:
        plan = _plan_build(instrument)
        _PLANS[id(instrument)] = plan
    return plan


def _plan_build(instrument: Instrument) -> _Plan:
    items = dict(instrument.items)
    for item in items.values():
        # A definition mistake must fail loudly, not pass documents silently.
        if item.enable_when is not None and item.enable_when.item not in items:
            raise ValueError(f"{item.id}: enable_when names unknown item {item.enable_when.item}")
        if item.type is ItemType.SCALE and item.scale is None:
            raise ValueError(f"{item.id}: a scale item needs a scale")
        if item.type is ItemType.FOOD_LIST and instrument.food_list is None:
            raise ValueError(f"{item.id}: a food list needs the instrument's food_list constraints")
    for group in instrument.all_or_none:
        unknown = [item_id for item_id in group.items if item_id not in items]
        if unknown:
            raise ValueError(f"all-or-none group {group.name} names unknown items {unknown}")
    plan = _Plan(
        instrument=instrument,
        items=items,
        choice_codes={
            item.id: tuple(choice.code for choice in item.choices) for item in items.values()
        },
        conditional=tuple(item for item in items.values() if item.enable_when is not None),
    )
    _enablement(plan, {}, ())  # raises on conditions that form a cycle
    return plan


def item_enablement(
    instrument: Instrument, answers: Mapping[str, Any], *, invalid: Collection[str] = ()
) -> dict[str, bool | None]:
    """Whether each item of the instrument applies to these answers, by item id.

    The one reading of `enable_when`, for the validator and the patient form alike. An item
    applies when its condition's item is answered with exactly the value named (JSON true is
    not 1) and that item applies itself: a question that depends on one that does not apply
    does not apply either, however the stale answer reads. None (only when `invalid` names
    answers known to be wrong) means the condition rests, directly or along the chain, on one
    of those answers, so nothing can be said yet.
    """
    plan = _plan_for(instrument)
    conditional = _enablement(plan, answers, invalid)
    return {item_id: conditional.get(item_id, True) for item_id in plan.items}


def validate_intake(document: Any, *, today: date) -> list[Problem]:
    """Every problem of the document at once; an empty list when it is valid.

    `today` is the latest acceptable date: `latest_possible_date(now)` for an intake
    submitted now.
    """
    if not isinstance(document, dict):
        return [
            Problem("document", "wrong_type", f"expected a JSON object, got {_describe(document)}")
        ]
    problems = [
        Problem(str(key), "unknown_field", _unknown_field_message(key, TOP_LEVEL_FIELDS))
        for key in document
        if key not in TOP_LEVEL_FIELDS
    ]
    instrument = _instrument_of(document, problems)
    completed_on = _completed_on(document, today, problems)
    _check_patient(document, completed_on, today, problems)
    answers = _answers_of(document, problems)
    if instrument is not None and answers is not None:
        # Without a usable completed_on, no valid document can go past this year.
        context = _Context(completed_year=(completed_on or today).year)
        problems.extend(_answer_problems(_plan_for(instrument), answers, context))
    return problems


def ensure_valid(document: Any, *, today: date) -> Instrument:
    """The document's instrument, or IntakeInvalid with every problem."""
    problems = validate_intake(document, today=today)
    if problems:
        raise IntakeInvalid(problems)
    return get_instrument(document["instrument"], document["version"])


# --- top level ------------------------------------------------------------------------------


def _instrument_of(document: dict[str, Any], problems: list[Problem]) -> Instrument | None:
    instrument_id, version = document.get("instrument"), document.get("version")
    known_ids = sorted({key[0] for key in INSTRUMENTS})
    found: Problem | None = None
    if "instrument" not in document:
        found = Problem("instrument", "missing", f"required: one of {_listing(known_ids)}")
    elif not isinstance(instrument_id, str):
        message = f"expected the instrument id as text, got {_describe(instrument_id)}"
        found = Problem("instrument", "wrong_type", message)
    elif instrument_id not in known_ids:
        message = f"unknown instrument {_quote(instrument_id)}; known: {_listing(known_ids)}"
        found = Problem("instrument", "unknown_instrument", message)
    if found:
        problems.append(found)
    if "version" not in document:
        problems.append(Problem("version", "missing", "required: the instrument version number"))
        return None
    if type(version) is not int:
        message = f"expected the version as a whole number, got {_describe(version)}"
        problems.append(Problem("version", "wrong_type", message))
        return None
    if found or not isinstance(instrument_id, str):
        return None
    if (instrument_id, version) not in INSTRUMENTS:
        versions = sorted(key[1] for key in INSTRUMENTS if key[0] == instrument_id)
        message = f"{instrument_id} has no version {version}; known versions: {_listing(versions)}"
        problems.append(Problem("version", "unknown_instrument", message))
        return None
    return get_instrument(instrument_id, version)


def _completed_on(document: dict[str, Any], today: date, problems: list[Problem]) -> date | None:
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


def _check_patient(
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
        message = f"expected an object, got {_describe(patient)}"
        problems.append(Problem("patient", "wrong_type", message))
        return
    problems.extend(
        Problem(f"patient.{key}", "unknown_field", _unknown_field_message(key, PATIENT_FIELDS))
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
        message = f"expected a date as YYYY-MM-DD, got {_describe(value)}"
        problems.append(Problem(field, "wrong_type", message))
        return None
    if not _ISO_DATE.fullmatch(value):
        message = f"expected a date as YYYY-MM-DD, got {_quote(value)}"
        problems.append(Problem(field, "invalid_date", message))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(field, "invalid_date", f"{value} is not a calendar date"))
        return None


def _answers_of(document: dict[str, Any], problems: list[Problem]) -> dict[str, Any] | None:
    expected = "an object of answers by item id"
    if "answers" not in document:
        problems.append(Problem("answers", "missing", f"required: {expected}"))
        return None
    answers = document["answers"]
    if not isinstance(answers, dict):
        message = f"expected {expected}, got {_describe(answers)}"
        problems.append(Problem("answers", "wrong_type", message))
        return None
    return answers


# --- answers --------------------------------------------------------------------------------


def _answer_problems(plan: _Plan, answers: dict[str, Any], context: _Context) -> list[Problem]:
    problems = [
        Problem(str(key), "unknown_item", _unknown_item_message(plan, key))
        for key in answers
        if key not in plan.items
    ]
    findings: dict[str, list[Finding]] = {}  # only the answers with something wrong
    for item_id, value in answers.items():
        item = plan.items.get(item_id)
        found = list(_check_answer(plan, item, value, context)) if item is not None else None
        if found:
            findings[item_id] = found
    enabled = _enablement(plan, answers, findings.keys())
    for item in plan.items.values():
        state = enabled.get(item.id, True)
        if item.id in answers:
            if state is False:
                problems.append(Problem(item.id, "not_enabled", _not_enabled_message(item)))
            elif item.id in findings:
                problems.extend(Problem(item.id, *finding) for finding in findings[item.id])
        elif item.required and state is True:
            problems.append(Problem(item.id, "missing", _missing_message(plan, item, context)))
    for group in plan.instrument.all_or_none:
        answered = [item_id for item_id in group.items if item_id in answers]
        if answered and len(answered) < len(group.items):
            message = (
                f"{group.name} is answered all together or not at all; "
                f"answered: {_listing(answered)}. Answer this one too, or leave all out"
            )
            problems.extend(
                Problem(item_id, "incomplete_group", message)
                for item_id in group.items
                if item_id not in answers
            )
    return problems


def _enablement(
    plan: _Plan, answers: Mapping[str, Any], invalid: Collection[str]
) -> dict[str, bool | None]:
    """`item_enablement` of the conditional items only (the others always apply)."""
    states: dict[str, bool | None] = {}

    def state_of(item: Item, seen: frozenset[str]) -> bool | None:
        condition = item.enable_when
        if condition is None:
            return True
        if item.id in states:
            return states[item.id]
        if item.id in seen:
            raise ValueError(f"{item.id}: enable_when conditions form a cycle")
        state = state_of(plan.items[condition.item], seen | {item.id})
        if state is True:
            if condition.item not in answers:
                state = False
            elif condition.item in invalid:
                state = None
            else:
                answer = answers[condition.item]
                # JSON true is not 1: compare types as well as values.
                state = type(answer) is type(condition.equals) and answer == condition.equals
        states[item.id] = state
        return state

    for item in plan.conditional:
        state_of(item, frozenset())
    return states


def _check_answer(plan: _Plan, item: Item, value: Any, context: _Context) -> Iterator[Finding]:
    if value is None:
        if item.required:
            hint = f"this question is required (expected {_expected(plan, item, context)})"
        else:
            hint = "omit the item to leave it unanswered"
        yield Finding("null_not_allowed", f"null is not an answer; {hint}")
        return
    yield from _CHECKS[item.type](plan, item, value, context)


def _check_scale(plan: _Plan, item: Item, value: Any, context: _Context) -> Iterator[Finding]:
    assert item.scale is not None
    if type(value) is not int:
        yield Finding(
            "wrong_type", f"expected {_expected(plan, item, context)}, got {_describe(value)}"
        )
    elif not 0 <= value <= item.scale.maximum:
        yield Finding(
            "out_of_range",
            f"{value} is not on the scale; expected {_expected(plan, item, context)}",
        )


def _check_integer(plan: _Plan, item: Item, value: Any, context: _Context) -> Iterator[Finding]:
    if type(value) is not int:
        yield Finding(
            "wrong_type", f"expected {_expected(plan, item, context)}, got {_describe(value)}"
        )
        return
    minimum, maximum = context.bound(item.minimum), context.bound(item.maximum)
    finding = _range_finding(value, minimum, maximum, is_year=item.maximum == COMPLETED_YEAR)
    if finding:
        yield Finding("out_of_range", f"{finding}; expected {_expected(plan, item, context)}")


def _check_boolean(plan: _Plan, item: Item, value: Any, context: _Context) -> Iterator[Finding]:
    if not isinstance(value, bool):
        yield Finding("wrong_type", f"expected true or false, got {_describe(value)}")


def _check_choice(plan: _Plan, item: Item, value: Any, context: _Context) -> Iterator[Finding]:
    if not isinstance(value, str):
        yield Finding(
            "wrong_type", f"expected {_expected(plan, item, context)}, got {_describe(value)}"
        )
    elif value not in plan.choice_codes[item.id]:
        yield Finding(
            "not_a_choice",
            f"{_quote(value)} is not a choice; expected {_expected(plan, item, context)}",
        )


def _check_multi_choice(
    plan: _Plan, item: Item, value: Any, context: _Context
) -> Iterator[Finding]:
    if not isinstance(value, list):
        yield Finding(
            "wrong_type", f"expected {_expected(plan, item, context)}, got {_describe(value)}"
        )
        return
    yield from _count_findings(item, len(value))
    codes = plan.choice_codes[item.id]
    seen: set[str] = set()
    for index, code in enumerate(value):
        if not isinstance(code, str):
            message = f"expected a code, got {_describe(code)}"
            yield Finding("wrong_type", f"entry {index + 1}: {message}", index)
        elif code not in codes:
            message = f"{_quote(code)} is not one of {_listing(codes)}"
            yield Finding("not_a_choice", f"entry {index + 1}: {message}", index)
        elif code in seen:
            message = f"{_quote(code)} is listed more than once"
            yield Finding("duplicate", f"entry {index + 1}: {message}", index)
        else:
            seen.add(code)


def _check_text(plan: _Plan, item: Item, value: Any, context: _Context) -> Iterator[Finding]:
    if not isinstance(value, str):
        yield Finding(
            "wrong_type", f"expected {_expected(plan, item, context)}, got {_describe(value)}"
        )
    elif item.max_length is not None and len(value) > item.max_length:
        yield Finding("too_long", f"{len(value)} characters; at most {item.max_length} are allowed")


def _check_food_list(plan: _Plan, item: Item, value: Any, context: _Context) -> Iterator[Finding]:
    if not isinstance(value, list):
        yield Finding(
            "wrong_type", f"expected {_expected(plan, item, context)}, got {_describe(value)}"
        )
        return
    yield from _count_findings(item, len(value))
    first_seen: dict[str, int] = {}
    for position, entry in enumerate(value, start=1):
        for found in _check_food_entry(plan, item, entry, context, first_seen, position):
            yield found._replace(message=f"entry {position}: {found.message}", entry=position - 1)


def _check_food_entry(
    plan: _Plan,
    item: Item,
    entry: Any,
    context: _Context,
    first_seen: dict[str, int],
    position: int,
) -> Iterator[Finding]:
    food_list = plan.instrument.food_list
    assert food_list is not None
    if not isinstance(entry, dict):
        yield Finding(
            "wrong_type",
            f"expected an object with {_listing(FOOD_ENTRY_FIELDS)}, got {_describe(entry)}",
        )
        return
    allowed = (*FOOD_ENTRY_FIELDS, FOOD_NAME_FIELD)
    for key in entry:
        if key not in allowed:
            yield Finding("unknown_field", _unknown_field_message(key, allowed))
    codes = plan.choice_codes[item.id]
    for key in FOOD_ENTRY_FIELDS:
        if key not in entry:
            yield Finding("missing", f"{key} is missing", entry_field=key)
        elif entry[key] is None:
            yield Finding("null_not_allowed", f"{key} is null; give a value", entry_field=key)
    food = entry.get("food")
    if food is not None and not isinstance(food, str):
        message = f"food must be one of {_listing(codes)}, got {_describe(food)}"
        yield Finding("wrong_type", message, entry_field="food")
        food = None
    elif food is not None and food not in codes:
        message = f"food {_quote(food)} is not one of {_listing(codes)}"
        yield Finding("not_a_choice", message, entry_field="food")
        food = None
    onset = entry.get("onset_year")
    minimum = food_list.onset_minimum
    maximum = context.bound(item.maximum if item.maximum is not None else COMPLETED_YEAR)
    if onset is not None and type(onset) is not int:
        yield Finding(
            "wrong_type",
            f"onset_year must be a year from {minimum} to {maximum}, got {_describe(onset)}",
            entry_field="onset_year",
        )
    elif onset is not None:
        finding = _range_finding(onset, minimum, maximum, is_year=True)
        if finding:
            yield Finding("out_of_range", f"onset_year {finding}", entry_field="onset_year")
    tolerated = entry.get("previously_tolerated")
    if tolerated is not None and not isinstance(tolerated, bool):
        yield Finding(
            "wrong_type",
            f"previously_tolerated must be true or false, got {_describe(tolerated)}",
            entry_field="previously_tolerated",
        )
    key = yield from _check_food_name(food, entry, food_list.other_code, food_list.name_max_length)
    if key is not None:
        if key in first_seen:
            shown = food if food != food_list.other_code else _quote(entry[FOOD_NAME_FIELD].strip())
            message = f"{shown} is already listed in entry {first_seen[key]}"
            yield Finding("duplicate", message, entry_field="food")
        else:
            first_seen[key] = position


def _check_food_name(
    food: str | None, entry: dict[str, Any], other_code: str, max_length: int
) -> Generator[Finding, None, str | None]:
    """Checks the name of an "other" food; returns the key that tells foods apart, or None."""
    if food is None:
        return None
    if food != other_code:
        if FOOD_NAME_FIELD in entry:
            message = f'name is only given for food "{other_code}"; omit it for {food}'
            yield Finding("not_enabled", message, entry_field=FOOD_NAME_FIELD)
        return food
    name = entry.get(FOOD_NAME_FIELD)
    expected = f"1 to {max_length} characters naming the food"
    if FOOD_NAME_FIELD not in entry:
        yield Finding(
            "missing",
            f'name is required for food "{other_code}": {expected}',
            entry_field=FOOD_NAME_FIELD,
        )
    elif name is None:
        yield Finding(
            "null_not_allowed", f"name is null; expected {expected}", entry_field=FOOD_NAME_FIELD
        )
    elif not isinstance(name, str):
        yield Finding(
            "wrong_type",
            f"name must be text, {expected}, got {_describe(name)}",
            entry_field=FOOD_NAME_FIELD,
        )
    elif not name.strip():
        yield Finding("missing", f"name is blank; expected {expected}", entry_field=FOOD_NAME_FIELD)
    elif len(name) > max_length:
        message = f"name has {len(name)} characters; at most {max_length} are allowed"
        yield Finding("too_long", message, entry_field=FOOD_NAME_FIELD)
    else:
        # "Buckwheat" and " buckwheat" are the same food.
        return f"{other_code}:{name.strip().casefold()}"
    return None


def _count_findings(item: Item, count: int) -> Iterator[Finding]:
    if item.max_entries is not None and count > item.max_entries:
        yield Finding("too_many", f"{count} entries; at most {item.max_entries} are allowed")
    if item.min_entries is not None and count < item.min_entries:
        yield Finding("out_of_range", f"{count} entries; at least {item.min_entries} are needed")


def _range_finding(
    value: int, minimum: int | None, maximum: int | None, *, is_year: bool
) -> str | None:
    if minimum is not None and value < minimum:
        return f"{value} is {'before' if is_year else 'below'} {minimum}"
    if maximum is not None and value > maximum:
        return f"{value} is {'after' if is_year else 'above'} {maximum}"
    return None


_CHECKS: dict[ItemType, Callable[[_Plan, Item, Any, _Context], Iterator[Finding]]] = {
    ItemType.SCALE: _check_scale,
    ItemType.INTEGER: _check_integer,
    ItemType.BOOLEAN: _check_boolean,
    ItemType.CHOICE: _check_choice,
    ItemType.MULTI_CHOICE: _check_multi_choice,
    ItemType.TEXT: _check_text,
    ItemType.FOOD_LIST: _check_food_list,
}


# --- messages -------------------------------------------------------------------------------


def _expected(plan: _Plan, item: Item, context: _Context) -> str:
    """What a valid answer to `item` looks like, in words for integrators and forms."""
    if item.type is ItemType.SCALE:
        assert item.scale is not None
        first, last = item.scale.choices[0], item.scale.choices[-1]
        return f"a whole number from 0 ({first.label}) to {item.scale.maximum} ({last.label})"
    if item.type is ItemType.INTEGER:
        minimum, maximum = context.bound(item.minimum), context.bound(item.maximum)
        bounds = f" from {minimum}" if minimum is not None else ""
        bounds += f" to {maximum}" if maximum is not None else ""
        return f"a whole number{bounds}" + (f" ({item.unit})" if item.unit else "")
    if item.type is ItemType.BOOLEAN:
        return "true or false"
    if item.type is ItemType.CHOICE:
        return f"one of {_listing(plan.choice_codes[item.id])}"
    if item.type is ItemType.MULTI_CHOICE:
        return f"a list of distinct codes out of {_listing(plan.choice_codes[item.id])}"
    if item.type is ItemType.TEXT:
        return f"text of at most {item.max_length} characters" if item.max_length else "text"
    return f"a list of foods, each an object with {_listing(FOOD_ENTRY_FIELDS)}"


def _missing_message(plan: _Plan, item: Item, context: _Context) -> str:
    condition = item.enable_when
    when = "" if condition is None else f" when {condition.item} is {json.dumps(condition.equals)}"
    return f"required{when}: expected {_expected(plan, item, context)}"


def _not_enabled_message(item: Item) -> str:
    assert item.enable_when is not None
    condition = item.enable_when
    return (
        f"answer this only when {condition.item} is {json.dumps(condition.equals)}; "
        "omit it otherwise"
    )


def _unknown_field_message(key: Any, allowed: tuple[str, ...]) -> str:
    return f"unknown field {_quote(str(key))}; allowed: {_listing(allowed)}"


def _unknown_item_message(plan: _Plan, key: Any) -> str:
    message = (
        f"unknown item {_quote(str(key))} in {plan.instrument.id} version {plan.instrument.version}"
    )
    close = difflib.get_close_matches(str(key), plan.items, n=1)
    return f"{message}; did you mean {_quote(close[0])}?" if close else message


def _describe(value: Any) -> str:
    """A received value in words: "the text "3"" says more than a bare 3."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {_quote(value)}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _quote(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(shown, ensure_ascii=False)


def _listing(values: Any) -> str:
    return ", ".join(str(value) for value in values)
