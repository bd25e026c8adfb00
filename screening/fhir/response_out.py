"""Intake -> QuestionnaireResponse: the intake's answers grouped by section exactly as the
Questionnaire (`screening.fhir.questionnaire`) declares them, its patient contained."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from screening.fhir.conventions import fhir_status, patient_identifier_system
from screening.fhir.questionnaire import FOOD_ENTRY_FIELDS, food_entry_link_id
from screening.instruments import get_instrument
from screening.instruments.definition import Instrument, Item, ItemType
from screening.models import Intake

CONTAINED_PATIENT_ID = "subject"


def questionnaire_response_resource(intake: Intake) -> dict[str, Any]:
    """The intake as a QuestionnaireResponse; plain JSON-able data."""
    instrument = get_instrument(intake.instrument, intake.version)
    document = intake.document
    answers: Mapping[str, Any] = document["answers"]
    patient = intake.patient
    clinic = intake.clinic
    contained_patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": CONTAINED_PATIENT_ID,
        "identifier": [{"system": patient_identifier_system(clinic), "value": patient.external_id}],
    }
    birth_date = (document.get("patient") or {}).get("birth_date")
    if birth_date is not None:
        contained_patient["birthDate"] = birth_date
    groups = [group for group in _section_groups(instrument, answers) if group.get("item")]
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(intake.pk),
        "contained": [contained_patient],
        "questionnaire": f"{instrument.url}|{instrument.version}",
        # Entered in error: the response stays readable, flagged for the systems that copied it.
        "status": fhir_status(
            entered_in_error=intake.entered_in_error_at is not None, otherwise="completed"
        ),
        "subject": {
            "reference": f"#{CONTAINED_PATIENT_ID}",
            "type": "Patient",
            "identifier": {
                "system": patient_identifier_system(clinic),
                "value": patient.external_id,
            },
        },
        "authored": document["completed_on"],
        "item": groups,
    }
    if not groups:
        del resource["item"]
    return resource


def _section_groups(instrument: Instrument, answers: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for section in instrument.sections:
        items: list[dict[str, Any]] = []
        for item in section.items:
            if item.id in answers:
                items.extend(_answer_items(item, answers[item.id]))
        yield {"linkId": section.id, "text": section.title, "item": items}


def _answer_items(item: Item, value: Any) -> list[dict[str, Any]]:
    if item.type is ItemType.FOOD_LIST:
        if not value:
            # The group without repetitions: "answered, no foods".
            return [{"linkId": item.id, "text": item.label}]
        return [_food_entry(item, entry) for entry in value]
    answer = [{**fhir_value} for fhir_value in _fhir_values(item, value)]
    resource: dict[str, Any] = {"linkId": item.id, "text": item.label}
    if answer:
        resource["answer"] = answer
    return [resource]


def _fhir_values(item: Item, value: Any) -> list[dict[str, Any]]:
    if item.type is ItemType.SCALE:
        assert item.scale is not None
        return [{"valueCoding": {"code": str(value), "display": item.scale.label_for(value)}}]
    if item.type is ItemType.INTEGER:
        return [{"valueInteger": value}]
    if item.type is ItemType.BOOLEAN:
        return [{"valueBoolean": value}]
    if item.type is ItemType.CHOICE:
        return [{"valueCoding": {"code": value, "display": item.choice_label(value)}}]
    if item.type is ItemType.MULTI_CHOICE:
        return [
            {"valueCoding": {"code": code, "display": item.choice_label(code)}} for code in value
        ]
    if item.type is ItemType.TEXT:
        return [{"valueString": value}]
    raise ValueError(f"{item.id}: no FHIR answer for item type {item.type}")


def _food_entry(item: Item, entry: Mapping[str, Any]) -> dict[str, Any]:
    fields: list[dict[str, Any]] = []
    for field in FOOD_ENTRY_FIELDS:
        if field not in entry:
            continue
        value = entry[field]
        if field == "food":
            fhir_value: dict[str, Any] = {
                "valueCoding": {"code": value, "display": item.choice_label(value)}
            }
        elif field == "name":
            fhir_value = {"valueString": value}
        elif field == "onset_year":
            fhir_value = {"valueInteger": value}
        else:
            fhir_value = {"valueBoolean": value}
        fields.append({"linkId": food_entry_link_id(item, field), "answer": [fhir_value]})
    return {"linkId": item.id, "text": item.label, "item": fields}
