"""What the reacting apps delete in a patient's erasure, and how they find it: report files
one by one, stored API responses and webhook deliveries narrowed in the database first."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from api.models import IdempotencyKey
from clinic.links import Links
from clinic.models import Clinic, Patient, User
from reports.receivers import report_files_delete
from screening.erasure import ErasedRecords, ErasureReason, patient_erase
from tests.factories import PatientFactory, screening_for
from tests.screening.erasure_world import clinic_admin, webhook_endpoint
from webhooks.models import WebhookDelivery
from webhooks.services import REPORT_READY, SCREENING_CREATED, event_id_for

pytestmark = pytest.mark.django_db

RECORDS = ErasedRecords(
    patient_id=7,
    clinic_id=1,
    intake_ids=frozenset({11}),
    screening_ids=frozenset({21}),
    invitation_ids=frozenset(),
)


@pytest.fixture
def admin(clinic_a: Clinic) -> User:
    return clinic_admin(clinic_a)


class FailingFirstStorage:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete(self, name: str) -> None:
        if not self.deleted and name.endswith("first.pdf"):
            self.deleted.append("(failed)")
            raise OSError(f"cannot remove {name}")
        self.deleted.append(name)


def test_a_file_that_cannot_be_deleted_keeps_no_other_and_is_logged_by_id_only(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    storage = FailingFirstStorage()
    monkeypatch.setattr("reports.receivers.reports_storage", lambda: storage)

    with caplog.at_level(logging.WARNING):
        report_files_delete([(41, "reports/1/report-41-first.pdf"), (42, "reports/1/b.pdf")])

    assert storage.deleted == ["(failed)", "reports/1/b.pdf"]
    assert "erased report 41 was not deleted (OSError)" in caplog.text
    assert "first.pdf" not in caplog.text


def test_json_text_is_about_the_records_only_when_it_parses_and_names_them() -> None:
    assert RECORDS.mentioned_in_json('{"data":{"screening":21}}')
    assert not RECORDS.mentioned_in_json('{"data":{"screening":210}}')
    assert not RECORDS.mentioned_in_json("")
    assert not RECORDS.mentioned_in_json('{"screening":21')  # cut off: not JSON


@pytest.mark.parametrize(
    "data",
    [
        {"data": {"screening": 21}},
        {"results": [{"intake": 11}]},
        {"id": 7, "external_id": "P-1"},
        {"links": {"pdf": Links("https://api.example.org").of("api:screening-report-pdf", 21)}},
        "/api/fhir/QuestionnaireResponse/11",
    ],
)
def test_every_text_about_the_records_holds_one_of_their_search_texts(data: Any) -> None:
    for text in (json.dumps(data), json.dumps(data, separators=(",", ":"))):
        assert RECORDS.mentioned_in_json(text)
        assert any(needle in text for needle in RECORDS.search_texts()), text


def stored_response(clinic: Clinic, key: str, body: dict[str, Any], location: str = "") -> int:
    return IdempotencyKey.objects.create(
        clinic=clinic,
        principal="client:1",
        key=key,
        request_sha256="0" * 64,
        status_code=201,
        response_body=json.dumps(body, separators=(",", ":")),
        location=location,
    ).pk


def test_stored_responses_are_narrowed_in_the_database_and_expired_ones_go_unread(
    clinic_a: Clinic, patient: Patient, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: responses about the patient, about another patient, and one expired
    screening = screening_for(patient)
    other = PatientFactory(clinic=clinic_a)
    about = stored_response(clinic_a, "a", {"id": screening.pk, "patient": patient.pk})
    located = stored_response(
        clinic_a, "b", {"id": patient.pk + 1000}, f"http://testserver/api/v1/patients/{patient.pk}/"
    )
    kept = stored_response(clinic_a, "c", {"id": other.pk, "external_id": other.external_id})
    with time_machine.travel(timezone.now() - timedelta(hours=25), tick=False):
        stored_response(clinic_a, "d", {"patient": other.pk})
    parsed: list[str] = []
    real = ErasedRecords.mentioned_in_json

    def spy(self: ErasedRecords, text: str) -> bool:
        parsed.append(text)
        return real(self, text)

    monkeypatch.setattr(ErasedRecords, "mentioned_in_json", spy)

    # when
    erasure = patient_erase(patient=patient, reason=ErasureReason.PATIENT_REQUEST, by_user=admin)

    # then: the two about the patient go (counted), the expired one too (not counted)
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [kept]
    assert erasure.counts["stored API responses"] == 2
    assert {about, located} & set(IdempotencyKey.objects.values_list("pk", flat=True)) == set()
    assert all(f'"id":{other.pk},' not in text for text in parsed)  # never a candidate


def delivery(clinic: Clinic, event_type: str, subject: Any, data: dict[str, Any]) -> int:
    event_id = event_id_for(event_type, subject)
    return WebhookDelivery.objects.create(
        clinic=clinic,
        endpoint=webhook_endpoint(clinic),
        event_id=event_id,
        event_type=event_type,
        payload=json.dumps({"id": str(event_id), "type": event_type, "data": data}),
    ).pk


def test_deliveries_are_found_by_event_id_or_by_their_payload(
    clinic_a: Clinic, patient: Patient, admin: User
) -> None:
    # given: the events of the patient's screening (one with an odd payload) and another's
    screening = screening_for(patient)
    other = screening_for(PatientFactory(clinic=clinic_a))
    WebhookDelivery.objects.all().delete()
    created = delivery(clinic_a, SCREENING_CREATED, screening.pk, {"note": "no ids here"})
    ready = delivery(clinic_a, REPORT_READY, "9@x", {"report": 9, "screening": screening.pk})
    kept = delivery(clinic_a, REPORT_READY, "8@x", {"report": 8, "screening": other.pk})

    # when
    erasure = patient_erase(patient=patient, reason=ErasureReason.PATIENT_REQUEST, by_user=admin)

    # then (beside the patient.erased event)
    remaining = WebhookDelivery.objects.exclude(event_type="patient.erased")
    assert list(remaining.values_list("pk", flat=True)) == [kept]
    assert erasure.counts["webhook deliveries"] == 2
    assert {created, ready}.isdisjoint(WebhookDelivery.objects.values_list("pk", flat=True))
