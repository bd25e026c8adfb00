"""Checks of a food-list answer: each entry's fixed shape, the year of onset, the name of an
"other" food, and no food listed twice."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

from screening.instruments.definition import COMPLETED_YEAR, Item
from screening.validation.plan import Context, Plan
from screening.validation.problems import (
    Finding,
    count_findings,
    describe,
    listing,
    quote,
    range_finding,
    unknown_field_message,
)

# The fixed shape of a food-list entry; `name` only for the instrument's "other" food.
FOOD_ENTRY_FIELDS = ("food", "onset_year", "previously_tolerated")
FOOD_NAME_FIELD = "name"
# What a valid food-list answer looks like, in words for integrators and forms.
FOOD_LIST_EXPECTED = f"a list of foods, each an object with {listing(FOOD_ENTRY_FIELDS)}"


def check_food_list(plan: Plan, item: Item, value: Any, context: Context) -> Iterator[Finding]:
    if not isinstance(value, list):
        yield Finding("wrong_type", f"expected {FOOD_LIST_EXPECTED}, got {describe(value)}")
        return
    yield from count_findings(item, len(value))
    first_seen: dict[str, int] = {}
    for position, entry in enumerate(value, start=1):
        for found in _check_food_entry(plan, item, entry, context, first_seen, position):
            yield found._replace(message=f"entry {position}: {found.message}", entry=position - 1)


def _check_food_entry(
    plan: Plan,
    item: Item,
    entry: Any,
    context: Context,
    first_seen: dict[str, int],
    position: int,
) -> Iterator[Finding]:
    food_list = plan.instrument.food_list
    assert food_list is not None
    if not isinstance(entry, dict):
        yield Finding(
            "wrong_type",
            f"expected an object with {listing(FOOD_ENTRY_FIELDS)}, got {describe(entry)}",
        )
        return
    allowed = (*FOOD_ENTRY_FIELDS, FOOD_NAME_FIELD)
    for key in entry:
        if key not in allowed:
            yield Finding("unknown_field", unknown_field_message(key, allowed))
    codes = plan.choice_codes[item.id]
    for key in FOOD_ENTRY_FIELDS:
        if key not in entry:
            yield Finding("missing", f"{key} is missing", entry_field=key)
        elif entry[key] is None:
            yield Finding("null_not_allowed", f"{key} is null; give a value", entry_field=key)
    food = entry.get("food")
    if food is not None and not isinstance(food, str):
        message = f"food must be one of {listing(codes)}, got {describe(food)}"
        yield Finding("wrong_type", message, entry_field="food")
        food = None
    elif food is not None and food not in codes:
        message = f"food {quote(food)} is not one of {listing(codes)}"
        yield Finding("not_a_choice", message, entry_field="food")
        food = None
    onset = entry.get("onset_year")
    minimum = food_list.onset_minimum
    maximum = context.bound(item.maximum if item.maximum is not None else COMPLETED_YEAR)
    if onset is not None and type(onset) is not int:
        yield Finding(
            "wrong_type",
            f"onset_year must be a year from {minimum} to {maximum}, got {describe(onset)}",
            entry_field="onset_year",
        )
    elif onset is not None:
        finding = range_finding(onset, minimum, maximum, is_year=True)
        if finding:
            yield Finding("out_of_range", f"onset_year {finding}", entry_field="onset_year")
    tolerated = entry.get("previously_tolerated")
    if tolerated is not None and not isinstance(tolerated, bool):
        yield Finding(
            "wrong_type",
            f"previously_tolerated must be true or false, got {describe(tolerated)}",
            entry_field="previously_tolerated",
        )
    key = yield from _check_food_name(food, entry, food_list.other_code, food_list.name_max_length)
    if key is not None:
        if key in first_seen:
            shown = food if food != food_list.other_code else quote(entry[FOOD_NAME_FIELD].strip())
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
            f"name must be text, {expected}, got {describe(name)}",
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
