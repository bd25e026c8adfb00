"""FHIR QuestionnaireResponse in: the subject is matched only by the clinic's own identifier
system (or none) or `Patient/<id>`, and `authored` is judged in the sender's own offset."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import time_machine
from fhir.resources.R4B.operationoutcome import OperationOutcome
from rest_framework.test import APIClient

from clinic.models import Clinic, Patient
from screening.fhir.conventions import patient_identifier_system
from screening.fhir.response_out import questionnaire_response_resource
from screening.models import Intake
from screening.samples import sample_document
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"
HOSPITAL_SYSTEM = "urn:oid:2.16.840.1.113883.19.5"  # some other system's record numbers


def post_fhir(client: APIClient, resource: dict[str, Any]) -> Any:
    return client.post(
        "/api/fhir/QuestionnaireResponse", json.dumps(resource), content_type=FHIR_JSON
    )


def response_of(patient: Patient, document: dict[str, Any]) -> dict[str, Any]:
    """`document` as a QuestionnaireResponse about `patient`, without storing anything."""
    intake = Intake(
        clinic=patient.clinic,
        patient=patient,
        instrument=document["instrument"],
        version=document["version"],
        document=document,
    )
    resource = questionnaire_response_resource(intake)
    del resource["id"]
    return resource


def about(resource: dict[str, Any], subject: dict[str, Any], *contained: Any) -> dict[str, Any]:
    """The resource with another subject and contained resources (none: no contained)."""
    changed = {**resource, "subject": subject, "contained": list(contained)}
    if not contained:
        del changed["contained"]
    return changed


def expressions(response: Any) -> list[list[str]]:
    OperationOutcome.model_validate(response.json())
    return [issue.get("expression") for issue in response.json()["issue"]]


@pytest.fixture
def resource(patient: Patient) -> dict[str, Any]:
    return response_of(patient, sample_document(birth_date=None))


@pytest.fixture
def namesake(clinic_a: Clinic) -> Patient:
    """A second patient of the clinic, so that a wrong match would have somewhere to go."""
    return PatientFactory(clinic=clinic_a, external_id="H-1001")


# --- subject ----------------------------------------------------------------------------------


@pytest.mark.parametrize("with_system", [True, False])
def test_an_identifier_in_the_clinics_system_or_without_one_files_to_that_patient(
    with_system: bool, writer: APIClient, patient: Patient, resource: dict[str, Any]
) -> None:
    identifier = {"value": patient.external_id}
    if with_system:
        identifier["system"] = patient_identifier_system(patient.clinic)

    response = post_fhir(writer, about(resource, {"identifier": identifier}))

    assert response.status_code == 201, response.content
    assert Intake.objects.get(pk=int(response.json()["id"])).patient == patient


def test_another_systems_identifier_equal_to_an_external_id_is_refused_naming_subject(
    writer: APIClient, patient: Patient, namesake: Patient, resource: dict[str, Any]
) -> None:
    # given a hospital record number that happens to equal a patient's external id
    subject = {"identifier": {"system": HOSPITAL_SYSTEM, "value": namesake.external_id}}

    # when it is posted
    response = post_fhir(writer, about(resource, subject))

    # then it is refused, says which system is expected, and nothing is stored
    assert response.status_code == 422
    assert expressions(response) == [["subject"]]
    [issue] = response.json()["issue"]
    assert issue["code"] == "business-rule"
    assert HOSPITAL_SYSTEM in issue["diagnostics"]
    assert patient_identifier_system(patient.clinic) in issue["diagnostics"]
    assert Intake.objects.count() == 0


def contained_patient(*identifiers: dict[str, str]) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p", "identifier": list(identifiers)}


@pytest.mark.parametrize("with_system", [True, False])
def test_a_contained_patients_identifier_in_the_clinics_system_or_without_one_is_matched(
    with_system: bool, writer: APIClient, patient: Patient, resource: dict[str, Any]
) -> None:
    ours = {"value": patient.external_id}
    if with_system:
        ours["system"] = patient_identifier_system(patient.clinic)
    # Other systems' identifiers beside the clinic's are ignored: a Patient may carry several.
    contained = contained_patient({"system": HOSPITAL_SYSTEM, "value": "H-1001"}, ours)

    response = post_fhir(writer, about(resource, {"reference": "#p"}, contained))

    assert response.status_code == 201, response.content
    assert Intake.objects.get(pk=int(response.json()["id"])).patient == patient


def test_a_contained_patient_with_only_another_systems_identifier_is_refused(
    writer: APIClient, namesake: Patient, resource: dict[str, Any]
) -> None:
    contained = contained_patient({"system": HOSPITAL_SYSTEM, "value": namesake.external_id})

    response = post_fhir(writer, about(resource, {"reference": "#p"}, contained))

    assert response.status_code == 422
    assert expressions(response) == [["subject"]]
    assert Intake.objects.count() == 0


def test_a_subject_naming_two_patients_is_refused(
    writer: APIClient, patient: Patient, namesake: Patient, resource: dict[str, Any]
) -> None:
    by_identifier = {"identifier": {"value": patient.external_id}}
    two_identifiers = about(
        resource,
        {**by_identifier, "reference": "#p"},
        contained_patient({"value": namesake.external_id}),
    )
    identifier_and_reference = about(
        resource, {**by_identifier, "reference": f"Patient/{namesake.pk}"}
    )

    for mixed in (two_identifiers, identifier_and_reference):
        response = post_fhir(writer, mixed)
        assert response.status_code == 422, response.content
        assert expressions(response) == [["subject"]]
    assert Intake.objects.count() == 0


def test_a_patient_reference_still_files_within_the_clinic(
    writer: APIClient, patient: Patient, resource: dict[str, Any], clinic_b: Clinic
) -> None:
    elsewhere = PatientFactory(clinic=clinic_b)

    filed = post_fhir(writer, about(resource, {"reference": f"Patient/{patient.pk}"}))
    not_found = post_fhir(writer, about(resource, {"reference": f"Patient/{elsewhere.pk}"}))

    assert filed.status_code == 201, filed.content
    assert Intake.objects.get(pk=int(filed.json()["id"])).patient == patient
    assert not_found.status_code == 404
    assert Intake.objects.count() == 1


@pytest.mark.parametrize("by", ["reference", "identifier"])
def test_the_record_birth_date_gives_onset_after_50_through_fhir(
    by: str, writer: APIClient, patient: Patient
) -> None:
    # given a patient born 1970-03-01 whose symptoms began in 2021 (at 51), and a response
    # with no birth date in it
    patient.birth_date = datetime.date(1970, 3, 1)
    patient.save()
    document = sample_document(birth_date=None, answers={"history.symptom_onset_year": 2021})
    subject = (
        {"reference": f"Patient/{patient.pk}"}
        if by == "reference"
        else {
            "identifier": {
                "system": patient_identifier_system(patient.clinic),
                "value": patient.external_id,
            }
        }
    )
    resource = about(response_of(patient, document), subject)
    assert "birthDate" not in json.dumps(resource)

    # when it is posted
    response = post_fhir(writer, resource)

    # then the record's birth date is used and the alarm feature is there
    assert response.status_code == 201, response.content
    intake = Intake.objects.get(pk=int(response.json()["id"]))
    assert intake.birth_date_source == Intake.BirthDateSource.PATIENT_RECORD
    screening = intake.screenings.get()
    assert "onset_after_50" in screening.result["red_flags"]
    assert screening.refer_first is True


def test_a_contained_birth_date_that_differs_from_the_record_is_refused(
    writer: APIClient, patient: Patient
) -> None:
    # given a response whose contained Patient was born on another day than the record says
    patient.birth_date = datetime.date(1970, 3, 1)
    patient.save()
    resource = response_of(patient, sample_document(birth_date="1980-03-01"))
    assert resource["contained"][0]["birthDate"] == "1980-03-01"

    # when it is posted
    response = post_fhir(writer, resource)

    # then it is refused naming the birth date, and nothing is stored
    assert response.status_code == 400, response.content
    assert "patient.birth_date" in response.content.decode()
    assert "differs from the birth date in the patient's record" in response.content.decode()
    assert Intake.objects.count() == 0


# --- authored ---------------------------------------------------------------------------------


NOON_UTC = "2026-12-01T12:00:00Z"


def authored_at(resource: dict[str, Any], authored: str) -> dict[str, Any]:
    return {**resource, "authored": authored}


def test_an_authored_already_tomorrow_in_the_senders_offset_is_accepted(
    writer: APIClient, resource: dict[str, Any]
) -> None:
    # given 12:00 UTC on 1 December, when it is 02:00 on 2 December in UTC+14
    with time_machine.travel(NOON_UTC, tick=False):
        # when a response authored at 01:00 there is posted
        response = post_fhir(writer, authored_at(resource, "2026-12-02T01:00:00+14:00"))

    # then it is stored with the sender's date
    assert response.status_code == 201, response.content
    intake = Intake.objects.get(pk=int(response.json()["id"]))
    assert intake.completed_on == datetime.date(2026, 12, 2)
    assert intake.document["completed_on"] == "2026-12-02"


def test_an_authored_after_now_is_refused_naming_authored(
    writer: APIClient, resource: dict[str, Any]
) -> None:
    # 01:00 on 2 December in UTC is 13 hours after 12:00 UTC on 1 December
    with time_machine.travel(NOON_UTC, tick=False):
        response = post_fhir(writer, authored_at(resource, "2026-12-02T01:00:00+00:00"))

    assert response.status_code == 400
    assert expressions(response) == [["authored"]]
    assert "in the future" in response.json()["issue"][0]["diagnostics"]
    assert Intake.objects.count() == 0


@pytest.mark.parametrize(
    "authored",
    [
        "2026-12-02T01:00+14:00",  # FHIR's dateTime needs seconds
        "2026-12-01T09:00:00",  # and an offset with a time
    ],
)
def test_an_authored_that_is_not_a_fhir_date_time_is_refused_naming_authored(
    authored: str, writer: APIClient, resource: dict[str, Any]
) -> None:
    with time_machine.travel(NOON_UTC, tick=False):
        response = post_fhir(writer, authored_at(resource, authored))

    assert response.status_code == 400
    assert expressions(response) == [["authored"]]
    assert Intake.objects.count() == 0


@pytest.mark.parametrize(("authored", "status"), [("2026-12-02", 201), ("2026-12-03", 400)])
def test_an_authored_date_alone_is_accepted_up_to_the_date_in_utc_plus_14(
    authored: str, status: int, writer: APIClient, resource: dict[str, Any]
) -> None:
    with time_machine.travel(NOON_UTC, tick=False):
        response = post_fhir(writer, authored_at(resource, authored))

    assert response.status_code == status, response.content
    if status == 400:
        assert expressions(response) == [["authored"]]
        assert "the latest date accepted now is 2026-12-02" in response.content.decode()
