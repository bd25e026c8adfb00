"""The patient intake form as steps derived from an instrument definition.

A welcome step, one step per section of the instrument, then a review step. Nothing here knows
an item by name: labels, help texts, scales, choices and conditions all come from the definition,
so a new instrument version gets its form without a template per question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.text import capfirst

from screening.instruments.definition import (
    COMPLETED_YEAR,
    FoodList,
    Instrument,
    Item,
    ItemType,
    Section,
)
from screening.validation import Problem, item_enablement, validate_intake
from screening.wording import answer_in_words

WELCOME = "welcome"
REVIEW = "review"

# Reassurance shown above a section's questions, keyed by section id: presentation, not content.
SECTION_NOTES = {
    "red_flags": (
        "Most people answer no to all of these. A yes does not mean something is wrong: "
        "it helps your practitioner decide whether a check with your doctor comes first."
    ),
}

FOOD_FIELDS = ("food", "name", "onset_year", "previously_tolerated")


@dataclass(frozen=True)
class Step:
    index: int
    slug: str
    title: str
    section: Section | None = None

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def item_ids(self) -> frozenset[str]:
        return frozenset(item.id for item in self.section.items) if self.section else frozenset()


@dataclass
class StepErrors:
    """Errors of one step: inline messages by field key, and the summary in page order."""

    inline: dict[str, str] = field(default_factory=dict)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (href, text)

    def add(self, key: str, anchor: str, label: str, message: str) -> None:
        if key in self.inline:
            return  # one message per field: the first is the most useful
        self.inline[key] = message
        self.summary.append((f"#{anchor}", f"{label}: {message}"))

    def __bool__(self) -> bool:
        return bool(self.inline)


def intake_steps(instrument: Instrument) -> tuple[Step, ...]:
    slugs = [WELCOME, *(section.id.replace("_", "-") for section in instrument.sections), REVIEW]
    titles = ["Welcome", *(section.title for section in instrument.sections), "Check your answers"]
    sections: list[Section | None] = [None, *instrument.sections, None]
    return tuple(
        Step(index=index, slug=slug, title=title, section=section)
        for index, (slug, title, section) in enumerate(zip(slugs, titles, sections, strict=True))
    )


def step_by_slug(steps: Iterable[Step], slug: str) -> Step | None:
    return next((step for step in steps if step.slug == slug), None)


def field_id(item_id: str) -> str:
    """The HTML id of an item's first control: error summary links point here."""
    return "q-" + item_id.replace(".", "-")


def food_field_id(row: int, name: str) -> str:
    return f"food-{row}-{name}"


def draft_document(
    *, instrument: Instrument, answers: Mapping[str, Any], today: date
) -> dict[str, Any]:
    """The intake document the draft would submit today: the form produces the API's format.

    The patient's birth date is not the form's to add: the intake service takes it from the
    patient record, as it does for every entry point.
    """
    document: dict[str, Any] = {
        "instrument": instrument.id,
        "version": instrument.version,
        "completed_on": today.isoformat(),
    }
    document["answers"] = dict(answers)
    return document


def problems_by_step(
    steps: tuple[Step, ...], document: dict[str, Any], *, today: date
) -> dict[int, list[Problem]]:
    """The validation problems of the whole draft, grouped by the step that asks the item.

    Problems outside every section (a bad stored birth date) belong to the review step.
    """
    grouped: dict[int, list[Problem]] = {}
    review = steps[-1].index
    for problem in validate_intake(document, today=today):
        owner = next((step for step in steps if problem.item in step.item_ids), None)
        grouped.setdefault(owner.index if owner else review, []).append(problem)
    return grouped


def furthest_reachable(
    steps: tuple[Step, ...], problems: Mapping[int, list[Problem]], *, started: bool
) -> int:
    """The last step the patient may open: every section before it must be complete."""
    if not started:
        return 0
    for step in steps[1:-1]:
        if problems.get(step.index):
            return step.index
    return steps[-1].index


def completed_year_bound(value: int | str | None, today: date) -> int | None:
    if value == COMPLETED_YEAR:
        return today.year
    return value if isinstance(value, int) else None


def problem_message(item: Item, problem: Problem, today: date) -> str:
    """A plain-language message for a validation problem of a question on the form."""
    code = problem.code
    if code == "incomplete_group":
        return "Answer all four of these questions, or choose “Prefer not to answer” for all four"
    if item.type is ItemType.INTEGER:
        low = completed_year_bound(item.minimum, today)
        high = completed_year_bound(item.maximum, today)
        kind = "year" if item.maximum == COMPLETED_YEAR else "number"
        if code in ("missing", "out_of_range", "wrong_type"):
            return f"Enter a {kind} from {low} to {high}"
    if item.type is ItemType.TEXT and code == "too_long":
        return f"Use {item.max_length} characters or fewer"
    if code == "missing" and item.type is ItemType.MULTI_CHOICE:
        return "Tick all that apply"
    if code in ("missing", "not_a_choice", "out_of_range", "wrong_type"):
        return "Choose an answer"
    return problem.message


def food_problem_target(problem: Problem) -> tuple[int, str] | None:
    """(entry index, field) of a food-list problem that concerns one entry; a problem of the
    entry as a whole (not an object, an unknown field) belongs to its first control."""
    if problem.entry is None:
        return None
    return problem.entry, problem.entry_field or "food"


def food_problem_message(
    problem: Problem, field_name: str, today: date, food_list: FoodList
) -> str:
    if problem.code == "duplicate":
        return "This food is already in your list"
    if field_name == "onset_year":
        return f"Enter a year from {food_list.onset_minimum} to {today.year}"
    if field_name == "name" and problem.code == "too_long":
        return f"Use {food_list.name_max_length} characters or fewer"
    if field_name == "name":
        return "Enter the name of the food"
    if field_name == "previously_tolerated":
        return "Choose yes or no"
    return "Choose a food"


def answer_text(item: Item, value: Any) -> str:
    """An answer in words, for the review step: the scale label whole, as the patient chose it."""
    if value is None or value == []:
        return "Not answered" if item.type is not ItemType.MULTI_CHOICE else "None"
    return capfirst(answer_in_words(item, value, brief=False))


def food_entry_text(item: Item, entry: Mapping[str, Any]) -> str:
    food = entry.get("food")
    name = entry.get("name") if food == "other" else None
    label = name or (item.choice_label(food) if food else "A food")
    parts = [label]
    if entry.get("onset_year") is not None:
        parts.append(f"since {entry['onset_year']}")
    tolerated = entry.get("previously_tolerated")
    if tolerated is not None:
        parts.append("was fine before" if tolerated else "never fine")
    return ", ".join(parts)


def review_sections(
    instrument: Instrument, steps: tuple[Step, ...], answers: Mapping[str, Any], change_base: str
) -> list[dict[str, Any]]:
    """Every question that applies with its answer in words and a link to change it, section
    by section."""
    enabled = item_enablement(instrument, answers)
    sections = []
    for step in steps:
        if step.section is None:
            continue
        rows = []
        for item in step.section.items:
            if not enabled[item.id]:
                continue
            value = answers.get(item.id)
            if item.type is ItemType.FOOD_LIST:
                lines = [food_entry_text(item, entry) for entry in value or []] or ["None"]
            else:
                lines = [answer_text(item, value)]
            anchor = field_id(item.id) if item.type is not ItemType.FOOD_LIST else "foods"
            rows.append(
                {
                    "question": item.label,
                    "short_label": item.short_label,
                    "lines": lines,
                    "href": f"{change_base}{step.slug}/?from=review#{anchor}",
                }
            )
        sections.append({"title": step.section.title, "slug": step.slug, "rows": rows})
    return sections
