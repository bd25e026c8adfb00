"""`DELETE /api/v1/patients/{id}/`: erases for clinic admins and read-write clients that a
clinic admin allowed to erase (204), refused while the retention period holds the records
(409, naming the last day held and the first day allowed), to read-write clients not allowed,
read-only clients and practitioners (403); another clinic's patient is not found (404)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from audit.models import AuditEvent
from clinic.models import ApiClient, Clinic, Patient, User
from screening.models import Intake
from screening.samples import sample_document
from tests.api_callers import Tokens, bearer, staff_session
from tests.factories import PatientFactory, screening_for
from tests.screening.erasure_world import clinic_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def screened(patient: Patient) -> Patient:
    screening_for(patient)
    return patient


@pytest.fixture
def eraser(tokens: Tokens) -> APIClient:
    """Clinic A's read-write client, allowed by a clinic admin to erase patients."""
    ApiClient.objects.filter(name="practice-system").update(can_erase=True)
    return bearer(tokens.a_write)


def url(patient: Patient) -> str:
    return f"/api/v1/patients/{patient.pk}/"


def test_a_read_write_client_allowed_to_erase_erases_a_patient(
    eraser: APIClient, tokens: Tokens, screened: Patient
) -> None:
    response = eraser.delete(url(screened))

    assert response.status_code == 204
    assert response.content == b""
    assert not Patient.objects.filter(pk=screened.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.ERASE)
    client = ApiClient.objects.get(name="practice-system")
    assert (event.object_id, event.api_client_id) == (str(screened.pk), client.pk)
    assert bearer(tokens.a_write).get(url(screened)).status_code == 404


def test_a_clinic_admin_session_erases_with_a_reason(clinic_a: Clinic, screened: Patient) -> None:
    admin = clinic_admin(clinic_a)

    response = staff_session(admin).delete(url(screened) + "?reason=recorded_in_error")

    assert response.status_code == 204
    event = AuditEvent.objects.get(action=AuditEvent.Action.ERASE)
    assert event.user_id == admin.pk and event.detail.startswith("recorded_in_error: ")


def test_a_read_write_client_not_allowed_to_erase_is_refused_saying_so(
    tokens: Tokens, screened: Patient
) -> None:
    response = bearer(tokens.a_write).delete(url(screened))

    assert response.status_code == 403
    assert response.json()["detail"].startswith("This API client may not erase patients")
    assert "can erase patients" in response.json()["detail"]
    assert Intake.objects.filter(patient=screened).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ERASE).exists()


@pytest.mark.parametrize("caller", ["read client", "practitioner"])
def test_read_only_clients_and_practitioners_are_refused(
    caller: str, tokens: Tokens, practitioner: User, screened: Patient
) -> None:
    client: APIClient = (
        bearer(tokens.a_read) if caller == "read client" else staff_session(practitioner)
    )

    response = client.delete(url(screened))

    assert response.status_code == 403
    assert response.json()["status"] == 403
    assert Intake.objects.filter(patient=screened).exists()


def test_another_clinics_patient_is_not_found(tokens: Tokens, screened: Patient) -> None:
    response = bearer(tokens.b_client).delete(url(screened))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Patient.objects.filter(pk=screened.pk).exists()


@pytest.mark.usefixtures("thirty_day_retention_minimum")
def test_while_held_it_answers_409_naming_the_days_and_erases_nothing(
    eraser: APIClient, clinic_a: Clinic
) -> None:
    # given a clinic keeping records 30 days, and a patient recorded before their intake
    clinic_a.retention_days = 30
    clinic_a.save()
    patient = PatientFactory(clinic=clinic_a, created_at=datetime(2024, 12, 1, 9, tzinfo=UTC))
    with time_machine.travel("2026-03-01T09:00:00Z", tick=False):
        screening_for(patient, sample_document(completed_on="2026-03-01"))

    # when
    with time_machine.travel("2026-03-30T09:00:00Z", tick=False):
        response = eraser.delete(url(patient))

    # then
    assert response.status_code == 409
    body = response.json()
    assert (body["status"], body["code"], body["errors"]) == (409, "erasure_held", [])
    assert "held until 2026-03-31 and can be erased from 2026-04-01 on" in body["detail"]
    assert Intake.objects.filter(patient=patient).count() == 1


def test_an_unknown_reason_is_refused(eraser: APIClient, screened: Patient) -> None:
    response = eraser.delete(url(screened) + "?reason=retention")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reason"
    assert Patient.objects.filter(pk=screened.pk).exists()


def test_the_schema_documents_the_erasure_and_its_refusal(tokens: Tokens) -> None:
    schema = bearer(tokens.a_write).get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/patients/{id}/"]["delete"]
    assert {"204", "403", "404", "409"} <= set(operation["responses"])
    assert "erasure_held" in operation["responses"]["409"]["description"]
    assert "allowed to erase" in operation["description"]
    (reason,) = operation["parameters"][-1:]
    assert reason["name"] == "reason"
    assert reason["schema"]["enum"] == ["patient_request", "recorded_in_error"]
