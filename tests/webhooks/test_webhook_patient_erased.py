"""The patient.erased event: recorded in the erasure's transaction for the clinic's endpoints
subscribed to it, after the deliveries about the patient went, carrying ids only (the patient's
id, the time, the reason code), signed and delivered like the others."""

from __future__ import annotations

import json

import pytest
import time_machine
from rest_framework.test import APIClient

from clinic.models import Clinic, Patient, User
from screening.erasure import ErasureReason, ErasureRefused, patient_erase
from tests.factories import PatientFactory, UserFactory, screening_for
from tests.webhooks.conftest import endpoint_for
from tests.webhooks.webhook_receiver import webhook_receiver
from webhooks import services as webhooks
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

ERASED_AT = "2036-03-04T10:20:30Z"  # after the records were made


@pytest.fixture
def admin(clinic_a: Clinic) -> User:
    return UserFactory(clinic=clinic_a, role=User.Role.CLINIC_ADMIN)


@pytest.fixture
def identified(clinic_a: Clinic) -> Patient:
    """A synthetic patient with distinctive identifying values."""
    return PatientFactory(
        clinic=clinic_a,
        given_name="Ottilindra",
        family_name="Quaxbridge",
        external_id="ERASED-HOOK-9Z",
        email="ottilindra.quaxbridge@example.org",
    )


def identifying_values(patient: Patient) -> list[str]:
    return [
        patient.given_name,
        patient.family_name,
        patient.external_id,
        patient.email,
        str(patient.birth_date),
    ]


def erase(patient: Patient, admin: User, reason: str = ErasureReason.PATIENT_REQUEST) -> None:
    with time_machine.travel(ERASED_AT, tick=False):
        patient_erase(patient=patient, reason=reason, by_user=admin)


def test_a_subscribed_endpoint_gets_one_signed_delivery_naming_ids_only(
    local_hooks: None, clinic_a: Clinic, identified: Patient, admin: User
) -> None:
    with webhook_receiver(secret="whsec_test-secret") as receiver:
        # given
        endpoint = endpoint_for(clinic_a, receiver.url, ["patient.erased"])
        screening_for(identified)
        searched = identifying_values(identified)
        # when
        erase(identified, admin)
        [delivery] = WebhookDelivery.objects.filter(endpoint=endpoint)
        attempted = webhooks.webhook_delivery_attempt(
            delivery_id=delivery.pk,
            now=delivery.next_attempt_at,  # due from the erasure on
        )
    # then: the patient's id, when and why; nothing that names the person
    assert delivery.event_type == "patient.erased"
    payload = json.loads(delivery.payload)
    assert payload["type"] == "patient.erased"
    assert payload["id"] == str(delivery.event_id)
    assert payload["data"] == {
        "patient": identified.pk,
        "erased_at": ERASED_AT,
        "reason": "patient_request",
    }
    text = delivery.payload.casefold()
    assert [value for value in searched if value.casefold() in text] == []
    # signed and delivered as every event is
    assert attempted is not None and attempted.status == WebhookDelivery.Status.DELIVERED
    [request] = receiver.received
    assert request.verified is True
    assert request.body == delivery.payload.encode()
    assert request.headers["Webhook-Event"] == "patient.erased"
    assert request.headers["Webhook-Id"] == str(delivery.event_id)


def test_an_endpoint_of_every_event_keeps_the_erased_event_and_loses_the_others(
    clinic_a: Clinic, identified: Patient, admin: User
) -> None:
    # given: an endpoint of every event, holding the patient's screening.created
    endpoint = endpoint_for(clinic_a, "https://hooks.example.org/all")
    screening_for(identified)
    assert endpoint.deliveries.get().event_type == "screening.created"
    # when
    erase(identified, admin, reason=ErasureReason.RECORDED_IN_ERROR)
    # then: the event about the erasure is recorded after the patient's deliveries went
    [delivery] = endpoint.deliveries.all()
    assert delivery.event_type == "patient.erased"
    assert json.loads(delivery.payload)["data"]["reason"] == "recorded_in_error"


def test_endpoints_not_subscribed_and_other_clinics_get_no_erased_event(
    clinic_a: Clinic, clinic_b: Clinic, identified: Patient, admin: User
) -> None:
    # given
    not_subscribed = endpoint_for(
        clinic_a, "https://hooks.example.org/a", ["screening.created", "report.ready"]
    )
    other_clinic = endpoint_for(clinic_b, "https://hooks.example.org/b")
    subscribed = endpoint_for(clinic_a, "https://hooks.example.org/erased", ["patient.erased"])
    screening_for(identified)
    # when
    erase(identified, admin)
    # then
    erased_events = WebhookDelivery.objects.filter(event_type="patient.erased")
    assert [d.endpoint_id for d in erased_events] == [subscribed.pk]
    assert not_subscribed.deliveries.count() == other_clinic.deliveries.count() == 0


def test_a_refused_erasure_records_no_erased_event(
    clinic_a: Clinic, identified: Patient, admin: User
) -> None:
    # given: the clinic's retention period holds the records
    endpoint = endpoint_for(clinic_a, "https://hooks.example.org/erased", ["patient.erased"])
    clinic_a.retention_days = 36500
    clinic_a.save()
    screening_for(identified)
    # when
    with pytest.raises(ErasureRefused):
        erase(identified, admin)
    # then
    assert endpoint.deliveries.count() == 0


def test_an_endpoint_may_subscribe_to_the_erased_event_through_the_api(
    writer: APIClient, public_dns: None
) -> None:
    created = writer.post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.org/in", "events": ["patient.erased"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["events"] == ["patient.erased"]
