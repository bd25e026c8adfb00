"""The FHIR R4 Questionnaire derived from the instrument definition, and its export command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from fhir.resources.R4B.questionnaire import Questionnaire

from screening.fhir.questionnaire import (
    FOOD_ENTRY_FIELDS,
    food_entry_link_id,
    questionnaire_resource,
)
from screening.instruments import get_instrument
from screening.instruments.definition import Instrument, ItemType

INSTRUMENT = get_instrument("barrier-intake", 1)


def walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from walk(item.get("item", []))


def by_link_id(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for item in walk(resource["item"])}


def food_sub_item_ids(instrument: Instrument) -> set[str]:
    return {
        food_entry_link_id(item, field)
        for item in instrument.iter_items()
        if item.type is ItemType.FOOD_LIST
        for field in FOOD_ENTRY_FIELDS
    }


@pytest.fixture(scope="module")
def resource() -> dict[str, Any]:
    return questionnaire_resource(INSTRUMENT)


def test_it_validates_as_an_r4b_questionnaire_and_round_trips(resource: dict[str, Any]) -> None:
    questionnaire = Questionnaire.model_validate(resource)

    assert json.loads(questionnaire.model_dump_json()) == resource
    assert questionnaire.url == INSTRUMENT.url
    assert questionnaire.version == "1"
    assert questionnaire.status == "active"


def test_it_is_plain_json(resource: dict[str, Any]) -> None:
    assert json.loads(json.dumps(resource)) == resource


def test_its_questions_are_exactly_the_items_and_the_food_entry_fields(
    resource: dict[str, Any],
) -> None:
    questions = {
        item["linkId"]
        for item in walk(resource["item"])
        if item["type"] not in {"group", "display"}
    }

    assert questions == set(INSTRUMENT.items) - {"sensitivities.foods"} | food_sub_item_ids(
        INSTRUMENT
    )


def test_its_groups_are_the_sections_and_the_food_list(resource: dict[str, Any]) -> None:
    groups = [item["linkId"] for item in walk(resource["item"]) if item["type"] == "group"]

    assert groups[0] == "bloating"
    assert set(groups) == {section.id for section in INSTRUMENT.sections} | {"sensitivities.foods"}
    assert [item["linkId"] for item in resource["item"]] == [s.id for s in INSTRUMENT.sections]


def test_link_ids_are_unique(resource: dict[str, Any]) -> None:
    link_ids = [item["linkId"] for item in walk(resource["item"])]

    assert len(link_ids) == len(set(link_ids))


def test_elimination_relief_is_enabled_only_after_an_elimination_diet(
    resource: dict[str, Any],
) -> None:
    relief = by_link_id(resource)["sensitivities.elimination_relief"]

    assert relief["enableWhen"] == [
        {"question": "sensitivities.elimination_tried", "operator": "=", "answerBoolean": True}
    ]
    assert relief["enableBehavior"] == "all"
    assert [option["valueCoding"]["code"] for option in relief["answerOption"]] == [
        "none",
        "temporary",
        "lasting",
    ]


def test_scales_are_coded_choices_with_their_labels(resource: dict[str, Any]) -> None:
    water = by_link_id(resource)["bloating.after_water"]

    assert water["type"] == "choice"
    assert water["required"] is True
    assert [option["valueCoding"]["code"] for option in water["answerOption"]] == list("01234")
    assert water["answerOption"][2]["valueCoding"]["display"] == "sometimes (monthly to weekly)"


def test_item_types_follow_the_definition(resource: dict[str, Any]) -> None:
    items = by_link_id(resource)

    assert items["fatigue.sleep_hours"]["type"] == "integer"
    assert items["red_flags.weight_loss"]["type"] == "boolean"
    assert items["skin.diagnosed"]["type"] == "choice"
    assert items["skin.diagnosed"]["repeats"] is True
    assert items["skin.diagnosed"]["required"] is False
    assert items["history.main_concern"]["type"] == "text"
    assert items["history.main_concern"]["maxLength"] == 2000


def test_only_static_integer_bounds_are_exported(resource: dict[str, Any]) -> None:
    items = by_link_id(resource)

    def bounds(link_id: str) -> dict[str, int]:
        return {
            extension["url"].rsplit("/", 1)[1]: extension["valueInteger"]
            for extension in items[link_id].get("extension", [])
        }

    assert bounds("fatigue.sleep_hours") == {"minValue": 0, "maxValue": 16}
    # The upper bound is the year of completion, which only the document knows.
    assert bounds("history.symptom_onset_year") == {"minValue": 1900}
    assert bounds("sensitivities.foods.onset_year") == {"minValue": 1900}


def test_the_food_list_is_a_repeating_group_with_a_name_for_other_foods(
    resource: dict[str, Any],
) -> None:
    items = by_link_id(resource)
    foods = items["sensitivities.foods"]
    name = items["sensitivities.foods.name"]

    assert foods["type"] == "group"
    assert foods["repeats"] is True
    assert foods["required"] is False  # an empty list is a valid answer
    assert items["sensitivities.foods.food"]["type"] == "choice"
    assert name["type"] == "string"
    assert name["enableWhen"] == [
        {"question": "sensitivities.foods.food", "operator": "=", "answerCoding": {"code": "other"}}
    ]
    assert items["sensitivities.foods.previously_tolerated"]["type"] == "boolean"


def test_help_texts_are_display_items_under_their_question(resource: dict[str, Any]) -> None:
    help_item = by_link_id(resource)["skin.food_reactions.help"]

    assert help_item["type"] == "display"
    assert help_item["text"] == INSTRUMENT.item("skin.food_reactions").help


def test_export_command_prints_the_questionnaire_as_json(resource: dict[str, Any]) -> None:
    out = StringIO()

    call_command("export_questionnaire", "barrier-intake", "--version", "1", stdout=out)

    exported = json.loads(out.getvalue())
    assert exported == resource
    Questionnaire.model_validate(exported)


def test_export_command_defaults_to_the_latest_version(resource: dict[str, Any]) -> None:
    out = StringIO()

    call_command("export_questionnaire", "barrier-intake", stdout=out)

    assert json.loads(out.getvalue())["version"] == "1"


def test_export_command_prints_the_definition_as_json() -> None:
    out = StringIO()

    call_command("export_questionnaire", "barrier-intake", "--format", "json", stdout=out)

    definition = json.loads(out.getvalue())
    item_ids = [item["id"] for section in definition["sections"] for item in section["items"]]
    assert item_ids == list(INSTRUMENT.items)
    assert definition["patterns"][0]["rule"]["kind"] == "AllOf"


def test_export_command_names_an_unknown_instrument() -> None:
    with pytest.raises(CommandError, match="no-such-instrument"):
        call_command("export_questionnaire", "no-such-instrument", stdout=StringIO())
