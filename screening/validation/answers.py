"""Checks of the answers: each against its item by type, required and conditional items
(`enable_when`), all-or-none groups, and the words for what a valid answer looks like."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from typing import Any

from screening.instruments.definition import COMPLETED_YEAR, Item, ItemType
from screening.validation.food_list import FOOD_LIST_EXPECTED, check_food_list
from screening.validation.plan import Context, Plan, enablement
from screening.validation.problems import (
    MAX_PROBLEMS,
    MAX_SUGGESTIONS,
    Finding,
    Problem,
    count_findings,
    describe,
    listing,
    quote,
    range_finding,
)


def answer_problems(plan: Plan, answers: dict[str, Any], context: Context) -> list[Problem]:
    # Unknown keys come first: past MAX_PROBLEMS of them, each is only counted (`capped`
    # leaves it out), so it gets a plain message and no suggestion.
    unknown = [key for key in answers if key not in plan.items]
    problems = [
        Problem(
            str(key),
            "unknown_item",
            _unknown_item_message(plan, key, suggest=n < MAX_SUGGESTIONS)
            if n < MAX_PROBLEMS
            else "unknown item",
        )
        for n, key in enumerate(unknown)
    ]
    findings: dict[str, list[Finding]] = {}  # only the answers with something wrong
    for item_id, value in answers.items():
        item = plan.items.get(item_id)
        found = list(_check_answer(plan, item, value, context)) if item is not None else None
        if found:
            findings[item_id] = found
    enabled = enablement(plan, answers, findings.keys())
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
                f"answered: {listing(answered)}. Answer this one too, or leave all out"
            )
            problems.extend(
                Problem(item_id, "incomplete_group", message)
                for item_id in group.items
                if item_id not in answers
            )
    return problems


def _check_answer(plan: Plan, item: Item, value: Any, context: Context) -> Iterator[Finding]:
    if value is None:
        if item.required:
            hint = f"this question is required (expected {_expected(plan, item, context)})"
        else:
            hint = "omit the item to leave it unanswered"
        yield Finding("null_not_allowed", f"null is not an answer; {hint}")
        return
    yield from _CHECKS[item.type](plan, item, value, context)


def _check_scale(plan: Plan, item: Item, value: Any, context: Context) -> Iterator[Finding]:
    assert item.scale is not None
    if type(value) is not int:
        yield Finding(
            "wrong_type", f"expected {_expected(plan, item, context)}, got {describe(value)}"
        )
    elif not 0 <= value <= item.scale.maximum:
        yield Finding(
            "out_of_range",
            f"{value} is not on the scale; expected {_expected(plan, item, context)}",
        )


def _check_integer(plan: Plan, item: Item, value: Any, context: Context) -> Iterator[Finding]:
    if type(value) is not int:
        yield Finding(
            "wrong_type", f"expected {_expected(plan, item, context)}, got {describe(value)}"
        )
        return
    minimum, maximum = context.bound(item.minimum), context.bound(item.maximum)
    finding = range_finding(value, minimum, maximum, is_year=item.maximum == COMPLETED_YEAR)
    if finding:
        yield Finding("out_of_range", f"{finding}; expected {_expected(plan, item, context)}")


def _check_boolean(plan: Plan, item: Item, value: Any, context: Context) -> Iterator[Finding]:
    if not isinstance(value, bool):
        yield Finding("wrong_type", f"expected true or false, got {describe(value)}")


def _check_choice(plan: Plan, item: Item, value: Any, context: Context) -> Iterator[Finding]:
    if not isinstance(value, str):
        yield Finding(
            "wrong_type", f"expected {_expected(plan, item, context)}, got {describe(value)}"
        )
    elif value not in plan.choice_codes[item.id]:
        yield Finding(
            "not_a_choice",
            f"{quote(value)} is not a choice; expected {_expected(plan, item, context)}",
        )


def _check_multi_choice(plan: Plan, item: Item, value: Any, context: Context) -> Iterator[Finding]:
    if not isinstance(value, list):
        yield Finding(
            "wrong_type", f"expected {_expected(plan, item, context)}, got {describe(value)}"
        )
        return
    yield from count_findings(item, len(value))
    codes = plan.choice_codes[item.id]
    seen: set[str] = set()
    for index, code in enumerate(value):
        if not isinstance(code, str):
            message = f"expected a code, got {describe(code)}"
            yield Finding("wrong_type", f"entry {index + 1}: {message}", index)
        elif code not in codes:
            message = f"{quote(code)} is not one of {listing(codes)}"
            yield Finding("not_a_choice", f"entry {index + 1}: {message}", index)
        elif code in seen:
            message = f"{quote(code)} is listed more than once"
            yield Finding("duplicate", f"entry {index + 1}: {message}", index)
        else:
            seen.add(code)


def _check_text(plan: Plan, item: Item, value: Any, context: Context) -> Iterator[Finding]:
    if not isinstance(value, str):
        yield Finding(
            "wrong_type", f"expected {_expected(plan, item, context)}, got {describe(value)}"
        )
    elif item.max_length is not None and len(value) > item.max_length:
        yield Finding("too_long", f"{len(value)} characters; at most {item.max_length} are allowed")


_CHECKS: dict[ItemType, Callable[[Plan, Item, Any, Context], Iterator[Finding]]] = {
    ItemType.SCALE: _check_scale,
    ItemType.INTEGER: _check_integer,
    ItemType.BOOLEAN: _check_boolean,
    ItemType.CHOICE: _check_choice,
    ItemType.MULTI_CHOICE: _check_multi_choice,
    ItemType.TEXT: _check_text,
    ItemType.FOOD_LIST: check_food_list,
}


# --- messages -------------------------------------------------------------------------------


def _expected(plan: Plan, item: Item, context: Context) -> str:
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
        return f"one of {listing(plan.choice_codes[item.id])}"
    if item.type is ItemType.MULTI_CHOICE:
        return f"a list of distinct codes out of {listing(plan.choice_codes[item.id])}"
    if item.type is ItemType.TEXT:
        return f"text of at most {item.max_length} characters" if item.max_length else "text"
    return FOOD_LIST_EXPECTED


def _missing_message(plan: Plan, item: Item, context: Context) -> str:
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


def _unknown_item_message(plan: Plan, key: Any, *, suggest: bool) -> str:
    message = (
        f"unknown item {quote(str(key))} in {plan.instrument.id} version {plan.instrument.version}"
    )
    if not suggest:
        return message
    close = difflib.get_close_matches(str(key), plan.items, n=1)
    return f"{message}; did you mean {quote(close[0])}?" if close else message
