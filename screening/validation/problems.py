"""Problems of an intake document, the findings they are made of, and the words they are told in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from screening.instruments.definition import Item


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


# A rejected document costs no more than an accepted one: at most this many problems are
# reported (then one saying how many were left out), and close-match suggestions ("did you
# mean ...?", a difflib comparison with every item id) are computed for this many unknown keys.
MAX_PROBLEMS = 50
MAX_SUGGESTIONS = 10


def capped(problems: list[Problem]) -> list[Problem]:
    """The first MAX_PROBLEMS problems, and a last one counting those left out."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    left_out = len(problems) - MAX_PROBLEMS
    message = (
        f"{left_out} more problem{'s' if left_out != 1 else ''} left out; "
        f"at most {MAX_PROBLEMS} are reported at once"
    )
    return [*problems[:MAX_PROBLEMS], Problem("document", "too_many_problems", message)]


class IntakeInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.item}: {p.message}" for p in problems))
        self.problems = problems


class Finding(NamedTuple):
    """A problem found in one answer; the caller adds the item id."""

    code: str
    message: str
    entry: int | None = None
    entry_field: str | None = None


# --- findings shared by the checks of answers and of food-list entries ---------------------


def count_findings(item: Item, count: int) -> Iterator[Finding]:
    if item.max_entries is not None and count > item.max_entries:
        yield Finding("too_many", f"{count} entries; at most {item.max_entries} are allowed")
    if item.min_entries is not None and count < item.min_entries:
        yield Finding("out_of_range", f"{count} entries; at least {item.min_entries} are needed")


def range_finding(
    value: int, minimum: int | None, maximum: int | None, *, is_year: bool
) -> str | None:
    if minimum is not None and value < minimum:
        return f"{value} is {'before' if is_year else 'below'} {minimum}"
    if maximum is not None and value > maximum:
        return f"{value} is {'after' if is_year else 'above'} {maximum}"
    return None


# --- words ---------------------------------------------------------------------------------


def unknown_field_message(key: Any, allowed: tuple[str, ...]) -> str:
    return f"unknown field {quote(str(key))}; allowed: {listing(allowed)}"


def describe(value: Any) -> str:
    """A received value in words: "the text "3"" says more than a bare 3."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {quote(value)}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def quote(text: str, limit: int = 40) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(shown, ensure_ascii=False)


def listing(values: Any) -> str:
    return ", ".join(str(value) for value in values)
