"""Forms of the patient intake: type checks of posted fields, built from the instrument.

The forms only check that a posted value has the right type (a number, one of the choices).
Whether an answer is required, in range or allowed at all is the instrument validation's call
(screening.validation), so the form and the API can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms

from clinic.intake_form.steps import FOOD_FIELDS, field_id, food_field_id
from screening.instruments.definition import Item, ItemType, Section

YES, NO = "yes", "no"
YES_NO = ((YES, "Yes"), (NO, "No"))
# An optional radio group needs a way back to "unanswered" without JavaScript.
SKIP_LABEL = "Prefer not to answer"

CHOOSE_AN_ANSWER = "Choose an answer"
WHOLE_NUMBER = "Enter a whole number, like 7"

_FOOD_KEY = re.compile(r"^food-(\d{1,3})-(\w+)$")


def _yes_no(value: str) -> bool:
    return value == YES


def _item_field(item: Item) -> forms.Field:
    choice_errors = {"invalid_choice": CHOOSE_AN_ANSWER}
    if item.type is ItemType.SCALE:
        assert item.scale is not None
        return forms.TypedChoiceField(
            choices=[(c.code, c.label) for c in item.scale.choices],
            coerce=int,
            empty_value=None,
            required=False,
            error_messages=choice_errors,
        )
    if item.type is ItemType.INTEGER:
        return forms.IntegerField(required=False, error_messages={"invalid": WHOLE_NUMBER})
    if item.type is ItemType.BOOLEAN:
        return forms.TypedChoiceField(
            choices=YES_NO,
            coerce=_yes_no,
            empty_value=None,
            required=False,
            error_messages=choice_errors,
        )
    if item.type is ItemType.CHOICE:
        return forms.ChoiceField(
            choices=[(c.code, c.label) for c in item.choices],
            required=False,
            error_messages=choice_errors,
        )
    if item.type is ItemType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c.code, c.label) for c in item.choices],
            required=False,
            error_messages={"invalid_choice": "Choose from the options shown"},
        )
    return forms.CharField(required=False)


def initial_value(item: Item, value: Any) -> Any:
    """A stored answer as the form posts it back."""
    if value is None:
        return None
    if item.type is ItemType.BOOLEAN:
        return YES if value else NO
    if item.type is ItemType.MULTI_CHOICE:
        return list(value)
    return str(value)


class ConsentForm(forms.Form):
    consent = forms.BooleanField(
        error_messages={"required": "Tick the box to say you agree, so that you can start"}
    )


class SectionForm(forms.Form):
    """The questions of one section, except the food list (see FoodRows)."""

    def __init__(self, section: Section, answers: Mapping[str, Any], data: Any = None) -> None:
        self.section = section
        self.items = [item for item in section.items if item.type is not ItemType.FOOD_LIST]
        initial = {item.id: initial_value(item, answers.get(item.id)) for item in self.items}
        super().__init__(data=data, initial=initial)
        for item in self.items:
            self.fields[item.id] = _item_field(item)

    def answers(self) -> dict[str, Any]:
        """The answers that passed the type checks; None marks a question left empty."""
        self.is_valid()
        found: dict[str, Any] = {}
        for item in self.items:
            if item.id not in self.cleaned_data:
                continue
            value = self.cleaned_data[item.id]
            if value in ("", None):
                value = None
            if item.type is ItemType.MULTI_CHOICE:
                # The definition's order, whatever order the browser posted.
                chosen = set(value or [])
                value = [c.code for c in item.choices if c.code in chosen]
            found[item.id] = value
        return found

    def type_errors(self) -> dict[str, str]:
        self.is_valid()
        return {name: str(errors[0]) for name, errors in self.errors.items()}


def food_choices(item: Item) -> list[tuple[str, str]]:
    return [("", "Choose a food"), *((c.code, c.label) for c in item.choices)]


def food_row_form_class(item: Item) -> type[forms.Form]:
    return type(
        "FoodRowForm",
        (forms.Form,),
        {
            "food": forms.ChoiceField(
                choices=food_choices(item),
                required=False,
                error_messages={"invalid_choice": "Choose a food from the list"},
            ),
            "name": forms.CharField(required=False),
            "onset_year": forms.IntegerField(
                required=False, error_messages={"invalid": "Enter a year, like 2019"}
            ),
            "previously_tolerated": forms.TypedChoiceField(
                choices=YES_NO,
                coerce=_yes_no,
                empty_value=None,
                required=False,
                error_messages={"invalid_choice": "Choose yes or no"},
            ),
        },
    )


class FoodRows:
    """The repeatable food rows: `food-<n>-<field>` in the post, entries in the answers.

    The rows are found from the posted field names, not from a counter the browser could
    change; at most `max_entries` rows are read.
    """

    def __init__(self, item: Item, *, data: Any = None, entries: list[Any] | None = None) -> None:
        self.item = item
        self.form_class = food_row_form_class(item)
        limit = item.max_entries or 30
        if data is None:
            self.forms = [
                self.form_class(prefix=f"food-{n}", initial=_entry_initial(entry))
                for n, entry in enumerate(entries or [])
                if isinstance(entry, dict)
            ]
            return
        indexes = sorted({int(m.group(1)) for key in data if (m := _FOOD_KEY.match(key))})[:limit]
        self.forms = [
            self.form_class(_renumbered(data, old, new), prefix=f"food-{new}")
            for new, old in enumerate(indexes)
        ]

    def entries(self) -> tuple[list[dict[str, Any]], list[int]]:
        """The entries of the non-blank rows, and the row each entry came from."""
        entries, rows = [], []
        for row, form in enumerate(self.forms):
            if not form.is_bound:
                continue
            form.is_valid()
            raw = [form.data.get(f"{form.prefix}-{name}", "") for name in FOOD_FIELDS]
            if not any(str(value).strip() for value in raw):
                continue  # an empty row is no answer
            entries.append(_entry_from(form.cleaned_data))
            rows.append(row)
        return entries, rows

    def type_errors(self) -> dict[str, str]:
        found = {}
        for row, form in enumerate(self.forms):
            if form.is_bound and not form.is_valid():
                for name, errors in form.errors.items():
                    found[food_field_id(row, name)] = str(errors[0])
        return found

    def add_blank(self) -> None:
        if len(self.forms) < (self.item.max_entries or 30):
            self.forms.append(self.form_class(prefix=f"food-{len(self.forms)}"))

    def remove(self, row: int) -> None:
        """Drop a row and renumber the rest, keeping what was typed into them."""
        kept = [form for n, form in enumerate(self.forms) if n != row]
        self.forms = []
        for new, form in enumerate(kept):
            values = {name: _raw(form, name) for name in FOOD_FIELDS}
            data = {f"food-{new}-{name}": value for name, value in values.items() if value}
            self.forms.append(self.form_class(data, prefix=f"food-{new}"))


def _entry_initial(entry: Mapping[str, Any]) -> dict[str, Any]:
    tolerated = entry.get("previously_tolerated")
    return {
        "food": entry.get("food", ""),
        "name": entry.get("name", ""),
        "onset_year": "" if entry.get("onset_year") is None else str(entry["onset_year"]),
        "previously_tolerated": "" if tolerated is None else (YES if tolerated else NO),
    }


def _entry_from(cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """An entry in the document's shape; a name is kept only for the "other" food."""
    entry: dict[str, Any] = {}
    food = cleaned.get("food")
    if food:
        entry["food"] = food
        if food == "other" and cleaned.get("name", "").strip():
            entry["name"] = cleaned["name"].strip()
    if cleaned.get("onset_year") is not None:
        entry["onset_year"] = cleaned["onset_year"]
    if cleaned.get("previously_tolerated") is not None:
        entry["previously_tolerated"] = cleaned["previously_tolerated"]
    return entry


def _renumbered(data: Any, old: int, new: int) -> dict[str, str]:
    return {
        f"food-{new}-{name}": data.get(f"food-{old}-{name}", "")
        for name in FOOD_FIELDS
        if f"food-{old}-{name}" in data
    }


def _raw(form: forms.Form, name: str) -> str:
    if form.is_bound:
        return str(form.data.get(f"{form.prefix}-{name}", ""))
    value = form.initial.get(name, "")
    return "" if value is None else str(value)


def food_row_contexts(
    rows: FoodRows, errors: Mapping[str, str], focus_row: int | None
) -> list[dict[str, Any]]:
    """What the template needs to draw each food row."""
    contexts = []
    for row, form in enumerate(rows.forms):
        values = {name: _raw(form, name) for name in FOOD_FIELDS}
        contexts.append(
            {
                "number": row + 1,
                "index": row,
                "prefix": form.prefix,
                "values": values,
                "food_options": [
                    {"value": code, "label": label, "selected": code == values["food"]}
                    for code, label in food_choices(rows.item)
                ],
                "tolerated_options": [
                    {
                        "value": value,
                        "label": label,
                        "id": f"{food_field_id(row, 'previously_tolerated')}"
                        + ("" if n == 0 else f"-{value}"),
                        "checked": values["previously_tolerated"] == value,
                    }
                    for n, (value, label) in enumerate(YES_NO)
                ],
                "errors": {name: errors.get(food_field_id(row, name)) for name in FOOD_FIELDS},
                "autofocus": row == focus_row,
                "is_other": values["food"] == "other",
            }
        )
    return contexts


def question_contexts(form: SectionForm, errors: Mapping[str, str]) -> list[dict[str, Any]]:
    """What the template needs to draw each question of a section form."""
    contexts = []
    for item in form.items:
        bound = form[item.id]
        value = bound.value()
        anchor = field_id(item.id)
        context: dict[str, Any] = {
            "item": item,
            "name": item.id,
            "id": anchor,
            "hint_id": f"{anchor}-hint",
            "error_id": f"{anchor}-error",
            "error": errors.get(item.id),
            "kind": _kind(item),
            "value": "" if value is None else value,
            "conditional_on": None,
        }
        hints = [item.help] if item.help else []
        if item.enable_when is not None:
            shown_when = _condition_value(item.enable_when.equals)
            context["conditional_on"] = {"name": item.enable_when.item, "value": shown_when}
            hints.append(
                "Only answer this if you answered "
                f"“{_condition_label(item.enable_when.equals)}” to the question before."
            )
        context["hint"] = " ".join(hints)
        described = [context["hint_id"]] if hints else []
        if context["error"]:
            described.append(context["error_id"])
        if item.unit and context["kind"] == "number":
            described.append(f"{anchor}-unit")
        context["describedby"] = " ".join(described)
        if context["kind"] in ("radios", "checkboxes"):
            context["options"] = _options(item, anchor, value)
        contexts.append(context)
    return contexts


def _condition_value(equals: Any) -> str:
    if isinstance(equals, bool):
        return YES if equals else NO
    return str(equals)


def _condition_label(equals: Any) -> str:
    if isinstance(equals, bool):
        return "Yes" if equals else "No"
    return str(equals)


def _kind(item: Item) -> str:
    if item.type in (ItemType.SCALE, ItemType.BOOLEAN, ItemType.CHOICE):
        return "radios"
    if item.type is ItemType.MULTI_CHOICE:
        return "checkboxes"
    if item.type is ItemType.INTEGER:
        return "number"
    return "text"


def _options(item: Item, anchor: str, value: Any) -> list[dict[str, Any]]:
    if item.type is ItemType.SCALE:
        assert item.scale is not None
        pairs = [(c.code, c.label.capitalize()) for c in item.scale.choices]
    elif item.type is ItemType.BOOLEAN:
        pairs = list(YES_NO)
    else:
        pairs = [(c.code, c.label) for c in item.choices]
    if not item.required and item.type is not ItemType.MULTI_CHOICE:
        pairs.append(("", SKIP_LABEL))
    if value is None:
        chosen: set[str] = set()
    else:
        chosen = {str(v) for v in value} if isinstance(value, list) else {str(value)}
    return [
        {
            # The first option carries the item's id so that error links land on it.
            "id": anchor if n == 0 else f"{anchor}-{n}",
            "value": code,
            "label": label,
            "checked": code in chosen,
        }
        for n, (code, label) in enumerate(pairs)
    ]
