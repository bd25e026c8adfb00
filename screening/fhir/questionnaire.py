"""The FHIR R4 Questionnaire of an instrument, derived from its definition."""

from __future__ import annotations

import re
from typing import Any

from screening.instruments.definition import (
    Choice,
    Instrument,
    Item,
    ItemType,
    Section,
)

EXTENSION_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
EXTENSION_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXTENSION_MAX_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs"
EXTENSION_ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
EXTENSION_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"

# The keys of one food entry are fixed by the intake document format (SCREENING.md), not by
# the item list, so their questions are spelled out here once.
FOOD_ENTRY_FIELDS = ("food", "name", "onset_year", "previously_tolerated")
FOOD_ENTRY_TEXTS = {
    "food": "Food",
    "name": "Name of the food",
    "onset_year": "Year the reactions started",
    "previously_tolerated": "Could you eat it without trouble before?",
}


def food_entry_link_id(item: Item, field: str) -> str:
    """The linkId of one field of a food entry: `sensitivities.foods.onset_year`."""
    return f"{item.id}.{field}"


def questionnaire_resource(instrument: Instrument) -> dict[str, Any]:
    """A plain JSON-able FHIR R4 Questionnaire: one group per section, one question per item."""
    return {
        "resourceType": "Questionnaire",
        "id": instrument.id,
        "url": instrument.url,
        "version": str(instrument.version),
        "name": computable_name(instrument.id),
        "title": instrument.title,
        "status": "active",
        "subjectType": ["Patient"],
        "item": [section_group(section, instrument) for section in instrument.sections],
    }


def computable_name(instrument_id: str) -> str:
    # FHIR asks for a name usable by machines: capitalised, letters and digits only.
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", instrument_id) if part)


def section_group(section: Section, instrument: Instrument) -> dict[str, Any]:
    return {
        "linkId": section.id,
        "text": section.title,
        "type": "group",
        "required": any(item.required for item in section.items),
        "item": [question(item, instrument) for item in section.items],
    }


def question(item: Item, instrument: Instrument) -> dict[str, Any]:
    if item.type is ItemType.FOOD_LIST:
        resource = food_list_group(item, instrument)
    else:
        resource = {"linkId": item.id, "text": item.label, **answer_format(item)}
        resource["required"] = item.required
    if item.enable_when is not None:
        target = instrument.item(item.enable_when.item)
        resource["enableWhen"] = [
            {
                "question": target.id,
                "operator": "=",
                **enable_when_answer(target, item.enable_when.equals),
            }
        ]
        resource["enableBehavior"] = "all"
    if item.help:
        resource.setdefault("item", []).append(help_display(item))
    return resource


def answer_format(item: Item) -> dict[str, Any]:
    """The FHIR type of a plain question and the constraints on its answer."""
    if item.type is ItemType.SCALE:
        assert item.scale is not None
        return {
            "type": "choice",
            "answerOption": [ordinal_option(choice) for choice in item.scale.choices],
        }
    if item.type is ItemType.INTEGER:
        return {"type": "integer", **integer_bounds(item.minimum, item.maximum)}
    if item.type is ItemType.BOOLEAN:
        return {"type": "boolean"}
    if item.type is ItemType.CHOICE:
        return {"type": "choice", "answerOption": coded_options(item.choices)}
    if item.type is ItemType.MULTI_CHOICE:
        return {"type": "choice", "repeats": True, "answerOption": coded_options(item.choices)}
    if item.type is ItemType.TEXT:
        resource: dict[str, Any] = {"type": "text"}
        if item.max_length is not None:
            resource["maxLength"] = item.max_length
        return resource
    raise ValueError(f"{item.id}: no FHIR answer format for item type {item.type}")


def integer_bounds(minimum: int | None, maximum: int | str | None) -> dict[str, Any]:
    # A bound such as the year of completion depends on the document: only static ones go out.
    extensions = []
    if isinstance(minimum, int):
        extensions.append({"url": EXTENSION_MIN_VALUE, "valueInteger": minimum})
    if isinstance(maximum, int):
        extensions.append({"url": EXTENSION_MAX_VALUE, "valueInteger": maximum})
    return {"extension": extensions} if extensions else {}


def coded_options(choices: tuple[Choice, ...]) -> list[dict[str, Any]]:
    return [{"valueCoding": {"code": choice.code, "display": choice.label}} for choice in choices]


def ordinal_option(choice: Choice) -> dict[str, Any]:
    """A scale answer: its code is the stored integer, and its ordinal value says so too."""
    return {
        "extension": [{"url": EXTENSION_ORDINAL_VALUE, "valueDecimal": int(choice.code)}],
        "valueCoding": {"code": choice.code, "display": choice.label},
    }


def enable_when_answer(target: Item, equals: Any) -> dict[str, Any]:
    """The answer[x] of an enableWhen, typed after the question it looks at."""
    if target.type is ItemType.BOOLEAN:
        return {"answerBoolean": bool(equals)}
    if target.type in (ItemType.SCALE, ItemType.CHOICE, ItemType.MULTI_CHOICE):
        return {"answerCoding": {"code": str(equals)}}
    if target.type is ItemType.INTEGER:
        return {"answerInteger": int(equals)}
    return {"answerString": str(equals)}


def help_display(item: Item) -> dict[str, Any]:
    return {
        "linkId": f"{item.id}.help",
        "text": item.help,
        "type": "display",
        "extension": [
            {
                "url": EXTENSION_ITEM_CONTROL,
                "valueCodeableConcept": {
                    "coding": [{"system": ITEM_CONTROL_SYSTEM, "code": "help"}]
                },
            }
        ],
    }


def food_list_group(item: Item, instrument: Instrument) -> dict[str, Any]:
    """The food list as a repeating group: one repetition per food entry."""
    food_list = instrument.food_list
    assert food_list is not None, f"{item.id}: a food list needs the instrument's food_list"
    food_id = food_entry_link_id(item, "food")
    group: dict[str, Any] = {
        "linkId": item.id,
        "text": item.label,
        "type": "group",
        "repeats": True,
        # An empty list is a valid answer: the group is required only when entries are.
        "required": bool(item.min_entries),
        "item": [
            {
                "linkId": food_id,
                "text": FOOD_ENTRY_TEXTS["food"],
                "type": "choice",
                "required": True,
                "answerOption": coded_options(item.choices),
            },
            {
                "linkId": food_entry_link_id(item, "name"),
                "text": FOOD_ENTRY_TEXTS["name"],
                "type": "string",
                "required": True,
                "maxLength": food_list.name_max_length,
                "enableWhen": [
                    {
                        "question": food_id,
                        "operator": "=",
                        "answerCoding": {"code": food_list.other_code},
                    }
                ],
                "enableBehavior": "all",
            },
            {
                "linkId": food_entry_link_id(item, "onset_year"),
                "text": FOOD_ENTRY_TEXTS["onset_year"],
                "type": "integer",
                "required": True,
                **integer_bounds(food_list.onset_minimum, item.maximum),
            },
            {
                "linkId": food_entry_link_id(item, "previously_tolerated"),
                "text": FOOD_ENTRY_TEXTS["previously_tolerated"],
                "type": "boolean",
                "required": True,
            },
        ],
    }
    if item.max_entries is not None:
        group["extension"] = [{"url": EXTENSION_MAX_OCCURS, "valueInteger": item.max_entries}]
    return group
